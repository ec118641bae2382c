//! One server process of the two-instance soak (tests/soak/fleet.mjs) on
//! this adapter, as tests/soak/instance.mjs is on the Node one: sessions in
//! Redis, an application that tallies each client message "c<n>" in Redis
//! once per (session, seq) (tests/soak/tally.lua), and `GET /produce?n=N`,
//! asked straight (not through the proxy), sending N more server messages
//! "s<k>" to each session a connection holds here. Every 200 ms it reports
//! its replays under `<prefix>replayed`.
//! `soak_instance --redis URL --prefix P [--port N]` prints `listening on <port>`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ws::WebSocketUpgrade, Query};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use steadysocket_server::{Message, RedisStore, ResumeServer, Session, Settings};

#[derive(Default)]
struct Live {
    sessions: Vec<Session>,
    /// Replays of the sessions that ended here.
    replayed: u64,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
}

async fn application(
    session: Session,
    redis: redis::aio::ConnectionManager,
    prefix: String,
    live: Arc<Mutex<Live>>,
) {
    // Which adapter took sessions (the fleet checks each of its kinds did).
    let _ = redis::cmd("HINCRBY")
        .arg(format!("{prefix}took"))
        .arg("rust")
        .arg(1)
        .query_async::<i64>(&mut redis.clone())
        .await;
    let tally = redis::Script::new(include_str!("../../../tests/soak/tally.lua"));
    while let Some(incoming) = session.recv().await {
        let Message::Text(text) = incoming.message() else {
            continue;
        };
        let Some(n) = text.strip_prefix('c') else {
            continue;
        };
        let mut redis = redis.clone();
        let counted = tally
            .key(format!("{prefix}tally:seqs"))
            .key(format!("{prefix}tally:numbers"))
            .key(format!("{prefix}tally"))
            .arg(format!("{}:{}", session.short_id(), incoming.seq()))
            .arg(n)
            .invoke_async::<i64>(&mut redis)
            .await;
        if let Err(e) = counted {
            eprintln!("soak instance: the tally failed: {e}");
        }
        // `incoming` drops here: processed, recorded, acknowledged.
    }
    let mut live = live.lock().unwrap_or_else(|e| e.into_inner());
    live.replayed += session.stats().replayed;
    live.sessions.retain(|s| !s.ended());
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = arg(&args, "--redis").ok_or("--redis URL is required")?;
    let prefix = arg(&args, "--prefix").unwrap_or_else(|| "soak:".into());
    let port: u16 = arg(&args, "--port")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let redis = redis::Client::open(url.as_str())?
        .get_connection_manager()
        .await?;
    let live = Arc::new(Mutex::new(Live::default()));
    let settings = Settings::default()
        .session_ttl(Duration::from_secs(60))
        .max_resumes_per_session(1_000_000)
        .max_resumes_per_identity(1_000_000);
    let store = RedisStore::new(redis.clone()).prefix(&prefix);
    let server = {
        let (redis, prefix, live) = (redis.clone(), prefix.clone(), live.clone());
        ResumeServer::with_store(settings, store, move |session: Session| {
            live.lock()
                .unwrap_or_else(|e| e.into_inner())
                .sessions
                .push(session.clone());
            tokio::spawn(application(
                session,
                redis.clone(),
                prefix.clone(),
                live.clone(),
            ));
        })
    };
    {
        let (mut redis, prefix, live) = (redis.clone(), prefix.clone(), live.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let now = {
                    let live = live.lock().unwrap_or_else(|e| e.into_inner());
                    live.replayed
                        + live
                            .sessions
                            .iter()
                            .map(|s| s.stats().replayed)
                            .sum::<u64>()
                };
                let _ = redis::cmd("HSET")
                    .arg(format!("{prefix}replayed"))
                    .arg(std::process::id())
                    .arg(now)
                    .query_async::<i64>(&mut redis)
                    .await;
            }
        });
    }
    let produce = move |Query(query): Query<HashMap<String, String>>| {
        let live = live.clone();
        async move {
            let n: u64 = query.get("n").and_then(|n| n.parse().ok()).unwrap_or(1);
            let sessions: Vec<Session> = live
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .sessions
                .clone();
            let mut sent = 0;
            for session in sessions.iter().filter(|s| s.connected()) {
                for _ in 0..n {
                    let _ = session
                        .send(Message::Text(format!("s{}", session.sent() + 1)))
                        .await;
                    sent += 1;
                }
            }
            format!("{{\"sent\":{sent}}}")
        }
    };
    let app = Router::new().route("/produce", get(produce)).route(
        "/",
        get(move |ws: WebSocketUpgrade| async move {
            let (ws, protocol) = server.upgrade(ws);
            ws.on_upgrade(move |socket| async move {
                server
                    .serve_axum(socket, &protocol, Some(String::new()))
                    .await
            })
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on {}", listener.local_addr()?.port());
    // Small frames go out at once (no Nagle wait behind an unacknowledged
    // one: the client's delayed ACK would hold them 40 ms).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await?;
    Ok(())
}
