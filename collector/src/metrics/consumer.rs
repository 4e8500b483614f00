//! The consumer group's progress, as the consume role sees it: per partition the group's
//! committed offset and its lag behind the high watermark (read from the brokers by
//! [`crate::consume`]'s progress check, whatever this consumer holds), when this consumer
//! last committed, whether it counts as stalled, and how often it had to re-join the group.

use std::sync::atomic::{AtomicU64, Ordering};

use super::exposition::Writer;
use super::family::Family;

pub struct ConsumerMetrics {
    committed: Family,
    lag: Family,
    last_commit_ms: AtomicU64,
    commit_failures: AtomicU64,
    stalled: AtomicU64,
    rejoins: AtomicU64,
}

impl Default for ConsumerMetrics {
    fn default() -> Self {
        ConsumerMetrics {
            committed: Family::new("partition"),
            lag: Family::new("partition"),
            last_commit_ms: AtomicU64::new(0),
            commit_failures: AtomicU64::new(0),
            stalled: AtomicU64::new(0),
            rejoins: AtomicU64::new(0),
        }
    }
}

impl ConsumerMetrics {
    /// One partition as last read from the brokers.
    pub fn partition(&self, partition: i32, committed: i64, lag: i64) {
        let label = partition.to_string();
        self.committed.set(&label, committed.max(0) as f64);
        self.lag.set(&label, lag.max(0) as f64);
    }

    /// A commit the group coordinator confirmed, at `unix_ms`.
    pub fn committed_at(&self, unix_ms: u64) {
        self.last_commit_ms.store(unix_ms, Ordering::Relaxed);
    }

    pub fn commit_failed(&self) {
        self.commit_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn set_stalled(&self, stalled: bool) {
        self.stalled.store(u64::from(stalled), Ordering::Relaxed);
    }

    pub fn rejoined(&self) {
        self.rejoins.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn render(&self, out: &mut Writer) {
        let families = [
            (
                "monitor_consumer_committed_offset",
                "The group's committed offset (next message to read), by partition.",
                &self.committed,
            ),
            (
                "monitor_consumer_lag",
                "Messages between the group's committed offset and the high watermark.",
                &self.lag,
            ),
        ];
        for (name, help, family) in families {
            out.header(name, "gauge", help);
            family.render(out, name);
        }
        let last = self.last_commit_ms.load(Ordering::Relaxed) as f64 / 1000.0;
        let samples = [
            (
                "monitor_consumer_last_commit_timestamp_seconds",
                "gauge",
                "Unix time of this consumer's last confirmed offset commit (0: none yet).",
                last,
            ),
            (
                "monitor_consumer_commit_failures_total",
                "counter",
                "Offset commits the coordinator refused (their messages are read again).",
                self.commit_failures.load(Ordering::Relaxed) as f64,
            ),
            (
                "monitor_consumer_stalled",
                "gauge",
                "1 while committed offsets stand still with messages waiting past consumer.stall_timeout_ms.",
                self.stalled.load(Ordering::Relaxed) as f64,
            ),
            (
                "monitor_consumer_rejoins_total",
                "counter",
                "Times this consumer left and re-joined its group because it received nothing while messages waited.",
                self.rejoins.load(Ordering::Relaxed) as f64,
            ),
        ];
        for (name, kind, help, value) in samples {
            out.header(name, kind, help);
            out.sample(name, None, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_partitions_and_progress() {
        let metrics = ConsumerMetrics::default();
        metrics.partition(1, 40, 2);
        metrics.partition(0, -1001, -5);
        metrics.committed_at(1_700_000_000_500);
        metrics.set_stalled(true);
        metrics.rejoined();
        let mut out = Writer::default();
        metrics.render(&mut out);
        let text = out.finish();
        for line in [
            "monitor_consumer_committed_offset{partition=\"1\"} 40",
            "monitor_consumer_committed_offset{partition=\"0\"} 0",
            "monitor_consumer_lag{partition=\"1\"} 2",
            "monitor_consumer_lag{partition=\"0\"} 0",
            "monitor_consumer_last_commit_timestamp_seconds 1700000000.5",
            "monitor_consumer_commit_failures_total 0",
            "monitor_consumer_stalled 1",
            "monitor_consumer_rejoins_total 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
        }
    }
}
