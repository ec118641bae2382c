//! The resume protocol's server side (docs/PROTOCOL.md), for `/echo` when a
//! client offers it: sessions per scope that outlive connections, numbered
//! messages both ways, replay after a resume, fencing. The application
//! records what each session received (for the soak's counts) and echoes it
//! back unless the client asked `echo=0`; `/control/produce` makes the server
//! send numbered messages of its own. The faults apply as on any connection.
//!
//! Session ids here come from std's hasher seeds, not a cryptographic
//! generator: this is a test server (the adapters use one).

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use steadysocket_engine::resume::{Outcome, WireFrame, CLOSE_PROTOCOL_ERROR};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::hub::{Endpoint, Registration};
use crate::ws::{apply_fault, Socket, Step};

/// The close code for a connection a later resume replaced.
const CLOSE_SUPERSEDED: u16 = 4409;
/// Acknowledge after this many messages, or within `ACK_DELAY`.
const ACK_EVERY: u64 = 128;
const ACK_DELAY: Duration = Duration::from_millis(50);

type SessionId = [u8; 16];

/// One session: its numbers, what waits for acknowledgement, what it got.
#[derive(Default)]
struct Session {
    /// The connection that holds it (the last whose hello was answered).
    conn: u64,
    processed: u64,
    sent: u64,
    acked: u64,
    /// Text as the text message it is (shared, not copied), binary data as
    /// its payload.
    unacked: VecDeque<Message>,
    echo: bool,
    stats: SessionStats,
    seen: HashSet<u64>,
}

/// What `/control/resume` reports per session.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SessionStats {
    /// Application messages received (each sequence number once).
    pub received: u64,
    /// Received messages whose trailing number was seen before.
    pub duplicated: u64,
    /// Received messages whose trailing number is below the highest seen.
    pub reordered: u64,
    /// The highest trailing number seen.
    pub highest: u64,
    /// Messages the server produced (`/control/produce`).
    pub produced: u64,
    /// Server messages not yet acknowledged.
    pub unacked: u64,
    /// Resumes of this session.
    pub resumes: u64,
    /// Server messages sent again after a resume.
    pub replayed: u64,
    /// Pings the client sent (with resume, a ping also asks for the ack).
    pub pings: u64,
}

/// The resume sessions of one scope.
pub struct Sessions {
    map: Mutex<HashMap<SessionId, Session>>,
    /// Wakes connections: a session has something new to send, or changed hands.
    wake: broadcast::Sender<()>,
    random: RandomState,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            wake: broadcast::channel(64).0,
            random: RandomState::new(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Sessions {
    fn fresh_id(&self, salt: u64) -> SessionId {
        let mut id = [0u8; 16];
        for (i, half) in id.chunks_mut(8).enumerate() {
            let mut h = self.random.build_hasher();
            h.write_u64(salt);
            h.write_usize(i);
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            half.copy_from_slice(&h.finish().to_le_bytes());
        }
        id
    }

    /// The server's application sends `n` numbered texts in every session.
    pub fn produce(&self, n: u64) -> u64 {
        let mut map = lock(&self.map);
        let mut total = 0;
        for s in map.values_mut() {
            for _ in 0..n {
                s.stats.produced += 1;
                let text = format!("s{}", s.stats.produced);
                s.sent += 1;
                s.unacked.push_back(Message::text(text));
            }
            total += n;
        }
        drop(map);
        let _ = self.wake.send(());
        total
    }

    /// Forgets every session (as a restart would): resumes then fail.
    pub fn forget(&self) {
        lock(&self.map).clear();
        let _ = self.wake.send(());
    }

    /// Every session's counters.
    pub fn stats(&self) -> Vec<SessionStats> {
        lock(&self.map)
            .values()
            .map(|s| SessionStats {
                unacked: s.unacked.len() as u64,
                ..s.stats.clone()
            })
            .collect()
    }
}

/// Whether the client offered the protocol: the token to answer with.
pub fn pick(offered: &str) -> Option<String> {
    let tokens: Vec<&str> = offered.split(',').map(str::trim).collect();
    tokens
        .iter()
        .find(|p| steadysocket_engine::resume::chosen(p).0)
        .map(|p| (*p).to_owned())
}

/// One connection that picked the protocol.
struct Conn {
    id: u64,
    session: Option<SessionId>,
    next_in: u64,
    /// The highest server sequence number sent on this connection.
    transmitted: u64,
    ack_due: u64,
    echo: bool,
}

enum Out {
    Frames(Vec<Message>),
    Close(u16, &'static str),
}

/// Serves a connection that picked the protocol until it ends.
pub async fn serve(mut ws: Socket, mut reg: Registration, echo: bool) {
    let sessions = reg.scope.resume.clone();
    let mut wake = sessions.wake.subscribe();
    let mut blackholed = reg.scope.blackholed();
    let mut conn = Conn {
        id: reg.id,
        session: None,
        next_in: 0,
        transmitted: 0,
        ack_due: 0,
        echo,
    };
    // Its first tick a delay from now (an interval's first is at once).
    let mut ack_timer =
        tokio::time::interval_at(tokio::time::Instant::now() + ACK_DELAY, ACK_DELAY);
    loop {
        let out = tokio::select! {
            fault = reg.faults.recv() => match fault {
                Some(fault) => match apply_fault(&mut ws, &reg, Endpoint::Echo, fault, &mut blackholed).await {
                    Step::Continue => continue,
                    Step::Stop => return,
                },
                None => return,
            },
            inbound = ws.next(), if !blackholed => match inbound {
                Some(Ok(Message::Binary(bytes))) => conn.frame(&sessions, &reg, &bytes),
                // A text frame is a text message.
                Some(Ok(Message::Text(text))) => conn.text(&sessions, &reg, text),
                Some(Ok(_)) => continue,
                _ => return,
            },
            _ = wake.recv(), if conn.session.is_some() && !blackholed => conn.pending(&sessions),
            _ = ack_timer.tick(), if conn.ack_due > 0 && !blackholed => conn.ack(&sessions),
        };
        match out {
            Out::Frames(frames) => {
                for f in frames {
                    if ws.send(f).await.is_err() {
                        return;
                    }
                    reg.scope.count(Endpoint::Echo, |c| c.frames_out += 1);
                }
            }
            Out::Close(code, reason) => {
                let frame = CloseFrame {
                    code: CloseCode::from(code),
                    reason: reason.into(),
                };
                let _ = ws.close(Some(frame)).await;
                return;
            }
        }
    }
}

impl Conn {
    fn frame(&mut self, sessions: &Arc<Sessions>, reg: &Registration, bytes: &[u8]) -> Out {
        let Ok(frame) = WireFrame::decode(bytes) else {
            return Out::Close(
                CLOSE_PROTOCOL_ERROR,
                "resume protocol error: a malformed frame",
            );
        };
        let Some(id) = self.session else {
            let WireFrame::Hello { resume } = frame else {
                return Out::Close(CLOSE_PROTOCOL_ERROR, "resume protocol error: no hello");
            };
            return self.hello(sessions, resume);
        };
        let mut map = lock(&sessions.map);
        let Some(s) = map.get_mut(&id).filter(|s| s.conn == self.id) else {
            // Superseded or forgotten: this connection no longer counts.
            return Out::Close(CLOSE_SUPERSEDED, "superseded");
        };
        match frame {
            WireFrame::Data { ack, payload } => {
                if let Some(ack) = ack {
                    if !release(s, ack) {
                        return Out::Close(
                            CLOSE_PROTOCOL_ERROR,
                            "resume protocol error: an ack of a message never sent",
                        );
                    }
                }
                self.data(s, reg, Message::Binary(payload.into()))
            }
            WireFrame::Ack(n) => {
                if release(s, n) {
                    Out::Frames(Vec::new())
                } else {
                    Out::Close(
                        CLOSE_PROTOCOL_ERROR,
                        "resume protocol error: an ack of a message never sent",
                    )
                }
            }
            // A ping asks for the ack due as well: it goes first.
            WireFrame::Ping => {
                s.stats.pings += 1;
                let mut out = Vec::new();
                if self.ack_due > 0 {
                    self.ack_due = 0;
                    out.push(binary(WireFrame::Ack(s.processed)));
                }
                out.push(binary(WireFrame::Pong));
                Out::Frames(out)
            }
            WireFrame::Pong => Out::Frames(Vec::new()),
            _ => Out::Close(
                CLOSE_PROTOCOL_ERROR,
                "resume protocol error: a frame out of place",
            ),
        }
    }

    /// A text frame: a text message, once the session is in force.
    fn text(&mut self, sessions: &Arc<Sessions>, reg: &Registration, text: Utf8Bytes) -> Out {
        let Some(id) = self.session else {
            return Out::Close(CLOSE_PROTOCOL_ERROR, "resume protocol error: no hello");
        };
        let mut map = lock(&sessions.map);
        let Some(s) = map.get_mut(&id).filter(|s| s.conn == self.id) else {
            return Out::Close(CLOSE_SUPERSEDED, "superseded");
        };
        reg.scope.log_received(text.as_str());
        self.data(s, reg, Message::Text(text))
    }

    /// The next client message, numbered by its place: counted, echoed
    /// (on /echo), acknowledged in time.
    fn data(&mut self, s: &mut Session, reg: &Registration, message: Message) -> Out {
        let seq = self.next_in;
        self.next_in += 1;
        if seq <= s.processed {
            return Out::Frames(Vec::new());
        }
        s.processed = seq;
        reg.scope.count(Endpoint::Echo, |c| c.frames_in += 1);
        count(s, message.clone().into_data().as_ref());
        self.ack_due += 1;
        let mut out = Vec::new();
        if self.echo && s.echo {
            s.sent += 1;
            s.unacked.push_back(message);
            out.extend(self.unsent(s));
        }
        // Not carried on a binary echo: an ack frame every so many.
        if self.ack_due >= ACK_EVERY {
            self.ack_due = 0;
            out.push(binary(WireFrame::Ack(s.processed)));
        }
        Out::Frames(out)
    }

    fn hello(&mut self, sessions: &Arc<Sessions>, resume: Option<(Vec<u8>, u64)>) -> Out {
        let mut map = lock(&sessions.map);
        let known = resume.as_ref().and_then(|(id, last)| {
            let id: SessionId = id.as_slice().try_into().ok()?;
            map.contains_key(&id).then_some((id, *last))
        });
        let (id, outcome) = match known {
            Some((id, last)) => {
                let Some(s) = map.get_mut(&id) else {
                    return Out::Close(CLOSE_PROTOCOL_ERROR, "resume protocol error");
                };
                if last > s.sent || last < s.acked {
                    return Out::Close(
                        CLOSE_PROTOCOL_ERROR,
                        "resume protocol error: a resume from a sequence never sent",
                    );
                }
                release(s, last);
                s.stats.resumes += 1;
                s.stats.replayed += s.unacked.len() as u64;
                (id, Outcome::Resumed)
            }
            None => {
                let id = sessions.fresh_id(self.id);
                map.insert(
                    id,
                    Session {
                        echo: self.echo,
                        ..Session::default()
                    },
                );
                let outcome = if resume.is_some() {
                    Outcome::Failed
                } else {
                    Outcome::New
                };
                (id, outcome)
            }
        };
        let Some(s) = map.get_mut(&id) else {
            return Out::Close(CLOSE_PROTOCOL_ERROR, "resume protocol error");
        };
        s.conn = self.id;
        self.session = Some(id);
        self.next_in = s.processed + 1;
        self.transmitted = s.acked;
        self.ack_due = 0;
        let mut out = vec![binary(WireFrame::Welcome {
            outcome,
            session: id.to_vec(),
            last: s.processed,
        })];
        out.extend(self.unsent(s));
        drop(map);
        // The connection it replaced learns it on its next wake.
        let _ = sessions.wake.send(());
        Out::Frames(out)
    }

    /// The session's messages this connection has not sent yet, as data
    /// frames: text as text frames, binary data carrying the ack due.
    fn unsent(&mut self, s: &mut Session) -> Vec<Message> {
        let first = self.transmitted.max(s.acked) + 1;
        let mut out = Vec::new();
        for seq in first..=s.sent {
            let Some(message) = s.unacked.get((seq - s.acked - 1) as usize) else {
                break;
            };
            let Message::Binary(payload) = message else {
                out.push(message.clone());
                continue;
            };
            let ack = (self.ack_due >= ACK_EVERY / 2).then(|| {
                self.ack_due = 0;
                s.processed
            });
            out.push(binary(WireFrame::Data {
                ack,
                payload: payload.to_vec(),
            }));
        }
        self.transmitted = s.sent;
        out
    }

    /// Woken: new messages to send, or the session changed hands.
    fn pending(&mut self, sessions: &Arc<Sessions>) -> Out {
        let Some(id) = self.session else {
            return Out::Frames(Vec::new());
        };
        let mut map = lock(&sessions.map);
        match map.get_mut(&id) {
            Some(s) if s.conn == self.id => Out::Frames(self.unsent(s)),
            _ => Out::Close(CLOSE_SUPERSEDED, "superseded"),
        }
    }

    fn ack(&mut self, sessions: &Arc<Sessions>) -> Out {
        let Some(id) = self.session else {
            return Out::Frames(Vec::new());
        };
        let map = lock(&sessions.map);
        match map.get(&id) {
            Some(s) if s.conn == self.id => {
                self.ack_due = 0;
                Out::Frames(vec![binary(WireFrame::Ack(s.processed))])
            }
            _ => Out::Frames(Vec::new()),
        }
    }
}

fn binary(frame: WireFrame) -> Message {
    Message::binary(frame.encode())
}

/// Lets go of server messages up to `ack`; false if it was never sent.
fn release(s: &mut Session, ack: u64) -> bool {
    if ack > s.sent {
        return false;
    }
    while s.acked < ack && s.unacked.pop_front().is_some() {
        s.acked += 1;
    }
    true
}

/// Counts a received message by the number it ends with (the soak's).
fn count(s: &mut Session, payload: &[u8]) {
    s.stats.received += 1;
    // The message's trailing number, if it ends with one that fits.
    let mut n: u64 = 0;
    let mut scale: u64 = 1;
    let mut digits = 0;
    for &b in payload.iter().rev().take_while(|b| b.is_ascii_digit()) {
        let Some(next) = u64::from(b - b'0')
            .checked_mul(scale)
            .and_then(|d| n.checked_add(d))
        else {
            return;
        };
        n = next;
        scale = scale.saturating_mul(10);
        digits += 1;
    }
    if digits == 0 {
        return;
    }
    if !s.seen.insert(n) {
        s.stats.duplicated += 1;
    } else if n < s.stats.highest {
        s.stats.reordered += 1;
    }
    s.stats.highest = s.stats.highest.max(n);
}
