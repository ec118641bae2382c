//! One connection of a session: the hello, the welcome, then frames both
//! ways, over any WebSocket stream (axum's, tokio-tungstenite's).

use std::sync::Arc;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use steadysocket_engine::resume::{chosen, WireFrame, CLOSE_PROTOCOL_ERROR};
use tokio::sync::mpsc;

use crate::session::{Holder, Out, SessionCore};
use crate::{Message, Refused, ResumeServer, Shared};

/// The close code for a connection a later resume replaced.
pub const CLOSE_SUPERSEDED: u16 = 4409;

/// A WebSocket frame as this adapter reads and writes it, whatever the
/// WebSocket library.
#[derive(Debug)]
pub enum WsFrame {
    Text(String),
    Binary(Vec<u8>),
    Close(u16, String),
    /// Pings, pongs, a close the library handles.
    Other,
}

enum Step {
    Go,
    Close(u16, &'static str),
}

struct Link {
    id: u64,
    server: Arc<Shared>,
    identity: String,
    protocol: String,
    session: Option<Arc<SessionCore>>,
    /// The next client data frame's sequence number.
    next_in: u64,
    tx: mpsc::UnboundedSender<Out>,
}

impl ResumeServer {
    /// Serves one connection that picked `protocol` (the token
    /// [`select_protocol`](Self::select_protocol) chose) until it ends.
    /// `identity` is who the connection is (your authentication); `None`
    /// refuses it (closed with 1008). A resume by another identity fails
    /// like a lost session.
    pub async fn serve<S, E>(&self, socket: S, protocol: &str, identity: Option<String>)
    where
        S: Stream<Item = Result<WsFrame, E>> + Sink<WsFrame> + Unpin,
    {
        let (mut sink, mut stream) = socket.split();
        let Some(identity) = identity else {
            let _ = sink.send(WsFrame::Close(1008, "unauthorized".into())).await;
            return;
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let app = match chosen(protocol) {
            (true, app) => app,
            _ => "",
        };
        let mut link = Link {
            id: self.shared.next_link(),
            server: self.shared.clone(),
            identity,
            protocol: app.to_owned(),
            session: None,
            next_in: 0,
            tx,
        };
        let hello = tokio::time::sleep(self.shared.settings.hello_timeout);
        tokio::pin!(hello);
        let end = loop {
            let step = tokio::select! {
                frame = stream.next() => match frame {
                    Some(Ok(WsFrame::Text(text))) => link.text(text),
                    Some(Ok(WsFrame::Binary(bytes))) => link.binary(&bytes).await,
                    Some(Ok(WsFrame::Other)) => Step::Go,
                    Some(Ok(WsFrame::Close(..))) | Some(Err(_)) | None => break None,
                },
                out = rx.recv() => match out {
                    Some(out) => match link.write(out) {
                        Ok(frame) => {
                            if sink.send(frame).await.is_err() {
                                break None;
                            }
                            Step::Go
                        }
                        Err(close) => close,
                    },
                    None => break None,
                },
                _ = &mut hello, if link.session.is_none() => Step::Close(CLOSE_PROTOCOL_ERROR, "resume protocol error: no hello in time"),
            };
            if let Step::Close(code, reason) = step {
                break Some((code, reason));
            }
        };
        if let Some(session) = &link.session {
            session.detach(link.id);
        }
        if let Some((code, reason)) = end {
            let _ = sink.send(WsFrame::Close(code, reason.into())).await;
        }
    }
}

impl Link {
    fn text(&mut self, text: String) -> Step {
        let Some(session) = self.session.clone() else {
            return Step::Close(CLOSE_PROTOCOL_ERROR, "resume protocol error: no hello");
        };
        self.message(&session, Message::Text(text))
    }

    /// A binary frame. Acks and the hello wait for the store here, so
    /// that the connection's frames are taken in order.
    async fn binary(&mut self, bytes: &[u8]) -> Step {
        let Ok(frame) = WireFrame::decode(bytes) else {
            return Step::Close(
                CLOSE_PROTOCOL_ERROR,
                "resume protocol error: a malformed frame",
            );
        };
        let Some(session) = self.session.clone() else {
            return match frame {
                WireFrame::Hello { resume } => self.hello(resume).await,
                _ => Step::Close(CLOSE_PROTOCOL_ERROR, "resume protocol error: no hello"),
            };
        };
        match frame {
            WireFrame::Data { ack, payload } => {
                if let Some(ack) = ack {
                    if session.holds(self.id) && !session.acked(ack).await {
                        return never_sent();
                    }
                }
                self.message(&session, Message::Binary(payload))
            }
            WireFrame::Ack(n) => {
                if session.holds(self.id) && !session.acked(n).await {
                    return never_sent();
                }
                Step::Go
            }
            // A ping asks for the ack due as well: it goes first.
            WireFrame::Ping => {
                if session.holds(self.id) {
                    session.ack_asked();
                }
                let _ = self.tx.send(Out::Pong);
                Step::Go
            }
            WireFrame::Pong => Step::Go,
            _ => Step::Close(
                CLOSE_PROTOCOL_ERROR,
                "resume protocol error: a frame out of place",
            ),
        }
    }

    /// The next client message, numbered by its place; discarded on a
    /// connection the session no longer uses.
    fn message(&mut self, session: &Arc<SessionCore>, message: Message) -> Step {
        if !session.holds(self.id) {
            return Step::Go;
        }
        let seq = self.next_in;
        self.next_in += 1;
        if session.received(seq, message) {
            Step::Go
        } else {
            Step::Close(
                CLOSE_PROTOCOL_ERROR,
                "resume protocol error: more messages ahead of their acknowledgement than the inbox holds",
            )
        }
    }

    async fn hello(&mut self, resume: Option<(Vec<u8>, u64)>) -> Step {
        let claimed = self
            .server
            .claim(&self.identity, &self.protocol, resume)
            .await;
        let (session, record, outcome) = match claimed {
            Ok(claimed) => claimed,
            Err(Refused::Limited) => return Step::Close(1013, "too many resume attempts"),
            Err(Refused::Range) => {
                return Step::Close(
                    CLOSE_PROTOCOL_ERROR,
                    "resume protocol error: a resume from a sequence never sent",
                )
            }
            Err(Refused::NoRandom) => {
                return Step::Close(1011, "no secure random source for a session id")
            }
            Err(Refused::Unavailable) => return Step::Close(1013, "sessions unavailable"),
        };
        let holder = Holder {
            link: self.id,
            tx: self.tx.clone(),
            written: 0,
        };
        // A later hello took the session here while this one waited.
        if !session.attach(holder, &record, outcome) {
            return Step::Close(CLOSE_SUPERSEDED, "superseded");
        }
        // Client data frames from here on are numbered after what the
        // welcome told.
        self.next_in = record.processed + 1;
        self.session = Some(session);
        Step::Go
    }

    /// What to write for `out`, or the close it asks for.
    fn write(&self, out: Out) -> Result<WsFrame, Step> {
        let binary = |f: WireFrame| WsFrame::Binary(f.encode());
        match out {
            Out::Data(Message::Text(text)) => Ok(WsFrame::Text(text)),
            Out::Data(Message::Binary(payload)) => {
                let half = self.server.settings.ack_every / 2;
                let ack = self.session.as_ref().and_then(|s| s.take_ack(half));
                Ok(binary(WireFrame::Data { ack, payload }))
            }
            Out::Ack(n) => Ok(binary(WireFrame::Ack(n))),
            Out::Pong => Ok(binary(WireFrame::Pong)),
            Out::Ping => Ok(binary(WireFrame::Ping)),
            Out::Frame(bytes) => Ok(WsFrame::Binary(bytes)),
            Out::Superseded => Err(Step::Close(CLOSE_SUPERSEDED, "superseded")),
            Out::Close => Err(Step::Close(1000, "session closed")),
        }
    }
}

fn never_sent() -> Step {
    Step::Close(
        CLOSE_PROTOCOL_ERROR,
        "resume protocol error: an acknowledgement of a message never sent",
    )
}
