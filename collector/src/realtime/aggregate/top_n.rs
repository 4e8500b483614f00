//! Daily Top-N leaderboards, sorted sets per UTC day of the event, kept
//! `realtime.daily_retention_days`: pages by views, pages by errors, issues (error
//! fingerprints, the same grouping as the query API's issues), custom event names, and
//! active users (visitors by events sent).

use super::{Aggregator, Plan};
use crate::realtime::keys::Board;
use crate::realtime::ops::Ops;
use crate::realtime::LiveEvent;
use crate::validate::EventType;

pub struct TopN;

impl Aggregator for TopN {
    fn name(&self) -> &'static str {
        "top_n"
    }

    fn add(&self, plan: &Plan, event: &LiveEvent, ops: &mut Ops) {
        let mut count = |board: Board, member: &str| {
            if member.is_empty() {
                return;
            }
            let key = plan.keys.leaderboard(event.project_id, board, event.day());
            ops.zincr(key.clone(), member, 1.0);
            ops.expire(key, plan.daily_ttl);
        };
        match event.event_type {
            EventType::PageView => count(Board::PagesByViews, &event.page_path),
            EventType::Error => {
                count(Board::PagesByErrors, &event.page_path);
                count(Board::Issues, &event.fingerprint);
            }
            EventType::Custom => count(Board::CustomEvents, &event.name),
            _ => {}
        }
        count(Board::ActiveUsers, &event.visitor_id);
    }
}
