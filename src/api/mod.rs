//! The Rust API: a typed, reconnecting socket with an async stream.

mod builder;
mod error;
mod mailbox;
mod socket;
mod url;

pub use builder::{Builder, DEFAULT_MAX_MESSAGE_SIZE};
pub use error::{AckError, ClosedError, ConnectError, RecvError, SendError};
pub use socket::{Receiver, Sender, Socket};
