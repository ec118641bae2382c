//! Where sessions live: the [`Store`] interface, and [`MemoryStore`], which
//! keeps them in this process. [`RedisStore`](crate::RedisStore) (feature
//! `redis`) keeps them in Redis, shared by several server processes, Rust
//! and Node alike.
//!
//! Every change to a session names the **epoch** the caller holds it at: a
//! connection that takes the session (on any process) bumps the epoch, and
//! changes at an older one are refused ([`StoreError::Fenced`]), so a
//! process a resume left behind cannot touch the session any more.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{lock, Message};

/// What a store's methods return: a boxed future (so that stores are
/// interchangeable behind `dyn Store`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why a store refused or failed a change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The session is held at a later epoch (another connection took it,
    /// maybe on another process), or it is gone.
    Fenced,
    /// The store could not be reached, or answered something it should not.
    Failed(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Fenced => f.write_str("the session is held elsewhere, or gone"),
            StoreError::Failed(why) => write!(f, "the session store failed: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// One session's state. Sequence numbers: the client's messages processed
/// (`processed`); the server's sent (`sent`), of which the client
/// acknowledged `acked`; `unacked` holds `acked + 1 ..= sent`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    pub identity: String,
    pub protocol: String,
    /// Bumped each time a connection takes the session.
    pub epoch: u64,
    pub processed: u64,
    pub sent: u64,
    pub acked: u64,
    pub unacked: Vec<Message>,
    /// The bytes of `unacked` (UTF-8 for text).
    pub unacked_bytes: usize,
}

impl Record {
    /// A new session's record: epoch 0, nothing sent or processed.
    pub fn new(identity: &str, protocol: &str) -> Record {
        Record {
            identity: identity.to_owned(),
            protocol: protocol.to_owned(),
            epoch: 0,
            processed: 0,
            sent: 0,
            acked: 0,
            unacked: Vec::new(),
            unacked_bytes: 0,
        }
    }

    /// Lets go of server messages up to `ack`: the bytes freed.
    pub fn release(&mut self, ack: u64) -> usize {
        let count = ack
            .saturating_sub(self.acked)
            .min(self.unacked.len() as u64) as usize;
        let freed: usize = self.unacked.drain(..count).map(|m| m.len()).sum();
        self.acked += count as u64;
        self.unacked_bytes = self.unacked_bytes.saturating_sub(freed);
        freed
    }
}

/// What a claim found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claimed {
    /// The session, its epoch bumped: the caller's connection holds it.
    Held(Record),
    /// Unknown, expired, or another identity's: all alike.
    Lost,
    /// A resume from a server sequence outside `acked..=sent`.
    Range,
}

/// Where sessions live. Every method is atomic. A session is kept for
/// `ttl` after its last `create`, `claim` or `touch`, then it is gone.
pub trait Store: Send + Sync + 'static {
    /// Creates session `id` (epoch 0, nothing sent or processed).
    fn create<'a>(
        &'a self,
        id: &'a str,
        identity: &'a str,
        protocol: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, ()>;
    /// A connection takes the session: with `last_server` (a resume), what
    /// the client processed is released first. The record comes back with
    /// its epoch bumped.
    fn claim<'a>(
        &'a self,
        id: &'a str,
        identity: &'a str,
        last_server: Option<u64>,
        ttl: Duration,
    ) -> StoreFuture<'a, Claimed>;
    /// Keeps a server message for replay if there is room (`max_messages`
    /// and `max_bytes` unacknowledged; one message goes alone): its
    /// sequence number, or `None` when full.
    fn append<'a>(
        &'a self,
        id: &'a str,
        epoch: u64,
        message: &'a Message,
        max_messages: usize,
        max_bytes: usize,
    ) -> StoreFuture<'a, Option<u64>>;
    /// The client's message `seq` was processed.
    fn processed<'a>(&'a self, id: &'a str, epoch: u64, seq: u64) -> StoreFuture<'a, ()>;
    /// The client acknowledged server messages up to `ack`: the bytes
    /// freed, or `None` if `ack` was never sent.
    fn acked<'a>(&'a self, id: &'a str, epoch: u64, ack: u64) -> StoreFuture<'a, Option<usize>>;
    /// Keeps the session `ttl` more (renewed while a connection holds it).
    fn touch<'a>(&'a self, id: &'a str, epoch: u64, ttl: Duration) -> StoreFuture<'a, ()>;
    /// Ends the session.
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;
    /// Counts one attempt under `key` in the current minute; false past
    /// `per_minute`.
    fn rate_limit<'a>(&'a self, key: &'a str, per_minute: usize) -> StoreFuture<'a, bool>;
}

/// Sessions in this process (they do not survive a restart): the default.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Memory>,
}

#[derive(Default)]
struct Memory {
    sessions: HashMap<String, (Record, Instant)>,
    hits: HashMap<String, VecDeque<Instant>>,
    swept: Option<Instant>,
}

impl Memory {
    /// The live session `id` (an expired one is gone).
    fn live(&mut self, id: &str) -> Option<&mut (Record, Instant)> {
        let now = Instant::now();
        if self
            .sessions
            .get(id)
            .is_some_and(|(_, until)| *until <= now)
        {
            self.sessions.remove(id);
        }
        self.sessions.get_mut(id)
    }

    /// Session `id` at `epoch`, or `Fenced`.
    fn at(&mut self, id: &str, epoch: u64) -> Result<&mut (Record, Instant), StoreError> {
        self.live(id)
            .filter(|(r, _)| r.epoch == epoch)
            .ok_or(StoreError::Fenced)
    }

    /// Forgets expired sessions and idle rate counters, once a second at most.
    fn sweep(&mut self, now: Instant) {
        if self
            .swept
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        self.swept = Some(now);
        self.sessions.retain(|_, (_, until)| *until > now);
        self.hits.retain(|_, recent| {
            recent
                .back()
                .is_some_and(|t| now.duration_since(*t) < MINUTE)
        });
    }
}

const MINUTE: Duration = Duration::from_secs(60);

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Sessions kept now (expired ones included until swept).
    pub fn len(&self) -> usize {
        lock(&self.inner).sessions.len()
    }

    /// Whether it keeps no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn with<'a, T: Send + 'a>(
        &'a self,
        change: impl FnOnce(&mut Memory) -> Result<T, StoreError>,
    ) -> StoreFuture<'a, T> {
        let result = change(&mut lock(&self.inner));
        Box::pin(std::future::ready(result))
    }
}

impl Store for MemoryStore {
    fn create<'a>(
        &'a self,
        id: &'a str,
        identity: &'a str,
        protocol: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        self.with(|m| {
            let now = Instant::now();
            m.sweep(now);
            m.sessions
                .insert(id.to_owned(), (Record::new(identity, protocol), now + ttl));
            Ok(())
        })
    }

    fn claim<'a>(
        &'a self,
        id: &'a str,
        identity: &'a str,
        last_server: Option<u64>,
        ttl: Duration,
    ) -> StoreFuture<'a, Claimed> {
        self.with(|m| {
            let Some((record, until)) = m.live(id).filter(|(r, _)| r.identity == identity) else {
                return Ok(Claimed::Lost);
            };
            if let Some(last) = last_server {
                if last > record.sent || last < record.acked {
                    return Ok(Claimed::Range);
                }
                record.release(last);
            }
            record.epoch += 1;
            *until = Instant::now() + ttl;
            Ok(Claimed::Held(record.clone()))
        })
    }

    fn append<'a>(
        &'a self,
        id: &'a str,
        epoch: u64,
        message: &'a Message,
        max_messages: usize,
        max_bytes: usize,
    ) -> StoreFuture<'a, Option<u64>> {
        self.with(|m| {
            let (r, _) = m.at(id, epoch)?;
            let n = r.unacked.len();
            if n > 0 && (n >= max_messages || r.unacked_bytes + message.len() > max_bytes) {
                return Ok(None);
            }
            r.unacked.push(message.clone());
            r.unacked_bytes += message.len();
            r.sent += 1;
            Ok(Some(r.sent))
        })
    }

    fn processed<'a>(&'a self, id: &'a str, epoch: u64, seq: u64) -> StoreFuture<'a, ()> {
        self.with(|m| {
            let (r, _) = m.at(id, epoch)?;
            r.processed = r.processed.max(seq);
            Ok(())
        })
    }

    fn acked<'a>(&'a self, id: &'a str, epoch: u64, ack: u64) -> StoreFuture<'a, Option<usize>> {
        self.with(|m| {
            let (r, _) = m.at(id, epoch)?;
            Ok((ack <= r.sent).then(|| r.release(ack)))
        })
    }

    fn touch<'a>(&'a self, id: &'a str, epoch: u64, ttl: Duration) -> StoreFuture<'a, ()> {
        self.with(|m| {
            let (_, until) = m.at(id, epoch)?;
            *until = Instant::now() + ttl;
            Ok(())
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.with(|m| {
            m.sessions.remove(id);
            Ok(())
        })
    }

    fn rate_limit<'a>(&'a self, key: &'a str, per_minute: usize) -> StoreFuture<'a, bool> {
        self.with(|m| {
            let now = Instant::now();
            m.sweep(now);
            let recent = m.hits.entry(key.to_owned()).or_default();
            while recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= MINUTE)
            {
                recent.pop_front();
            }
            let ok = recent.len() < per_minute;
            if ok {
                recent.push_back(now);
            }
            Ok(ok)
        })
    }
}

/// A store shared: several servers in one process over one store (as
/// several processes share Redis).
impl<S: Store> Store for std::sync::Arc<S> {
    fn create<'a>(
        &'a self,
        id: &'a str,
        identity: &'a str,
        protocol: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        (**self).create(id, identity, protocol, ttl)
    }
    fn claim<'a>(
        &'a self,
        id: &'a str,
        identity: &'a str,
        last_server: Option<u64>,
        ttl: Duration,
    ) -> StoreFuture<'a, Claimed> {
        (**self).claim(id, identity, last_server, ttl)
    }
    fn append<'a>(
        &'a self,
        id: &'a str,
        epoch: u64,
        message: &'a Message,
        max_messages: usize,
        max_bytes: usize,
    ) -> StoreFuture<'a, Option<u64>> {
        (**self).append(id, epoch, message, max_messages, max_bytes)
    }
    fn processed<'a>(&'a self, id: &'a str, epoch: u64, seq: u64) -> StoreFuture<'a, ()> {
        (**self).processed(id, epoch, seq)
    }
    fn acked<'a>(&'a self, id: &'a str, epoch: u64, ack: u64) -> StoreFuture<'a, Option<usize>> {
        (**self).acked(id, epoch, ack)
    }
    fn touch<'a>(&'a self, id: &'a str, epoch: u64, ttl: Duration) -> StoreFuture<'a, ()> {
        (**self).touch(id, epoch, ttl)
    }
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        (**self).delete(id)
    }
    fn rate_limit<'a>(&'a self, key: &'a str, per_minute: usize) -> StoreFuture<'a, bool> {
        (**self).rate_limit(key, per_minute)
    }
}
