//! A session: its numbers, its replay buffer, its inbox and the connection
//! that holds it, and the application's handle on it.

use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::{Arc, Mutex, Weak};

use steadysocket_engine::resume::{Outcome, WireFrame};
use tokio::sync::{mpsc, Notify};

use crate::{lock, Message, Shared};

/// What a connection is asked to write.
pub(crate) enum Out {
    /// A server message, numbered (sent or replayed).
    Data(Message),
    /// An acknowledgement of client messages up to this number.
    Ack(u64),
    /// The answer to a ping.
    Pong,
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
}

pub(crate) struct State {
    /// The last client sequence processed.
    pub(crate) processed: u64,
    /// The highest client sequence taken into the inbox.
    queued: u64,
    inbox: VecDeque<(u64, Message)>,
    /// A message handed to the application and not yet dropped.
    busy: bool,
    pub(crate) ack_sent: u64,
    ack_timer: bool,
    /// Server messages: the highest sent, the highest acknowledged, and the
    /// ones in between, kept for replay.
    pub(crate) sent: u64,
    pub(crate) acked: u64,
    pub(crate) unacked: VecDeque<Message>,
    unacked_bytes: usize,
    pub(crate) holder: Option<Holder>,
    /// Bumped whenever a connection takes the session or lets it go: an
    /// expiry armed for an earlier generation does nothing.
    generation: u64,
    ended: bool,
    pub(crate) stats: Stats,
}

/// A session's counters.
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
    pub(crate) id: [u8; 16],
    pub(crate) identity: String,
    pub(crate) protocol: String,
    server: Weak<Shared>,
    pub(crate) state: Mutex<State>,
    /// Woken when the inbox gets a message, a message is done, or the
    /// session ends.
    inbox: Notify,
    /// Woken when acknowledgements free room, or the session ends.
    room: Notify,
}

impl SessionCore {
    pub(crate) fn new(server: &Arc<Shared>, id: [u8; 16], identity: &str, protocol: &str) -> Self {
        SessionCore {
            id,
            identity: identity.to_owned(),
            protocol: protocol.to_owned(),
            server: Arc::downgrade(server),
            state: Mutex::new(State {
                processed: 0,
                queued: 0,
                inbox: VecDeque::new(),
                busy: false,
                ack_sent: 0,
                ack_timer: false,
                sent: 0,
                acked: 0,
                unacked: VecDeque::new(),
                unacked_bytes: 0,
                holder: None,
                generation: 0,
                ended: false,
                stats: Stats::default(),
            }),
            inbox: Notify::new(),
            room: Notify::new(),
        }
    }

    /// Connection `holder` takes the session over, and is sent the welcome
    /// (`outcome`) and then, in order, what the client has not
    /// acknowledged, all under the session's lock so that no new message
    /// slips in between. `last_server` is what the client processed, when
    /// it resumes. Returns the last client sequence the welcome told;
    /// `None`: a resume from a sequence never sent (or the session has
    /// ended).
    pub(crate) fn attach(
        &self,
        holder: Holder,
        last_server: Option<u64>,
        outcome: Outcome,
    ) -> Option<u64> {
        let mut s = lock(&self.state);
        if s.ended {
            return None;
        }
        if let Some(last) = last_server {
            if last > s.sent || last < s.acked {
                return None;
            }
            self.release(&mut s, last);
            s.stats.resumes += 1;
            s.stats.replayed += s.unacked.len() as u64;
        }
        let welcome = WireFrame::Welcome {
            outcome,
            session: self.id.to_vec(),
            last: s.processed,
        };
        let _ = holder.tx.send(Out::Frame(welcome.encode()));
        for m in &s.unacked {
            let _ = holder.tx.send(Out::Data(m.clone()));
        }
        if let Some(previous) = s.holder.replace(holder) {
            let _ = previous.tx.send(Out::Superseded);
        }
        s.generation += 1;
        // The acks start again from what the welcome told the client.
        s.ack_sent = s.processed;
        Some(s.processed)
    }

    /// Whether connection `link` holds the session (fencing).
    pub(crate) fn holds(&self, link: u64) -> bool {
        lock(&self.state)
            .holder
            .as_ref()
            .is_some_and(|h| h.link == link)
    }

    /// Connection `link` is gone: if it held the session, the session waits
    /// for a resume until its TTL, then ends.
    pub(crate) fn detach(self: &Arc<Self>, link: u64) {
        let mut s = lock(&self.state);
        if s.holder.as_ref().is_none_or(|h| h.link != link) {
            return;
        }
        s.holder = None;
        s.generation += 1;
        let generation = s.generation;
        drop(s);
        let Some(server) = self.server.upgrade() else {
            return;
        };
        let ttl = server.settings.session_ttl;
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(ttl).await;
            let expired = {
                let s = lock(&me.state);
                s.generation == generation && s.holder.is_none()
            };
            if expired {
                me.end();
            }
        });
    }

    /// The session is over: no resume, no more messages either way.
    pub(crate) fn end(&self) {
        let mut s = lock(&self.state);
        if s.ended {
            return;
        }
        s.ended = true;
        let bytes = s.unacked_bytes;
        let holder = s.holder.take();
        drop(s);
        if let Some(h) = holder {
            let _ = h.tx.send(Out::Close);
        }
        if let Some(server) = self.server.upgrade() {
            server.forget(&self.id, bytes);
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

    /// The client acknowledged server messages up to `ack`; false if it
    /// was never sent.
    pub(crate) fn acked(&self, ack: u64) -> bool {
        let mut s = lock(&self.state);
        if ack > s.sent {
            return false;
        }
        self.release(&mut s, ack);
        true
    }

    fn release(&self, s: &mut State, ack: u64) {
        let mut freed = 0;
        while s.acked < ack {
            let Some(m) = s.unacked.pop_front() else {
                break;
            };
            freed += m.len();
            s.acked += 1;
        }
        s.unacked_bytes -= freed.min(s.unacked_bytes);
        if freed > 0 || ack > 0 {
            if let Some(server) = self.server.upgrade() {
                server.freed(freed);
            }
            self.room.notify_waiters();
        }
    }

    /// The ack to carry on a binary data frame now, once half of
    /// `ack_every` messages wait for one, counted as sent.
    pub(crate) fn take_ack(&self, least: u64) -> Option<u64> {
        let mut s = lock(&self.state);
        (s.holder.is_some() && s.processed - s.ack_sent >= least.max(1)).then(|| {
            s.ack_sent = s.processed;
            s.processed
        })
    }

    /// Message `seq` was processed (the application dropped it).
    fn processed(self: &Arc<Self>, seq: u64) {
        let Some(server) = self.server.upgrade() else {
            return;
        };
        let settings = &server.settings;
        let mut s = lock(&self.state);
        s.processed = seq;
        s.busy = false;
        s.stats.received += 1;
        let due = s.processed - s.ack_sent;
        if due >= settings.ack_every {
            s.ack_sent = s.processed;
            if let Some(h) = &s.holder {
                let _ = h.tx.send(Out::Ack(s.processed));
            }
        } else if due > 0 && !s.ack_timer {
            s.ack_timer = true;
            let me = self.clone();
            let delay = settings.ack_delay;
            tokio::spawn(async move {
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
        if s.processed > s.ack_sent {
            if let Some(h) = &s.holder {
                let _ = h.tx.send(Out::Ack(s.processed));
                s.ack_sent = s.processed;
            }
        }
    }
}

/// The session ended (it expired without a connection, or was closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionEnded;

impl std::fmt::Display for SessionEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the session has ended")
    }
}

impl std::error::Error for SessionEnded {}

/// One client's session, as the application holds it: it outlives the
/// client's connections. Cheap to clone.
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
        crate::hex(&self.core.id[..4])
    }

    /// The identity the connection that created it was given.
    pub fn identity(&self) -> &str {
        &self.core.identity
    }

    /// The application's protocol the client chose ("" for none).
    pub fn protocol(&self) -> &str {
        &self.core.protocol
    }

    /// Whether a connection holds the session now.
    pub fn connected(&self) -> bool {
        lock(&self.core.state).holder.is_some()
    }

    /// Server messages the client has not acknowledged.
    pub fn unacked(&self) -> usize {
        lock(&self.core.state).unacked.len()
    }

    /// The session's counters.
    pub fn stats(&self) -> Stats {
        lock(&self.core.state).stats
    }

    /// The next client message, in order, once; `None` once the session has
    /// ended. The message counts as processed (and is acknowledged) when
    /// the returned [`Incoming`] is dropped, and the next one is handed out
    /// only then.
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
    /// client resumes. Resolves once it is kept; waits while the replay
    /// buffer is full (for this session or in total).
    pub async fn send(&self, message: Message) -> Result<(), SessionEnded> {
        let server = self.core.server.upgrade().ok_or(SessionEnded)?;
        let settings = &server.settings;
        let len = message.len();
        loop {
            let room = self.core.room.notified();
            let total = server.room.notified();
            {
                let mut s = lock(&self.core.state);
                if s.ended {
                    return Err(SessionEnded);
                }
                let here = s.unacked.is_empty()
                    || (s.unacked.len() < settings.max_replay_messages
                        && s.unacked_bytes + len <= settings.max_replay_bytes);
                if here && server.keep(len) {
                    s.sent += 1;
                    s.stats.sent += 1;
                    s.unacked_bytes += len;
                    s.unacked.push_back(message.clone());
                    if let Some(h) = &s.holder {
                        let _ = h.tx.send(Out::Data(message));
                    }
                    return Ok(());
                }
            }
            tokio::select! {
                _ = room => {}
                _ = total => {}
            }
        }
    }

    /// Ends the session now: its connection is closed (1000) and it cannot
    /// be resumed.
    pub fn close(&self) {
        self.core.end();
    }
}

/// A client message being processed. Dropping it is the commit point: the
/// message then counts as processed, is acknowledged in time, and the next
/// one is handed out. (A handler that panics drops it too: the message is
/// not redelivered.)
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
    /// once should the message ever be handed over again with the same
    /// number (as the Node adapter's does across a process that died
    /// before recording it as processed).
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
        self.core.processed(self.seq);
    }
}
