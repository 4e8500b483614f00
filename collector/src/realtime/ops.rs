//! The writes one batch makes to the live store, gathered first and merged: a batch of 500
//! page views of one page is one `HINCRBY … 500`, not 500 commands. Both stores apply the
//! same [`Ops`]; Redis gets them as commands ([`Ops::commands`]) in one atomic script.

use std::collections::{BTreeMap, BTreeSet};

/// Most members per `PFADD`: Lua's `unpack` has a stack limit.
const PFADD_CHUNK: usize = 200;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ops {
    /// `HINCRBY key field n`.
    pub hash_incr: BTreeMap<(String, String), i64>,
    /// `HINCRBYFLOAT key field x`.
    pub hash_incr_float: BTreeMap<(String, String), f64>,
    /// `ZINCRBY key x member`.
    pub sorted_incr: BTreeMap<(String, String), f64>,
    /// `PFADD key member...`.
    pub hll_add: BTreeMap<String, BTreeSet<String>>,
    /// `EXPIRE key seconds`, after the writes.
    pub expire: BTreeMap<String, u64>,
}

impl Ops {
    pub fn incr(&mut self, key: String, field: &str, by: i64) {
        *self.hash_incr.entry((key, field.to_owned())).or_insert(0) += by;
    }

    pub fn incr_float(&mut self, key: String, field: &str, by: f64) {
        *self
            .hash_incr_float
            .entry((key, field.to_owned()))
            .or_insert(0.0) += by;
    }

    pub fn zincr(&mut self, key: String, member: &str, by: f64) {
        *self
            .sorted_incr
            .entry((key, member.to_owned()))
            .or_insert(0.0) += by;
    }

    pub fn pfadd(&mut self, key: String, member: &str) {
        self.hll_add
            .entry(key)
            .or_default()
            .insert(member.to_owned());
    }

    pub fn expire(&mut self, key: String, seconds: u64) {
        self.expire.insert(key, seconds);
    }

    pub fn is_empty(&self) -> bool {
        self.hash_incr.is_empty()
            && self.hash_incr_float.is_empty()
            && self.sorted_incr.is_empty()
            && self.hll_add.is_empty()
    }

    /// The Redis commands, each as its words.
    pub fn commands(&self) -> Vec<Vec<String>> {
        let mut commands = Vec::new();
        for ((key, field), by) in &self.hash_incr {
            commands.push(words(&["HINCRBY", key, field, &by.to_string()]));
        }
        for ((key, field), by) in &self.hash_incr_float {
            commands.push(words(&["HINCRBYFLOAT", key, field, &by.to_string()]));
        }
        for ((key, member), by) in &self.sorted_incr {
            commands.push(words(&["ZINCRBY", key, &by.to_string(), member]));
        }
        for (key, members) in &self.hll_add {
            let members: Vec<&String> = members.iter().collect();
            for chunk in members.chunks(PFADD_CHUNK) {
                let mut command = words(&["PFADD", key]);
                command.extend(chunk.iter().map(|m| (*m).clone()));
                commands.push(command);
            }
        }
        for (key, seconds) in &self.expire {
            commands.push(words(&["EXPIRE", key, &seconds.to_string()]));
        }
        commands
    }
}

fn words(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|&p| p.to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_repeated_writes_into_one_command() {
        let mut ops = Ops::default();
        for _ in 0..500 {
            ops.incr("k".into(), "page_view", 1);
            ops.zincr("z".into(), "/a", 1.0);
            ops.pfadd("h".into(), "v1");
            ops.expire("k".into(), 60);
        }
        ops.incr_float("v".into(), "LCP:sum", 1.5);
        ops.incr_float("v".into(), "LCP:sum", 2.0);
        let commands = ops.commands();
        assert_eq!(
            commands,
            vec![
                words(&["HINCRBY", "k", "page_view", "500"]),
                words(&["HINCRBYFLOAT", "v", "LCP:sum", "3.5"]),
                words(&["ZINCRBY", "z", "500", "/a"]),
                words(&["PFADD", "h", "v1"]),
                words(&["EXPIRE", "k", "60"]),
            ]
        );
    }

    #[test]
    fn splits_large_pfadds() {
        let mut ops = Ops::default();
        for n in 0..450 {
            ops.pfadd("h".into(), &n.to_string());
        }
        let sizes: Vec<usize> = ops.commands().iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![202, 202, 52]);
    }
}
