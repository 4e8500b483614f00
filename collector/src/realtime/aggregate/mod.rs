//! The aggregation stage: each aggregator turns one kept event into writes ([`Ops`]) on the
//! live store. They know nothing of Redis or memory; [`Aggregators::ops`] gathers a whole
//! batch's writes, merged, for the store to apply at once.

mod counters;
mod top_n;
mod uniques;
mod windows;

use super::keys::Keys;
use super::ops::Ops;
use super::LiveEvent;
use crate::config::RealtimeConfig;

/// What every aggregator is given: where its keys go and how long they live.
#[derive(Clone, Debug)]
pub struct Plan {
    pub keys: Keys,
    /// TTL of per-minute windows and of per-minute and per-hour unique counts, in seconds.
    pub window_ttl: u64,
    /// TTL of a day's leaderboards and unique counts, in seconds.
    pub daily_ttl: u64,
}

impl Plan {
    pub fn new(keys: Keys, config: &RealtimeConfig) -> Plan {
        Plan {
            keys,
            window_ttl: config.window_retention_secs,
            daily_ttl: config.daily_retention_days.saturating_mul(86_400),
        }
    }
}

/// One live aggregate, configured by its name (`realtime.aggregators`).
pub trait Aggregator: Send + Sync {
    fn name(&self) -> &'static str;
    /// The writes that count `event`.
    fn add(&self, plan: &Plan, event: &LiveEvent, ops: &mut Ops);
}

/// The configured aggregators.
pub struct Aggregators {
    plan: Plan,
    running: Vec<Box<dyn Aggregator>>,
}

impl Aggregators {
    pub fn new(plan: Plan, config: &RealtimeConfig) -> Aggregators {
        let all: [Box<dyn Aggregator>; 4] = [
            Box::new(counters::Counters),
            Box::new(windows::Windows),
            Box::new(top_n::TopN),
            Box::new(uniques::Uniques),
        ];
        let running = all
            .into_iter()
            .filter(|aggregator| config.runs(aggregator.name()))
            .collect();
        Aggregators { plan, running }
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    pub fn keys(&self) -> &Keys {
        &self.plan.keys
    }

    /// The merged writes counting every event of a batch.
    pub fn ops<'a>(&self, events: impl IntoIterator<Item = &'a LiveEvent>) -> Ops {
        let mut ops = Ops::default();
        for event in events {
            for aggregator in &self.running {
                aggregator.add(&self.plan, event, &mut ops);
            }
        }
        ops
    }
}

#[cfg(test)]
mod tests;
