//! Counters since the start, per project: one hash field per event type, `total`, and
//! `custom:{name}` per custom event name.

use super::{Aggregator, Plan};
use crate::realtime::ops::Ops;
use crate::realtime::LiveEvent;
use crate::validate::EventType;

pub struct Counters;

impl Aggregator for Counters {
    fn name(&self) -> &'static str {
        "counters"
    }

    fn add(&self, plan: &Plan, event: &LiveEvent, ops: &mut Ops) {
        let key = plan.keys.counters(event.project_id);
        ops.incr(key.clone(), event.event_type.as_str(), 1);
        ops.incr(key.clone(), "total", 1);
        if event.event_type == EventType::Custom && !event.name.is_empty() {
            ops.incr(key, &custom_field(&event.name), 1);
        }
    }
}

/// The counters field of a custom event name.
pub fn custom_field(name: &str) -> String {
    let mut field = String::with_capacity(name.len() + 7);
    field.push_str("custom:");
    field.push_str(name);
    field
}
