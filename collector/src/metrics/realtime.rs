//! What the real-time layer counts: events the cleaning stage dropped, by rule and reason;
//! events the aggregators counted; Redis round trips; the events a redelivered batch carried
//! again (skipped by the offset watermark) and those whose live update was given up while
//! Redis did not answer.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::exposition::Writer;

#[derive(Default)]
pub struct RealtimeMetrics {
    dropped: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    aggregated: AtomicU64,
    redis_round_trips: AtomicU64,
    redelivered: AtomicU64,
    given_up: AtomicU64,
}

impl RealtimeMetrics {
    pub fn dropped(&self, rule: &'static str, reason: &'static str) {
        let mut dropped = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
        *dropped.entry((rule, reason)).or_insert(0) += 1;
    }

    /// The count for one rule and reason (tests and the bench read it).
    pub fn dropped_count(&self, rule: &str, reason: &str) -> u64 {
        let dropped = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
        dropped
            .iter()
            .filter(|((r, why), _)| *r == rule && *why == reason)
            .map(|(_, n)| *n)
            .sum()
    }

    pub fn aggregated(&self, events: usize) {
        self.aggregated.fetch_add(events as u64, Ordering::Relaxed);
    }

    pub fn redis_round_trip(&self) {
        self.redis_round_trips.fetch_add(1, Ordering::Relaxed);
    }

    pub fn redis_round_trips(&self) -> u64 {
        self.redis_round_trips.load(Ordering::Relaxed)
    }

    pub fn redelivered(&self, events: usize) {
        self.redelivered.fetch_add(events as u64, Ordering::Relaxed);
    }

    pub fn given_up(&self, events: usize) {
        self.given_up.fetch_add(events as u64, Ordering::Relaxed);
    }

    pub(super) fn render(&self, out: &mut Writer) {
        let name = "monitor_cleaning_dropped_total";
        out.header(
            name,
            "counter",
            "Events the cleaning stage dropped, by rule and reason.",
        );
        let dropped = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
        for ((rule, reason), count) in dropped.iter() {
            out.sample_labels(name, &[("rule", rule), ("reason", reason)], *count as f64);
        }
        drop(dropped);
        let plain = [
            (
                "monitor_realtime_events_total",
                "Events counted by the live aggregators.",
                &self.aggregated,
            ),
            (
                "monitor_realtime_redis_round_trips_total",
                "Requests to Redis made by the live aggregation.",
                &self.redis_round_trips,
            ),
            (
                "monitor_realtime_redelivered_events_total",
                "Events of redelivered batches not counted again (behind the offset watermark).",
                &self.redelivered,
            ),
            (
                "monitor_realtime_given_up_events_total",
                "Events left out of the live aggregates because Redis did not answer in time.",
                &self.given_up,
            ),
        ];
        for (name, help, value) in plain {
            out.header(name, "counter", help);
            out.sample(name, None, value.load(Ordering::Relaxed) as f64);
        }
    }
}
