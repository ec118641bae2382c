use super::close_policy::CloseInfo;
use super::time::Time;

/// Names one socket the engine asked for, so that late events of an old one
/// are recognised and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId(pub u64);

/// Where an attempt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Waiting for the endpoint provider.
    Resolving,
    /// Waiting for the socket to open.
    Opening,
    /// Resume: the socket is open and the engine waits for the server's
    /// answer to its hello (within the connect timeout).
    Resuming,
}

/// Why the engine is waiting with no socket and no retry scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PauseReason {
    /// The platform is offline; the first `online` tries at once.
    Offline,
    /// The page is hidden (with [`HiddenPolicy::CloseAfter`](super::HiddenPolicy)).
    Hidden,
}

/// Why the engine stopped retrying.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUp {
    /// `max_retries` retries failed.
    MaxRetries(u32),
    /// The episode lasted longer than the time budget.
    Budget,
    /// The first connection failed and `retry_first_connect` is off.
    FirstConnect,
}

/// Why the engine is closed for good (until `reconnect()`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClosedReason {
    /// The user closed it.
    User {
        /// The code sent.
        code: u16,
        /// The reason sent.
        reason: String,
    },
    /// The close policy said stop on this close.
    Policy(CloseInfo),
    /// Retries ran out.
    GaveUp(GiveUp),
    /// The socket cannot be created (invalid URL, forbidden).
    Invalid(String),
}

/// The connection's state. Exactly one holds at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// Not started.
    Idle,
    /// An attempt is under way.
    Connecting {
        /// Its socket.
        socket: SocketId,
        /// Its number in the episode (0 for the first).
        attempt: u32,
        /// Resolving the endpoint or opening the socket.
        phase: Phase,
        /// When it is abandoned.
        deadline: Time,
    },
    /// Connected.
    Open {
        /// The socket.
        socket: SocketId,
        /// Since when.
        since: Time,
        /// The subprotocol the server chose.
        protocol: String,
    },
    /// A user close is waiting for the server's answer.
    Closing {
        /// The socket.
        socket: SocketId,
        /// The code sent.
        code: u16,
        /// The reason sent.
        reason: String,
        /// When the socket is let go anyway.
        deadline: Time,
    },
    /// Waiting to retry.
    Waiting {
        /// The number of the next attempt.
        attempt: u32,
        /// When it starts.
        until: Time,
    },
    /// Waiting for the platform (online, visible) before retrying.
    Paused {
        /// The number of the next attempt.
        attempt: u32,
        /// What it waits for.
        why: PauseReason,
    },
    /// Closed for good, until `reconnect()`.
    Closed(ClosedReason),
}

/// A state's name without its data, for events and the JS side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StateKind {
    /// [`State::Idle`].
    Idle,
    /// [`State::Connecting`].
    Connecting,
    /// [`State::Open`].
    Open,
    /// [`State::Closing`].
    Closing,
    /// [`State::Waiting`].
    Waiting,
    /// [`State::Paused`].
    Paused,
    /// [`State::Closed`].
    Closed,
}

impl ClosedReason {
    /// Whether the socket ended in failure: it gave up, could not be created,
    /// or the close policy stopped on a code other than 1000. A user close
    /// and a server's normal close (1000) are not failures. The receive
    /// streams end with an error in the failure cases and quietly otherwise.
    pub fn is_failure(&self) -> bool {
        match self {
            ClosedReason::User { .. } => false,
            ClosedReason::Policy(info) => info.code != 1000,
            ClosedReason::GaveUp(_) | ClosedReason::Invalid(_) => true,
        }
    }
}

impl StateKind {
    /// The lowercase name: "idle", "connecting", "open", ...
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Idle => "idle",
            StateKind::Connecting => "connecting",
            StateKind::Open => "open",
            StateKind::Closing => "closing",
            StateKind::Waiting => "waiting",
            StateKind::Paused => "paused",
            StateKind::Closed => "closed",
        }
    }
}

impl State {
    /// The state's name.
    pub fn kind(&self) -> StateKind {
        match self {
            State::Idle => StateKind::Idle,
            State::Connecting { .. } => StateKind::Connecting,
            State::Open { .. } => StateKind::Open,
            State::Closing { .. } => StateKind::Closing,
            State::Waiting { .. } => StateKind::Waiting,
            State::Paused { .. } => StateKind::Paused,
            State::Closed(_) => StateKind::Closed,
        }
    }

    /// The socket the state holds, if any.
    pub fn socket(&self) -> Option<SocketId> {
        match self {
            State::Connecting { socket, .. }
            | State::Open { socket, .. }
            | State::Closing { socket, .. } => Some(*socket),
            _ => None,
        }
    }
}

/// The counters of a session's traffic, for the API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResumeStats {
    /// Application messages sent for the first time (replays not counted).
    pub sent: u64,
    /// Of those, how many the server acknowledged.
    pub acknowledged: u64,
    /// Messages sent again after a resume.
    pub replayed: u64,
    /// Sessions lost (each reported as [`Event::Resync`](crate::Event::Resync)).
    pub resyncs: u64,
    /// Messages received and delivered.
    pub received: u64,
    /// Successful resumes.
    pub resumes: u64,
    /// Messages sent and waiting for an acknowledgement now.
    pub unacked: usize,
}
