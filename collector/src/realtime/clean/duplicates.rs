//! The duplicate rule's memory: which `(project, event_id)` were seen lately.
//!
//! Two generations of 64-bit hashes: an id is a duplicate while it is in either. The current
//! generation becomes the previous one when it is `window` old or holds half of `max_ids`,
//! so an id is remembered for at least `window` seconds under normal traffic, and memory
//! stays bounded (about 16 bytes an id) under any. A hash collision (about one in 10^8 at a
//! million ids) would drop one event; it is counted like any other duplicate.

use std::collections::HashSet;
use std::hash::BuildHasher;

pub struct Duplicates {
    window_s: i64,
    max_per_generation: usize,
    current: HashSet<u64>,
    previous: HashSet<u64>,
    current_since_s: Option<i64>,
    hasher: std::hash::RandomState,
}

impl Duplicates {
    /// `window_s` 0 turns the rule off.
    pub fn new(window_s: u64, max_ids: usize) -> Duplicates {
        Duplicates {
            window_s: i64::try_from(window_s).unwrap_or(i64::MAX),
            max_per_generation: (max_ids / 2).max(1),
            current: HashSet::new(),
            previous: HashSet::new(),
            current_since_s: None,
            hasher: std::hash::RandomState::new(),
        }
    }

    /// Forgets an id remembered by [`Duplicates::seen`]: its event was not kept after all
    /// (the store refused the batch, so the SDK will send it again).
    pub fn forget(&mut self, project_id: u64, event_id: &str) {
        let id = self.hasher.hash_one((project_id, event_id));
        self.current.remove(&id);
        self.previous.remove(&id);
    }

    /// Whether the id was seen within the window; remembers it either way.
    pub fn seen(&mut self, project_id: u64, event_id: &str, now_s: i64) -> bool {
        if self.window_s == 0 {
            return false;
        }
        let since = *self.current_since_s.get_or_insert(now_s);
        if now_s.saturating_sub(since) >= self.window_s
            || self.current.len() >= self.max_per_generation
        {
            // A gap of two windows forgets both generations.
            self.previous = if now_s.saturating_sub(since) >= 2 * self.window_s {
                HashSet::new()
            } else {
                std::mem::take(&mut self.current)
            };
            self.current.clear();
            self.current_since_s = Some(now_s);
        }
        let id = self.hasher.hash_one((project_id, event_id));
        self.previous.contains(&id) || !self.current.insert(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_within_the_window_and_per_project() {
        let mut d = Duplicates::new(60, 1000);
        assert!(!d.seen(1, "a", 0));
        assert!(d.seen(1, "a", 10));
        assert!(!d.seen(2, "a", 10), "another project's id is another event");
        // The first generation turns over at 60 s but is still asked.
        assert!(d.seen(1, "a", 70));
        // Two windows later it is forgotten.
        assert!(!d.seen(1, "a", 250));
    }

    #[test]
    fn stays_bounded() {
        let mut d = Duplicates::new(3600, 100);
        for n in 0..10_000 {
            assert!(!d.seen(1, &n.to_string(), 0));
        }
        assert!(d.current.len() + d.previous.len() <= 100);
        assert!(d.seen(1, "9999", 0), "the newest are remembered");
    }

    #[test]
    fn off_when_the_window_is_zero() {
        let mut d = Duplicates::new(0, 100);
        assert!(!d.seen(1, "a", 0));
        assert!(!d.seen(1, "a", 0));
    }
}
