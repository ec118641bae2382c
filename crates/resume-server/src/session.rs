//! A session as this process holds it: its numbers as far as this process
//! knows, its inbox, the connection that holds it; the store keeps the rest
//! (the replay buffer, what was processed), and every change goes to the
//! store at the epoch this process holds the session at.

use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::{Arc, Mutex, Weak};

use steadysocket_engine::resume::{Outcome, WireFrame};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

use crate::store::{Record, StoreError, StoreFuture};
use crate::{lock, Message, Shared};

/// What a connection is asked to write.
pub(crate) enum Out {
    /// A server message, numbered (sent or replayed).
    Data(Message),
    /// An acknowledgement of client messages up to this number.
    Ack(u64),
    /// The answer to a ping.
    Pong,
    /// A ping asking for the client's ack.
    Ping,
    /// A frame of the handshake, as bytes (the welcome).
    Frame(Vec<u8>),
    /// A later connection took the session over: close with 4409.
    Superseded,
    /// The session was closed by the application.
    Close,
}

/// The connection holding the session.
pub(crate) struct Holder {
    pub(crate) link: u64,
    pub(crate) tx: mpsc::UnboundedSender<Out>,
    /// The highest server sequence written to it.
    pub(crate) written: u64,
}

struct State {
    /// The epoch this process holds the session at.
    epoch: u64,
    /// The last client sequence processed.
    processed: u64,
    /// The highest client sequence taken into the inbox.
    queued: u64,
    inbox: VecDeque<(u64, Message)>,
    /// A message handed to the application and not yet recorded as processed.
    busy: bool,
    ack_sent: u64,
    ack_timer: bool,
    /// The client asked for the ack (a ping) with messages still in the
    /// inbox: it goes as soon as they are processed.
    ack_asked: bool,
    /// A ping went out asking for the client's ack (the replay buffer is
    /// full), and no ack came since.
    pinged: bool,
    /// Server messages: the highest kept and the highest acknowledged, as
    /// far as this process knows.
    sent: u64,
    acked: u64,
    /// The bytes of this session's unacknowledged messages counted in the
    /// server's total.
    counted: usize,
    holder: Option<Holder>,
    /// Bumped whenever a connection takes the session or lets it go: an
    /// expiry armed for an earlier generation does nothing.
    generation: u64,
    /// Renews the session in the store while a connection holds it here.
    lease: Option<JoinHandle<()>>,
    ended: bool,
    stats: Stats,
}

impl State {
    /// Acknowledges what was processed, if an ack is due, to the connection
    /// holding the session.
    fn ack_processed(&mut self) {
        if self.processed > self.ack_sent {
            if let Some(h) = &self.holder {
                let _ = h.tx.send(Out::Ack(self.processed));
                self.ack_sent = self.processed;
            }
        }
    }
}

/// A session's counters, in this process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Server messages sent (kept for replay).
    pub sent: u64,
    /// Server messages sent again on a resumed connection.
    pub replayed: u64,
    /// Client messages processed.
    pub received: u64,
    /// Resumes of this session.
    pub resumes: u64,
}

pub(crate) struct SessionCore {
    pub(crate) id: Vec<u8>,
    /// The id in lower-case hex: the store's key.
    pub(crate) key: String,
    pub(crate) identity: String,
    pub(crate) protocol: String,
    server: Weak<Shared>,
    /// Where its tasks run (the acknowledgement of a message dropped
    /// outside the runtime too).
    runtime: Handle,
    state: Mutex<State>,
    /// Sends go to the store one after the other, in order.
    sending: tokio::sync::Mutex<()>,
    /// Woken when the inbox gets a message, a message is done, or the
    /// session ends.
    inbox: Notify,
    /// Woken when acknowledgements free room, or the session ends.
    room: Notify,
}

impl SessionCore {
    pub(crate) fn new(server: &Arc<Shared>, id: Vec<u8>, record: &Record) -> Self {
        SessionCore {
            key: crate::hex(&id),
            id,
            identity: record.identity.clone(),
            protocol: record.protocol.clone(),
            server: Arc::downgrade(server),
            runtime: Handle::current(),
            state: Mutex::new(State {
                epoch: record.epoch,
                processed: record.processed,
                queued: record.processed,
                inbox: VecDeque::new(),
                busy: false,
                ack_sent: record.processed,
                ack_timer: false,
                ack_asked: false,
                pinged: false,
                sent: record.sent,
                acked: record.acked,
                counted: 0,
                holder: None,
                generation: 0,
                lease: None,
                ended: false,
                stats: Stats::default(),
            }),
            sending: tokio::sync::Mutex::new(()),
            inbox: Notify::new(),
            room: Notify::new(),
        }
    }

    pub(crate) fn ended(&self) -> bool {
        lock(&self.state).ended
    }

    fn server(&self) -> Result<Arc<Shared>, SessionEnded> {
        self.server.upgrade().ok_or(SessionEnded)
    }

    /// A change in the store at the epoch this process holds the session
    /// at. Fenced at an epoch a later connection here replaced: tried again
    /// at the new one. Fenced at the current one (another process holds the
    /// session) or a store that failed: the session ends here.
    async fn at_epoch<'a, T>(
        &self,
        server: &Shared,
        change: impl Fn(u64) -> StoreFuture<'a, T>,
    ) -> Result<T, SessionEnded> {
        loop {
            let epoch = {
                let s = lock(&self.state);
                if s.ended {
                    return Err(SessionEnded);
                }
                s.epoch
            };
            match change(epoch).await {
                Ok(value) => return Ok(value),
                Err(StoreError::Fenced) if lock(&self.state).epoch != epoch => continue,
                Err(e) => {
                    if let StoreError::Failed(_) = e {
                        server.failed(&e, &self.key);
                    }
                    self.lost();
                    return Err(SessionEnded);
                }
            }
        }
    }

    /// Connection `holder` took the session at `record` (what the store's
    /// claim returned): it is sent the welcome (`outcome`) and then, in
    /// order, what the client has not acknowledged, under the session's
    /// lock so that no send slips in between. False when a later claim has
    /// already taken the session here (or it ended): the caller closes its
    /// connection as superseded.
    pub(crate) fn attach(
        self: &Arc<Self>,
        mut holder: Holder,
        record: &Record,
        outcome: Outcome,
    ) -> bool {
        let Some(server) = self.server.upgrade() else {
            return false;
        };
        let mut s = lock(&self.state);
        if s.ended || record.epoch < s.epoch {
            return false;
        }
        s.epoch = record.epoch;
        s.sent = s.sent.max(record.sent);
        if record.acked > s.acked {
            self.room.notify_waiters();
        }
        s.acked = s.acked.max(record.acked);
        if record.processed > s.processed {
            s.processed = record.processed;
            s.queued = record.processed;
        }
        // Client messages another process has processed since: not again.
        s.inbox.retain(|(seq, _)| *seq > record.processed);
        s.ack_sent = record.processed;
        // What this session holds in the server's total, from the store.
        server.recount(s.counted, record.unacked_bytes);
        s.counted = record.unacked_bytes;
        if outcome == Outcome::Resumed {
            s.stats.resumes += 1;
            s.stats.replayed += record.unacked.len() as u64;
        }
        let welcome = WireFrame::Welcome {
            outcome,
            session: self.id.clone(),
            last: record.processed,
        };
        let _ = holder.tx.send(Out::Frame(welcome.encode()));
        for m in &record.unacked {
            let _ = holder.tx.send(Out::Data(m.clone()));
        }
        holder.written = record.sent;
        if let Some(previous) = s.holder.replace(holder) {
            let _ = previous.tx.send(Out::Superseded);
        }
        s.generation += 1;
        if s.lease.is_none() {
            let me = self.clone();
            let every = server.settings.session_ttl / 3;
            s.lease = Some(self.runtime.spawn(async move {
                loop {
                    tokio::time::sleep(every.max(std::time::Duration::from_millis(10))).await;
                    if me.touch().await.is_err() {
                        break;
                    }
                }
            }));
        }
        true
    }

    /// Renews the session in the store for the TTL.
    async fn touch(&self) -> Result<(), SessionEnded> {
        let server = self.server()?;
        let ttl = server.settings.session_ttl;
        self.at_epoch(&server, |epoch| server.store.touch(&self.key, epoch, ttl))
            .await
    }

    /// Whether connection `link` holds the session (fencing).
    pub(crate) fn holds(&self, link: u64) -> bool {
        lock(&self.state)
            .holder
            .as_ref()
            .is_some_and(|h| h.link == link)
    }

    /// Connection `link` is gone: if it held the session, the session waits
    /// for a resume until its TTL (renewed in the store once more now), then
    /// ends here.
    pub(crate) fn detach(self: &Arc<Self>, link: u64) {
        let mut s = lock(&self.state);
        if s.holder.as_ref().is_none_or(|h| h.link != link) {
            return;
        }
        s.holder = None;
        s.generation += 1;
        if let Some(lease) = s.lease.take() {
            lease.abort();
        }
        let generation = s.generation;
        drop(s);
        let Some(server) = self.server.upgrade() else {
            return;
        };
        let ttl = server.settings.session_ttl;
        let me = self.clone();
        self.runtime.spawn(async move {
            if me.touch().await.is_err() {
                return;
            }
            tokio::time::sleep(ttl).await;
            let expired = {
                let s = lock(&me.state);
                s.generation == generation && s.holder.is_none()
            };
            if expired {
                me.end(None);
            }
        });
    }

    /// Another process holds the session now (or the store failed): it ends
    /// here, its connection superseded.
    fn lost(&self) {
        self.end(Some(Out::Superseded));
    }

    /// The session is over here: its connection is told `last` (closed),
    /// sends fail, `recv` ends.
    fn end(&self, last: Option<Out>) {
        let mut s = lock(&self.state);
        if s.ended {
            return;
        }
        s.ended = true;
        let counted = s.counted;
        s.counted = 0;
        if let Some(lease) = s.lease.take() {
            lease.abort();
        }
        let holder = s.holder.take();
        drop(s);
        if let (Some(h), Some(last)) = (holder, last) {
            let _ = h.tx.send(last);
        }
        if let Some(server) = self.server.upgrade() {
            server.forget(self, counted);
        }
        self.inbox.notify_waiters();
        self.room.notify_waiters();
    }

    /// Client message `seq`; false when the inbox is over its bound.
    pub(crate) fn received(&self, seq: u64, message: Message) -> bool {
        let max = self
            .server
            .upgrade()
            .map_or(usize::MAX, |s| s.settings.max_inbox_messages);
        let mut s = lock(&self.state);
        // Replayed while its first copy is still waiting: dropped.
        if seq <= s.queued {
            return true;
        }
        if s.inbox.len() >= max {
            return false;
        }
        s.queued = seq;
        s.inbox.push_back((seq, message));
        drop(s);
        self.inbox.notify_waiters();
        true
    }

    /// The client acknowledged server messages up to `ack`; false if it was
    /// never sent.
    pub(crate) async fn acked(&self, ack: u64) -> bool {
        let Ok(server) = self.server() else {
            return true;
        };
        let freed = match self
            .at_epoch(&server, |epoch| server.store.acked(&self.key, epoch, ack))
            .await
        {
            Ok(Some(freed)) => freed,
            Ok(None) => return false,
            // The session ended here: nothing to acknowledge.
            Err(SessionEnded) => return true,
        };
        let mut s = lock(&self.state);
        s.acked = s.acked.max(ack);
        s.pinged = false;
        let freed = freed.min(s.counted);
        s.counted -= freed;
        drop(s);
        server.freed(freed);
        self.room.notify_waiters();
        true
    }

    /// The client's ping asks for the ack due: what is processed is
    /// acknowledged now (before the pong, on the same connection), what is
    /// still in the inbox as soon as it is.
    pub(crate) fn ack_asked(&self) {
        let mut s = lock(&self.state);
        if !s.inbox.is_empty() || s.busy {
            s.ack_asked = true;
        }
        s.ack_processed();
    }

    /// The replay buffer is full: asks the client for its ack with a ping
    /// (which it answers with the ack due), once until an ack comes.
    fn ask_for_ack(&self) {
        let mut s = lock(&self.state);
        if s.pinged || s.acked >= s.sent {
            return;
        }
        if let Some(h) = &s.holder {
            let _ = h.tx.send(Out::Ping);
            s.pinged = true;
        }
    }

    /// The ack to carry on a binary data frame now, once `least` messages
    /// wait for one, counted as sent.
    pub(crate) fn take_ack(&self, least: u64) -> Option<u64> {
        let mut s = lock(&self.state);
        (s.holder.is_some() && s.processed - s.ack_sent >= least.max(1)).then(|| {
            s.ack_sent = s.processed;
            s.processed
        })
    }

    /// Message `seq` was processed (the application dropped it): recorded
    /// in the store, then acknowledged in time and the next one handed out.
    async fn processed(self: Arc<Self>, seq: u64) {
        let Ok(server) = self.server() else {
            return;
        };
        if self
            .at_epoch(&server, |epoch| {
                server.store.processed(&self.key, epoch, seq)
            })
            .await
            .is_err()
        {
            return;
        }
        let settings = &server.settings;
        let mut s = lock(&self.state);
        s.processed = s.processed.max(seq);
        s.busy = false;
        s.stats.received += 1;
        let due = s.processed - s.ack_sent;
        let asked = s.ack_asked && s.inbox.is_empty();
        if asked {
            s.ack_asked = false;
        }
        if due >= settings.ack_every || (asked && due > 0) {
            s.ack_sent = s.processed;
            if let Some(h) = &s.holder {
                let _ = h.tx.send(Out::Ack(s.processed));
            }
        } else if due > 0 && !s.ack_timer {
            s.ack_timer = true;
            let me = self.clone();
            let delay = settings.ack_delay;
            self.runtime.spawn(async move {
                tokio::time::sleep(delay).await;
                me.flush_ack();
            });
        }
        drop(s);
        self.inbox.notify_waiters();
    }

    fn flush_ack(&self) {
        let mut s = lock(&self.state);
        s.ack_timer = false;
        s.ack_processed();
    }

    /// Server message `seq` is kept in the store: written to the connection
    /// holding the session now (unless the welcome's replay had it); one
    /// out of sequence closes the connection (the client resumes and gets
    /// a clean replay).
    fn kept(&self, seq: u64, message: Message) {
        let mut s = lock(&self.state);
        s.sent = s.sent.max(seq);
        s.stats.sent += 1;
        s.counted += message.len();
        let Some(h) = &mut s.holder else {
            return;
        };
        if seq == h.written + 1 {
            h.written = seq;
            let _ = h.tx.send(Out::Data(message));
        } else if seq > h.written {
            let _ = h.tx.send(Out::Superseded);
        }
    }
}

/// The session ended (it expired without a connection, was closed, or is
/// held by another process now).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionEnded;

impl std::fmt::Display for SessionEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the session has ended")
    }
}

impl std::error::Error for SessionEnded {}

/// One client's session, as the application holds it: it outlives the
/// client's connections. Cheap to clone. With a store shared by several
/// processes, a session resumed on another process is handed to that
/// process's `on_session`, and ends here (`recv` returns `None`, `send`
/// fails).
#[derive(Clone)]
pub struct Session {
    core: Arc<SessionCore>,
}

impl Session {
    pub(crate) fn new(core: Arc<SessionCore>) -> Session {
        Session { core }
    }

    /// The first 8 hex digits of the id, for logs (the whole id is never
    /// exposed).
    pub fn short_id(&self) -> String {
        self.core.key.chars().take(8).collect()
    }

    /// The identity the connection that created it was given.
    pub fn identity(&self) -> &str {
        &self.core.identity
    }

    /// The application's protocol the client chose ("" for none).
    pub fn protocol(&self) -> &str {
        &self.core.protocol
    }

    /// Whether the session has ended here (expired, closed, or held by
    /// another process now).
    pub fn ended(&self) -> bool {
        self.core.ended()
    }

    /// Whether a connection holds the session now (in this process).
    pub fn connected(&self) -> bool {
        lock(&self.core.state).holder.is_some()
    }

    /// The highest server sequence number kept (the messages sent so far),
    /// as far as this process knows.
    pub fn sent(&self) -> u64 {
        lock(&self.core.state).sent
    }

    /// Server messages the client has not acknowledged, as far as this
    /// process knows.
    pub fn unacked(&self) -> u64 {
        let s = lock(&self.core.state);
        s.sent - s.acked.min(s.sent)
    }

    /// The session's counters in this process.
    pub fn stats(&self) -> Stats {
        lock(&self.core.state).stats
    }

    /// The next client message, in order, once; `None` once the session has
    /// ended here. The message counts as processed (and is acknowledged)
    /// when the returned [`Incoming`] is dropped, and the next one is
    /// handed out once that is recorded in the store.
    pub async fn recv(&self) -> Option<Incoming> {
        loop {
            let notified = self.core.inbox.notified();
            {
                let mut s = lock(&self.core.state);
                if s.ended {
                    return None;
                }
                if !s.busy {
                    if let Some((seq, message)) = s.inbox.pop_front() {
                        s.busy = true;
                        return Some(Incoming {
                            seq,
                            message,
                            core: self.core.clone(),
                        });
                    }
                }
            }
            notified.await;
        }
    }

    /// Sends a message: numbered, kept until the client acknowledges it,
    /// written now if a connection holds the session, else replayed when the
    /// client resumes. Resolves once it is kept in the store; waits while
    /// the replay buffer is full (for this session or in total); sends
    /// from clones of one session go in the order they were called.
    pub async fn send(&self, message: Message) -> Result<(), SessionEnded> {
        let core = &self.core;
        let _turn = core.sending.lock().await;
        let server = core.server()?;
        let settings = &server.settings;
        let len = message.len();
        loop {
            // Registered before the attempt: room made meanwhile is not missed.
            let room = core.room.notified();
            let total = server.room.notified();
            if core.ended() {
                return Err(SessionEnded);
            }
            if server.keep(len) {
                let kept = core
                    .at_epoch(&server, |epoch| {
                        server.store.append(
                            &core.key,
                            epoch,
                            &message,
                            settings.max_replay_messages,
                            settings.max_replay_bytes,
                        )
                    })
                    .await;
                match kept {
                    Ok(Some(seq)) => {
                        core.kept(seq, message);
                        return Ok(());
                    }
                    // Full: given back without waking anyone (a full
                    // session must not wake the others into a loop).
                    Ok(None) => {
                        server.give_back(len);
                        core.ask_for_ack();
                    }
                    Err(ended) => {
                        server.give_back(len);
                        return Err(ended);
                    }
                }
            }
            tokio::select! {
                _ = room => {}
                _ = total => {}
            }
        }
    }

    /// Ends the session now: its connection is closed (1000), it is deleted
    /// from the store and cannot be resumed.
    pub fn close(&self) {
        let core = self.core.clone();
        self.core.runtime.spawn(async move {
            if let Ok(server) = core.server() {
                let _ = server.store.delete(&core.key).await;
            }
        });
        self.core.end(Some(Out::Close));
    }
}

/// A client message being processed. Dropping it is the commit point: the
/// message then counts as processed, is recorded in the store and
/// acknowledged in time, and the next one is handed out. (A handler that
/// panics drops it too: the message is not redelivered.)
pub struct Incoming {
    seq: u64,
    message: Message,
    core: Arc<SessionCore>,
}

impl Incoming {
    /// The message (it is processed when this is dropped).
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// Its sequence number in the session: the key to make an effect happen
    /// once. With sessions shared by several processes, a process that
    /// dies after a handler finished and before the message was recorded
    /// as processed leaves it to be handed over again, with the same
    /// number, on the next process.
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

impl Deref for Incoming {
    type Target = Message;
    fn deref(&self) -> &Message {
        &self.message
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        let core = self.core.clone();
        self.core.runtime.spawn(core.processed(self.seq));
    }
}
