//! Where the live aggregates are kept: Redis when `[redis] url` is set, else the collector's
//! memory. Both take the same [`Ops`] and answer the same reads, so the aggregators and the
//! real-time endpoints do not know which one they talk to.

mod hll;
mod memory;
mod redis;

use std::fmt;

pub use self::redis::{Applied, RedisStore, Watermark};
use super::ops::Ops;
pub use memory::MemoryStore;

pub enum LiveStore {
    Memory(MemoryStore),
    Redis(RedisStore),
}

/// Redis did not answer or refused; the in-memory store cannot fail.
#[derive(Debug)]
pub struct LiveError(pub String);

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redis: {}", self.0)
    }
}

impl From<::redis::RedisError> for LiveError {
    fn from(e: ::redis::RedisError) -> Self {
        LiveError(e.to_string())
    }
}

impl LiveStore {
    pub fn open(redis_url: Option<&str>) -> Result<LiveStore, LiveError> {
        Ok(match redis_url {
            Some(url) => LiveStore::Redis(RedisStore::new(url)?),
            None => LiveStore::Memory(MemoryStore::default()),
        })
    }

    pub fn is_redis(&self) -> bool {
        matches!(self, LiveStore::Redis(_))
    }

    pub async fn apply(&self, ops: &Ops) -> Result<(), LiveError> {
        match self {
            LiveStore::Memory(memory) => {
                memory.apply(ops);
                Ok(())
            }
            LiveStore::Redis(redis) => Ok(redis.apply(ops).await?),
        }
    }

    pub async fn hashes(&self, keys: &[String]) -> Result<Vec<Vec<(String, f64)>>, LiveError> {
        match self {
            LiveStore::Memory(memory) => Ok(memory.hashes(keys)),
            LiveStore::Redis(redis) => Ok(redis.hashes(keys).await?),
        }
    }

    pub async fn top(&self, key: &str, limit: usize) -> Result<Vec<(String, f64)>, LiveError> {
        match self {
            LiveStore::Memory(memory) => Ok(memory.top(key, limit)),
            LiveStore::Redis(redis) => Ok(redis.top(key, limit).await?),
        }
    }

    pub async fn uniques(&self, keys: &[String]) -> Result<(Vec<u64>, u64), LiveError> {
        match self {
            LiveStore::Memory(memory) => Ok(memory.uniques(keys)),
            LiveStore::Redis(redis) => Ok(redis.uniques(keys).await?),
        }
    }
}
