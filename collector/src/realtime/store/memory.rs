//! The live aggregates in the collector's memory, when no Redis is configured: the same keys
//! and the same operations as Redis, in hash maps, with the same expiry (checked when read
//! and swept once a minute). Lost on restart, like an unpersisted Redis.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::hll::Hll;
use crate::realtime::ops::Ops;

const SWEEP_EVERY: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Memory>,
}

struct Memory {
    hashes: HashMap<String, HashMap<String, f64>>,
    sorted: HashMap<String, HashMap<String, f64>>,
    hlls: HashMap<String, Hll>,
    deadlines: HashMap<String, Instant>,
    swept_at: Instant,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            hashes: HashMap::new(),
            sorted: HashMap::new(),
            hlls: HashMap::new(),
            deadlines: HashMap::new(),
            swept_at: Instant::now(),
        }
    }
}

impl Memory {
    fn live(&self, key: &str, now: Instant) -> bool {
        self.deadlines
            .get(key)
            .is_none_or(|deadline| *deadline > now)
    }

    fn sweep(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .deadlines
            .iter()
            .filter(|(_, deadline)| **deadline <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in expired {
            self.hashes.remove(&key);
            self.sorted.remove(&key);
            self.hlls.remove(&key);
            self.deadlines.remove(&key);
        }
        self.swept_at = now;
    }
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn apply(&self, ops: &Ops) {
        let now = Instant::now();
        let mut memory = self.lock();
        if now.duration_since(memory.swept_at) >= SWEEP_EVERY {
            memory.sweep(now);
        }
        // A write to an expired key starts it afresh, as in Redis.
        let stale: Vec<String> = ops
            .expire
            .keys()
            .filter(|key| !memory.live(key, now))
            .cloned()
            .collect();
        for key in stale {
            memory.hashes.remove(&key);
            memory.sorted.remove(&key);
            memory.hlls.remove(&key);
        }
        for ((key, field), by) in &ops.hash_incr {
            let hash = memory.hashes.entry(key.clone()).or_default();
            *hash.entry(field.clone()).or_insert(0.0) += *by as f64;
        }
        for ((key, field), by) in &ops.hash_incr_float {
            let hash = memory.hashes.entry(key.clone()).or_default();
            *hash.entry(field.clone()).or_insert(0.0) += by;
        }
        for ((key, member), by) in &ops.sorted_incr {
            let set = memory.sorted.entry(key.clone()).or_default();
            *set.entry(member.clone()).or_insert(0.0) += by;
        }
        for (key, members) in &ops.hll_add {
            let hll = memory.hlls.entry(key.clone()).or_default();
            for member in members {
                hll.add(member);
            }
        }
        for (key, seconds) in &ops.expire {
            memory
                .deadlines
                .insert(key.clone(), now + Duration::from_secs(*seconds));
        }
    }

    /// Each key's fields, empty for a key that does not exist.
    pub fn hashes(&self, keys: &[String]) -> Vec<Vec<(String, f64)>> {
        let now = Instant::now();
        let memory = self.lock();
        keys.iter()
            .map(|key| match memory.hashes.get(key) {
                Some(hash) if memory.live(key, now) => {
                    hash.iter().map(|(f, v)| (f.clone(), *v)).collect()
                }
                _ => Vec::new(),
            })
            .collect()
    }

    /// The `limit` highest members, highest first (ties by member, as `ZREVRANGE`).
    pub fn top(&self, key: &str, limit: usize) -> Vec<(String, f64)> {
        let memory = self.lock();
        let Some(set) = memory
            .sorted
            .get(key)
            .filter(|_| memory.live(key, Instant::now()))
        else {
            return Vec::new();
        };
        let mut members: Vec<(String, f64)> = set.iter().map(|(m, s)| (m.clone(), *s)).collect();
        members.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
        members.truncate(limit);
        members
    }

    /// Each key's count, and the count of their union.
    pub fn uniques(&self, keys: &[String]) -> (Vec<u64>, u64) {
        let now = Instant::now();
        let memory = self.lock();
        let found: Vec<Option<&Hll>> = keys
            .iter()
            .map(|key| memory.hlls.get(key).filter(|_| memory.live(key, now)))
            .collect();
        let each = found
            .iter()
            .map(|hll| hll.map_or(0, |h| Hll::count_union([h])))
            .collect();
        let union = Hll::count_union(found.into_iter().flatten());
        (each, union)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_reads_and_expires() {
        let store = MemoryStore::default();
        let mut ops = Ops::default();
        ops.incr("h".into(), "a", 2);
        ops.incr_float("h".into(), "x", 0.5);
        ops.zincr("z".into(), "/a", 3.0);
        ops.zincr("z".into(), "/b", 5.0);
        ops.zincr("z".into(), "/c", 3.0);
        ops.pfadd("u1".into(), "v1");
        ops.pfadd("u2".into(), "v1");
        ops.pfadd("u2".into(), "v2");
        store.apply(&ops);
        store.apply(&ops);
        let mut hash = store.hashes(&["h".into(), "none".into()]);
        hash[0].sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            hash,
            vec![vec![("a".into(), 4.0), ("x".into(), 1.0)], vec![]]
        );
        let top = store.top("z", 2);
        assert_eq!(top, vec![("/b".into(), 10.0), ("/c".into(), 6.0)]);
        assert_eq!(store.uniques(&["u1".into(), "u2".into()]), (vec![1, 2], 2));

        let mut expiring = Ops::default();
        expiring.incr("gone".into(), "a", 1);
        expiring.expire("gone".into(), 0);
        store.apply(&expiring);
        assert_eq!(
            store.hashes(&["gone".into()]),
            vec![Vec::<(String, f64)>::new()]
        );
    }
}
