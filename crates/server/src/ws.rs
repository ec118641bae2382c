//! The WebSocket endpoints: the upgrade handshake and one task per connection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::hub::{ChatFrame, ClientClose, Endpoint, Fault, Hub, Malformed, Registration};

/// The longest ticker interval a client may ask for, and the shortest.
const TICKER_MS: (u64, u64) = (1, 60_000);

/// Handles a request to one of the WebSocket endpoints.
pub async fn upgrade(
    endpoint: Endpoint,
    State(hub): State<Arc<Hub>>,
    Query(query): Query<HashMap<String, String>>,
    mut req: Request<Body>,
) -> Response<Body> {
    let scope = query.get("test").cloned().unwrap_or_default();
    let key = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned();
    let upgrade = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>();
    let (Some(key), Some(upgrade)) = (key, upgrade) else {
        return plain(StatusCode::BAD_REQUEST, "expected a WebSocket upgrade");
    };
    if hub.refuses(&scope, endpoint) {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "upgrades refused (fault)");
    }
    // The stall fault: no answer while it lasts (the client stays connecting).
    while hub.stalls(&scope) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let interval = query
        .get("interval_ms")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1000)
        .clamp(TICKER_MS.0, TICKER_MS.1);
    let offered = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    // /echo speaks the resume protocol when a client offers it.
    let resume = match endpoint {
        Endpoint::Echo => crate::resume::pick(&offered),
        _ => None,
    };
    let echo = query.get("echo").is_none_or(|v| v != "0");
    // Else echo the first offered subprotocol, so clients can test protocol
    // negotiation.
    let protocol = resume.clone().or_else(|| {
        offered
            .split(',')
            .next()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
    });

    let registration = hub.register(&scope, endpoint);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        if resume.is_some() {
            crate::resume::serve(ws, registration, echo).await;
        } else {
            serve(ws, registration, endpoint, Duration::from_millis(interval)).await;
        }
    });

    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    if let Some(p) = protocol.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert(header::SEC_WEBSOCKET_PROTOCOL, p);
    }
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r
}

pub(crate) type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// What the connection loop should do next.
pub(crate) enum Step {
    Continue,
    Stop,
}

async fn serve(mut ws: Socket, mut reg: Registration, endpoint: Endpoint, interval: Duration) {
    let mut blackholed = reg.scope.blackholed();
    let mut chat = reg.scope.chat().subscribe();
    let mut ticker = tokio::time::interval(interval);
    let mut seq: u64 = 0;
    loop {
        let step = tokio::select! {
            fault = reg.faults.recv() => match fault {
                Some(fault) => apply_fault(&mut ws, &reg, endpoint, fault, &mut blackholed).await,
                None => Step::Stop,
            },
            inbound = ws.next(), if !blackholed => match inbound {
                Some(Ok(msg)) => on_inbound(&mut ws, &reg, endpoint, msg).await,
                _ => Step::Stop,
            },
            // The first tick completes at once: the ticker's first message goes
            // out the instant the socket opens.
            _ = ticker.tick(), if endpoint == Endpoint::Ticker && !blackholed => {
                seq += 1;
                let text = format!(r#"{{"seq":{seq},"interval_ms":{}}}"#, interval.as_millis());
                send(&mut ws, &reg, endpoint, Message::text(text)).await
            },
            frame = chat.recv(), if endpoint == Endpoint::Chat && !blackholed => match frame {
                Ok(ChatFrame { message, .. }) => send(&mut ws, &reg, endpoint, message).await,
                // A black-holed or slow member skipped some: carry on with the newest.
                Err(RecvError::Lagged(_)) => Step::Continue,
                Err(RecvError::Closed) => Step::Stop,
            },
        };
        if let Step::Stop = step {
            return;
        }
    }
}

async fn on_inbound(ws: &mut Socket, reg: &Registration, endpoint: Endpoint, msg: Message) -> Step {
    match &msg {
        // The sink takes millions of frames: it only counts them.
        Message::Text(text) if endpoint != Endpoint::Sink => reg.scope.log_received(text.as_str()),
        Message::Text(_) => {}
        Message::Binary(_) => {}
        // tungstenite answers pings itself; a close is answered on the next poll.
        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => return Step::Continue,
        Message::Close(frame) => {
            reg.scope.log_close(ClientClose {
                code: frame.as_ref().map_or(1005, |f| u16::from(f.code)),
                reason: frame
                    .as_ref()
                    .map_or_else(String::new, |f| f.reason.to_string()),
            });
            return Step::Continue;
        }
    }
    reg.scope.count(endpoint, |c| c.frames_in += 1);
    match endpoint {
        Endpoint::Echo => send(ws, reg, endpoint, msg).await,
        Endpoint::Chat => {
            // No receivers is fine: the sender is always subscribed while alive.
            let _ = reg.scope.chat().send(ChatFrame {
                from: reg.id,
                message: msg,
            });
            Step::Continue
        }
        Endpoint::Ticker | Endpoint::Sink => Step::Continue,
    }
}

async fn send(ws: &mut Socket, reg: &Registration, endpoint: Endpoint, msg: Message) -> Step {
    let delay = reg.scope.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match ws.send(msg).await {
        Ok(()) => {
            reg.scope.count(endpoint, |c| c.frames_out += 1);
            Step::Continue
        }
        Err(_) => Step::Stop,
    }
}

pub(crate) async fn apply_fault(
    ws: &mut Socket,
    reg: &Registration,
    endpoint: Endpoint,
    fault: Fault,
    blackholed: &mut bool,
) -> Step {
    match fault {
        // Returning drops the stream: the TCP connection closes with no close frame.
        Fault::Drop => Step::Stop,
        Fault::Blackhole(on) => {
            *blackholed = on;
            Step::Continue
        }
        Fault::Close {
            code,
            reason,
            linger,
        } if linger => {
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            };
            let _ = ws.send(Message::Close(Some(frame))).await;
            // Keep the TCP connection (and so the stream) without reading:
            // the client's answering close goes unread, and no FIN is sent.
            tokio::time::sleep(Duration::from_secs(30)).await;
            Step::Stop
        }
        Fault::Close { code, reason, .. } => {
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            };
            if ws.close(Some(frame)).await.is_ok() {
                // Wait briefly for the client's answering close, then let go.
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
            }
            Step::Stop
        }
        Fault::Malformed(kind) => {
            let msg = match kind {
                Malformed::Json => Message::text(r#"{"malformed": tru"#),
                Malformed::Binary => Message::binary(vec![0xc1, 0xff, 0x00, 0x13]),
                // Sent as a raw frame: tungstenite would refuse invalid UTF-8 in a
                // Message::Text, and the point is to break the protocol.
                Malformed::Utf8 => Message::Frame(Frame::message(
                    vec![0x7b, 0xff, 0xfe, 0x7d],
                    OpCode::Data(Data::Text),
                    true,
                )),
            };
            send(ws, reg, endpoint, msg).await
        }
        Fault::Oversized(size) => {
            // A valid JSON string of exactly `size` bytes.
            let body = "x".repeat(size.saturating_sub(2));
            let text = format!("\"{body}\"");
            send(ws, reg, endpoint, Message::text(text)).await
        }
    }
}
