//! The control API: HTTP endpoints under `/control/` that inject faults and
//! report counters. Every call takes `test=NAME` (the scope; `default` when
//! missing) and, where it acts on connections, an optional `endpoint=/echo`.
//!
//! | call | effect |
//! | --- | --- |
//! | `POST /control/drop` | drop live connections abruptly, no close frame |
//! | `POST /control/close?code=C&reason=R` | close live connections with a code |
//! | `POST /control/close?code=C&linger=true` | send the close frame, then keep TCP open for 30 s (no FIN) |
//! | `POST /control/refuse?ms=N` | answer upgrades with 503 for N ms |
//! | `POST /control/stall?ms=N` | leave upgrade requests unanswered for N ms (default 30 s) or until reset |
//! | `POST /control/blackhole?on=true` | stop reading and writing, live and future |
//! | `POST /control/delay?ms=N` | delay every outbound frame by N ms |
//! | `POST /control/malformed?kind=json\|utf8\|binary` | send a malformed frame |
//! | `POST /control/oversized?bytes=N` | send a text frame of N bytes |
//! | `POST /control/reset` | clear the scope's faults, counters and log |
//! | `GET /control/stats` | counters per endpoint, as JSON |
//! | `GET /control/received` | text frames received, oldest first, as JSON |
//! | `GET /control/closes` | close frames clients sent (`code`, `reason`), oldest first |
//! | `POST /control/produce?n=N` | resume: the server sends N numbered texts (`s1`, `s2`, ...) in every session of the scope |
//! | `POST /control/forget` | resume: forget the scope's sessions (resumes then fail) |
//! | `POST /control/log?line=L` | keep a line (the soak's results) for `GET /control/lines`, across scopes |
//! | `GET /control/resume` | resume: each session's counters (received, duplicated, reordered, produced, ...) |

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::hub::{Endpoint, Fault, Hub, Malformed, Target};

/// The largest frame `/control/oversized` will build (64 MiB).
const MAX_OVERSIZED: usize = 64 << 20;

type Params = HashMap<String, String>;

/// Handles `POST /control/{action}`.
pub async fn act(
    State(hub): State<Arc<Hub>>,
    Path(action): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    match run(&hub, &action, &params) {
        Ok(body) => Json(body).into_response(),
        Err(message) => {
            (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
        }
    }
}

/// Handles `GET /control/{report}`.
pub async fn report(
    State(hub): State<Arc<Hub>>,
    Path(report): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let scope = params.get("test").map(String::as_str).unwrap_or("");
    match report.as_str() {
        "stats" => Json(hub.stats(scope)).into_response(),
        "received" => Json(hub.received(scope)).into_response(),
        "closes" => Json(hub.closes(scope)).into_response(),
        "resume" => Json(hub.scope(scope).resume.stats()).into_response(),
        "lines" => Json(hub.lines()).into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "no such report" })),
        )
            .into_response(),
    }
}

fn run(hub: &Hub, action: &str, params: &Params) -> Result<serde_json::Value, String> {
    let target = Target {
        scope: params.get("test").cloned().unwrap_or_default(),
        endpoint: match params.get("endpoint") {
            None => None,
            Some(path) => {
                Some(Endpoint::from_path(path).ok_or(format!("unknown endpoint {path:?}"))?)
            }
        },
    };
    let scope = target.scope.as_str();
    let affected = match action {
        "drop" => hub.inject(&target, Fault::Drop),
        "close" => {
            let code: u16 = number(params, "code")?.unwrap_or(1000);
            if !sendable_close_code(code) {
                return Err(format!(
                    "close code {code} cannot be sent in a close frame (use drop for 1006)"
                ));
            }
            let reason = params.get("reason").cloned().unwrap_or_default();
            if reason.len() > 123 {
                return Err("a close reason is at most 123 bytes".into());
            }
            let linger = params.get("linger").is_some_and(|v| v == "true");
            hub.inject(
                &target,
                Fault::Close {
                    code,
                    reason,
                    linger,
                },
            )
        }
        "refuse" => {
            hub.refuse_for(
                scope,
                Duration::from_millis(number(params, "ms")?.unwrap_or(1000)),
            );
            0
        }
        "stall" => {
            hub.stall_for(
                scope,
                Duration::from_millis(number(params, "ms")?.unwrap_or(30_000)),
            );
            0
        }
        "blackhole" => {
            let on = params.get("on").is_none_or(|v| v != "false" && v != "0");
            hub.set_blackhole(&target, on)
        }
        "delay" => {
            hub.set_delay(
                scope,
                Duration::from_millis(number(params, "ms")?.unwrap_or(0)),
            );
            0
        }
        "malformed" => {
            let kind = match params.get("kind").map(String::as_str).unwrap_or("json") {
                "json" => Malformed::Json,
                "utf8" => Malformed::Utf8,
                "binary" => Malformed::Binary,
                other => return Err(format!("unknown malformed kind {other:?}")),
            };
            hub.inject(&target, Fault::Malformed(kind))
        }
        "oversized" => {
            let bytes: usize = number(params, "bytes")?.unwrap_or(1 << 20);
            if bytes > MAX_OVERSIZED {
                return Err(format!("at most {MAX_OVERSIZED} bytes"));
            }
            hub.inject(&target, Fault::Oversized(bytes))
        }
        "reset" => {
            hub.reset(scope);
            hub.set_blackhole(&target, false)
        }
        "produce" => {
            let n: u64 = number(params, "n")?.unwrap_or(1);
            if n > 1_000_000 {
                return Err("at most 1000000 messages at a time".into());
            }
            hub.scope(scope).resume.produce(n) as usize
        }
        "log" => {
            let line = params.get("line").cloned().unwrap_or_default();
            hub.log_line(line);
            0
        }
        "forget" => {
            hub.scope(scope).resume.forget();
            0
        }
        other => return Err(format!("unknown action {other:?}")),
    };
    Ok(json!({ "action": action, "affected": affected }))
}

fn number<T: std::str::FromStr>(params: &Params, name: &str) -> Result<Option<T>, String> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} must be a whole number, got {v:?}")),
    }
}

/// Codes that may appear in a close frame on the wire (RFC 6455 section 7.4).
fn sendable_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}
