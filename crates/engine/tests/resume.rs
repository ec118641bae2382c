//! The resume protocol's client, against a model server that follows
//! docs/PROTOCOL.md, over a fake network whose links drop (losing what is in
//! flight), black-hole, refuse connections, lose the server's session, and
//! deliver late frames from connections a resume replaced. Whatever happens:
//! - the server's application gets the client's messages in send order, each
//!   at most once; the client's application gets the server's likewise;
//! - once the faults stop and the link has settled, every client message
//!   was delivered to the server or reported dropped by an explicit policy
//!   (overflow, expiry, resync), and every server message reached the client
//!   unless the server lost its session;
//! - with no session lost, nothing is dropped for resync and no message is
//!   lost at all;
//! - a successful resume does not run the handshake again; a new session
//!   does, and reports `Resync` when it replaced a lost one.
#![cfg(all(not(target_arch = "wasm32"), feature = "resume"))]

use std::collections::VecDeque;
use std::time::Duration;

use proptest::prelude::*;
use steadysocket_engine::resume::{Outcome, WireFrame};
use steadysocket_engine::{
    Allowance, Command, Config, DropReason, Endpoint, Engine, Event, Frame, FrameNeed,
    HeartbeatConfig, Input, MessageId, Overflow, Payload, PongMatcher, ResumeConfig, SendOutcome,
    SocketId, StateKind, Time,
};

/// One WebSocket connection of the fake network.
struct Conn {
    socket: SocketId,
    to_server: VecDeque<Frame>,
    to_client: VecDeque<Frame>,
    /// The server answered this connection's hello (it holds the session).
    welcomed: bool,
    /// The sequence number the next client data frame on this link has.
    next_in: u64,
    /// Frames vanish both ways, and no close comes.
    blackhole: bool,
}

/// The server side of the protocol, and its application.
#[derive(Default)]
struct ModelServer {
    session: Option<[u8; 16]>,
    next_id: u8,
    /// The last client sequence processed.
    processed: u64,
    /// Server messages: the highest sent, the highest acknowledged, the ones
    /// not acknowledged (`acked + 1 ..= sent`).
    sent: u64,
    acked: u64,
    unacked: VecDeque<String>,
    /// The connection that holds the session (fencing).
    current: Option<SocketId>,
    /// What the server's application received, in order.
    app_received: Vec<String>,
    /// Server messages ever produced (their texts are s1, s2, ...).
    produced: u64,
    /// Server messages lost with a lost session.
    lost: u64,
    sessions_lost: u32,
    handshakes: Vec<String>,
    /// A connection a later hello replaced: the server closes it.
    superseded: Option<SocketId>,
    /// Acknowledges only when asked (a ping), as a server whose ack
    /// cadence is longer than the client's window would.
    lazy_acks: bool,
    /// Pings received.
    pings: u32,
}

impl ModelServer {
    fn fresh_id(&mut self) -> [u8; 16] {
        self.next_id = self.next_id.wrapping_add(1);
        [self.next_id; 16]
    }

    fn new_session(&mut self) -> [u8; 16] {
        let id = self.fresh_id();
        // The session in place is left behind (its client never learnt its
        // id, or lost it): what it held is lost.
        if self.session.is_some() {
            self.sessions_lost += 1;
        }
        self.lost += self.unacked.len() as u64;
        *self = ModelServer {
            session: Some(id),
            next_id: self.next_id,
            app_received: core::mem::take(&mut self.app_received),
            produced: self.produced,
            lost: self.lost,
            sessions_lost: self.sessions_lost,
            handshakes: core::mem::take(&mut self.handshakes),
            superseded: self.current,
            lazy_acks: self.lazy_acks,
            pings: self.pings,
            ..ModelServer::default()
        };
        id
    }

    fn release(&mut self, ack: u64) {
        assert!(
            ack <= self.sent,
            "the client acknowledged {ack}, beyond {}",
            self.sent
        );
        while self.acked < ack {
            self.unacked.pop_front();
            self.acked += 1;
        }
    }

    /// Handles one frame the client sent on `conn`; returns frames to send back.
    fn on_frame(&mut self, conn: &mut Conn, frame: &Frame) -> Vec<Frame> {
        let mut out = Vec::new();
        let frame = match frame {
            // A text frame is a data frame.
            Frame::Text(text) => WireFrame::Data {
                ack: None,
                payload: text.as_bytes().to_vec(),
            },
            Frame::Binary(bytes) => {
                let frame = WireFrame::decode(bytes).expect("the client sends well-formed frames");
                assert!(
                    !matches!(frame, WireFrame::Data { .. }),
                    "text sent as binary data"
                );
                frame
            }
        };
        if !conn.welcomed {
            let WireFrame::Hello { resume } = frame else {
                panic!("the client's first frame is not a hello: {frame:?}");
            };
            let (outcome, last_server) = match resume {
                Some((id, last)) if Some(&id[..]) == self.session.as_ref().map(|s| &s[..]) => {
                    (Outcome::Resumed, last)
                }
                Some(_) => {
                    self.new_session();
                    (Outcome::Failed, 0)
                }
                None => {
                    self.new_session();
                    (Outcome::New, 0)
                }
            };
            let session = self.session.expect("a session exists").to_vec();
            if outcome == Outcome::Resumed {
                self.release(last_server);
            }
            conn.welcomed = true;
            conn.next_in = self.processed + 1;
            if let Some(previous) = self.current.filter(|&s| s != conn.socket) {
                self.superseded = Some(previous);
            }
            self.current = Some(conn.socket);
            out.push(binary(WireFrame::Welcome {
                outcome,
                session,
                last: self.processed,
            }));
            for text in &self.unacked {
                out.push(Frame::Text(text.clone()));
            }
            return out;
        }
        if self.current != Some(conn.socket) {
            return out; // a replaced connection: fenced off
        }
        match frame {
            WireFrame::Data { payload, .. } => {
                let seq = conn.next_in;
                conn.next_in += 1;
                assert_eq!(seq, self.processed + 1, "a client message out of sequence");
                self.processed = seq;
                let text = String::from_utf8(payload).expect("UTF-8");
                if text.starts_with('h') {
                    self.handshakes.push(text.clone());
                } else {
                    self.app_received.push(text);
                }
                if !self.lazy_acks {
                    out.push(binary(WireFrame::Ack(self.processed)));
                }
            }
            WireFrame::Ack(n) => self.release(n),
            // A ping asks for the ack due: it goes before the pong.
            WireFrame::Ping => {
                self.pings += 1;
                if self.lazy_acks {
                    out.push(binary(WireFrame::Ack(self.processed)));
                }
                out.push(binary(WireFrame::Pong));
            }
            other => panic!("the client sent {other:?} after its hello"),
        }
        out
    }

    /// The server's application sends a message: numbered and kept.
    fn produce(&mut self) -> Option<String> {
        self.session?;
        self.produced += 1;
        let text = format!("s{}", self.produced);
        self.sent += 1;
        self.unacked.push_back(text.clone());
        Some(text)
    }
}

fn binary(frame: WireFrame) -> Frame {
    Frame::Binary(frame.encode())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Up {
    Yes,
    Refusing,
    Silent,
}

struct Net {
    engine: Engine,
    now: Time,
    server: ModelServer,
    up: Up,
    conn: Option<Conn>,
    /// Connections let go of, with what was still in flight.
    old: Vec<Conn>,
    /// What the client's application received.
    delivered: Vec<String>,
    events: Vec<Event>,
    sent: Vec<(MessageId, String)>,
    next_text: u64,
    /// The adapter holds the texts (as the JS adapter does): sends are
    /// [`Payload::Kept`], text frames are reported by their arrival.
    holds: bool,
    /// Kept texts by message id, until acknowledged or dropped.
    kept: Vec<(MessageId, String)>,
    /// The text of the frame whose arrival is being reported.
    arrived: Option<String>,
    /// The adapter also sends and delivers texts itself under the engine's
    /// allowance (as the JS adapter does), and reports them before the
    /// engine's next input: what it has done since is its tab.
    direct: bool,
    /// The last allowance, as much of it as is left.
    allowance: Option<Allowance>,
    tab_sent: Vec<String>,
    tab_arrived: u64,
    /// Arrivals of the tab whose DeliverArrived is still to come (the texts
    /// are already delivered).
    absorb: u64,
    granted_arrivals: Option<u64>,
    /// Texts sent and delivered directly, over the run.
    direct_sent: u64,
    direct_arrived: u64,
}

impl Net {
    fn new(config: Config) -> Net {
        Net {
            engine: Engine::new(config, 7),
            now: Time::ZERO,
            server: ModelServer::default(),
            up: Up::Yes,
            conn: None,
            old: Vec::new(),
            delivered: Vec::new(),
            events: Vec::new(),
            sent: Vec::new(),
            next_text: 0,
            holds: false,
            kept: Vec::new(),
            arrived: None,
            direct: false,
            allowance: None,
            tab_sent: Vec::new(),
            tab_arrived: 0,
            absorb: 0,
            granted_arrivals: None,
            direct_sent: 0,
            direct_arrived: 0,
        }
    }

    /// Connects and completes the handshake (the hello to the server, its
    /// welcome back): the socket is open with a live session.
    fn open(&mut self) {
        self.input(Input::Connect);
        self.deliver_to_server(1);
        self.deliver_to_client(1);
        assert_eq!(self.engine.state().kind(), StateKind::Open);
    }

    fn input(&mut self, input: Input) {
        self.settle();
        self.engine.handle(self.now, input);
        self.pump();
    }

    /// Reports the tab: the texts sent directly, numbered in their order,
    /// then the arrivals delivered directly, each of which the engine must
    /// take (its DeliverArrived is absorbed: already delivered).
    fn settle(&mut self) {
        let Some(socket) = self.allowance.map(|a| a.socket) else {
            assert!(
                self.tab_sent.is_empty() && self.tab_arrived == 0,
                "a tab with no allowance"
            );
            return;
        };
        for text in std::mem::take(&mut self.tab_sent) {
            let id = self
                .engine
                .sent_kept_directly(socket, text.len())
                .expect("a text sent within the allowance is counted");
            self.kept.push((id, text.clone()));
            self.sent.push((id, text));
        }
        for _ in 0..std::mem::take(&mut self.tab_arrived) {
            self.absorb += 1;
            self.engine.handle(self.now, Input::Arrived { socket });
        }
        // A tab taken gives the arrivals back (they are counted now).
        if let (Some(a), Some(granted)) = (self.allowance.as_mut(), self.granted_arrivals) {
            a.arrivals = granted;
        }
        self.pump();
        assert_eq!(
            self.absorb, 0,
            "an arrival delivered directly that the engine did not take"
        );
    }

    fn pump(&mut self) {
        while let Some(cmd) = self.engine.poll_command() {
            match cmd {
                Command::Resolve { socket, .. } => self.engine.handle(
                    self.now,
                    Input::Resolved {
                        socket,
                        result: Ok(Endpoint::new("ws://model/", vec!["chat".into()])),
                    },
                ),
                Command::Open { socket, endpoint } => {
                    assert_eq!(endpoint.protocols, ["steadysocket.resume.v1~chat", "chat"]);
                    match self.up {
                        Up::Yes => {
                            self.conn = Some(Conn {
                                socket,
                                to_server: VecDeque::new(),
                                to_client: VecDeque::new(),
                                welcomed: false,
                                next_in: 0,
                                blackhole: false,
                            });
                            self.engine.handle(
                                self.now,
                                Input::Opened {
                                    socket,
                                    protocol: "steadysocket.resume.v1~chat".into(),
                                },
                            );
                        }
                        Up::Refusing => self.engine.handle(
                            self.now,
                            Input::Closed {
                                socket,
                                code: 1006,
                                reason: String::new(),
                                clean: false,
                            },
                        ),
                        Up::Silent => {}
                    }
                }
                Command::Transmit { socket, frame, id } => {
                    let wire = match &frame {
                        Payload::Frame(f) => f.clone(),
                        Payload::Kept(len) => {
                            let held = self
                                .kept
                                .iter()
                                .find(|(k, _)| Some(*k) == id)
                                .map(|(_, t)| t.clone())
                                .expect("a kept text is held until acknowledged or dropped");
                            assert_eq!(held.len(), *len);
                            Frame::Text(held)
                        }
                    };
                    match self.conn.as_mut().filter(|c| c.socket == socket) {
                        Some(c) if !c.blackhole => c.to_server.push_back(wire),
                        Some(_) => {}
                        None => self
                            .engine
                            .handle(self.now, Input::TransmitFailed { socket, id, frame }),
                    }
                }
                Command::Close { socket, .. } | Command::Discard { socket } => {
                    if let Some(c) = self.conn.take_if(|c| c.socket == socket) {
                        self.old.push(c);
                    }
                }
                Command::Deliver(Frame::Text(t)) => {
                    assert!(!self.holds, "text the adapter holds came back whole");
                    self.delivered.push(t)
                }
                Command::Deliver(other) => panic!("a delivered frame that is not text: {other:?}"),
                Command::DeliverArrived if self.absorb > 0 => self.absorb -= 1,
                Command::DeliverArrived => {
                    let text = self.arrived.take();
                    self.delivered
                        .push(text.expect("a text frame was reported"));
                }
                Command::Emit(e) => {
                    match &e {
                        Event::Acked { through } => self.kept.retain(|(id, _)| id > through),
                        Event::Dropped { id, .. } => self.kept.retain(|(k, _)| k != id),
                        _ => {}
                    }
                    self.events.push(e)
                }
                Command::QueryBufferedAmount => {
                    self.engine.handle(self.now, Input::BufferedAmount(0))
                }
                Command::Direct(allowance) => {
                    self.allowance = allowance;
                    self.granted_arrivals = allowance.map(|a| a.arrivals);
                }
                Command::CheckSocket { .. } => {}
                other => panic!("unexpected command {other:?}"),
            }
        }
    }

    fn send(&mut self) {
        self.next_text += 1;
        let text = format!("c{}", self.next_text);
        // Within the allowance: straight to the socket, on the tab.
        let len = text.len() as u64;
        if let Some(a) = self
            .allowance
            .as_mut()
            .filter(|a| a.messages > 0 && a.bytes >= len)
        {
            a.messages -= 1;
            a.bytes -= len;
            let socket = a.socket;
            match self.conn.as_mut().filter(|c| c.socket == socket) {
                Some(c) if !c.blackhole => c.to_server.push_back(Frame::Text(text.clone())),
                Some(_) => {}
                None => panic!("an allowance for a socket that is not the open one"),
            }
            self.tab_sent.push(text);
            self.direct_sent += 1;
            return;
        }
        self.settle();
        let payload = if self.holds {
            Payload::Kept(text.len())
        } else {
            Payload::Frame(Frame::Text(text.clone()))
        };
        // The adapter keeps the text before the commands run.
        match self.engine.send(self.now, payload, None) {
            Ok(SendOutcome::Dropped(_)) | Err(_) => {}
            Ok(outcome) => {
                if self.holds {
                    self.kept.push((outcome.id(), text.clone()));
                }
                self.sent.push((outcome.id(), text));
            }
        }
        self.pump();
    }

    /// Up to `n` frames from the client reach the server.
    fn deliver_to_server(&mut self, n: usize) {
        for _ in 0..n {
            let Some(conn) = self.conn.as_mut() else {
                return;
            };
            let Some(frame) = conn.to_server.pop_front() else {
                return;
            };
            let replies = self.server.on_frame(conn, &frame);
            conn.to_client.extend(replies);
        }
    }

    /// Up to `n` frames from the server reach the client.
    fn deliver_to_client(&mut self, n: usize) {
        for _ in 0..n {
            let Some(conn) = self.conn.as_mut() else {
                return;
            };
            let Some(frame) = conn.to_client.pop_front() else {
                return;
            };
            let socket = conn.socket;
            self.receive(socket, frame);
        }
    }

    /// A frame reaches the client: whole, or (text, when the adapter holds
    /// texts) by its arrival.
    fn receive(&mut self, socket: SocketId, frame: Frame) {
        if let (Frame::Text(text), Some(a)) = (&frame, self.allowance.as_mut()) {
            if a.socket == socket && a.arrivals > 0 {
                a.arrivals -= 1;
                self.tab_arrived += 1;
                self.direct_arrived += 1;
                self.delivered.push(text.clone());
                return;
            }
        }
        match frame {
            Frame::Text(text) if self.holds => {
                self.arrived = Some(text);
                self.input(Input::Arrived { socket });
                // Not delivered: a frame of a connection let go of.
                self.arrived = None;
            }
            frame => self.input(Input::Received { socket, frame }),
        }
    }

    fn produce(&mut self) {
        let Some(text) = self.server.produce() else {
            return;
        };
        if let Some(conn) = self.conn.as_mut() {
            if conn.welcomed && self.server.current == Some(conn.socket) && !conn.blackhole {
                conn.to_client.push_back(Frame::Text(text));
            }
        }
    }

    /// The link breaks: what is in flight is lost, and the client hears a 1006.
    fn drop_link(&mut self) {
        if let Some(conn) = self.conn.take() {
            let socket = conn.socket;
            self.old.push(conn);
            self.input(Input::Closed {
                socket,
                code: 1006,
                reason: String::new(),
                clean: false,
            });
        }
    }

    /// A frame still in flight on a connection let go of arrives late, at
    /// the server (fenced off) and at the client (ignored).
    fn late(&mut self) {
        let Some(mut old) = self.old.pop() else {
            return;
        };
        // A late hello for a new session makes an orphan session on a real
        // server (one per hello), which touches no other: left out here, as
        // this model holds one session.
        let orphan = old
            .to_server
            .front()
            .is_some_and(|f| matches!(f, Frame::Binary(b) if matches!(WireFrame::decode(b), Ok(WireFrame::Hello { resume: None }))));
        if orphan {
            old.to_server.pop_front();
        } else if let Some(frame) = old.to_server.pop_front() {
            let replies = self.server.on_frame(&mut old, &frame);
            old.to_client.extend(replies);
            // A late hello took the session over: the server closes the
            // connection it replaced, and the client resumes again.
            let superseded = self.server.superseded.take();
            if superseded.is_some() && superseded == self.conn.as_ref().map(|c| c.socket) {
                self.drop_link();
            }
        }
        if let Some(frame) = old.to_client.pop_front() {
            self.receive(old.socket, frame);
        }
        self.old.push(old);
    }

    fn advance(&mut self, by: Duration) {
        let end = self.now + by;
        while let Some(at) = self.engine.poll_timeout().filter(|at| *at <= end) {
            self.now = self.now.max(at);
            self.input(Input::Timeout);
        }
        self.now = end;
    }

    fn dropped(&self, reason: DropReason) -> Vec<MessageId> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Dropped { id, reason: r, .. } if *r == reason => Some(*id),
                _ => None,
            })
            .collect()
    }
}

#[derive(Clone, Debug)]
enum Action {
    Send(u8),
    Produce(u8),
    ToServer(u8),
    ToClient(u8),
    Advance(u16),
    Drop,
    Blackhole,
    Up(Up),
    LoseSession,
    Late,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (1u8..6).prop_map(Action::Send),
        4 => (1u8..6).prop_map(Action::Produce),
        4 => (1u8..8).prop_map(Action::ToServer),
        4 => (1u8..8).prop_map(Action::ToClient),
        3 => (1u16..3000).prop_map(Action::Advance),
        2 => Just(Action::Drop),
        1 => Just(Action::Blackhole),
        1 => prop::sample::select(vec![Up::Yes, Up::Yes, Up::Refusing, Up::Silent]).prop_map(Action::Up),
        1 => Just(Action::LoseSession),
        2 => Just(Action::Late),
    ]
}

fn config(max_unacked: usize, overflow: Overflow, lose: bool, holds: bool, direct: bool) -> Config {
    let mut c = Config::default();
    c.set_direct_sends(direct);
    c.backoff_mut()
        .set_initial(Duration::from_millis(100))
        .set_max(Duration::from_millis(400))
        .set_connect_timeout(Duration::from_millis(1500));
    c.outbox_mut()
        .set_overflow(overflow)
        .set_max_messages(if lose { 8 } else { 100_000 });
    let mut h = HeartbeatConfig::default();
    h.set_interval(Duration::from_millis(1000))
        .set_timeout(Duration::from_millis(500))
        .set_pong(if holds {
            PongMatcher::Any
        } else {
            PongMatcher::Exact(Frame::Text("pong".into()))
        });
    c.set_heartbeat(Some(h));
    let mut r = ResumeConfig::default();
    r.set_max_unacked_messages(max_unacked)
        .set_ack_every(3)
        .set_ack_delay(Duration::from_millis(50));
    c.set_resume(Some(r));
    let mut n = 0u32;
    c.set_handshake(Some(Box::new(move || {
        n += 1;
        vec![Frame::Text(format!("h{n}"))]
    })));
    c
}

fn run(
    actions: Vec<Action>,
    max_unacked: usize,
    overflow: Overflow,
    small_outbox: bool,
    holds: bool,
    direct: bool,
) -> Result<(u64, u64), TestCaseError> {
    // Direct sends and deliveries are of texts the adapter holds.
    let direct = direct && holds;
    let mut net = Net::new(config(max_unacked, overflow, small_outbox, holds, direct));
    net.holds = holds;
    net.direct = direct;
    // What an adapter that holds texts is told to report.
    let need = if holds {
        FrameNeed::TextArrival
    } else {
        FrameNeed::Every
    };
    prop_assert_eq!(net.engine.frame_need(), need);
    net.input(Input::Connect);
    for action in actions {
        match action {
            Action::Send(n) => (0..n).for_each(|_| net.send()),
            Action::Produce(n) => (0..n).for_each(|_| net.produce()),
            Action::ToServer(n) => net.deliver_to_server(n.into()),
            Action::ToClient(n) => net.deliver_to_client(n.into()),
            Action::Advance(ms) => net.advance(Duration::from_millis(ms.into())),
            Action::Drop => net.drop_link(),
            Action::Blackhole => {
                if let Some(c) = net.conn.as_mut() {
                    c.blackhole = true;
                    c.to_server.clear();
                    c.to_client.clear();
                }
            }
            Action::Up(up) => net.up = up,
            Action::LoseSession => {
                if net.server.session.is_some() {
                    net.server.sessions_lost += 1;
                    net.server.lost += net.server.unacked.len() as u64;
                    net.server.unacked.clear();
                    net.server.session = None;
                    // As after a restart: the connection goes with it.
                    net.drop_link();
                }
            }
            Action::Late => net.late(),
        }
        // In order and at most once, at every step.
        check_order(&net)?;
    }
    // The faults stop; the link settles.
    net.up = Up::Yes;
    for _ in 0..200 {
        net.deliver_to_server(64);
        net.deliver_to_client(64);
        net.advance(Duration::from_millis(200));
        let settled = net.engine.state().kind() == StateKind::Open
            && net
                .conn
                .as_ref()
                .is_some_and(|c| c.to_server.is_empty() && c.to_client.is_empty())
            && net.engine.resume_stats().is_some_and(|s| s.unacked == 0)
            && net.engine.outbox_len().0 == 0
            && net.server.unacked.is_empty();
        if settled {
            break;
        }
    }
    net.settle();
    check_order(&net)?;
    let stats = net.engine.resume_stats().expect("resume is on");
    prop_assert_eq!(
        stats.unacked,
        0,
        "messages still unacknowledged after settling"
    );
    prop_assert_eq!(net.engine.outbox_len().0, 0);
    // Every kept text was let go of (acknowledged or dropped).
    prop_assert!(net.kept.is_empty(), "kept texts left: {:?}", net.kept);
    // Every client message: delivered, or dropped by a named policy.
    let resync = net.dropped(DropReason::Resync);
    let overflow = net.dropped(DropReason::Overflow);
    for (id, text) in &net.sent {
        let delivered = net.server.app_received.contains(text);
        let dropped = resync.contains(id) || overflow.contains(id);
        prop_assert!(delivered || dropped, "{} was lost", text);
        prop_assert!(
            !(delivered && overflow.contains(id)),
            "{} delivered and dropped",
            text
        );
    }
    let resyncs = net
        .events
        .iter()
        .filter(|e| matches!(e, Event::Resync))
        .count();
    prop_assert_eq!(stats.resyncs as usize, resyncs);
    if net.server.sessions_lost == 0 {
        prop_assert!(resync.is_empty(), "resync drops with no session lost");
        prop_assert_eq!(resyncs, 0);
        // Server to client: everything, with no session lost.
        prop_assert_eq!(net.delivered.len() as u64, net.server.produced);
    } else {
        // Only what the lost sessions held may be missing (some of it may
        // have arrived before its acknowledgement did).
        let missing = net.server.produced - net.delivered.len() as u64;
        prop_assert!(
            missing <= net.server.lost,
            "{} missing, {} lost",
            missing,
            net.server.lost
        );
    }
    // The handshake runs once per new session (the first, and one per
    // resync), and the session in force got the last.
    let last = format!("h{}", 1 + resyncs);
    prop_assert_eq!(net.server.handshakes.last(), Some(&last));
    Ok((net.direct_sent, net.direct_arrived))
}

/// Both applications get messages in order and at most once.
fn check_order(net: &Net) -> Result<(), TestCaseError> {
    let numbers = |texts: &[String]| -> Vec<u64> {
        texts.iter().filter_map(|t| t[1..].parse().ok()).collect()
    };
    for (who, seen) in [
        ("server", numbers(&net.server.app_received)),
        ("client", numbers(&net.delivered)),
    ] {
        for pair in seen.windows(2) {
            prop_assert!(
                pair[0] < pair[1],
                "the {} got {} after {}",
                who,
                pair[1],
                pair[0]
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn exactly_once_in_order(
        actions in prop::collection::vec(action(), 1..150),
        max_unacked in prop::sample::select(vec![1usize, 4, 1000]),
        overflow in prop::sample::select(vec![Overflow::Reject, Overflow::DropOldest, Overflow::DropNewest]),
        small_outbox in any::<bool>(),
        holds in any::<bool>(),
        direct in any::<bool>(),
    ) {
        run(actions, max_unacked, overflow, small_outbox, holds, direct)?;
    }
}

/// A plain run: a drop mid-stream loses nothing, and the resume replays
/// exactly what the server had not processed.
#[test]
fn a_drop_replays_what_was_in_flight() {
    let mut net = Net::new(config(1000, Overflow::Reject, false, false, false));
    net.open();
    for _ in 0..5 {
        net.send();
    }
    net.deliver_to_server(3); // handshake, c1, c2 processed; c3..c5 in flight
    net.drop_link();
    net.advance(Duration::from_secs(1));
    net.deliver_to_server(64);
    net.deliver_to_client(64);
    net.deliver_to_server(64);
    assert_eq!(net.server.app_received, ["c1", "c2", "c3", "c4", "c5"]);
    let stats = net.engine.resume_stats().unwrap();
    assert_eq!(stats.replayed, 3, "{stats:?}");
    assert_eq!(stats.resumes, 1);
    assert_eq!(
        net.server.handshakes,
        ["h1"],
        "a resume does not run the handshake"
    );
}

/// A client whose window is smaller than the server's ack cadence does not
/// wait for the server's ack delay each time it fills: it asks with a ping
/// (once per full window, not once per send waiting), which the server
/// answers with its ack. The model server here acknowledges only when
/// asked and has no timer, so without the ping the sends would stall.
#[test]
fn a_full_window_asks_the_server_for_its_ack_at_once() {
    for direct in [false, true] {
        let mut net = Net::new(config(4, Overflow::Reject, false, false, direct));
        net.server.lazy_acks = true;
        net.open();
        for _ in 0..30 {
            net.send();
        }
        for _ in 0..40 {
            net.deliver_to_server(64);
            net.deliver_to_client(64);
        }
        let expected: Vec<String> = (1..=30).map(|n| format!("c{n}")).collect();
        assert_eq!(net.server.app_received, expected, "direct: {direct}");
        assert_eq!(net.now, Time::ZERO, "no time passed");
        // 31 messages (the handshake's too) through a window of 4: one ask
        // per window filled, not one per message waiting.
        assert!(
            (7..=8).contains(&net.server.pings),
            "{} pings (direct: {direct})",
            net.server.pings
        );
    }
}

/// The ask is per link: one left unanswered on a link the client abandoned
/// for a protocol error does not keep the next link's full window from
/// asking again.
#[test]
fn a_new_link_asks_again_after_an_ask_left_unanswered() {
    let mut net = Net::new(config(4, Overflow::Reject, false, false, false));
    net.server.lazy_acks = true;
    net.open();
    for _ in 0..10 {
        net.send();
    }
    // The window is full and the ping is on its way; the server then breaks
    // the protocol before answering it.
    let socket = net.conn.as_ref().map(|c| c.socket).unwrap();
    net.receive(socket, Frame::Binary(vec![0x01]));
    net.advance(Duration::from_secs(1));
    net.deliver_to_server(64);
    net.deliver_to_client(64);
    let before = net.server.pings;
    let at = net.now;
    for _ in 0..10 {
        net.send();
    }
    for _ in 0..40 {
        net.deliver_to_server(64);
        net.deliver_to_client(64);
    }
    assert!(net.server.pings > before, "no ask on the new link");
    assert_eq!(net.now, at, "no time passed");
    assert!(
        net.server.app_received.iter().any(|t| t == "c20"),
        "{:?}",
        net.server.app_received
    );
}

/// The other way: a ping from the server makes the client send the ack due
/// before its pong, rather than after its ack delay.
#[test]
fn a_ping_is_answered_with_the_ack_due_then_the_pong() {
    let mut net = Net::new(config(1000, Overflow::Reject, false, false, false));
    net.open();
    net.deliver_to_server(64);
    net.produce();
    net.produce();
    net.deliver_to_client(64);
    assert_eq!(net.delivered, ["s1", "s2"]);
    let socket = net.conn.as_ref().map(|c| c.socket).unwrap();
    net.conn.as_mut().unwrap().to_server.clear();
    net.receive(socket, binary(WireFrame::Ping));
    let sent: Vec<WireFrame> = net
        .conn
        .as_ref()
        .unwrap()
        .to_server
        .iter()
        .map(|f| match f {
            Frame::Binary(b) => WireFrame::decode(b).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sent, [WireFrame::Ack(2), WireFrame::Pong]);
    // Nothing due: a pong alone.
    net.conn.as_mut().unwrap().to_server.clear();
    net.receive(socket, binary(WireFrame::Ping));
    assert_eq!(
        net.conn.as_ref().unwrap().to_server,
        [binary(WireFrame::Pong)]
    );
}

/// The direct path runs in the property test's model (a path test): texts
/// sent and delivered by the adapter under the allowance, across drops and
/// black holes, every one once and in order.
#[test]
fn texts_go_directly_under_the_allowance_and_stay_exactly_once() {
    let mut actions = Vec::new();
    for round in 0..60 {
        actions.extend([
            Action::Send(5),
            Action::Produce(5),
            Action::ToServer(7),
            Action::ToClient(7),
            Action::Advance(60),
        ]);
        // A fault now and then, and the time to come back from it.
        match round % 20 {
            9 => actions.extend([Action::Drop, Action::Advance(500)]),
            19 => actions.extend([Action::Blackhole, Action::Advance(2500)]),
            _ => {}
        }
    }
    let (sent, arrived) =
        run(actions, 1000, Overflow::Reject, false, true, true).unwrap_or_else(|e| panic!("{e}"));
    assert!(sent > 50, "{sent} texts sent directly");
    assert!(arrived > 50, "{arrived} texts delivered directly");
}
