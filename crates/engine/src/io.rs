use core::time::Duration;

use super::close_policy::CloseInfo;
use super::frame::{Frame, Payload};
use super::outbox::MessageId;
use super::state::{GiveUp, SocketId, StateKind};

/// Where one attempt connects: asked for anew before every attempt, so that a
/// URL or token can be refreshed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// The `ws:` or `wss:` URL.
    pub url: String,
    /// Subprotocols to offer.
    pub protocols: Vec<String>,
}

impl Endpoint {
    /// The endpoint at `url`, offering `protocols`.
    pub fn new(url: impl Into<String>, protocols: Vec<String>) -> Endpoint {
        Endpoint {
            url: url.into(),
            protocols,
        }
    }
}

/// Why the platform could not even create a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// The URL is not a valid WebSocket URL (a `SyntaxError`). Retrying the same
    /// URL cannot help, so the engine stops.
    InvalidUrl(String),
    /// The platform forbids it (a `SecurityError`: a blocked port, mixed
    /// content). The engine stops.
    Forbidden(String),
    /// Anything else; retried like a failed connection.
    Other(String),
}

/// Everything that can happen to the engine.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Input {
    /// Start connecting (from idle; ignored when already under way).
    Connect,
    /// The adapter resolved the endpoint for the attempt of this socket.
    Resolved {
        /// The socket the [`Command::Resolve`] named.
        socket: SocketId,
        /// The endpoint, or why the provider failed.
        result: Result<Endpoint, String>,
    },
    /// Creating the socket failed.
    OpenFailed {
        /// The socket the [`Command::Open`] named.
        socket: SocketId,
        /// What the platform said.
        error: OpenError,
    },
    /// The socket opened.
    Opened {
        /// Which socket.
        socket: SocketId,
        /// The subprotocol the server chose ("" for none).
        protocol: String,
    },
    /// A frame arrived.
    Received {
        /// Which socket.
        socket: SocketId,
        /// The frame.
        frame: Frame,
    },
    /// A frame arrived that the adapter delivers itself (it holds the
    /// payload, and [`Engine::frame_need`](super::Engine::frame_need) said
    /// the engine needs only its arrival). It proves the link alive like
    /// [`Input::Received`].
    Arrived {
        /// Which socket.
        socket: SocketId,
    },
    /// The socket closed.
    Closed {
        /// Which socket.
        socket: SocketId,
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
        /// Whether the closing handshake completed.
        clean: bool,
    },
    /// The socket reported an error (a close follows).
    Error {
        /// Which socket.
        socket: SocketId,
    },
    /// A transmit could not be done: the frame goes back to the outbox front.
    TransmitFailed {
        /// Which socket.
        socket: SocketId,
        /// The message's id, if it was a user message.
        id: Option<MessageId>,
        /// The frame.
        frame: Payload,
    },
    /// The open socket is closing though the engine never asked it to: the
    /// server's close frame arrived, and no close event has followed yet
    /// (Node's built-in WebSocket sends none while the server keeps TCP open).
    /// The adapter reports it when a [`Command::CheckSocket`] or a transmit
    /// finds the socket's `readyState` past OPEN.
    PeerClosing {
        /// Which socket.
        socket: SocketId,
    },
    /// The socket's `bufferedAmount`, in bytes.
    BufferedAmount(u64),
    /// The adapter sent `bytes` straight to `socket` under the allowance of
    /// the last [`Command::Direct`]; the allowance is then reported again.
    SentDirectly {
        /// Which socket.
        socket: SocketId,
        /// How many bytes.
        bytes: u64,
    },
    /// The deadline of [`Engine::poll_timeout`](crate::Engine::poll_timeout)
    /// has come (or passed: a late timer is fine; an early one does nothing).
    Timeout,
    /// The platform went online.
    Online,
    /// The platform went offline.
    Offline,
    /// The page was hidden.
    Hidden,
    /// The page became visible.
    Visible,
    /// The page was frozen (timers stop).
    Frozen,
    /// The page was resumed after a freeze.
    Resumed,
    /// The page was restored from the back/forward cache.
    Restored,
    /// The user closed the socket for good.
    Close {
        /// 1000 or 3000 to 4999.
        code: u16,
        /// At most 123 UTF-8 bytes.
        reason: String,
    },
    /// The user asked to reconnect now, whatever the state.
    Reconnect,
}

/// The engine's timers; at most one of each is armed at a time. The adapter
/// keeps one platform timer for the earliest of them
/// ([`Engine::poll_timeout`](crate::Engine::poll_timeout)); these say what
/// it is for ([`Engine::timers`](crate::Engine::timers)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Timer {
    /// The next attempt is due.
    Retry,
    /// The attempt under way has taken too long.
    ConnectTimeout,
    /// The next heartbeat ping is due.
    Ping,
    /// The ping sent has gone unanswered too long.
    PongTimeout,
    /// A user close has waited long enough for the server.
    CloseTimeout,
    /// A queued message expires.
    Expiry,
    /// Time to look at the send buffer again.
    Backpressure,
    /// The page has been hidden long enough to close.
    Hidden,
    /// Time to look at the open socket's `readyState` again.
    SocketCheck,
    /// Resume: received messages are due to be acknowledged.
    Ack,
}

impl Timer {
    /// Every timer.
    pub const ALL: [Timer; 10] = [
        Timer::Retry,
        Timer::ConnectTimeout,
        Timer::Ping,
        Timer::PongTimeout,
        Timer::CloseTimeout,
        Timer::Expiry,
        Timer::Backpressure,
        Timer::Hidden,
        Timer::SocketCheck,
        Timer::Ack,
    ];

    /// The timer's slot in [`Timer::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What the engine needs of a received frame that the adapter can deliver
/// itself ([`Engine::frame_need`](crate::Engine::frame_need)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameNeed {
    /// Nothing: no heartbeat watches the link.
    Nothing,
    /// Its arrival ([`Input::Arrived`]): any frame proves the link alive.
    Arrival,
    /// Its content ([`Input::Received`]): a heartbeat waits for an exact
    /// pong, which is swallowed; other frames come back as [`Command::Deliver`].
    Content,
    /// Every frame's content, also one over the adapter's size limit (the
    /// resume protocol numbers frames by their position, so none may be
    /// skipped): the adapter applies its limit to what comes back as
    /// [`Command::Deliver`]. With resume on and a heartbeat that waits for
    /// an exact pong (on a link whose server did not pick the protocol).
    Every,
    /// With resume on: every frame, none skipped; a binary frame's content
    /// ([`Input::Received`]), a text frame's arrival ([`Input::Arrived`]),
    /// answered with [`Command::DeliverArrived`] when the adapter is to
    /// deliver the text it holds. The adapter applies its size limit to
    /// what it delivers.
    TextArrival,
}

/// Why a message left the outbox without being sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// Evicted (drop-oldest) or refused (drop-newest) by a full outbox.
    Overflow,
    /// Its time-to-live ran out.
    Expired,
    /// The user drained the outbox.
    Drained,
    /// Resume: sent, not acknowledged, and the server no longer had the
    /// session (see [`Event::Resync`]); it is not sent again.
    Resync,
}

impl DropReason {
    /// Its name: `overflow`, `expired`, `drained` or `resync`.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Overflow => "overflow",
            DropReason::Expired => "expired",
            DropReason::Drained => "drained",
            DropReason::Resync => "resync",
        }
    }
}

/// What the engine asks the adapter to do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// Find the endpoint for this attempt, then feed back [`Input::Resolved`].
    Resolve {
        /// The socket the attempt will create.
        socket: SocketId,
        /// 0 for the first attempt of an episode.
        attempt: u32,
    },
    /// Create a socket.
    Open {
        /// Its id, carried by every input about it.
        socket: SocketId,
        /// Where.
        endpoint: Endpoint,
    },
    /// Start the closing handshake.
    Close {
        /// Which socket.
        socket: SocketId,
        /// The code.
        code: u16,
        /// The reason.
        reason: String,
    },
    /// Let go of the socket: remove its listeners and drop it. No input about
    /// it is expected after this.
    Discard {
        /// Which socket.
        socket: SocketId,
    },
    /// Send a frame on the open socket.
    Transmit {
        /// Which socket.
        socket: SocketId,
        /// The user's message id (`None` for pings and handshake frames).
        id: Option<MessageId>,
        /// The frame.
        frame: Payload,
    },
    /// Hand a received frame to the user.
    Deliver(Frame),
    /// Hand the user the frame of the [`Input::Arrived`] just handled,
    /// which the adapter holds (only under [`FrameNeed::TextArrival`]: a
    /// text message of the resume session). Without it, that frame is not
    /// delivered (it came from a connection the session no longer uses).
    DeliverArrived,
    /// Report the socket's `bufferedAmount` as [`Input::BufferedAmount`].
    QueryBufferedAmount,
    /// Only with [`Config::set_direct_sends`](crate::Config::set_direct_sends):
    /// what the adapter may now do itself on the open socket, without a call
    /// per message ([`Allowance`]); `None`: every send goes through
    /// [`Engine::send`](crate::Engine::send) and every frame is reported as
    /// [`frame_need`](crate::Engine::frame_need) says (the socket is not open,
    /// messages are queued, sends are held, or the resume session is not in
    /// force).
    Direct(Option<Allowance>),
    /// Look at the socket's `readyState`: if it is CLOSING or CLOSED while it
    /// should be open, report [`Input::PeerClosing`], and cut the connection
    /// where the platform can (the `ws` package's `terminate()`), so that the
    /// close event with the server's code follows at once.
    CheckSocket {
        /// Which socket.
        socket: SocketId,
    },
    /// Tell the user something.
    Emit(Event),
}

/// What the adapter may do itself on an open socket ([`Command::Direct`]),
/// until the next report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Allowance {
    /// The open socket.
    pub socket: SocketId,
    /// Bytes it may send straight to the socket. Without resume it reports
    /// them with [`Input::SentDirectly`] before going past them.
    pub bytes: u64,
    /// With resume on: text messages it may send itself, each reported with
    /// [`Engine::sent_kept_directly`](crate::Engine::sent_kept_directly)
    /// before the engine's next input (they are numbered in that order and
    /// kept until acknowledged, as [`Payload::Kept`](crate::Payload::Kept)
    /// sends are). Without resume: no bound (`u64::MAX`).
    pub messages: u64,
    /// With resume on: text frames of this socket it may deliver itself,
    /// reporting each with [`Input::Arrived`] before the engine's next other
    /// input, and at the latest before going past this many (which keeps the
    /// acknowledgements on time). Without resume: 0 (the frames are reported
    /// as [`frame_need`](crate::Engine::frame_need) says).
    pub arrivals: u64,
}

/// What an [`Event::Error`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The connection attempt took longer than the connect timeout.
    ConnectTimeout,
    /// The platform socket reported an error, or could not be created.
    Socket,
    /// The URL provider failed.
    Url,
    /// The URL or port may never be reached: the socket closes for good.
    Forbidden,
    /// A call was refused (a close code out of range, say).
    Refused,
    /// The server broke the resume protocol: the link is closed with 4400
    /// and retried, in a new session.
    Protocol,
}

impl ErrorKind {
    /// Its name, for the JS API: "connect-timeout", "socket", "url",
    /// "forbidden", "refused" or "protocol".
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::ConnectTimeout => "connect-timeout",
            ErrorKind::Socket => "socket",
            ErrorKind::Url => "url",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Refused => "refused",
            ErrorKind::Protocol => "protocol",
        }
    }
}

/// What the user is told.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The state changed.
    State(StateKind),
    /// A socket opened.
    Open {
        /// The subprotocol the server chose.
        protocol: String,
    },
    /// A socket closed.
    Close(CloseInfo),
    /// An attempt failed before the socket opened, the provider failed, or a
    /// call was refused: what kind of failure, and the message.
    Error {
        /// What failed.
        kind: ErrorKind,
        /// What happened, in words.
        message: String,
    },
    /// The next attempt is scheduled.
    Retrying {
        /// Its number in the episode (1 for the first retry).
        attempt: u32,
        /// The delay before it.
        delay: Duration,
    },
    /// The engine stopped retrying.
    GaveUp(GiveUp),
    /// A message left the outbox without being sent.
    Dropped {
        /// Its id.
        id: MessageId,
        /// The message, handed back.
        frame: Payload,
        /// Why.
        reason: DropReason,
    },
    /// A heartbeat was answered.
    Heartbeat {
        /// The round-trip time.
        rtt: Duration,
    },
    /// Resume: the server acknowledged every message sent up to and
    /// including this one (ids grow in send order).
    Acked {
        /// The last message acknowledged.
        through: MessageId,
    },
    /// Resume: the server no longer had the session (or the link broke the
    /// protocol), so a new one began. Every message it had not acknowledged
    /// was reported as [`Event::Dropped`] with [`DropReason::Resync`] just
    /// before; the application reloads its state here. The handshake frames
    /// run again.
    Resync,
}
