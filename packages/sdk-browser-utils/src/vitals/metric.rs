//! One metric instance and the rule for when it is reported (web-vitals' `initMetric` and
//! `bindReporter`), and the `web_vital` event it becomes.
//!
//! A metric starts at -1 ("nothing measured yet") or 0 (CLS, TTFB after a restore). It is
//! reported when forced (its value is final: the page was hidden, an input stopped LCP) or,
//! with `reportAllChanges`, whenever it changed; never twice with the same value, except that
//! the first report of a zero value goes out (a page hidden before any layout shift has a
//! CLS of 0, and that is worth knowing).

use alloc::string::String;
use monitor_sdk_core::json::{write_key, write_number, write_string};
use monitor_sdk_core::{Event, Value};

/// "good" up to the first threshold, "needs-improvement" up to the second, "poor" above.
pub type Thresholds = (f64, f64);

pub const FCP: Thresholds = (1800.0, 3000.0);
pub const LCP: Thresholds = (2500.0, 4000.0);
pub const CLS: Thresholds = (0.1, 0.25);
pub const INP: Thresholds = (200.0, 500.0);
pub const TTFB: Thresholds = (800.0, 1800.0);
/// Lighthouse's scoring for Total Blocking Time.
pub const TBT: Thresholds = (200.0, 600.0);

pub fn rating(value: f64, thresholds: Thresholds) -> &'static str {
    if value > thresholds.1 {
        "poor"
    } else if value > thresholds.0 {
        "needs-improvement"
    } else {
        "good"
    }
}

pub struct Metric {
    pub name: &'static str,
    thresholds: Thresholds,
    /// -1 until something was measured.
    pub value: f64,
    pub id: String,
    pub navigation_type: &'static str,
    /// The value last reported, if any.
    reported: Option<f64>,
}

impl Metric {
    pub fn new(
        name: &'static str,
        thresholds: Thresholds,
        value: f64,
        id: String,
        navigation_type: &'static str,
    ) -> Metric {
        Metric {
            name,
            thresholds,
            value,
            id,
            navigation_type,
            reported: None,
        }
    }

    /// Whether a report is due now: a measured value, asked for (`force`) or wanted on every
    /// change, and different from what was last reported (or never reported).
    pub fn due(&self, force: bool, all_changes: bool) -> bool {
        self.value >= 0.0
            && (force || all_changes)
            && self.reported.is_none_or(|last| last != self.value)
    }

    /// Marks the current value reported and builds its `web_vital` event. `attribution` is
    /// a JSON object.
    pub fn event(&mut self, attribution: String, timestamp: f64) -> Event {
        let delta = self.value - self.reported.unwrap_or(0.0);
        self.reported = Some(self.value);
        let mut event = Event::new("web_vital", timestamp);
        let body = &mut event.body;
        body.insert("name", Value::String(self.name.into()));
        body.insert("value", self.value.into());
        body.insert(
            "rating",
            Value::String(rating(self.value, self.thresholds).into()),
        );
        body.insert("delta", delta.into());
        body.insert("id", Value::String(self.id.clone()));
        body.insert(
            "navigation_type",
            Value::String(self.navigation_type.into()),
        );
        body.insert("attribution", Value::Raw(attribution));
        event
    }
}

/// Builds a flat JSON object of numbers and strings, for attributions.
pub struct Attribution(String);

impl Attribution {
    pub fn new() -> Attribution {
        Attribution(String::from("{"))
    }

    pub fn num(mut self, key: &str, value: f64) -> Attribution {
        write_key(&mut self.0, key);
        write_number(&mut self.0, value);
        self
    }

    pub fn str(mut self, key: &str, value: &str) -> Attribution {
        write_key(&mut self.0, key);
        write_string(&mut self.0, value);
        self
    }

    /// A string field that is left out when absent.
    pub fn opt_str(self, key: &str, value: Option<&str>) -> Attribution {
        match value {
            Some(value) => self.str(key, value),
            None => self,
        }
    }

    pub fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

impl Default for Attribution {
    fn default() -> Self {
        Attribution::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn metric(value: f64) -> Metric {
        Metric::new("LCP", LCP, value, "id-1".to_string(), "navigate")
    }

    #[test]
    fn ratings_use_the_published_thresholds_inclusively() {
        assert_eq!(rating(2500.0, LCP), "good");
        assert_eq!(rating(2500.1, LCP), "needs-improvement");
        assert_eq!(rating(4000.0, LCP), "needs-improvement");
        assert_eq!(rating(4000.1, LCP), "poor");
        assert_eq!(rating(0.1, CLS), "good");
        assert_eq!(rating(0.26, CLS), "poor");
        assert_eq!(rating(200.0, INP), "good");
        assert_eq!(rating(1800.5, FCP), "needs-improvement");
        assert_eq!(rating(1801.0, TTFB), "poor");
    }

    #[test]
    fn nothing_is_reported_before_a_value_or_unless_forced() {
        let mut m = metric(-1.0);
        assert!(!m.due(true, true));
        m.value = 100.0;
        assert!(!m.due(false, false));
        assert!(m.due(false, true));
        assert!(m.due(true, false));
    }

    #[test]
    fn deltas_follow_reports_and_equal_values_are_not_repeated() {
        let mut m = metric(100.0);
        let first = m.event("{}".to_string(), 1.0);
        let field = |e: &Event, key: &str| e.body.get(key).map(|v| v.to_json());
        assert_eq!(field(&first, "delta").as_deref(), Some("100"));
        assert!(!m.due(true, true), "same value twice");
        m.value = 250.5;
        assert!(m.due(true, false));
        let second = m.event("{}".to_string(), 2.0);
        assert_eq!(field(&second, "delta").as_deref(), Some("150.5"));
        assert_eq!(field(&second, "rating").as_deref(), Some("\"good\""));
    }

    #[test]
    fn a_zero_value_is_reported_once() {
        let mut m = Metric::new("CLS", CLS, 0.0, "id".to_string(), "navigate");
        assert!(m.due(true, false));
        m.event("{}".to_string(), 1.0);
        assert!(!m.due(true, false));
    }

    #[test]
    fn attributions_are_json_objects() {
        let json = Attribution::new()
            .num("a", 1.5)
            .str("t", "div#x>\"q\"")
            .opt_str("none", None)
            .finish();
        assert_eq!(json, "{\"a\":1.5,\"t\":\"div#x>\\\"q\\\"\"}");
        assert_eq!(Attribution::new().finish(), "{}");
    }
}
