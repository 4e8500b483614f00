//! Membership of the consumer group: creating the consumer, with the static identity on the
//! first join and a dynamic one on each re-join.

use std::sync::Arc;

use rdkafka::consumer::{Consumer, StreamConsumer};

use crate::config::Config;
use crate::kafka::{self, GroupContext};
use crate::RunError;

/// One membership of the group: the consumer, and how many re-joins came before it.
pub(super) struct Member {
    pub(super) consumer: Arc<StreamConsumer<GroupContext>>,
    pub(super) generation: u32,
}

/// Creates a consumer and subscribes it. The first member uses the configured static
/// identity (`group.instance.id`). A re-join is a dynamic member: a static one that leaves
/// sends no LeaveGroup (by design, so that a restart finds its place kept), so a new static
/// identity would wait beside the old one until its session ends, and the same identity
/// would get its old, possibly empty, assignment back. A dynamic member that leaves does
/// tell the group, so repeated re-joins leave nothing behind.
pub(super) fn join_group(config: &Config, generation: u32) -> Result<Member, RunError> {
    let mut client = kafka::client_config(&config.kafka);
    client
        .set("group.id", &config.kafka.consumer_group)
        .set(
            "session.timeout.ms",
            config.kafka.session_timeout_ms.to_string(),
        )
        .set(
            "heartbeat.interval.ms",
            config.kafka.heartbeat_interval_ms().to_string(),
        )
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest");
    let instance = config
        .consumer
        .group_instance_id()
        .filter(|_| generation == 0);
    if let Some(instance) = &instance {
        client.set("group.instance.id", instance);
    }
    let consumer: StreamConsumer<GroupContext> = client
        .create_with_context(GroupContext)
        .map_err(RunError::kafka)?;
    consumer
        .subscribe(&[&config.kafka.topic])
        .map_err(RunError::kafka)?;
    tracing::info!(group = %config.kafka.consumer_group, instance = instance.as_deref().unwrap_or("(dynamic)"),
        session_timeout_ms = config.kafka.session_timeout_ms,
        "subscribed; partitions come with the group's assignment");
    Ok(Member {
        consumer: Arc::new(consumer),
        generation,
    })
}
