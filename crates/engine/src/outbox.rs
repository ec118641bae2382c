use std::collections::VecDeque;

use super::config::{OutboxConfig, Overflow};
use super::frame::Payload;
use super::time::Time;

/// Names one sent message, from `send` to its transmit or its drop event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub u64);

/// However the limits are set, at most this many messages wait: each costs
/// the engine a few dozen bytes even when empty, and memory must never run
/// out through the API (a wasm module that does traps for every socket).
pub const MAX_QUEUED: usize = 1 << 20;

/// A message waiting for the link.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Queued {
    pub id: MessageId,
    pub frame: Payload,
    pub expires: Option<Time>,
}

/// What a push did.
pub(crate) enum Pushed {
    /// Queued; these older messages were evicted to make room.
    Queued(Vec<Queued>),
    /// Not queued: full, and the policy keeps the queue as it is.
    Full(Queued),
}

/// The bounded FIFO of messages sent while the link was down (or held back by
/// backpressure). It counts messages and payload bytes.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    queue: VecDeque<Queued>,
    bytes: usize,
}

impl Outbox {
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    fn fits(&self, config: &OutboxConfig, size: usize) -> bool {
        self.queue.len() < config.max_messages.min(MAX_QUEUED)
            && self.bytes.saturating_add(size) <= config.max_bytes
    }

    /// Whether a message of `size` bytes could ever fit.
    pub fn can_ever_fit(config: &OutboxConfig, size: usize) -> bool {
        config.max_messages > 0 && size <= config.max_bytes
    }

    /// Queues at the back, applying the overflow policy.
    pub fn push(&mut self, config: &OutboxConfig, item: Queued) -> Pushed {
        let size = item.frame.len();
        let mut evicted = Vec::new();
        if config.overflow == Overflow::DropOldest && Outbox::can_ever_fit(config, size) {
            while !self.fits(config, size) {
                match self.pop_front() {
                    Some(old) => evicted.push(old),
                    None => break,
                }
            }
        }
        if !self.fits(config, size) {
            return Pushed::Full(item);
        }
        self.bytes += size;
        self.queue.push_back(item);
        Pushed::Queued(evicted)
    }

    /// Puts a message back (a transmit that failed) where its id says: ids
    /// grow in send order and the queue keeps that order, so several failed
    /// transmits in a row come back in the order they were sent. Ignores the
    /// bounds: the message was accepted once and must not be lost.
    pub fn put_back(&mut self, item: Queued) {
        self.bytes = self.bytes.saturating_add(item.frame.len());
        insert_by_id(&mut self.queue, item, |q| q.id);
    }

    pub fn front(&self) -> Option<&Queued> {
        self.queue.front()
    }

    pub fn pop_front(&mut self) -> Option<Queued> {
        let item = self.queue.pop_front()?;
        self.bytes = self.bytes.saturating_sub(item.frame.len());
        Some(item)
    }

    /// Removes and returns every message whose time-to-live has run out.
    pub fn expire(&mut self, now: Time) -> Vec<Queued> {
        if !self
            .queue
            .iter()
            .any(|q| q.expires.is_some_and(|e| e <= now))
        {
            return Vec::new();
        }
        let mut expired = Vec::new();
        for q in core::mem::take(&mut self.queue) {
            if q.expires.is_some_and(|e| e <= now) {
                expired.push(q);
            } else {
                self.queue.push_back(q);
            }
        }
        self.bytes = self.queue.iter().map(|q| q.frame.len()).sum();
        expired
    }

    /// The earliest expiry of a queued message.
    pub fn next_expiry(&self) -> Option<Time> {
        self.queue.iter().filter_map(|q| q.expires).min()
    }

    /// Takes every queued message out, oldest first.
    pub fn drain(&mut self) -> Vec<Queued> {
        self.bytes = 0;
        core::mem::take(&mut self.queue).into_iter().collect()
    }

    /// The queued messages, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.queue.iter()
    }
}

/// Inserts `item` into `queue`, which is in id order, where its id says:
/// at either end at once (a new message, or the oldest coming back), else by
/// rebuilding the queue, which avoids `insert`'s bounds check and the panic
/// messages it would link into the wasm module.
pub fn insert_by_id<T>(queue: &mut VecDeque<T>, item: T, id: impl Fn(&T) -> MessageId) {
    let key = id(&item);
    if queue.back().is_none_or(|last| id(last) < key) {
        queue.push_back(item);
    } else if queue.front().is_some_and(|first| id(first) > key) {
        queue.push_front(item);
    } else {
        let mut pending = Some(item);
        let mut rebuilt = VecDeque::new();
        while let Some(next) = queue.pop_front() {
            if id(&next) > key {
                rebuilt.extend(pending.take());
            }
            rebuilt.push_back(next);
        }
        rebuilt.extend(pending);
        *queue = rebuilt;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Frame;

    fn item(id: u64, text: &str) -> Queued {
        Queued {
            id: MessageId(id),
            frame: Frame::Text(text.into()).into(),
            expires: None,
        }
    }

    fn config(overflow: Overflow) -> OutboxConfig {
        OutboxConfig {
            max_messages: 2,
            max_bytes: 10,
            max_held_bytes: 10,
            overflow,
            ttl: None,
        }
    }

    #[test]
    fn drop_oldest_evicts_from_the_front_by_count_and_by_bytes() {
        let config = config(Overflow::DropOldest);
        let mut outbox = Outbox::default();
        assert!(matches!(outbox.push(&config, item(1, "aaaa")), Pushed::Queued(v) if v.is_empty()));
        assert!(matches!(outbox.push(&config, item(2, "bbbb")), Pushed::Queued(v) if v.is_empty()));
        let Pushed::Queued(evicted) = outbox.push(&config, item(3, "cc")) else {
            panic!("not queued")
        };
        assert_eq!(evicted, vec![item(1, "aaaa")]);
        // 8 bytes queued; a 9-byte message needs both out.
        let Pushed::Queued(evicted) = outbox.push(&config, item(4, "ddddddddd")) else {
            panic!("not queued")
        };
        assert_eq!(evicted, vec![item(2, "bbbb"), item(3, "cc")]);
        assert_eq!((outbox.len(), outbox.bytes()), (1, 9));
    }

    #[test]
    fn reject_and_drop_newest_leave_the_queue_alone() {
        for overflow in [Overflow::Reject, Overflow::DropNewest] {
            let config = config(overflow);
            let mut outbox = Outbox::default();
            outbox.push(&config, item(1, "a"));
            outbox.push(&config, item(2, "b"));
            assert!(
                matches!(outbox.push(&config, item(3, "c")), Pushed::Full(q) if q.id == MessageId(3))
            );
            assert_eq!(outbox.drain(), vec![item(1, "a"), item(2, "b")]);
        }
    }

    #[test]
    fn a_message_larger_than_the_whole_outbox_evicts_nothing() {
        let config = config(Overflow::DropOldest);
        let mut outbox = Outbox::default();
        outbox.push(&config, item(1, "a"));
        assert!(matches!(
            outbox.push(&config, item(2, "way too long")),
            Pushed::Full(_)
        ));
        assert_eq!(outbox.len(), 1);
    }

    #[test]
    fn expiry_removes_only_the_expired_and_keeps_order() {
        let config = OutboxConfig::default();
        let mut outbox = Outbox::default();
        for (id, expires) in [(1, Some(5)), (2, None), (3, Some(20)), (4, Some(3))] {
            let mut q = item(id, "x");
            q.expires = expires.map(Time::from_millis);
            outbox.push(&config, q);
        }
        assert_eq!(outbox.next_expiry(), Some(Time::from_millis(3)));
        let expired: Vec<u64> = outbox
            .expire(Time::from_millis(10))
            .iter()
            .map(|q| q.id.0)
            .collect();
        assert_eq!(expired, [1, 4]);
        let kept: Vec<u64> = outbox.iter().map(|q| q.id.0).collect();
        assert_eq!(kept, [2, 3]);
        assert_eq!(outbox.bytes(), 2);
    }
}
