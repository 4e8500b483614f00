//! A bounded map that keeps what was used lately: two generations, the current one filled
//! until it holds `capacity / 2` entries, then demoted while the older one is dropped. A hit
//! in the older generation moves the entry back to the current one. Cheaper than a strict
//! LRU (no list to maintain) and just as good for what it holds here: parsed maps and
//! symbolicated frames, of which the same few are asked for again and again.

use std::collections::HashMap;
use std::hash::Hash;

pub struct Recent<K, V> {
    current: HashMap<K, V>,
    older: HashMap<K, V>,
    per_generation: usize,
}

impl<K: Hash + Eq, V: Clone> Recent<K, V> {
    /// Holds at most `capacity` entries (at least 2).
    pub fn new(capacity: usize) -> Self {
        Recent {
            current: HashMap::new(),
            older: HashMap::new(),
            per_generation: (capacity / 2).max(1),
        }
    }

    pub fn get(&mut self, key: &K) -> Option<V> {
        if let Some(value) = self.current.get(key) {
            return Some(value.clone());
        }
        let (key, value) = self.older.remove_entry(key)?;
        self.insert(key, value.clone());
        Some(value)
    }

    pub fn insert(&mut self, key: K, value: V) {
        if self.current.len() >= self.per_generation && !self.current.contains_key(&key) {
            self.older = std::mem::take(&mut self.current);
        }
        self.current.insert(key, value);
    }

    pub fn clear(&mut self) {
        self.current.clear();
        self.older.clear();
    }

    pub fn len(&self) -> usize {
        self.current.len() + self.older.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::Recent;

    #[test]
    fn keeps_what_was_used_lately_within_its_capacity() {
        let mut cache = Recent::new(4);
        for n in 0..4 {
            cache.insert(n, n * 10);
        }
        // 0 and 1 were demoted when 2 came; using 0 brings it back.
        assert_eq!(cache.get(&0), Some(0));
        for n in 4..6 {
            cache.insert(n, n * 10);
        }
        assert!(cache.len() <= 4, "{}", cache.len());
        assert_eq!(cache.get(&5), Some(50));
        assert_eq!(cache.get(&1), None, "not used, pushed out");
        cache.clear();
        assert_eq!(cache.get(&5), None);
    }
}
