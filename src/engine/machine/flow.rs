//! Sending: the outbox, its expiry, and backpressure.

use super::*;

impl Engine {
    pub(super) fn transmit(&mut self, socket: SocketId, id: Option<MessageId>, frame: Frame) {
        self.buffered = self.buffered.saturating_add(frame.len() as u64);
        self.commands
            .push_back(Command::Transmit { socket, id, frame });
        if self.flow == Flow::Flowing && self.buffered > self.config.backpressure.high_watermark {
            // Our estimate says full: hold further sends until the socket says.
            self.flow = Flow::Held;
            self.commands.push_back(Command::QueryBufferedAmount);
        }
    }

    pub(super) fn flush(&mut self) {
        let State::Open { socket, .. } = self.state else {
            return;
        };
        while self.flow == Flow::Flowing {
            let Some(item) = self.outbox.pop_front() else {
                break;
            };
            self.transmit(socket, Some(item.id), item.frame);
        }
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
            Flow::Flowing => {}
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
