//! A metric with one label: a map from label value to number, behind a mutex. Used for the
//! counters and gauges whose label set is small and bounded (project ids from the
//! configuration, a fixed list of reason codes, HTTP status codes, partitions).

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::exposition::Writer;

pub struct Family {
    label: &'static str,
    values: Mutex<BTreeMap<String, f64>>,
}

impl Family {
    pub const fn new(label: &'static str) -> Family {
        Family {
            label,
            values: Mutex::new(BTreeMap::new()),
        }
    }

    /// Adds to a counter.
    pub fn add(&self, label: &str, amount: f64) {
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        *values.entry(label.to_owned()).or_insert(0.0) += amount;
    }

    /// Sets a gauge.
    pub fn set(&self, label: &str, value: f64) {
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.insert(label.to_owned(), value);
    }

    pub(super) fn render(&self, out: &mut Writer, name: &str) {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        for (label, value) in values.iter() {
            out.sample(name, Some((self.label, label)), *value);
        }
    }
}
