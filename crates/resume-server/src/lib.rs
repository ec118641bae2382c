//! The server side of steadysocket's resume protocol (docs/PROTOCOL.md in
//! the repository), for tokio: a client's **session** outlives its
//! connections, and messages go both ways exactly once and in order across
//! dropped links, as long as the session lives.
//!
//! ```no_run
//! use axum::{extract::ws::WebSocketUpgrade, response::Response, routing::get, Router};
//! use steadysocket_server::{Message, ResumeServer, Settings};
//!
//! # async fn run() {
//! let server = ResumeServer::new(Settings::default(), |session| {
//!     tokio::spawn(async move {
//!         // Each client message once, in order; dropping it is the commit
//!         // point (only then is it acknowledged).
//!         while let Some(message) = session.recv().await {
//!             if let Message::Text(text) = &*message {
//!                 // Resolves once the reply is kept for replay.
//!                 let _ = session.send(Message::Text(format!("echo:{text}"))).await;
//!             }
//!         }
//!     });
//! });
//! let app = Router::new().route(
//!     "/ws",
//!     get(move |ws: WebSocketUpgrade| async move {
//!         let (ws, protocol) = server.upgrade(ws);
//!         // Who the connection is: your authentication here (None refuses it).
//!         let identity = Some("alice".to_string());
//!         let server = server.clone();
//!         ws.on_upgrade(move |socket| async move { server.serve_axum(socket, &protocol, identity).await })
//!     }),
//! );
//! # let _: Router = app;
//! # }
//! ```
//!
//! Sessions live in this process (they do not survive a restart).

mod adapters;
mod link;
mod session;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use link::{WsFrame, CLOSE_SUPERSEDED};
pub use session::{Incoming, Session, SessionEnded, Stats};
use steadysocket_engine::resume::{chosen, SUBPROTOCOL};

/// A message as the application sends and receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message (a WebSocket text frame on the wire).
    Text(String),
    /// Binary data.
    Binary(Vec<u8>),
}

impl Message {
    /// Its size in bytes (UTF-8 for text).
    pub fn len(&self) -> usize {
        match self {
            Message::Text(t) => t.len(),
            Message::Binary(b) => b.len(),
        }
    }

    /// Whether it has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a server keeps and refuses (docs/PROTOCOL.md, "What a server keeps
/// and refuses"). The defaults are the Node adapter's.
#[derive(Clone, Debug)]
pub struct Settings {
    pub(crate) session_ttl: Duration,
    pub(crate) max_replay_messages: usize,
    pub(crate) max_replay_bytes: usize,
    pub(crate) max_total_replay_bytes: usize,
    pub(crate) max_resumes_per_session: usize,
    pub(crate) max_resumes_per_identity: usize,
    pub(crate) max_inbox_messages: usize,
    pub(crate) hello_timeout: Duration,
    pub(crate) ack_every: u64,
    pub(crate) ack_delay: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            session_ttl: Duration::from_secs(120),
            max_replay_messages: 1000,
            max_replay_bytes: 1 << 20,
            max_total_replay_bytes: 64 << 20,
            max_resumes_per_session: 120,
            max_resumes_per_identity: 600,
            max_inbox_messages: 10_000,
            hello_timeout: Duration::from_secs(10),
            ack_every: 32,
            ack_delay: Duration::from_millis(100),
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty),* $(,)?) => {
        impl Settings {
            $($(#[$doc])* pub fn $name(mut self, value: $ty) -> Settings {
                self.$name = value;
                self
            })*
        }
    };
}

setters! {
    /// How long a session without a connection is kept (2 minutes).
    session_ttl: Duration,
    /// Messages kept for one session's replay, at most; `send` waits past it (1000).
    max_replay_messages: usize,
    /// Bytes kept for one session's replay, at most; one larger message goes alone (1 MiB).
    max_replay_bytes: usize,
    /// Bytes kept for replay across all sessions, at most (64 MiB).
    max_total_replay_bytes: usize,
    /// Resume attempts per session id per minute; more are closed with 1013 (120).
    max_resumes_per_session: usize,
    /// Resume attempts per identity per minute (600).
    max_resumes_per_identity: usize,
    /// Client messages received and not yet processed, per session; more close the connection with 4400 (10,000).
    max_inbox_messages: usize,
    /// How long a connection may take to send its hello (10 s).
    hello_timeout: Duration,
    /// Acknowledge after this many processed messages at most (32).
    ack_every: u64,
    /// Acknowledge a processed message within this time (100 ms).
    ack_delay: Duration,
}

/// A counter per key over a sliding minute.
#[derive(Default)]
struct RateLimit {
    hits: HashMap<String, VecDeque<Instant>>,
}

impl RateLimit {
    /// Counts one attempt; false when over `per_minute`.
    fn take(&mut self, key: &str, per_minute: usize, now: Instant) -> bool {
        let recent = self.hits.entry(key.to_owned()).or_default();
        while recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            recent.pop_front();
        }
        let ok = recent.len() < per_minute;
        if ok {
            recent.push_back(now);
        }
        ok
    }
}

pub(crate) struct Shared {
    pub(crate) settings: Settings,
    on_session: Box<dyn Fn(Session) + Send + Sync>,
    state: Mutex<ServerState>,
    /// Woken when replay bytes are freed anywhere.
    pub(crate) room: tokio::sync::Notify,
}

#[derive(Default)]
struct ServerState {
    sessions: HashMap<[u8; 16], Arc<session::SessionCore>>,
    per_session: RateLimit,
    per_identity: RateLimit,
    total_bytes: usize,
    next_link: u64,
}

/// Bytes in lower-case hex (session ids in keys and logs).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A poisoned lock (a panic elsewhere) still holds consistent data here:
/// every change under it is complete before anything can panic.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where a resume lookup ended.
pub(crate) enum Found {
    Session(Arc<session::SessionCore>),
    /// Unknown, expired, or another identity's: all alike.
    Lost,
    /// Too many attempts.
    Limited,
}

/// The resume protocol's server: hand it every upgraded connection that
/// picked the protocol. Cheap to clone (one shared state).
#[derive(Clone)]
pub struct ResumeServer {
    shared: Arc<Shared>,
}

impl ResumeServer {
    /// A server whose new sessions (also the one after a client's resync)
    /// are handed to `on_session`, before their first message.
    pub fn new(settings: Settings, on_session: impl Fn(Session) + Send + Sync + 'static) -> Self {
        ResumeServer {
            shared: Arc::new(Shared {
                settings,
                on_session: Box::new(on_session),
                state: Mutex::new(ServerState::default()),
                room: tokio::sync::Notify::new(),
            }),
        }
    }

    /// The protocol to answer among those a client offered: the resume
    /// token of the first offered application protocol `accept` takes
    /// (`steadysocket.resume.v1~p`), else the bare token, else `None` (the
    /// client does not offer resume: a plain WebSocket, the application's
    /// to handle).
    pub fn select_protocol<'a>(
        offered: impl IntoIterator<Item = &'a str>,
        accept: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let offered: Vec<&str> = offered.into_iter().collect();
        offered
            .iter()
            .find(|p| matches!(chosen(p), (true, app) if **p != SUBPROTOCOL && accept(app)))
            .or_else(|| offered.iter().find(|p| **p == SUBPROTOCOL))
            .map(|p| (*p).to_owned())
    }

    /// Live sessions in this process (with or without a connection).
    pub fn sessions(&self) -> usize {
        lock(&self.shared.state).sessions.len()
    }

    /// Bytes kept for replay across all sessions now.
    pub fn replay_bytes(&self) -> usize {
        lock(&self.shared.state).total_bytes
    }
}

impl Shared {
    pub(crate) fn next_link(&self) -> u64 {
        let mut state = lock(&self.state);
        state.next_link += 1;
        state.next_link
    }

    /// A new session for `identity`, handed to the application; `None`
    /// without a secure random source for its id (a guessable stand-in
    /// would let anyone resume it).
    pub(crate) fn create(
        self: &Arc<Self>,
        identity: &str,
        protocol: &str,
    ) -> Option<Arc<session::SessionCore>> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).ok()?;
        let core = Arc::new(session::SessionCore::new(self, id, identity, protocol));
        lock(&self.state).sessions.insert(id, core.clone());
        (self.on_session)(Session::new(core.clone()));
        Some(core)
    }

    pub(crate) fn find(&self, id: &[u8], identity: &str) -> Found {
        let now = Instant::now();
        let s = &self.settings;
        let mut state = lock(&self.state);
        let key = hex(id);
        let state = &mut *state;
        if !state.per_session.take(&key, s.max_resumes_per_session, now)
            || !state
                .per_identity
                .take(identity, s.max_resumes_per_identity, now)
        {
            return Found::Limited;
        }
        let found = <[u8; 16]>::try_from(id)
            .ok()
            .and_then(|id| state.sessions.get(&id))
            .filter(|c| c.identity == identity);
        match found {
            Some(core) => Found::Session(core.clone()),
            None => Found::Lost,
        }
    }

    pub(crate) fn forget(&self, id: &[u8; 16], bytes: usize) {
        let mut state = lock(&self.state);
        state.sessions.remove(id);
        state.total_bytes = state.total_bytes.saturating_sub(bytes);
        drop(state);
        self.room.notify_waiters();
    }

    /// Takes `bytes` under the total cap; false when they do not fit.
    pub(crate) fn keep(&self, bytes: usize) -> bool {
        let mut state = lock(&self.state);
        let fits = state.total_bytes == 0
            || state.total_bytes + bytes <= self.settings.max_total_replay_bytes;
        if fits {
            state.total_bytes += bytes;
        }
        fits
    }

    pub(crate) fn freed(&self, bytes: usize) {
        if bytes == 0 {
            return;
        }
        let mut state = lock(&self.state);
        state.total_bytes = state.total_bytes.saturating_sub(bytes);
        drop(state);
        self.room.notify_waiters();
    }
}
