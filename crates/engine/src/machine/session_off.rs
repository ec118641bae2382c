//! Without the `resume` feature the engine has no resume client: a
//! configuration that asks for one fails validation, and these stand-ins
//! keep every message plain (the code of the client is not linked).

use super::*;
use crate::state::ResumeStats;

/// Never built without the `resume` feature.
#[derive(Debug)]
pub(super) enum Session {}

impl Session {
    pub(super) fn for_config(_config: &Config) -> Option<Session> {
        None
    }
}

impl Engine {
    pub(super) fn session_holds(&self, _id: MessageId) -> bool {
        false
    }

    /// The counters of the resume session: none without the `resume` feature.
    pub fn resume_stats(&self) -> Option<ResumeStats> {
        None
    }

    /// Whether the link speaks the resume protocol: never without the
    /// `resume` feature.
    pub fn resume_live(&self) -> bool {
        false
    }

    pub(super) fn session_live(&self) -> bool {
        false
    }

    pub(super) fn session_wire(&self) -> bool {
        false
    }

    pub(super) fn session_room(&self, _len: usize) -> bool {
        true
    }

    pub(super) fn ask_for_ack(&mut self) {}

    pub(super) fn offered(&self, endpoint: Endpoint) -> Endpoint {
        endpoint
    }

    pub(super) fn on_socket_open(&mut self, now: Time, socket: SocketId, protocol: String) {
        self.on_open(now, socket, protocol, true);
    }

    pub(super) fn on_wire(&mut self, now: Time, _socket: SocketId, frame: Option<Frame>) {
        self.on_frame(now, frame);
    }

    pub(super) fn replay(&mut self, _socket: SocketId) {}

    pub(super) fn send_in_session(
        &mut self,
        socket: SocketId,
        id: Option<MessageId>,
        frame: Payload,
    ) {
        self.transmit(socket, id, frame);
    }

    pub(super) fn send_ack(&mut self) {}

    pub(super) fn session_allowance(&self) -> Option<(u64, u64, u64)> {
        None
    }

    /// Without the `resume` feature there is no session: never counted.
    pub fn sent_kept_directly(&mut self, _socket: SocketId, _len: usize) -> Option<MessageId> {
        None
    }

    pub(super) fn link_down(&mut self, _code: Option<u16>) {}

    pub(super) fn ping_frame(&self) -> Option<Payload> {
        self.config
            .heartbeat
            .as_ref()
            .map(|h| h.ping.clone().into())
    }
}
