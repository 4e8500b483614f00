//! The consumer's librdkafka context: it logs the group's partition assignments, since a
//! consumer that joined but holds nothing is otherwise silent.

use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use rdkafka::{ClientContext, TopicPartitionList};

/// The consumer's context: default behaviour except for rebalance logs.
pub struct GroupContext;

impl ClientContext for GroupContext {}

impl ConsumerContext for GroupContext {
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
