//! The batching queue: encoded events wait here until a request carries them.
//!
//! A batch is sent when enough events are queued or the oldest has waited the flush interval.
//! Each request body stays under [`MAX_REQUEST_BYTES`] because browsers refuse keepalive
//! fetches and beacons past 64 KiB in flight. The queue is bounded so a dead collector cannot
//! grow the page's memory.

use alloc::string::String;
use alloc::vec::Vec;

/// Upper bound for one request body, in bytes. Browsers allow 64 KiB of keepalive fetch and
/// beacon bodies in flight at once; with at most one fetch in flight, a batch of at most half
/// that leaves room for the page-leave beacon even while a fetch is still on its way.
pub const MAX_REQUEST_BYTES: usize = 32_000;
/// Room kept for the envelope around the events (`{"sdk":...,"events":[...]}`).
const ENVELOPE_RESERVE: usize = 256;
/// The largest encoded event that fits a request on its own.
pub const MAX_EVENT_BYTES: usize = MAX_REQUEST_BYTES - ENVELOPE_RESERVE;
/// A failed batch is retried this many times before its events are dropped.
pub const MAX_ATTEMPTS: u8 = 3;

/// An encoded event and how often it was sent without success.
pub struct QueuedEvent {
    pub json: String,
    pub attempts: u8,
}

/// Why an event was not queued.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// The event alone would not fit in a request.
    TooLarge,
    /// The queue is at its bound.
    Full,
}

pub struct BatchQueue {
    // A Vec, not a VecDeque: the queue is short, and VecDeque adds a kilobyte of wasm.
    events: Vec<QueuedEvent>,
    max_batch_events: usize,
    max_queued_events: usize,
    flush_interval_ms: f64,
    /// When the oldest queued event arrived; drives the interval flush.
    oldest_at: Option<f64>,
}

impl BatchQueue {
    pub fn new(max_batch_events: usize, max_queued_events: usize, flush_interval_ms: f64) -> Self {
        BatchQueue {
            events: Vec::new(),
            max_batch_events: max_batch_events.max(1),
            max_queued_events: max_queued_events.max(1),
            flush_interval_ms,
            oldest_at: None,
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn push(&mut self, json: String, now: f64) -> Result<(), QueueError> {
        if json.len() > MAX_EVENT_BYTES {
            return Err(QueueError::TooLarge);
        }
        if self.events.len() >= self.max_queued_events {
            return Err(QueueError::Full);
        }
        self.events.push(QueuedEvent { json, attempts: 0 });
        self.oldest_at.get_or_insert(now);
        Ok(())
    }

    /// True when a batch should go out now.
    pub fn is_due(&self, now: f64) -> bool {
        self.events.len() >= self.max_batch_events
            || self.deadline().is_some_and(|deadline| now >= deadline)
    }

    /// When the interval flush is due, if anything is queued.
    pub fn deadline(&self) -> Option<f64> {
        if self.events.is_empty() {
            return None;
        }
        self.oldest_at.map(|at| at + self.flush_interval_ms)
    }

    /// Takes the oldest events that fit one request and wraps them in the envelope.
    pub fn take_batch(&mut self, envelope_head: &str) -> Option<(Vec<QueuedEvent>, String)> {
        let mut size = envelope_head.len() + 2;
        let mut count = 0;
        for next in self.events.iter() {
            let added = next.json.len() + 1;
            let fits = size + added <= MAX_REQUEST_BYTES;
            if count >= self.max_batch_events || (count > 0 && !fits) {
                break;
            }
            size += added;
            count += 1;
        }
        if count == 0 {
            return None;
        }
        // Not `drain(..count)`: its range check carries a formatted panic message.
        let mut queued = core::mem::take(&mut self.events).into_iter();
        let taken: Vec<QueuedEvent> = queued.by_ref().take(count).collect();
        self.events = queued.collect();
        let mut body = String::with_capacity(size);
        body.push_str(envelope_head);
        for (i, event) in taken.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&event.json);
        }
        body.push_str("]}");
        // The interval restarts for whatever is left.
        self.oldest_at = if self.events.is_empty() {
            None
        } else {
            self.oldest_at
        };
        Some((taken, body))
    }

    /// Puts the events of a failed request back at the front, oldest first, dropping those
    /// that have used up their attempts. Returns how many were dropped.
    pub fn requeue(&mut self, events: Vec<QueuedEvent>, now: f64) -> usize {
        let mut dropped = 0;
        let room = self.max_queued_events.saturating_sub(self.events.len());
        let mut kept = Vec::new();
        for mut event in events {
            event.attempts = event.attempts.saturating_add(1);
            if event.attempts >= MAX_ATTEMPTS || kept.len() >= room {
                dropped += 1;
            } else {
                kept.push(event);
            }
        }
        kept.append(&mut self.events);
        self.events = kept;
        if !self.events.is_empty() {
            self.oldest_at.get_or_insert(now);
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "{\"events\":[";

    fn event(size: usize) -> String {
        let mut s = String::from("{\"p\":\"");
        s.push_str(&"x".repeat(size.saturating_sub(8)));
        s.push_str("\"}");
        s
    }

    #[test]
    fn flushes_on_count_and_interval() {
        let mut q = BatchQueue::new(3, 100, 1_000.0);
        assert!(!q.is_due(0.0));
        assert!(q.push(event(20), 10.0).is_ok());
        assert!(!q.is_due(500.0));
        assert_eq!(q.deadline(), Some(1_010.0));
        assert!(q.is_due(1_010.0));
        assert!(q.push(event(20), 20.0).is_ok());
        assert!(q.push(event(20), 30.0).is_ok());
        assert!(q.is_due(31.0));
    }

    #[test]
    fn batches_stay_under_the_request_limit() {
        let mut q = BatchQueue::new(1_000, 1_000, 1_000.0);
        for _ in 0..25 {
            assert!(q.push(event(3_000), 0.0).is_ok());
        }
        let mut sizes = Vec::new();
        while let Some((events, body)) = q.take_batch(HEAD) {
            assert!(body.len() <= MAX_REQUEST_BYTES);
            assert!(body.starts_with(HEAD) && body.ends_with("]}"));
            sizes.push(events.len());
        }
        assert_eq!(sizes.iter().sum::<usize>(), 25);
        assert!(sizes.len() >= 3);
        assert!(q.deadline().is_none());
    }

    #[test]
    fn batch_respects_max_events() {
        let mut q = BatchQueue::new(2, 10, 0.0);
        for _ in 0..5 {
            assert!(q.push(event(10), 0.0).is_ok());
        }
        let batch = q.take_batch(HEAD).map(|(events, _)| events.len());
        assert_eq!(batch, Some(2));
        assert_eq!(q.len(), 3);
    }

    #[test]
    fn rejects_oversized_events_and_full_queue() {
        let mut q = BatchQueue::new(10, 2, 0.0);
        assert!(q.push(event(MAX_REQUEST_BYTES), 0.0) == Err(QueueError::TooLarge));
        assert!(q.push(event(10), 0.0).is_ok());
        assert!(q.push(event(10), 0.0).is_ok());
        assert!(q.push(event(10), 0.0) == Err(QueueError::Full));
    }

    #[test]
    fn requeue_keeps_order_and_gives_up_after_max_attempts() {
        let mut q = BatchQueue::new(10, 10, 0.0);
        for s in ["{\"a\":1}", "{\"b\":2}"] {
            assert!(q.push(s.to_string(), 0.0).is_ok());
        }
        for attempt in 1..=MAX_ATTEMPTS {
            let taken = q.take_batch(HEAD);
            let (events, body) = match taken {
                Some(t) => t,
                None => panic!("queue lost events on attempt {attempt}"),
            };
            assert_eq!(body, "{\"events\":[{\"a\":1},{\"b\":2}]}");
            let dropped = q.requeue(events, 0.0);
            if attempt < MAX_ATTEMPTS {
                assert_eq!(dropped, 0);
            } else {
                assert_eq!(dropped, 2);
            }
        }
        assert!(q.is_empty());
    }
}
