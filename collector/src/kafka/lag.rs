//! Consumer lag from librdkafka's own statistics: every `statistics.interval.ms` it reports,
//! per assigned partition, `consumer_lag` = high watermark − committed offset, which this
//! context copies into the `monitor_consumer_lag{partition}` gauge. No extra requests to the
//! brokers are made for it.

use rdkafka::consumer::ConsumerContext;
use rdkafka::statistics::Statistics;
use rdkafka::ClientContext;

use crate::metrics;

/// How often librdkafka reports statistics, and so how fresh the lag gauge is.
pub const STATISTICS_INTERVAL_MS: &str = "5000";

/// The consumer's context: default behaviour except for statistics.
pub struct LagContext {
    pub topic: String,
}

impl ClientContext for LagContext {
    fn stats(&self, statistics: Statistics) {
        let Some(topic) = statistics.topics.get(&self.topic) else {
            return;
        };
        for (partition, stats) in &topic.partitions {
            // -1 is librdkafka's internal "unassigned" partition; a lag of -1 means unknown
            // (nothing committed yet, or the partition is not ours).
            if *partition >= 0 && stats.consumer_lag >= 0 {
                metrics::global().consumer_lag(&self.topic, *partition, stats.consumer_lag);
            }
        }
    }
}

impl ConsumerContext for LagContext {}
