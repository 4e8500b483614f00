//! Consumer lag from librdkafka's own statistics: every `statistics.interval.ms` it reports,
//! per assigned partition, `consumer_lag` = high watermark − committed offset, which this
//! context copies into the `monitor_consumer_lag{partition}` gauge. No extra requests to the
//! brokers are made for it. The same context logs the group's partition assignments.

use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, TopicPartitionList};

use crate::metrics;

/// How often librdkafka reports statistics, and so how fresh the lag gauge is.
pub const STATISTICS_INTERVAL_MS: &str = "5000";

/// The consumer's context: default behaviour except for statistics and rebalance logs.
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

/// Logs each assignment: a consumer that joined the group but holds no partition yet (its
/// predecessor's session has not timed out) is otherwise silent.
impl ConsumerContext for LagContext {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                tracing::info!(partitions = %partitions(list), "partitions assigned")
            }
            Rebalance::Revoke(list) => {
                tracing::info!(partitions = %partitions(list), "partitions revoked")
            }
            Rebalance::Error(e) => tracing::warn!(error = %e, "group rebalance failed"),
        }
    }
}

/// The partitions as `topic[0, 1, 2]`, one such item per topic.
fn partitions(list: &TopicPartitionList) -> String {
    let mut topics: Vec<(String, Vec<i32>)> = Vec::new();
    for element in list.elements() {
        match topics
            .iter_mut()
            .find(|(topic, _)| topic == element.topic())
        {
            Some((_, partitions)) => partitions.push(element.partition()),
            None => topics.push((element.topic().to_owned(), vec![element.partition()])),
        }
    }
    let shown: Vec<String> = topics
        .iter()
        .map(|(topic, partitions)| format!("{topic}{partitions:?}"))
        .collect();
    shown.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_listed_per_topic() {
        let mut list = TopicPartitionList::new();
        list.add_partition("events", 0);
        list.add_partition("events", 2);
        list.add_partition("dlq", 1);
        assert_eq!(partitions(&list), "events[0, 2] dlq[1]");
        assert_eq!(partitions(&TopicPartitionList::new()), "");
    }
}
