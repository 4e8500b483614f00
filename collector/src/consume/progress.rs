//! Is the group making progress? Every few seconds the consumer asks the brokers, with a
//! client of its own that never joins the group, for each partition's committed offset and
//! high watermark. From those come the per-partition gauges in `/metrics`, the answer of the
//! consumer's `/readyz`, and the signal to re-join the group.
//!
//! The rule is about the whole group, not this consumer: with more consumers than partitions
//! one of them rightly holds nothing, and the others' commits show the group is fine. The
//! group is *stalled* when its committed offsets have not moved for `stall_timeout` while
//! messages wait (lag > 0): then `/readyz` answers 503 and `monitor_consumer_stalled` is 1.
//! Whatever the cause (a consumer left with no partitions by a rebalance, a fetch that never
//! returns, ClickHouse down), an orchestrator that watches readiness can act on it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use tokio::time::sleep;

use crate::config::Config;
use crate::kafka;
use crate::metrics;
use crate::RunError;

/// Longest wait for each of the progress check's requests to the brokers.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// One partition as read from the brokers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartitionReading {
    pub partition: i32,
    /// The group's committed offset, or the partition's low watermark when nothing is
    /// committed yet (where `auto.offset.reset = earliest` starts).
    pub committed: i64,
    pub high_watermark: i64,
}

impl PartitionReading {
    pub fn lag(&self) -> i64 {
        (self.high_watermark - self.committed).max(0)
    }
}

/// What is known of the group's progress, updated by each reading.
#[derive(Debug)]
pub struct Progress {
    stall_timeout: Duration,
    /// Time of the last successful reading, and its total lag.
    last_read: Option<(Instant, i64)>,
    last_error: Option<String>,
    /// Sum of the committed offsets at the last reading, and since when it has not changed
    /// while messages waited.
    committed_sum: i64,
    moved_at: Option<Instant>,
}

impl Progress {
    pub fn new(stall_timeout: Duration) -> Progress {
        Progress {
            stall_timeout,
            last_read: None,
            last_error: None,
            committed_sum: 0,
            moved_at: None,
        }
    }

    /// Takes a reading made at `now`.
    pub fn record(&mut self, reading: Result<&[PartitionReading], String>, now: Instant) {
        let partitions = match reading {
            Ok(partitions) => partitions,
            Err(error) => {
                self.last_error = Some(error);
                return;
            }
        };
        let lag: i64 = partitions.iter().map(PartitionReading::lag).sum();
        let committed: i64 = partitions.iter().map(|p| p.committed).sum();
        // Caught up counts as moving: nothing waits, so nothing is late.
        if self.moved_at.is_none() || committed != self.committed_sum || lag == 0 {
            self.moved_at = Some(now);
        }
        self.committed_sum = committed;
        self.last_read = Some((now, lag));
        self.last_error = None;
    }

    /// How long the committed offsets have stood still with messages waiting; `None` when
    /// nothing waits or nothing is known.
    pub fn stalled_for(&self, now: Instant) -> Option<Duration> {
        let (_, lag) = self.last_read?;
        let moved_at = self.moved_at?;
        (lag > 0).then(|| now.saturating_duration_since(moved_at))
    }

    pub fn is_stalled(&self, now: Instant) -> bool {
        self.stalled_for(now)
            .is_some_and(|still| still >= self.stall_timeout)
    }

    /// `/readyz`: `Ok` with a short status, or `Err` with the reason for the 503.
    pub fn readiness(&self, now: Instant) -> Result<String, String> {
        let Some((read_at, lag)) = self.last_read else {
            return Err(match &self.last_error {
                Some(e) => format!("cannot read the group's offsets from the brokers: {e}"),
                None => "the group's offsets have not been read yet".to_owned(),
            });
        };
        if now.saturating_duration_since(read_at) >= self.stall_timeout {
            let why = self.last_error.as_deref().unwrap_or("no reading");
            return Err(format!(
                "the group's offsets could not be read for {} s: {why}",
                now.saturating_duration_since(read_at).as_secs()
            ));
        }
        if self.is_stalled(now) {
            let still = self.stalled_for(now).unwrap_or_default();
            return Err(format!(
                "stalled: the group's committed offsets have not moved for {} s while {lag} \
                 messages wait",
                still.as_secs()
            ));
        }
        Ok(format!("consuming; {lag} messages behind"))
    }
}

/// Starts the progress check: every few seconds, the group's offsets and the watermarks,
/// into `progress` and the metrics. Its client shares the group id (to read the group's
/// offsets) but never subscribes, so it is not a member.
pub fn watch_progress(config: &Config, progress: Arc<Mutex<Progress>>) -> Result<(), RunError> {
    let observer: BaseConsumer = kafka::client_config(&config.kafka)
        .set("group.id", &config.kafka.consumer_group)
        .set("enable.auto.commit", "false")
        .create()
        .map_err(RunError::kafka)?;
    let observer = Arc::new(observer);
    let topic = config.kafka.topic.clone();
    let stall_timeout = Duration::from_millis(config.consumer.stall_timeout_ms);
    let interval = (stall_timeout / 4).clamp(Duration::from_millis(250), Duration::from_secs(5));
    tokio::spawn(async move {
        loop {
            let (observer, topic) = (observer.clone(), topic.clone());
            let reading = tokio::task::spawn_blocking(move || {
                read_partitions(&observer, &topic, REQUEST_TIMEOUT)
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
            if let Ok(partitions) = &reading {
                for p in partitions {
                    metrics::global()
                        .consumer
                        .partition(p.partition, p.committed, p.lag());
                }
            }
            let now = Instant::now();
            let stalled = {
                let mut progress = progress.lock().unwrap_or_else(PoisonError::into_inner);
                progress.record(reading.as_deref().map_err(Clone::clone), now);
                progress.is_stalled(now)
            };
            metrics::global().consumer.set_stalled(stalled);
            sleep(interval).await;
        }
    });
    Ok(())
}

/// Reads every partition of `topic`: committed offset for the client's group and the
/// watermarks. Blocking (librdkafka), each request bounded by `timeout`.
pub fn read_partitions(
    client: &BaseConsumer,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<PartitionReading>, String> {
    let metadata = client
        .fetch_metadata(Some(topic), timeout)
        .map_err(|e| format!("metadata: {e}"))?;
    let ids: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic)
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if ids.is_empty() {
        return Err(format!("topic {topic} has no partitions"));
    }
    let mut list = TopicPartitionList::new();
    for id in &ids {
        list.add_partition(topic, *id);
    }
    let committed = client
        .committed_offsets(list, timeout)
        .map_err(|e| format!("committed offsets: {e}"))?;
    let mut readings = Vec::with_capacity(ids.len());
    for element in committed.elements() {
        let partition = element.partition();
        let (low, high) = client
            .fetch_watermarks(topic, partition, timeout)
            .map_err(|e| format!("watermarks of partition {partition}: {e}"))?;
        let committed = match element.offset() {
            Offset::Offset(n) if n >= 0 => n,
            _ => low,
        };
        readings.push(PartitionReading {
            partition,
            committed,
            high_watermark: high,
        });
    }
    Ok(readings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(partitions: &[(i64, i64)]) -> Vec<PartitionReading> {
        partitions
            .iter()
            .enumerate()
            .map(|(i, &(committed, high_watermark))| PartitionReading {
                partition: i as i32,
                committed,
                high_watermark,
            })
            .collect()
    }

    #[test]
    fn standing_offsets_with_messages_waiting_are_a_stall() {
        let start = Instant::now();
        let s = |secs| start + Duration::from_secs(secs);
        let mut progress = Progress::new(Duration::from_secs(10));
        assert!(progress.readiness(start).is_err(), "nothing read yet");
        progress.record(Ok(&at(&[(5, 10), (3, 3)])), s(0));
        assert_eq!(
            progress.readiness(s(0)),
            Ok("consuming; 5 messages behind".into())
        );
        progress.record(Ok(&at(&[(5, 12), (3, 3)])), s(6));
        assert_eq!(progress.stalled_for(s(6)), Some(Duration::from_secs(6)));
        assert!(progress.readiness(s(6)).is_ok(), "not yet past the timeout");
        progress.record(Ok(&at(&[(5, 12), (3, 3)])), s(10));
        let reason = progress.readiness(s(10)).unwrap_err();
        assert!(
            reason.contains("have not moved for 10 s while 7 messages wait"),
            "{reason}"
        );
        // A commit anywhere in the group is progress.
        progress.record(Ok(&at(&[(5, 12), (4, 4)])), s(11));
        assert!(progress.readiness(s(11)).is_ok());
        assert_eq!(progress.stalled_for(s(11)), Some(Duration::ZERO));
    }

    #[test]
    fn caught_up_is_never_stalled() {
        let start = Instant::now();
        let mut progress = Progress::new(Duration::from_secs(1));
        progress.record(Ok(&at(&[(7, 7)])), start);
        let later = start + Duration::from_secs(60);
        progress.record(Ok(&at(&[(7, 7)])), later);
        assert_eq!(progress.stalled_for(later), None);
        assert!(progress.readiness(later).is_ok());
    }

    #[test]
    fn brokers_that_cannot_be_read_fail_readiness_after_the_timeout() {
        let start = Instant::now();
        let mut progress = Progress::new(Duration::from_secs(5));
        progress.record(Err("down".into()), start);
        assert!(progress.readiness(start).unwrap_err().contains("down"));
        progress.record(Ok(&at(&[(1, 1)])), start);
        progress.record(Err("down again".into()), start + Duration::from_secs(2));
        assert!(progress.readiness(start + Duration::from_secs(2)).is_ok());
        let late = progress
            .readiness(start + Duration::from_secs(5))
            .unwrap_err();
        assert!(
            late.contains("could not be read for 5 s: down again"),
            "{late}"
        );
    }

    #[test]
    fn lag_never_goes_negative() {
        let reading = PartitionReading {
            partition: 0,
            committed: 9,
            high_watermark: 4,
        };
        assert_eq!(reading.lag(), 0);
    }
}
