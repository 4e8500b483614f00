//! Creating the events topic and its dead-letter topic when they are missing.
//!
//! Both roles call this at start-up, so neither depends on the other having run first and a
//! fresh broker needs no manual step. An existing topic is left as it is: its partition count
//! is an operator's decision once data flows.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use crate::config::KafkaConfig;

/// Creates `config.topic` and `config.dead_letter_topic`, each with `config.partitions`,
/// unless they exist.
pub async fn ensure_topic(config: &KafkaConfig) -> Result<(), KafkaError> {
    let admin: AdminClient<DefaultClientContext> = super::client_config(config).create()?;
    let topics = [&config.topic, &config.dead_letter_topic].map(|name| {
        NewTopic::new(
            name,
            config.partitions,
            TopicReplication::Fixed(config.replication_factor),
        )
    });
    let timeout = Some(Duration::from_millis(config.delivery_timeout_ms.max(5000)));
    let options = AdminOptions::new()
        .operation_timeout(timeout)
        .request_timeout(timeout);
    for result in admin.create_topics(&topics, &options).await? {
        match result {
            Ok(name) => {
                tracing::info!(topic = %name, partitions = config.partitions, "created topic")
            }
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                tracing::error!(topic = %name, error = %code, "cannot create topic");
                return Err(KafkaError::AdminOp(code));
            }
        }
    }
    Ok(())
}
