/// Who closed the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initiator {
    /// The server, the network or the browser.
    Remote,
    /// This client: a user close, a heartbeat timeout, a connect timeout.
    Local,
}

/// One close of one socket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloseInfo {
    /// The close code (1006 when the connection was lost with no close frame).
    pub code: u16,
    /// The reason the closer gave, possibly empty.
    pub reason: String,
    /// Whether the closing handshake completed.
    pub clean: bool,
    /// Who closed it.
    pub initiator: Initiator,
}

impl CloseInfo {
    /// A close with `code` and `reason`, clean or not, closed by `initiator`.
    pub fn new(
        code: u16,
        reason: impl Into<String>,
        clean: bool,
        initiator: Initiator,
    ) -> CloseInfo {
        CloseInfo {
            code,
            reason: reason.into(),
            clean,
            initiator,
        }
    }
}

/// What to do after a close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Reconnect after the usual backoff delay.
    Reconnect,
    /// Reconnect after the longer, randomised restart delay (1012, 1013).
    ReconnectLater,
    /// Stop: the socket is closed for good until `reconnect()`.
    Stop,
}

/// The default table, from RFC 6455 and the IANA registry:
///
/// | code | meaning | verdict |
/// | --- | --- | --- |
/// | 1000 | normal closure | stop |
/// | 1001 | going away (server shutdown, navigation) | reconnect |
/// | 1002, 1003, 1007, 1010 | protocol or data faults: a retry repeats them | stop |
/// | 1005, 1006 | no status, abnormal (lost link, refused handshake) | reconnect |
/// | 1008 | policy violation, typically auth | stop |
/// | 1009 | message too big | stop |
/// | 1011, 1014 | server error, bad gateway | reconnect |
/// | 1012, 1013 | service restart, try again later | reconnect later |
/// | 1015 | TLS failure | stop |
/// | 3000, 3003 | unauthorized, forbidden | stop |
/// | other 1xxx, 3xxx, 4xxx | unknown or application-defined | reconnect |
pub fn default_verdict(code: u16) -> Verdict {
    match code {
        1000 => Verdict::Stop,
        1002 | 1003 | 1007 | 1010 => Verdict::Stop,
        1008 | 1009 | 1015 => Verdict::Stop,
        1012 | 1013 => Verdict::ReconnectLater,
        3000 | 3003 => Verdict::Stop,
        _ => Verdict::Reconnect,
    }
}
