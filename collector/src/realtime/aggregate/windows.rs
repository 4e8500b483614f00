//! Per-minute windows, each a hash that expires after `realtime.window_retention_secs`:
//! events by type (errors are `error`, page views `page_view`) and `total`; and per web
//! vital `{name}:sum` and `{name}:count`, from which a reader takes the minute's average.

use super::{Aggregator, Plan};
use crate::realtime::keys::Stat;
use crate::realtime::ops::Ops;
use crate::realtime::LiveEvent;
use crate::validate::EventType;

pub struct Windows;

impl Aggregator for Windows {
    fn name(&self) -> &'static str {
        "windows"
    }

    fn add(&self, plan: &Plan, event: &LiveEvent, ops: &mut Ops) {
        let minute = event.minute();
        let events = plan.keys.window(event.project_id, Stat::Events, minute);
        ops.incr(events.clone(), event.event_type.as_str(), 1);
        ops.incr(events.clone(), "total", 1);
        ops.expire(events, plan.window_ttl);
        if event.event_type == EventType::WebVital && !event.name.is_empty() {
            let vitals = plan.keys.window(event.project_id, Stat::Vitals, minute);
            ops.incr_float(vitals.clone(), &field(&event.name, "sum"), event.value);
            ops.incr(vitals.clone(), &field(&event.name, "count"), 1);
            ops.expire(vitals, plan.window_ttl);
        }
    }
}

/// `{name}:{part}`, the vitals window's fields.
pub fn field(name: &str, part: &str) -> String {
    let mut field = String::with_capacity(name.len() + part.len() + 1);
    field.push_str(name);
    field.push(':');
    field.push_str(part);
    field
}
