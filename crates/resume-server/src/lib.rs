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
//! Sessions live in this process by default ([`MemoryStore`]: they do not
//! survive a restart). With the `redis` feature, [`RedisStore`] keeps them
//! in Redis, shared by every process of a fleet (Node adapter processes
//! too), so that a client resumes on whichever process it reaches:
//! `ResumeServer::with_store(settings, RedisStore::connect(url).await?, on_session)`.

mod adapters;
mod link;
#[cfg(feature = "redis")]
mod redis;
mod session;
mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use link::{WsFrame, CLOSE_SUPERSEDED};
#[cfg(feature = "redis")]
pub use redis::RedisStore;
pub use session::{Incoming, Session, SessionEnded, Stats};
use steadysocket_engine::resume::{chosen, Outcome, SUBPROTOCOL};
pub use store::{Claimed, MemoryStore, Record, Store, StoreError, StoreFuture};

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
            ack_every: 128,
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
    /// Acknowledge after this many processed messages at most (128; a
    /// client's ping asks for the ack at once).
    ack_every: u64,
    /// Acknowledge a processed message within this time (100 ms).
    ack_delay: Duration,
}

pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) store: Box<dyn Store>,
    on_session: Box<dyn Fn(Session) + Send + Sync>,
    state: Mutex<ServerState>,
    /// Woken when replay bytes are freed anywhere.
    pub(crate) room: tokio::sync::Notify,
}

#[derive(Default)]
struct ServerState {
    /// The sessions this process holds, by their key.
    sessions: HashMap<String, Arc<session::SessionCore>>,
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

/// Why a hello did not get a session.
pub(crate) enum Refused {
    /// Too many resume attempts.
    Limited,
    /// A resume from a server sequence never sent.
    Range,
    /// No secure random source for a new session's id.
    NoRandom,
    /// The store failed.
    Unavailable,
}

/// The resume protocol's server: hand it every upgraded connection that
/// picked the protocol. Cheap to clone (one shared state).
#[derive(Clone)]
pub struct ResumeServer {
    shared: Arc<Shared>,
}

impl ResumeServer {
    /// A server whose sessions live in this process ([`MemoryStore`]);
    /// new sessions (also the one after a client's resync) are handed to
    /// `on_session`, before their first message.
    pub fn new(settings: Settings, on_session: impl Fn(Session) + Send + Sync + 'static) -> Self {
        ResumeServer::with_store(settings, MemoryStore::new(), on_session)
    }

    /// A server whose sessions live in `store`. With a store shared by
    /// several processes ([`RedisStore`](crate::Store)), a session a client
    /// resumes here after another process held it is handed to this
    /// process's `on_session` (and ends on the other).
    pub fn with_store(
        settings: Settings,
        store: impl Store,
        on_session: impl Fn(Session) + Send + Sync + 'static,
    ) -> Self {
        ResumeServer {
            shared: Arc::new(Shared {
                settings,
                store: Box::new(store),
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

    /// Sessions this process holds (with or without a connection).
    pub fn sessions(&self) -> usize {
        lock(&self.shared.state).sessions.len()
    }

    /// Bytes of this process's sends not yet acknowledged, across all
    /// sessions.
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

    /// A store failure, told once per change (the session ends here).
    pub(crate) fn failed(&self, error: &StoreError, key: &str) {
        eprintln!(
            "steadysocket-server: session {}: {error}",
            key.get(..8).unwrap_or(key)
        );
    }

    /// A hello takes a session: a new one (`resume` none), or the one it
    /// presents, or a new one when that one is lost (outcome Failed). The
    /// caller attaches its connection to it at the record's epoch.
    pub(crate) async fn claim(
        self: &Arc<Self>,
        identity: &str,
        protocol: &str,
        resume: Option<(Vec<u8>, u64)>,
    ) -> Result<(Arc<session::SessionCore>, Record, Outcome), Refused> {
        let s = &self.settings;
        let store = &*self.store;
        let unavailable = |e: StoreError| {
            self.failed(&e, "-");
            Refused::Unavailable
        };
        let mut claimed = None;
        if let Some((id, last)) = &resume {
            let key = hex(id);
            let allowed = store
                .rate_limit(&format!("s:{key}"), s.max_resumes_per_session)
                .await
                .map_err(unavailable)?
                && store
                    .rate_limit(&format!("i:{identity}"), s.max_resumes_per_identity)
                    .await
                    .map_err(unavailable)?;
            if !allowed {
                return Err(Refused::Limited);
            }
            match store
                .claim(&key, identity, Some(*last), s.session_ttl)
                .await
                .map_err(unavailable)?
            {
                Claimed::Held(record) => claimed = Some((id.clone(), record)),
                Claimed::Range => return Err(Refused::Range),
                _ => {}
            }
        }
        let outcome = match (&claimed, &resume) {
            (Some(_), _) => Outcome::Resumed,
            (None, Some(_)) => Outcome::Failed,
            (None, None) => Outcome::New,
        };
        let (id, record) = match claimed {
            Some(found) => found,
            None => {
                // A guessable stand-in for a missing random source would
                // let anyone resume the session: none then.
                let mut id = vec![0u8; 16];
                getrandom::fill(&mut id).map_err(|_| Refused::NoRandom)?;
                let key = hex(&id);
                store
                    .create(&key, identity, protocol, s.session_ttl)
                    .await
                    .map_err(unavailable)?;
                match store
                    .claim(&key, identity, None, s.session_ttl)
                    .await
                    .map_err(unavailable)?
                {
                    Claimed::Held(record) => (id, record),
                    _ => {
                        return Err(unavailable(StoreError::Failed(
                            "a session just created could not be claimed".into(),
                        )))
                    }
                }
            }
        };
        let key = hex(&id);
        // Not under the server's lock: a session's lock is taken first
        // where both are.
        let existing = lock(&self.state).sessions.get(&key).cloned();
        let core = match existing.filter(|c| !c.ended()) {
            Some(core) => core,
            None => {
                let core = Arc::new(session::SessionCore::new(self, id, &record));
                lock(&self.state).sessions.insert(key, core.clone());
                (self.on_session)(Session::new(core.clone()));
                core
            }
        };
        Ok((core, record, outcome))
    }

    /// Session `core` ended here: it gives back the bytes it counted.
    pub(crate) fn forget(&self, core: &session::SessionCore, bytes: usize) {
        let mut state = lock(&self.state);
        let key = &core.key;
        if state
            .sessions
            .get(key)
            .is_some_and(|c| std::ptr::eq(&**c, core))
        {
            state.sessions.remove(key);
        }
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

    /// Gives back bytes `keep` took for a message that was not kept after
    /// all, without waking anyone.
    pub(crate) fn give_back(&self, bytes: usize) {
        let mut state = lock(&self.state);
        state.total_bytes = state.total_bytes.saturating_sub(bytes);
    }

    /// A session counted `was` bytes and holds `now` (what the store says
    /// after a claim).
    pub(crate) fn recount(&self, was: usize, now: usize) {
        let mut state = lock(&self.state);
        state.total_bytes = state.total_bytes.saturating_sub(was) + now;
        drop(state);
        if now < was {
            self.room.notify_waiters();
        }
    }

    pub(crate) fn freed(&self, bytes: usize) {
        self.give_back(bytes);
        self.room.notify_waiters();
    }
}
