//! steadysocket's test server: WebSocket endpoints (`/echo`, `/chat`,
//! `/ticker`), a control API that injects faults (see [`control`]), and static
//! files for the demo page and the built package.

pub mod control;
pub mod hub;
mod resume;
mod ws;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::Request;
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;

use hub::{Endpoint, Hub};

/// Where the server listens and what it serves.
#[derive(Clone, Debug)]
pub struct Config {
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Served at `/` (the demo page).
    pub www: PathBuf,
    /// Served at `/pkg/` (the built wasm and its glue).
    pub pkg: PathBuf,
    /// Served at `/js/` (the package's JavaScript API).
    pub js: PathBuf,
}

/// The router with every route, over a shared hub.
pub fn router(hub: Arc<Hub>, config: &Config) -> Router {
    let mut app = Router::new();
    for endpoint in [
        Endpoint::Echo,
        Endpoint::Chat,
        Endpoint::Ticker,
        Endpoint::Sink,
    ] {
        app = app.route(
            endpoint.path(),
            get(
                move |state: State<Arc<Hub>>,
                      query: Query<HashMap<String, String>>,
                      req: Request<Body>| {
                    ws::upgrade(endpoint, state, query, req)
                },
            ),
        );
    }
    app.route("/control/{action}", post(control::act))
        .route("/control/{action}", get(control::report))
        .nest_service("/pkg", ServeDir::new(&config.pkg))
        .nest_service("/js", ServeDir::new(&config.js))
        .fallback_service(ServeDir::new(&config.www))
        // Browser tests run on pages of another origin and call the control API.
        .layer(CorsLayer::permissive())
        .with_state(hub)
}

/// Binds the listener and returns its address and the serving future.
pub async fn bind(
    config: Config,
) -> std::io::Result<(
    SocketAddr,
    impl std::future::Future<Output = std::io::Result<()>>,
)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let app = router(Arc::new(Hub::default()), &config);
    // Small frames go out at once (no Nagle wait behind an unacknowledged
    // one: the client's delayed ACK would hold them 40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    Ok((addr, async move { axum::serve(listener, app).await }))
}
