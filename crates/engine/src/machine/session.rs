//! The resume protocol's client (docs/PROTOCOL.md): the session, its
//! sequence numbers and acknowledgements, the replay buffer, the hello and
//! welcome, and resync. Only with [`Config::set_resume`](crate::Config::set_resume).

use super::*;
use crate::config::{PongMatcher, ResumeConfig};
use crate::resume::{self, Outcome, WireFrame, CLOSE_PROTOCOL_ERROR};
use crate::state::ResumeStats;

/// A message sent in the session and not yet acknowledged. Its sequence
/// number follows from its place in the replay buffer.
#[derive(Debug)]
struct Unacked {
    /// `None` for the application's handshake frames.
    id: Option<MessageId>,
    /// A text message (a [`Frame::Text`], or kept by the adapter:
    /// [`Payload::Kept`]) goes as it is; binary data in the envelope.
    frame: Payload,
}

/// What the current connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Link {
    /// No connection, or one whose server did not pick the protocol.
    Plain,
    /// The hello went out; waiting for the welcome.
    Hello { resuming: bool },
    /// Welcomed: data frames flow.
    Live,
}

#[derive(Debug)]
pub(super) struct Session {
    id: Option<Vec<u8>>,
    /// The highest sequence number sent.
    sent: u64,
    /// The highest sequence number the server acknowledged.
    acked: u64,
    /// Sequence numbers `acked + 1 ..= sent`, in order.
    unacked: VecDeque<Unacked>,
    unacked_bytes: usize,
    /// The highest server sequence number delivered (processed).
    received: u64,
    /// The highest server sequence number acknowledged to the server.
    ack_sent: u64,
    pub(super) link: Link,
    /// A ping went out asking for the server's ack (the window is full),
    /// and no ack came since.
    asked: bool,
    /// The application's protocol on the current link.
    app_protocol: String,
    stats: ResumeStats,
}

impl Session {
    pub(super) fn for_config(config: &Config) -> Option<Session> {
        config.resume.as_ref().map(|_| Session::new())
    }

    pub(super) fn new() -> Session {
        Session {
            id: None,
            sent: 0,
            acked: 0,
            unacked: VecDeque::new(),
            unacked_bytes: 0,
            received: 0,
            ack_sent: 0,
            link: Link::Plain,
            asked: false,
            app_protocol: String::new(),
            stats: ResumeStats::default(),
        }
    }

    /// Whether one more message of `len` bytes may be sent under the bounds
    /// (a single message over the byte bound goes when nothing waits).
    fn has_room(&self, config: &ResumeConfig, len: usize) -> bool {
        self.unacked.len() < config.max_unacked_messages
            && (self.unacked.is_empty()
                || self.unacked_bytes.saturating_add(len) <= config.max_unacked_bytes)
    }
}

impl Engine {
    fn resume_config(&self) -> Option<&ResumeConfig> {
        self.config.resume.as_ref()
    }

    /// Whether message `id` waits in the replay buffer.
    pub(super) fn session_holds(&self, id: MessageId) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.unacked.iter().any(|u| u.id == Some(id)))
    }

    /// The counters of the resume session, with resume on.
    pub fn resume_stats(&self) -> Option<ResumeStats> {
        let s = self.session.as_ref()?;
        Some(ResumeStats {
            unacked: s.unacked.len(),
            ..s.stats
        })
    }

    /// With resume on: whether the current link speaks the protocol and
    /// its session is in force (messages are numbered and kept until
    /// acknowledged). False on a link whose server did not pick it.
    pub fn resume_live(&self) -> bool {
        self.session_live()
    }

    /// Whether frames on this link are the protocol's (after the hello).
    pub(super) fn session_wire(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.link != Link::Plain)
    }

    /// With resume on: whether the link is welcomed (messages go in the
    /// protocol's envelope).
    pub(super) fn session_live(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.link == Link::Live)
    }

    /// Whether a message of `len` bytes may go to the open socket now as far
    /// as the session is concerned (always without resume, or on a plain link).
    pub(super) fn session_room(&self, len: usize) -> bool {
        match (&self.session, self.resume_config()) {
            (Some(s), Some(config)) if s.link == Link::Live => s.has_room(config, len),
            (Some(s), _) => s.link == Link::Plain,
            _ => true,
        }
    }

    /// The protocols to offer for an attempt.
    pub(super) fn offered(&self, endpoint: Endpoint) -> Endpoint {
        if self.session.is_none() {
            return endpoint;
        }
        Endpoint {
            protocols: resume::offer(&endpoint.protocols),
            ..endpoint
        }
    }

    /// The socket opened. With resume on and the protocol picked, the hello
    /// goes out and the open waits for the welcome; else it is a plain open.
    pub(super) fn on_socket_open(&mut self, now: Time, socket: SocketId, protocol: String) {
        let Some(session) = self.session.as_mut() else {
            return self.on_open(now, socket, protocol, true);
        };
        let (speaks, app) = resume::chosen(&protocol);
        if !speaks {
            session.link = Link::Plain;
            // A server that stopped speaking the protocol cannot take the
            // session over: what it had not acknowledged is reported.
            if session.id.is_some() {
                self.resync();
            }
            return self.on_open(now, socket, protocol, true);
        }
        session.app_protocol = app.to_owned();
        let hello = WireFrame::Hello {
            resume: session.id.clone().map(|id| (id, session.received)),
        };
        session.link = Link::Hello {
            resuming: session.id.is_some(),
        };
        if let State::Connecting {
            attempt, deadline, ..
        } = self.state
        {
            self.state = State::Connecting {
                socket,
                attempt,
                phase: Phase::Resuming,
                deadline,
            };
        }
        self.transmit(socket, None, Frame::Binary(hello.encode()).into());
    }

    /// A frame on a link that speaks the protocol.
    pub(super) fn on_wire(&mut self, now: Time, socket: SocketId, frame: Option<Frame>) {
        let link = self.session.as_ref().map_or(Link::Plain, |s| s.link);
        let wire = match frame {
            Some(Frame::Binary(bytes)) => WireFrame::decode(&bytes),
            // A text frame is a data frame (`None`: one whose text the
            // adapter holds, under `FrameNeed::TextArrival`).
            text if link == Link::Live => {
                self.heard(now, None);
                return self.on_data(now, text);
            }
            _ => Err(resume::WireError("a text message before the welcome")),
        };
        match (wire, link) {
            (
                Ok(WireFrame::Welcome {
                    outcome,
                    session,
                    last,
                }),
                Link::Hello { resuming },
            ) => self.on_welcome(now, socket, resuming, outcome, session, last),
            (Ok(WireFrame::Data { ack, payload }), Link::Live) => {
                self.heard(now, None);
                if let Some(ack) = ack {
                    if let Err(e) = self.on_ack(now, ack) {
                        return self.protocol_error(now, socket, e);
                    }
                }
                self.on_data(now, Some(Frame::Binary(payload)));
            }
            (Ok(WireFrame::Ack(ack)), Link::Live) => {
                self.heard(now, None);
                if let Err(e) = self.on_ack(now, ack) {
                    self.protocol_error(now, socket, e);
                }
            }
            (Ok(WireFrame::Pong), Link::Live) => {
                // The protocol's pong answers the heartbeat as the configured
                // pong frame would.
                let pong = self.config.heartbeat.as_ref().and_then(|h| match &h.pong {
                    PongMatcher::Exact(f) => Some(f.clone()),
                    PongMatcher::Any => None,
                });
                self.heard(now, pong.as_ref());
            }
            // A ping asks for the ack due as well: it goes first.
            (Ok(WireFrame::Ping), Link::Live) => {
                self.heard(now, None);
                self.send_ack();
                self.transmit(socket, None, Frame::Binary(WireFrame::Pong.encode()).into());
            }
            (Ok(_), _) => self.protocol_error(now, socket, "a frame out of place"),
            (Err(e), _) => self.protocol_error(now, socket, e.0),
        }
    }

    fn on_welcome(
        &mut self,
        now: Time,
        socket: SocketId,
        resuming: bool,
        outcome: Outcome,
        id: Vec<u8>,
        last: u64,
    ) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let resumed = match outcome {
            Outcome::Resumed if resuming && session.id.as_deref() == Some(&id[..]) => {
                if last < session.acked || last > session.sent {
                    return self.protocol_error(now, socket, "a resume from a sequence never sent");
                }
                true
            }
            Outcome::New if !resuming && last == 0 => false,
            Outcome::Failed if resuming && last == 0 => {
                self.resync();
                false
            }
            _ => {
                return self.protocol_error(now, socket, "a welcome that does not answer the hello")
            }
        };
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.id = Some(id);
        session.link = Link::Live;
        let protocol = session.app_protocol.clone();
        if resumed {
            session.stats.resumes += 1;
            // What the server processed is acknowledged by its welcome.
            self.release(last);
        }
        self.on_open(now, socket, protocol, !resumed);
    }

    /// Sends what the server has not processed, in order: after a resume,
    /// the replay buffer from its start.
    pub(super) fn replay(&mut self, socket: SocketId) {
        let count = self.session.as_ref().map_or(0, |s| s.unacked.len());
        for i in 0..count {
            let Some(u) = self.session.as_mut().and_then(|s| s.unacked.get(i)) else {
                break;
            };
            let (id, frame) = (u.id, u.frame.clone());
            if let Some(s) = self.session.as_mut().filter(|_| id.is_some()) {
                s.stats.replayed += 1;
            }
            let wire = self.envelope(frame);
            self.transmit(socket, id, wire);
        }
    }

    /// Sends one message in the session: numbered, kept for replay.
    pub(super) fn send_in_session(
        &mut self,
        socket: SocketId,
        id: Option<MessageId>,
        frame: Payload,
    ) {
        self.number(id, frame.clone());
        let wire = self.envelope(frame);
        self.transmit(socket, id, wire);
    }

    /// Numbers a message sent in the session and keeps it for replay.
    fn number(&mut self, id: Option<MessageId>, frame: Payload) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.sent += 1;
        if id.is_some() {
            session.stats.sent += 1;
        }
        session.unacked_bytes = session.unacked_bytes.saturating_add(frame.len());
        session.unacked.push_back(Unacked { id, frame });
    }

    /// In the session: the direct allowance's message count, bytes (the
    /// window's room) and arrivals (see [`Allowance`]); `None` without it.
    pub(super) fn session_allowance(&self) -> Option<(u64, u64, u64)> {
        let (s, config) = (self.session.as_ref()?, self.resume_config()?);
        let messages = config.max_unacked_messages.saturating_sub(s.unacked.len());
        let room = config.max_unacked_bytes.saturating_sub(s.unacked_bytes);
        Some((messages as u64, room as u64, u64::from(config.ack_every)))
    }

    /// With direct sends and resume on: a text message of `len` bytes the
    /// adapter sent itself to `socket` under the allowance of the last
    /// [`Command::Direct`]. It is numbered and kept exactly as a
    /// [`Payload::Kept`] send would be (the adapter keeps its text until
    /// [`Event::Acked`] or [`Event::Dropped`] covers the id returned), after
    /// every message sent before it. The allowance is not reported again for
    /// it: the adapter spent it, and the engine takes the same off its record
    /// of the last report. `None`: `socket` is not the open one with its
    /// session in force (the adapter went past its allowance), and nothing
    /// was counted.
    pub fn sent_kept_directly(&mut self, socket: SocketId, len: usize) -> Option<MessageId> {
        if !matches!(self.state, State::Open { socket: s, .. } if s == socket)
            || !self.session_live()
        {
            return None;
        }
        let id = self.message_id();
        self.number(Some(id), Payload::Kept(len));
        self.count_transmit(len);
        if let Some(a) = self.direct.as_mut() {
            a.messages = a.messages.saturating_sub(1);
            a.bytes = a.bytes.saturating_sub(len as u64);
        }
        Some(id)
    }

    /// A data frame: text as it is; binary data behind its type byte, with
    /// the acknowledgement carried along once half of `ack_every` messages
    /// wait for one (the ack timer covers fewer): a few bytes every so many
    /// messages rather than on every frame.
    fn envelope(&mut self, frame: Payload) -> Payload {
        let Payload::Frame(Frame::Binary(payload)) = frame else {
            return frame;
        };
        let half = self
            .resume_config()
            .map_or(1, |c| u64::from(c.ack_every / 2).max(1));
        let ack = self.session.as_mut().and_then(|s| {
            (s.received - s.ack_sent >= half).then(|| {
                s.ack_sent = s.received;
                s.received
            })
        });
        if ack.is_some() {
            self.cancel_timer(Timer::Ack);
        }
        Frame::Binary(WireFrame::Data { ack, payload }.encode()).into()
    }

    /// A data frame: delivered (`None`: a text frame whose content the
    /// adapter holds, answered with [`Command::DeliverArrived`]), and
    /// acknowledged in time.
    fn on_data(&mut self, now: Time, frame: Option<Frame>) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.received += 1;
        session.stats.received += 1;
        let due = session.received - session.ack_sent;
        self.commands.push_back(match frame {
            Some(frame) => Command::Deliver(frame),
            None => Command::DeliverArrived,
        });
        let every = self.resume_config().map_or(1, |c| u64::from(c.ack_every));
        if due >= every {
            self.send_ack();
        } else if self.timers[Timer::Ack.index()].is_none() {
            let at = now + self.resume_config().map_or(Duration::ZERO, |c| c.ack_delay);
            self.set_timer(Timer::Ack, at);
        }
    }

    /// Acknowledges what was delivered, in an ack frame.
    pub(super) fn send_ack(&mut self) {
        self.cancel_timer(Timer::Ack);
        let State::Open { socket, .. } = self.state else {
            return;
        };
        let Some(session) = self.session.as_mut() else {
            return;
        };
        if session.link != Link::Live || session.received <= session.ack_sent {
            return;
        }
        session.ack_sent = session.received;
        let ack = WireFrame::Ack(session.received).encode();
        self.transmit(socket, None, Frame::Binary(ack).into());
    }

    fn on_ack(&mut self, now: Time, ack: u64) -> Result<(), &'static str> {
        let Some(session) = self.session.as_mut() else {
            return Ok(());
        };
        if ack > session.sent {
            return Err("an acknowledgement of a message never sent");
        }
        session.asked = false;
        self.release(ack);
        if matches!(self.state, State::Open { .. }) {
            self.expire_outbox(now);
            self.flush();
        }
        Ok(())
    }

    /// The window is full and a message waits for room: asks the server for
    /// its ack with a ping (which it answers with the ack due before the
    /// pong) instead of waiting for its ack cadence or delay, once until an
    /// ack comes.
    pub(super) fn ask_for_ack(&mut self) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        let waiting = self.outbox.front().map(|item| item.frame.len());
        if self.flow != Flow::Flowing || waiting.is_none_or(|len| self.session_room(len)) {
            return;
        }
        let Some(session) = self.session.as_mut() else {
            return;
        };
        if session.link != Link::Live || session.asked {
            return;
        }
        session.asked = true;
        self.transmit(socket, None, Frame::Binary(WireFrame::Ping.encode()).into());
    }

    /// Lets go of every message up to sequence number `through`.
    fn release(&mut self, through: u64) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let mut last = None;
        while session.acked < through {
            let Some(done) = session.unacked.pop_front() else {
                break;
            };
            session.acked += 1;
            session.unacked_bytes = session.unacked_bytes.saturating_sub(done.frame.len());
            if done.id.is_some() {
                session.stats.acknowledged += 1;
                last = done.id;
            }
        }
        if let Some(through) = last {
            self.emit(Event::Acked { through });
        }
    }

    /// The session is lost: what it had not had acknowledged is reported
    /// (never sent again), and the next connection starts a new one.
    pub(super) fn resync(&mut self) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let lost = core::mem::take(&mut session.unacked);
        session.stats.resyncs += 1;
        session.id = None;
        session.sent = 0;
        session.acked = 0;
        session.unacked_bytes = 0;
        session.received = 0;
        session.ack_sent = 0;
        self.cancel_timer(Timer::Ack);
        for u in lost {
            if let Some(id) = u.id {
                self.emit(Event::Dropped {
                    id,
                    frame: u.frame,
                    reason: DropReason::Resync,
                });
            }
        }
        self.emit(Event::Resync);
    }

    /// The server broke the protocol: the session cannot be trusted, so it
    /// is resynced, and the link is closed with 4400 and retried.
    fn protocol_error(&mut self, now: Time, socket: SocketId, what: &str) {
        self.resync();
        if let Some(session) = self.session.as_mut() {
            session.link = Link::Plain;
        }
        self.emit(Event::Error {
            kind: ErrorKind::Protocol,
            message: text!("resume protocol error: ", what),
        });
        self.abandon(now, socket, CLOSE_PROTOCOL_ERROR, "resume protocol error");
    }

    /// The link is gone (closed, abandoned): the session waits for the next.
    pub(super) fn link_down(&mut self, code: Option<u16>) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.link = Link::Plain;
        session.asked = false;
        self.cancel_timer(Timer::Ack);
        // The server found the protocol broken: resync, with backoff.
        if code == Some(CLOSE_PROTOCOL_ERROR) {
            self.resync();
        }
    }

    /// The frame a heartbeat probe sends: the protocol's ping on a live link.
    pub(super) fn ping_frame(&self) -> Option<Payload> {
        let config = self.config.heartbeat.as_ref()?;
        Some(if self.session_live() {
            Frame::Binary(WireFrame::Ping.encode()).into()
        } else {
            config.ping.clone().into()
        })
    }
}
