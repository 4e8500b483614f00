//! The live aggregates in Redis (`[redis] url`), through `redis`'s connection manager, which
//! reconnects by itself.
//!
//! Writes from the consumer are exactly once although Kafka delivers at least once: each
//! batch's writes go in one Lua script ([`APPLY_ONCE`]) together with a compare-and-set of the
//! per-partition offset watermark (the next offset already counted). A batch read again
//! after a crash or a rebalance finds the watermark past its offsets and only its events
//! beyond the watermark are counted. The consumer remembers the watermarks it last wrote, so
//! the usual batch is one round trip; a stale memory (the first batch, a partition that
//! moved) costs one more, since the refused script answers with the current values.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};
use tokio::sync::OnceCell;

use crate::metrics;
use crate::realtime::ops::Ops;

const APPLY_ONCE: &str = include_str!("apply_once.lua");
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

pub type RedisError = redis::RedisError;

pub struct RedisStore {
    client: Client,
    connection: OnceCell<ConnectionManager>,
    apply_once: Script,
}

/// What the consumer knows of a partition's watermark: `Unknown` until Redis told it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watermark {
    Unknown,
    Absent,
    At(i64),
}

impl Watermark {
    fn expected(&self) -> String {
        match self {
            // Never a stored value, so the first script always reports the current one.
            Watermark::Unknown => "?".to_owned(),
            Watermark::Absent => String::new(),
            Watermark::At(offset) => offset.to_string(),
        }
    }

    fn parse(stored: &str) -> Watermark {
        match stored.parse() {
            Ok(offset) => Watermark::At(offset),
            Err(_) => Watermark::Absent,
        }
    }

    /// Whether the event at `offset` is counted already.
    pub fn covers(&self, offset: i64) -> bool {
        matches!(self, Watermark::At(next) if offset < *next)
    }
}

/// The outcome of [`RedisStore::apply_once`].
pub enum Applied {
    Written,
    /// The watermarks were not as expected; here is what they are.
    Conflict(Vec<Watermark>),
}

impl RedisStore {
    pub fn new(url: &str) -> Result<RedisStore, RedisError> {
        Ok(RedisStore {
            client: Client::open(url)?,
            connection: OnceCell::new(),
            apply_once: Script::new(APPLY_ONCE),
        })
    }

    /// The shared connection, made on first use (so that a collector starts while Redis is
    /// down, and its live numbers come once Redis does).
    async fn connection(&self) -> Result<ConnectionManager, RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let manager = self
            .connection
            .get_or_try_init(|| self.client.get_connection_manager_with_config(config))
            .await?;
        Ok(manager.clone())
    }

    fn round_trip(&self) {
        metrics::global().realtime.redis_round_trip();
    }

    /// Applies the writes in one transaction (`MULTI`/`EXEC`), with no watermark: the
    /// ingest path of the embedded mode, whose store and cleaning drop retried batches.
    pub async fn apply(&self, ops: &Ops) -> Result<(), RedisError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        for command in ops.commands() {
            pipe.cmd(&command[0]).arg(&command[1..]).ignore();
        }
        let mut connection = self.connection().await?;
        self.round_trip();
        pipe.query_async::<()>(&mut connection).await
    }

    /// Applies the writes if every partition's watermark is still `expected`, moving each to
    /// its `next` offset in the same script.
    pub async fn apply_once(
        &self,
        watermark_key: &str,
        partitions: &[(i32, Watermark, i64)],
        ops: &Ops,
    ) -> Result<Applied, RedisError> {
        let mut invocation = self.apply_once.key(watermark_key);
        invocation.arg(partitions.len());
        for (partition, expected, next) in partitions {
            invocation.arg(partition).arg(expected.expected()).arg(next);
        }
        for command in ops.commands() {
            invocation.arg(command.len()).arg(command);
        }
        let mut connection = self.connection().await?;
        self.round_trip();
        let answer: Vec<String> = invocation.invoke_async(&mut connection).await?;
        match answer.split_first() {
            Some((status, current)) if status == "conflict" => Ok(Applied::Conflict(
                current.iter().map(|v| Watermark::parse(v)).collect(),
            )),
            _ => Ok(Applied::Written),
        }
    }

    pub async fn hashes(&self, keys: &[String]) -> Result<Vec<Vec<(String, f64)>>, RedisError> {
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.cmd("HGETALL").arg(key);
        }
        let mut connection = self.connection().await?;
        self.round_trip();
        let answers: Vec<BTreeMap<String, f64>> = pipe.query_async(&mut connection).await?;
        Ok(answers
            .into_iter()
            .map(|h| h.into_iter().collect())
            .collect())
    }

    pub async fn top(&self, key: &str, limit: usize) -> Result<Vec<(String, f64)>, RedisError> {
        let mut connection = self.connection().await?;
        self.round_trip();
        let stop = limit.saturating_sub(1) as isize;
        redis::cmd("ZREVRANGE")
            .arg(key)
            .arg(0)
            .arg(stop)
            .arg("WITHSCORES")
            .query_async(&mut connection)
            .await
    }

    pub async fn uniques(&self, keys: &[String]) -> Result<(Vec<u64>, u64), RedisError> {
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.cmd("PFCOUNT").arg(key);
        }
        pipe.cmd("PFCOUNT").arg(keys);
        let mut connection = self.connection().await?;
        self.round_trip();
        let mut counts: Vec<u64> = if keys.is_empty() {
            Vec::new()
        } else {
            pipe.query_async(&mut connection).await?
        };
        let union = counts.pop().unwrap_or(0);
        Ok((counts, union))
    }

    /// Waits until Redis answers a `PING`, at most `within`.
    pub async fn ping(&self, within: Duration) -> Result<(), RedisError> {
        let started = Instant::now();
        loop {
            let answer = match self.connection().await {
                Ok(mut connection) => {
                    redis::cmd("PING")
                        .query_async::<String>(&mut connection)
                        .await
                }
                Err(e) => Err(e),
            };
            match answer {
                Ok(_) => return Ok(()),
                Err(e) if started.elapsed() >= within => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}
