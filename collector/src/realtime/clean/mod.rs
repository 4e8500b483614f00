//! The cleaning stage: what the stream drops before anything is stored or counted.
//!
//! Each event is judged alone, in this order: filters (bots, configured releases,
//! environments and page URLs), outliers (vitals outside physical bounds, timestamps too far
//! from the arrival time), then duplicates (an `(project, event_id)` seen within the window),
//! so that the duplicate rule only remembers events that passed the others. Every drop is
//! counted in `/metrics` by rule and reason (`monitor_cleaning_dropped_total`), never lost
//! silently. The Kafka consumer runs it before the ClickHouse insert; the embedded store's
//! ingest path before its write, so both stores hold the same events.

mod bots;
mod duplicates;

use regex::Regex;

use super::LiveEvent;
use crate::config::CleaningConfig;
use crate::metrics;
use crate::validate::EventType;
use duplicates::Duplicates;

/// Why an event was dropped: the rule and, within it, the reason (the labels in `/metrics`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dropped {
    pub rule: &'static str,
    pub reason: &'static str,
}

const fn dropped(rule: &'static str, reason: &'static str) -> Result<(), Dropped> {
    Err(Dropped { rule, reason })
}

/// The vitals measured in milliseconds; CLS is the one without a unit.
const DURATION_VITALS: &[&str] = &["FCP", "FP", "LCP", "TTFB", "INP", "TBT"];

pub struct Cleaner {
    config: CleaningConfig,
    url_patterns: Vec<Regex>,
    duplicates: Duplicates,
}

impl Cleaner {
    pub fn new(config: &CleaningConfig) -> Cleaner {
        Cleaner {
            url_patterns: config
                .drop_url_patterns
                .iter()
                // The configuration was validated: every pattern compiles.
                .filter_map(|p| Regex::new(p).ok())
                .collect(),
            duplicates: Duplicates::new(config.duplicate_window_secs, config.duplicate_max_ids),
            config: config.clone(),
        }
    }

    /// Keeps the event (`Ok`) or says why not, counting the drop.
    pub fn judge(&mut self, event: &LiveEvent) -> Result<(), Dropped> {
        let verdict = self
            .filter(event)
            .and_then(|()| self.outlier(event))
            .and_then(|()| {
                let now_s = event.received_at_ms / 1000;
                if self
                    .duplicates
                    .seen(event.project_id, &event.event_id, now_s)
                {
                    dropped("duplicate", "event_id")
                } else {
                    Ok(())
                }
            });
        if let Err(why) = verdict {
            metrics::global().realtime.dropped(why.rule, why.reason);
        }
        verdict
    }

    /// Undoes the duplicate rule's memory of kept events that were not stored after all, so
    /// that their retry is not taken for a copy.
    pub fn forget(&mut self, events: &[LiveEvent]) {
        for event in events {
            self.duplicates.forget(event.project_id, &event.event_id);
        }
    }

    fn filter(&self, event: &LiveEvent) -> Result<(), Dropped> {
        if self.config.drop_bots && bots::is_bot(&event.user_agent) {
            return dropped("filter", "bot");
        }
        if self.config.drop_releases.contains(&event.release) {
            return dropped("filter", "release");
        }
        if self.config.drop_environments.contains(&event.environment) {
            return dropped("filter", "environment");
        }
        if self
            .url_patterns
            .iter()
            .any(|p| p.is_match(&event.page_url))
        {
            return dropped("filter", "url");
        }
        Ok(())
    }

    fn outlier(&self, event: &LiveEvent) -> Result<(), Dropped> {
        let ahead_ms = event.timestamp_ms - event.received_at_ms as f64;
        if ahead_ms > self.config.max_future_secs as f64 * 1000.0 {
            return dropped("outlier", "future_timestamp");
        }
        let max_past = self.config.max_past_secs as f64 * 1000.0;
        if max_past > 0.0 && -ahead_ms > max_past {
            return dropped("outlier", "past_timestamp");
        }
        if event.event_type != EventType::WebVital {
            return Ok(());
        }
        if event.value < 0.0 {
            return dropped("outlier", "negative_vital");
        }
        if event.name == "CLS" && event.value > self.config.max_cls {
            return dropped("outlier", "cls_too_large");
        }
        if DURATION_VITALS.contains(&event.name.as_str()) && event.value > self.config.max_vital_ms
        {
            return dropped("outlier", "vital_too_large");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
