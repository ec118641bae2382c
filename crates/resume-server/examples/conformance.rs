//! The conformance application (docs/PROTOCOL.md, "Conformance") on this
//! adapter, with axum and the conformance settings. Prints
//! `listening on <port>` and serves ws://127.0.0.1:<port>/ until killed;
//! with `--redis URL`, its sessions in Redis (`RedisStore`).
//! `cargo run -p steadysocket-server --features redis --example conformance -- [--redis URL]`.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{ws::WebSocketUpgrade, Query};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use steadysocket_server::{MemoryStore, Message, RedisStore, ResumeServer, Session, Settings};

async fn application(session: Session) {
    let mut produced = 0u64;
    while let Some(incoming) = session.recv().await {
        let text = match incoming.message() {
            Message::Binary(_) => {
                // Binary data goes back as it came.
                let _ = session.send(incoming.message().clone()).await;
                continue;
            }
            Message::Text(text) => text.clone(),
        };
        let (command, arg) = text.split_once(' ').unwrap_or((text.as_str(), ""));
        match command {
            "echo" => {
                let _ = session.send(Message::Text(format!("echo:{arg}"))).await;
            }
            "produce" => {
                for _ in 0..arg.parse::<u64>().unwrap_or(0) {
                    produced += 1;
                    let _ = session.send(Message::Text(format!("p{produced}"))).await;
                }
            }
            "slow" => tokio::time::sleep(Duration::from_millis(arg.parse().unwrap_or(0))).await,
            _ => {}
        }
        // `incoming` drops here: processed, and acknowledged in time.
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let redis = args
        .iter()
        .position(|a| a == "--redis")
        .and_then(|at| args.get(at + 1));
    let settings = Settings::default()
        .session_ttl(Duration::from_millis(1000))
        .max_replay_messages(8)
        .max_resumes_per_session(20)
        .hello_timeout(Duration::from_millis(1000));
    let on_session = |session| {
        tokio::spawn(application(session));
    };
    let server = match redis {
        Some(url) => {
            let prefix = format!("conformance:{}:", std::process::id());
            let store = RedisStore::connect(url).await?.prefix(&prefix);
            ResumeServer::with_store(settings, store, on_session)
        }
        None => ResumeServer::with_store(settings, MemoryStore::new(), on_session),
    };
    let app = Router::new().route(
        "/",
        get(
            move |ws: WebSocketUpgrade, Query(query): Query<HashMap<String, String>>| async move {
                let (ws, protocol) = server.upgrade(ws);
                // The identity: the `user` query parameter (none: refused).
                let identity = query.get("user").filter(|u| !u.is_empty()).cloned();
                ws.on_upgrade(move |socket| async move {
                    server.serve_axum(socket, &protocol, identity).await
                })
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    println!("listening on {}", listener.local_addr()?.port());
    // Small frames go out at once (no Nagle wait behind an unacknowledged
    // one: the client's delayed ACK would hold them 40 ms).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await?;
    Ok(())
}
