use core::fmt;

use super::frame::Payload;
use super::outbox::MessageId;
use crate::text::text;

/// What a successful [`Engine::send`](crate::Engine::send) did with the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Handed to the open socket.
    Sent(MessageId),
    /// Queued in the outbox until the link is up (or the send buffer drains).
    Queued(MessageId),
    /// Dropped by the drop-newest overflow policy; a drop event says so too.
    Dropped(MessageId),
}

impl SendOutcome {
    /// The message's id, whatever happened to it.
    pub fn id(&self) -> MessageId {
        match *self {
            SendOutcome::Sent(id) | SendOutcome::Queued(id) | SendOutcome::Dropped(id) => id,
        }
    }
}

/// Why the engine refused a message handed to [`Engine::send`](crate::Engine::send).
/// The message is handed back. (The `steadysocket` crate's `SendError` is
/// its API's own, carrying the typed message.)
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubmitError {
    /// The socket is closed for good (or closing) until `reconnect()`.
    Closed(Payload),
    /// The outbox is full and its policy is reject.
    OutboxFull(Payload),
    /// The message is larger than the whole outbox may hold.
    TooLarge {
        /// The message.
        frame: Payload,
        /// The outbox's byte limit.
        limit: usize,
    },
}

impl SubmitError {
    /// The message that was not sent.
    pub fn into_payload(self) -> Payload {
        match self {
            SubmitError::Closed(f)
            | SubmitError::OutboxFull(f)
            | SubmitError::TooLarge { frame: f, .. } => f,
        }
    }
}

impl SubmitError {
    /// What went wrong, in words (the `Display` text). Built without
    /// `core::fmt`, which would grow the wasm module.
    pub fn message(&self) -> String {
        match self {
            SubmitError::Closed(_) => "the socket is closed; call reconnect() to reopen it".into(),
            SubmitError::OutboxFull(_) => "the outbox is full".into(),
            SubmitError::TooLarge { frame, limit } => text!(
                "a ",
                frame.len(),
                "-byte message does not fit in the outbox (",
                limit,
                " bytes at most)"
            ),
        }
    }
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for SubmitError {}

/// Why a user close was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseError {
    /// Scripts may close only with 1000 or 3000 to 4999.
    InvalidCode(u16),
    /// The reason is longer than 123 UTF-8 bytes.
    ReasonTooLong(usize),
}

impl CloseError {
    /// Checks a user close as the browser would: the code is 1000 or 3000 to
    /// 4999, the reason at most 123 UTF-8 bytes.
    pub fn check(code: u16, reason: &str) -> Result<(), CloseError> {
        if !(code == 1000 || (3000..=4999).contains(&code)) {
            return Err(CloseError::InvalidCode(code));
        }
        if reason.len() > 123 {
            return Err(CloseError::ReasonTooLong(reason.len()));
        }
        Ok(())
    }
}

impl CloseError {
    /// What went wrong, in words (the `Display` text).
    pub fn message(&self) -> String {
        match self {
            CloseError::InvalidCode(code) => text!(
                "close code ",
                code,
                " is not allowed: use 1000 or 3000 to 4999"
            ),
            CloseError::ReasonTooLong(n) => {
                text!("a close reason is at most 123 UTF-8 bytes, got ", n)
            }
        }
    }
}

impl fmt::Display for CloseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for CloseError {}
