//! Sending: the outbox, its expiry, and backpressure.

use super::*;

impl Engine {
    pub(super) fn transmit(&mut self, socket: SocketId, id: Option<MessageId>, frame: Payload) {
        let len = frame.len();
        self.commands
            .push_back(Command::Transmit { socket, id, frame });
        self.count_transmit(len);
    }

    /// Adds to the send-buffer estimate; past the high watermark, further sends
    /// are held until the socket reports its real `bufferedAmount`.
    pub(super) fn count_transmit(&mut self, len: usize) {
        self.buffered = self.buffered.saturating_add(len as u64);
        if self.flow == Flow::Flowing && self.buffered > self.config.backpressure.high_watermark {
            self.flow = Flow::Held;
            self.commands.push_back(Command::QueryBufferedAmount);
        }
    }

    /// The open socket closes on its own: stop sending to it, and give its
    /// close event until the close timeout.
    pub(super) fn on_peer_closing(&mut self, now: Time, socket: SocketId) {
        if !matches!(self.state, State::Open { socket: s, .. } if s == socket)
            || self.flow == Flow::PeerClosing
        {
            return;
        }
        self.flow = Flow::PeerClosing;
        // Found by a failed transmit: let the adapter cut it where it can.
        self.commands.push_back(Command::CheckSocket { socket });
        self.cancel_timer(Timer::Backpressure);
        self.cancel_timer(Timer::SocketCheck);
        let at = now + self.config.close_timeout;
        self.set_timer(Timer::CloseTimeout, at);
    }

    /// Sends a message (a user's, or with no id a handshake frame) on the
    /// open socket: in the resume session's envelope on a live link, else as
    /// it is.
    pub(super) fn send_on(&mut self, socket: SocketId, id: Option<MessageId>, frame: Payload) {
        match frame {
            frame if self.session_live() => self.send_in_session(socket, id, frame),
            frame => self.transmit(socket, id, frame),
        }
    }

    pub(super) fn flush(&mut self) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        while self.flow == Flow::Flowing {
            let room = self
                .outbox
                .front()
                .is_some_and(|item| self.session_room(item.frame.len()));
            if !room {
                break;
            }
            let Some(item) = self.outbox.pop_front() else {
                break;
            };
            self.send_on(socket, Some(item.id), item.frame);
        }
        self.ask_for_ack();
        if self.outbox.next_expiry().is_none() {
            self.cancel_timer(Timer::Expiry);
        }
    }

    pub(super) fn on_buffered(&mut self, now: Time, amount: u64) {
        if !matches!(self.state, State::Open { .. }) {
            return;
        }
        self.buffered = amount;
        let limits = &self.config.backpressure;
        match self.flow {
            Flow::Held if amount <= limits.low_watermark => {
                self.flow = Flow::Flowing;
                self.cancel_timer(Timer::Backpressure);
                self.flush();
            }
            Flow::Held => {
                let at = now + limits.poll;
                self.set_timer(Timer::Backpressure, at);
            }
            Flow::Flowing if amount > limits.high_watermark => {
                self.flow = Flow::Held;
                let at = now + limits.poll;
                self.set_timer(Timer::Backpressure, at);
            }
            Flow::Flowing | Flow::PeerClosing => {}
        }
    }

    pub(super) fn expire_outbox(&mut self, now: Time) {
        for item in self.outbox.expire(now) {
            self.emit(Event::Dropped {
                id: item.id,
                frame: item.frame,
                reason: DropReason::Expired,
            });
        }
        self.arm_expiry();
    }

    pub(super) fn arm_expiry(&mut self) {
        match self.outbox.next_expiry() {
            Some(at) if self.timers[Timer::Expiry.index()] != Some(at) => {
                self.set_timer(Timer::Expiry, at)
            }
            Some(_) => {}
            None => self.cancel_timer(Timer::Expiry),
        }
    }
}
