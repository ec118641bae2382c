//! The resume protocol's wire format, version 1: its frames and their
//! bytes, and how it is negotiated as a subprotocol. docs/PROTOCOL.md is the
//! specification and holds the test vectors this module is tested against.
//! The client that uses it is part of the engine (`Config::set_resume`).

/// The subprotocol token that turns resume on.
pub const SUBPROTOCOL: &str = "steadysocket.resume.v1";

/// The close code for a resume protocol error; the client treats it as
/// "resync, with backoff", never as a reason to stop.
pub const CLOSE_PROTOCOL_ERROR: u16 = 4400;

/// The shortest and longest session ids a frame may carry, in bytes.
pub const SESSION_ID_LEN: core::ops::RangeInclusive<usize> = 16..=64;

/// What the server's welcome says of the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A new session (the client asked for one).
    New,
    /// The session the client presented, resumed.
    Resumed,
    /// The session could not be resumed (unknown, expired, another
    /// identity's): a new one. The client resyncs.
    Failed,
}

/// One frame of the protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireFrame {
    /// An application's binary message; its sequence number follows from
    /// its position. (A text message is a WebSocket text frame of its own,
    /// holding the application's text as it is.)
    Data {
        /// A cumulative ack carried along, if any.
        ack: Option<u64>,
        /// The application's bytes, as its codec wrote them.
        payload: Vec<u8>,
    },
    /// A cumulative ack: every message up to this number is processed.
    Ack(u64),
    /// The client's first frame: a new session, or one to resume with the
    /// last server sequence it processed.
    Hello {
        /// The session id and the last server sequence processed, to resume.
        resume: Option<(Vec<u8>, u64)>,
    },
    /// A heartbeat probe; the peer answers with [`WireFrame::Pong`] at once.
    Ping,
    /// The answer to a [`WireFrame::Ping`].
    Pong,
    /// The server's answer to the hello.
    Welcome {
        /// What became of the session.
        outcome: Outcome,
        /// The id of the session now in force.
        session: Vec<u8>,
        /// The last client sequence the server processed.
        last: u64,
    },
}

/// A malformed frame, with what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireError(pub &'static str);

const DATA: u8 = 0x00;
const DATA_WITH_ACK: u8 = 0x02;
const ACK: u8 = 0x10;
const HELLO: u8 = 0x20;
const WELCOME: u8 = 0x21;
const PING: u8 = 0x30;
const PONG: u8 = 0x31;

impl WireFrame {
    /// The frame's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            WireFrame::Data { ack, payload } => {
                out.push(if ack.is_some() { DATA_WITH_ACK } else { DATA });
                if let Some(ack) = ack {
                    varint(&mut out, *ack);
                }
                out.extend_from_slice(payload);
            }
            WireFrame::Ack(n) => {
                out.push(ACK);
                varint(&mut out, *n);
            }
            WireFrame::Ping => out.push(PING),
            WireFrame::Pong => out.push(PONG),
            WireFrame::Hello { resume } => {
                out.push(HELLO);
                match resume {
                    None => varint(&mut out, 0),
                    Some((session, last)) => {
                        varint(&mut out, 1);
                        session_id(&mut out, session);
                        varint(&mut out, *last);
                    }
                }
            }
            WireFrame::Welcome {
                outcome,
                session,
                last,
            } => {
                out.push(WELCOME);
                varint(
                    &mut out,
                    match outcome {
                        Outcome::New => 0,
                        Outcome::Resumed => 1,
                        Outcome::Failed => 2,
                    },
                );
                session_id(&mut out, session);
                varint(&mut out, *last);
            }
        }
        out
    }

    /// The frame in `bytes`, or what is wrong with them.
    pub fn decode(bytes: &[u8]) -> Result<WireFrame, WireError> {
        let (&first, rest) = bytes.split_first().ok_or(WireError("an empty frame"))?;
        let mut r = Reader(rest);
        let frame = match first {
            DATA | DATA_WITH_ACK => {
                let ack = if first == DATA_WITH_ACK {
                    Some(r.varint()?)
                } else {
                    None
                };
                return Ok(WireFrame::Data {
                    ack,
                    payload: r.0.to_vec(),
                });
            }
            ACK => WireFrame::Ack(r.varint()?),
            PING => WireFrame::Ping,
            PONG => WireFrame::Pong,
            HELLO => match r.varint()? {
                0 => WireFrame::Hello { resume: None },
                1 => {
                    let session = r.session_id()?;
                    WireFrame::Hello {
                        resume: Some((session, r.varint()?)),
                    }
                }
                _ => return Err(WireError("a hello with unknown flags")),
            },
            WELCOME => {
                let outcome = match r.varint()? {
                    0 => Outcome::New,
                    1 => Outcome::Resumed,
                    2 => Outcome::Failed,
                    _ => return Err(WireError("a welcome with an unknown outcome")),
                };
                let session = r.session_id()?;
                WireFrame::Welcome {
                    outcome,
                    session,
                    last: r.varint()?,
                }
            }
            _ => return Err(WireError("an unknown frame type")),
        };
        if !r.0.is_empty() {
            return Err(WireError("bytes after the end of the frame"));
        }
        Ok(frame)
    }
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn session_id(out: &mut Vec<u8>, id: &[u8]) {
    // The length is checked where ids are made; a byte holds any of them.
    out.push(id.len().min(u8::MAX as usize) as u8);
    out.extend_from_slice(&id[..id.len().min(u8::MAX as usize)]);
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, WireError> {
        let (&b, rest) = self.0.split_first().ok_or(WireError("a frame cut short"))?;
        self.0 = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut n: u64 = 0;
        for i in 0..10 {
            let b = self.byte()?;
            let group = u64::from(b & 0x7f);
            if i == 9 && group > 1 {
                return Err(WireError("a number beyond 2^64 - 1"));
            }
            n |= group << (7 * i);
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return Err(WireError("an overlong number"));
                }
                return Ok(n);
            }
        }
        Err(WireError("a number longer than 10 bytes"))
    }

    fn session_id(&mut self) -> Result<Vec<u8>, WireError> {
        let n = usize::from(self.byte()?);
        if !SESSION_ID_LEN.contains(&n) {
            return Err(WireError("a session id of the wrong length"));
        }
        if self.0.len() < n {
            return Err(WireError("a frame cut short"));
        }
        let (id, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(id.to_vec())
    }
}

/// The subprotocols to offer for the application's own `app` (see
/// docs/PROTOCOL.md, Negotiation).
pub fn offer(app: &[String]) -> Vec<String> {
    let mut offered: Vec<String> = app
        .iter()
        .map(|p| crate::text::text!(SUBPROTOCOL, "~", p))
        .collect();
    offered.extend(app.iter().cloned());
    if app.is_empty() {
        offered.push(SUBPROTOCOL.into());
    }
    offered
}

/// What the server's choice means: whether resume is on, and the
/// application's protocol ("" for none).
pub fn chosen(protocol: &str) -> (bool, &str) {
    if protocol == SUBPROTOCOL {
        return (true, "");
    }
    match protocol
        .strip_prefix(SUBPROTOCOL)
        .and_then(|rest| rest.strip_prefix('~'))
    {
        Some(app) => (true, app),
        None => (false, protocol),
    }
}
