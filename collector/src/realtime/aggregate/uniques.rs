//! Unique visitors and sessions per minute, hour and day, as HyperLogLogs (`PFADD`; a
//! reader's `PFCOUNT` over several keys is the union). Minutes and hours live as long as the
//! windows, days as long as the leaderboards.

use super::{Aggregator, Plan};
use crate::realtime::keys::{Per, UniqueOf};
use crate::realtime::ops::Ops;
use crate::realtime::LiveEvent;

pub struct Uniques;

impl Aggregator for Uniques {
    fn name(&self) -> &'static str {
        "uniques"
    }

    fn add(&self, plan: &Plan, event: &LiveEvent, ops: &mut Ops) {
        for (of, id) in [
            (UniqueOf::Visitors, &event.visitor_id),
            (UniqueOf::Sessions, &event.session_id),
        ] {
            if id.is_empty() {
                continue;
            }
            for per in Per::ALL {
                let start = super::super::floor_to(event.timestamp_ms, per.seconds());
                let key = plan.keys.uniques(event.project_id, of, per, start);
                ops.pfadd(key.clone(), id);
                let ttl = match per {
                    Per::Day => plan.daily_ttl,
                    Per::Minute | Per::Hour => plan.window_ttl,
                };
                ops.expire(key, ttl);
            }
        }
    }
}
