//! A fake world for the engine: a fake clock, timers that fire in deadline
//! order, and a fake server that accepts, refuses or never answers. Commands
//! are answered the way the web adapter would answer them.
#![allow(dead_code)]

use std::time::Duration;

use steadysocket_engine::{
    Command, Config, Endpoint, Engine, Event, Frame, Input, MessageId, Payload, SendOutcome,
    SocketId, State, StateKind, SubmitError, Time, Timer,
};

/// How the fake server answers a new socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// The socket opens.
    Up,
    /// The socket closes with 1006 at once (refused upgrade, server down).
    Down,
    /// Nothing happens (a black hole): only the connect timeout ends it.
    Silent,
}

pub struct World {
    pub engine: Engine,
    pub now: Time,
    pub server: Server,
    /// Every command the engine gave, with the time.
    pub log: Vec<(Time, Command)>,
    /// The open socket, if any.
    pub socket: Option<SocketId>,
    /// Sockets created and not discarded.
    pub live: Vec<SocketId>,
    /// The socket's bufferedAmount, as the adapter would report it.
    pub buffered: u64,
    /// The URLs handed out, one per attempt.
    pub urls: u32,
    /// When true the socket refuses every transmit (it is already closing,
    /// say) and the adapter reports each as failed.
    pub refuse_transmits: bool,
    /// The user messages whose transmit failed, in the order reported.
    pub failed: Vec<MessageId>,
    /// When true the open socket's readyState reads CLOSING: the server sent
    /// a close frame and no close event follows (Node's built-in WebSocket
    /// with a server that never closes TCP).
    pub socket_closing: bool,
    /// The allowance of the last `Command::Direct` (direct sends only).
    pub direct: Option<(SocketId, u64)>,
    /// Sockets the engine let go of (`Command::Discard`), oldest first.
    pub discarded: Vec<SocketId>,
}

pub fn url_for(n: u32) -> String {
    format!("ws://server/?token={n}")
}

impl World {
    pub fn new(config: Config) -> World {
        World::seeded(config, 1)
    }

    pub fn seeded(config: Config, seed: u64) -> World {
        config.validate().expect("test config is valid");
        World {
            engine: Engine::new(config, seed),
            now: Time::ZERO,
            server: Server::Up,
            log: Vec::new(),
            socket: None,
            live: Vec::new(),
            buffered: 0,
            urls: 0,
            refuse_transmits: false,
            failed: Vec::new(),
            socket_closing: false,
            direct: None,
            discarded: Vec::new(),
        }
    }

    /// Feeds an input and answers the commands it caused.
    pub fn input(&mut self, input: Input) {
        self.engine.handle(self.now, input);
        self.pump();
    }

    pub fn send(&mut self, text: &str) -> Result<SendOutcome, SubmitError> {
        let r = self.engine.send(self.now, Frame::Text(text.into()), None);
        self.pump();
        r
    }

    pub fn send_ttl(&mut self, text: &str, ttl: Duration) -> Result<SendOutcome, SubmitError> {
        let r = self
            .engine
            .send(self.now, Frame::Text(text.into()), Some(ttl));
        self.pump();
        r
    }

    /// Answers commands until there are none.
    pub fn pump(&mut self) {
        while let Some(cmd) = self.engine.poll_command() {
            self.log.push((self.now, cmd.clone()));
            match cmd {
                Command::Resolve { socket, .. } => {
                    self.urls += 1;
                    let endpoint = Endpoint::new(url_for(self.urls), vec![]);
                    self.engine.handle(
                        self.now,
                        Input::Resolved {
                            socket,
                            result: Ok(endpoint),
                        },
                    );
                }
                Command::Open { socket, .. } => {
                    assert!(
                        self.live.is_empty(),
                        "a second socket while {:?} is alive",
                        self.live
                    );
                    self.live.push(socket);
                    match self.server {
                        Server::Up => {
                            self.socket = Some(socket);
                            self.engine.handle(
                                self.now,
                                Input::Opened {
                                    socket,
                                    protocol: String::new(),
                                },
                            );
                        }
                        Server::Down => {
                            self.engine.handle(self.now, Input::Error { socket });
                            self.engine.handle(
                                self.now,
                                Input::Closed {
                                    socket,
                                    code: 1006,
                                    reason: String::new(),
                                    clean: false,
                                },
                            );
                        }
                        Server::Silent => {}
                    }
                }
                Command::Discard { socket } => {
                    self.discarded.push(socket);
                    self.live.retain(|s| *s != socket);
                    if self.socket == Some(socket) {
                        self.socket = None;
                    }
                }
                Command::QueryBufferedAmount => {
                    self.engine
                        .handle(self.now, Input::BufferedAmount(self.buffered));
                }
                Command::CheckSocket { socket } => {
                    if self.socket_closing && self.socket == Some(socket) {
                        self.engine.handle(self.now, Input::PeerClosing { socket });
                    }
                }
                Command::Transmit { socket, id, frame }
                    if self.refuse_transmits || self.socket_closing =>
                {
                    self.failed.extend(id);
                    self.engine
                        .handle(self.now, Input::TransmitFailed { socket, id, frame });
                }
                Command::Transmit { frame, .. } => self.buffered += frame.len() as u64,
                Command::Direct(allowance) => self.direct = allowance.map(|a| (a.socket, a.bytes)),
                Command::Close { .. } | Command::Deliver(_) | Command::Emit(_) => {}
                other => panic!("the fake world does not know the command {other:?}"),
            }
        }
    }

    /// The adapter sent `bytes` straight to `socket` under the allowance.
    pub fn sent_directly(&mut self, socket: SocketId, bytes: u64) {
        self.input(Input::SentDirectly { socket, bytes });
    }

    /// Moves the clock forward, answering the engine's timeout whenever it
    /// comes due (as the adapter's one platform timer does).
    pub fn advance(&mut self, by: Duration) {
        let end = self.now + by;
        while let Some(at) = self.engine.poll_timeout().filter(|at| *at <= end) {
            self.now = self.now.max(at);
            self.input(Input::Timeout);
        }
        self.now = end;
    }

    /// The armed timers.
    pub fn timers(&self) -> Vec<(Timer, Time)> {
        self.engine.timers().collect()
    }

    /// Moves the clock forward without firing timers (a frozen or throttled page).
    pub fn skip(&mut self, by: Duration) {
        self.now = self.now + by;
    }

    /// The server closes the open socket.
    pub fn server_close(&mut self, code: u16, reason: &str) {
        let socket = self.socket.expect("no open socket");
        self.input(Input::Closed {
            socket,
            code,
            reason: reason.into(),
            clean: code != 1006,
        });
    }

    /// A frame from the server on the open socket.
    pub fn receive(&mut self, text: &str) {
        let socket = self.socket.expect("no open socket");
        self.input(Input::Received {
            socket,
            frame: Frame::Text(text.into()),
        });
    }

    pub fn state(&self) -> StateKind {
        self.engine.state().kind()
    }

    pub fn is_open(&self) -> bool {
        matches!(self.engine.state(), State::Open { .. })
    }

    /// Commands logged since index `from`.
    pub fn since(&self, from: usize) -> impl Iterator<Item = &Command> {
        self.log[from..].iter().map(|(_, c)| c)
    }

    pub fn events(&self) -> Vec<Event> {
        self.log
            .iter()
            .filter_map(|(_, c)| match c {
                Command::Emit(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    /// Times at which sockets were opened (Open commands).
    pub fn open_times(&self) -> Vec<Time> {
        self.log
            .iter()
            .filter(|(_, c)| matches!(c, Command::Open { .. }))
            .map(|(t, _)| *t)
            .collect()
    }

    /// Texts transmitted (user messages and pings), in order.
    pub fn transmitted(&self) -> Vec<String> {
        self.log
            .iter()
            .filter_map(|(_, c)| match c {
                Command::Transmit {
                    frame: Payload::Frame(Frame::Text(t)),
                    ..
                } => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn delivered(&self) -> Vec<String> {
        self.log
            .iter()
            .filter_map(|(_, c)| match c {
                Command::Deliver(Frame::Text(t)) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn dropped(&self) -> Vec<(MessageId, String)> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Dropped {
                    id,
                    frame: Payload::Frame(Frame::Text(t)),
                    ..
                } => Some((id, t)),
                _ => None,
            })
            .collect()
    }

    pub fn retry_delays(&self) -> Vec<Duration> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Retrying { delay, .. } => Some(delay),
                _ => None,
            })
            .collect()
    }
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
