//! The shared state of the server: live connections, per-scope fault settings,
//! chat rooms and counters.
//!
//! Every connection belongs to a *scope*: the `test` query parameter of its URL,
//! or `default` when there is none. Faults are injected per scope (and may be
//! narrowed to one endpoint), so tests running one after another never disturb
//! each other.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

/// The WebSocket endpoints the server offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// Sends every frame back unchanged.
    Echo,
    /// A broadcast room: every frame goes to every member of the scope's room.
    Chat,
    /// Server push with increasing sequence numbers.
    Ticker,
    /// Reads and counts every frame, answers nothing (send-path benchmarks).
    Sink,
}

impl Endpoint {
    /// The path the endpoint is served at.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Echo => "/echo",
            Endpoint::Chat => "/chat",
            Endpoint::Ticker => "/ticker",
            Endpoint::Sink => "/sink",
        }
    }

    /// Parses a path such as `/echo` (or `echo`).
    pub fn from_path(path: &str) -> Option<Endpoint> {
        match path.trim_start_matches('/') {
            "echo" => Some(Endpoint::Echo),
            "chat" => Some(Endpoint::Chat),
            "ticker" => Some(Endpoint::Ticker),
            "sink" => Some(Endpoint::Sink),
            _ => None,
        }
    }
}

/// A fault delivered to live connections.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Drop the TCP connection with no close frame (the client sees 1006).
    Drop,
    /// Send a close frame with this code and reason; with `linger`, keep the
    /// TCP connection open afterwards (a server that never sends FIN).
    Close {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
        /// Keep TCP open for 30 s after the close frame.
        linger: bool,
    },
    /// Stop (true) or resume (false) reading and writing, without closing.
    Blackhole(bool),
    /// Send a malformed frame of this kind.
    Malformed(Malformed),
    /// Send a text frame of exactly this many bytes.
    Oversized(usize),
}

/// The kinds of malformed frame the server can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// A text frame that is not valid JSON.
    Json,
    /// A text frame whose payload is not valid UTF-8 (a protocol error: the
    /// browser fails the connection).
    Utf8,
    /// A binary frame with bytes that no codec accepts.
    Binary,
}

/// Counters of one endpoint in one scope.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counters {
    /// WebSocket upgrades accepted.
    pub accepted: u64,
    /// Upgrades refused by the refuse fault.
    pub refused: u64,
    /// Connections open now.
    pub live: u64,
    /// Data frames received from clients.
    pub frames_in: u64,
    /// Data frames sent to clients.
    pub frames_out: u64,
}

/// How many received text frames a scope remembers for `/control/received`.
const RECEIVED_LOG_LEN: usize = 2000;

/// The fault settings, room and counters of one scope.
pub struct Scope {
    settings: Mutex<Settings>,
    chat: broadcast::Sender<ChatFrame>,
    counters: Mutex<BTreeMap<Endpoint, Counters>>,
    received: Mutex<VecDeque<String>>,
    closes: Mutex<VecDeque<ClientClose>>,
    /// The scope's resume sessions (`/echo` with the resume protocol).
    pub resume: Arc<crate::resume::Sessions>,
}

/// A close frame a client sent, for `/control/closes`.
#[derive(Clone, Debug, Serialize)]
pub struct ClientClose {
    /// Its code; 1005 when the frame had none.
    pub code: u16,
    /// Its reason.
    pub reason: String,
}

/// A frame broadcast in a chat room, with the id of the connection that sent it.
#[derive(Clone, Debug)]
pub struct ChatFrame {
    /// The connection that sent it (it gets its own message back too).
    pub from: u64,
    /// The frame itself.
    pub message: tokio_tungstenite::tungstenite::Message,
}

#[derive(Default)]
struct Settings {
    refuse_until: Option<Instant>,
    stall_until: Option<Instant>,
    delay: Duration,
    blackhole: bool,
}

impl Scope {
    fn new() -> Scope {
        let (chat, _) = broadcast::channel(1024);
        Scope {
            settings: Mutex::new(Settings::default()),
            chat,
            counters: Mutex::new(BTreeMap::new()),
            received: Mutex::new(VecDeque::new()),
            closes: Mutex::new(VecDeque::new()),
            resume: Arc::default(),
        }
    }

    /// The delay to apply before each outbound frame.
    pub fn delay(&self) -> Duration {
        lock(&self.settings).delay
    }

    /// Whether new connections start black-holed.
    pub fn blackholed(&self) -> bool {
        lock(&self.settings).blackhole
    }

    /// The chat room of this scope.
    pub fn chat(&self) -> &broadcast::Sender<ChatFrame> {
        &self.chat
    }

    /// Adds to the counters of one endpoint.
    pub fn count(&self, endpoint: Endpoint, f: impl FnOnce(&mut Counters)) {
        f(lock(&self.counters).entry(endpoint).or_default());
    }

    /// Remembers a received text frame, for tests that check order at the server.
    pub fn log_received(&self, text: &str) {
        let mut log = lock(&self.received);
        if log.len() == RECEIVED_LOG_LEN {
            log.pop_front();
        }
        log.push_back(text.to_owned());
    }

    /// Remembers a client's close frame, for tests that check the code it sent.
    pub fn log_close(&self, close: ClientClose) {
        let mut log = lock(&self.closes);
        if log.len() == RECEIVED_LOG_LEN {
            log.pop_front();
        }
        log.push_back(close);
    }
}

/// Everything the server shares between connections and the control API.
#[derive(Default)]
pub struct Hub {
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Conn>>,
    scopes: Mutex<HashMap<String, Arc<Scope>>>,
    lines: Mutex<Vec<String>>,
}

struct Conn {
    scope: String,
    endpoint: Endpoint,
    faults: mpsc::UnboundedSender<Fault>,
}

/// A live connection's registration; unregisters on drop.
pub struct Registration {
    hub: Arc<Hub>,
    /// The connection's id.
    pub id: u64,
    /// Faults for this connection arrive here.
    pub faults: mpsc::UnboundedReceiver<Fault>,
    /// The connection's scope.
    pub scope: Arc<Scope>,
    endpoint: Endpoint,
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.hub.conns).remove(&self.id);
        self.scope
            .count(self.endpoint, |c| c.live = c.live.saturating_sub(1));
    }
}

/// Which connections a fault applies to.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// The scope (test name); `default` when empty.
    pub scope: String,
    /// Only this endpoint, or all of them.
    pub endpoint: Option<Endpoint>,
}

/// A snapshot of one scope for `/control/stats`.
#[derive(Serialize)]
pub struct Stats {
    /// The scope's name.
    pub scope: String,
    /// Counters by endpoint path.
    pub endpoints: BTreeMap<&'static str, Counters>,
}

impl Hub {
    /// The scope with this name, created on first use.
    pub fn scope(&self, name: &str) -> Arc<Scope> {
        let name = if name.is_empty() { "default" } else { name };
        lock(&self.scopes)
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(Scope::new()))
            .clone()
    }

    /// Whether upgrades in this scope are refused right now; counts the refusal.
    pub fn refuses(&self, scope: &str, endpoint: Endpoint) -> bool {
        let scope = self.scope(scope);
        let refused = lock(&scope.settings)
            .refuse_until
            .is_some_and(|until| Instant::now() < until);
        if refused {
            scope.count(endpoint, |c| c.refused += 1);
        }
        refused
    }

    /// Registers an accepted connection.
    pub fn register(self: &Arc<Self>, scope_name: &str, endpoint: Endpoint) -> Registration {
        let scope = self.scope(scope_name);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.conns).insert(
            id,
            Conn {
                scope: scope_name_or_default(scope_name).to_owned(),
                endpoint,
                faults: tx,
            },
        );
        scope.count(endpoint, |c| {
            c.accepted += 1;
            c.live += 1;
        });
        Registration {
            hub: self.clone(),
            id,
            faults: rx,
            scope,
            endpoint,
        }
    }

    /// Sends a fault to every live connection the target names; returns how many.
    pub fn inject(&self, target: &Target, fault: Fault) -> usize {
        let scope = scope_name_or_default(&target.scope);
        let conns = lock(&self.conns);
        conns
            .values()
            .filter(|c| c.scope == scope && target.endpoint.is_none_or(|e| e == c.endpoint))
            .filter(|c| c.faults.send(fault.clone()).is_ok())
            .count()
    }

    /// Refuses upgrades in the scope for this long (zero lifts it).
    pub fn refuse_for(&self, scope: &str, duration: Duration) {
        lock(&self.scope(scope).settings).refuse_until = Some(Instant::now() + duration);
    }

    /// Leaves upgrade requests of the scope unanswered for `duration` (or
    /// until a reset): the client's socket stays connecting.
    pub fn stall_for(&self, scope: &str, duration: Duration) {
        lock(&self.scope(scope).settings).stall_until = Some(Instant::now() + duration);
    }

    /// Whether upgrade requests of the scope are left unanswered now.
    pub fn stalls(&self, scope: &str) -> bool {
        lock(&self.scope(scope).settings)
            .stall_until
            .is_some_and(|until| Instant::now() < until)
    }

    /// Delays every outbound frame in the scope.
    pub fn set_delay(&self, scope: &str, delay: Duration) {
        lock(&self.scope(scope).settings).delay = delay;
    }

    /// Black-holes (or releases) live and future connections of the scope.
    pub fn set_blackhole(&self, target: &Target, on: bool) -> usize {
        lock(&self.scope(&target.scope).settings).blackhole = on;
        self.inject(target, Fault::Blackhole(on))
    }

    /// Clears every setting, counter and log of the scope.
    pub fn reset(&self, scope: &str) {
        let scope = self.scope(scope);
        *lock(&scope.settings) = Settings::default();
        lock(&scope.counters).clear();
        lock(&scope.received).clear();
        lock(&scope.closes).clear();
        scope.resume.forget();
    }

    /// The counters of a scope.
    pub fn stats(&self, scope: &str) -> Stats {
        let name = scope_name_or_default(scope).to_owned();
        let scope = self.scope(scope);
        let endpoints = lock(&scope.counters)
            .iter()
            .map(|(e, c)| (e.path(), *c))
            .collect();
        Stats {
            scope: name,
            endpoints,
        }
    }

    /// Keeps a line a test reported (at most 10,000).
    pub fn log_line(&self, line: String) {
        let mut lines = lock(&self.lines);
        if lines.len() < 10_000 {
            lines.push(line);
        }
    }

    /// The lines tests reported, oldest first.
    pub fn lines(&self) -> Vec<String> {
        lock(&self.lines).clone()
    }

    /// The text frames the scope received, oldest first.
    pub fn received(&self, scope: &str) -> Vec<String> {
        lock(&self.scope(scope).received).iter().cloned().collect()
    }

    /// The close frames the scope's clients sent, oldest first.
    pub fn closes(&self, scope: &str) -> Vec<ClientClose> {
        lock(&self.scope(scope).closes).iter().cloned().collect()
    }
}

fn scope_name_or_default(name: &str) -> &str {
    if name.is_empty() {
        "default"
    } else {
        name
    }
}

/// Locks a mutex, recovering the data if a connection task panicked with it held.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
