//! A summary of the page's resource loads, from `resource` entries, sent once when the page
//! is first hidden: totals, totals per initiator type (img, script, fetch, ...), and the
//! slowest few with their URLs. A page can load thousands of resources; the caps keep the
//! event to a few kilobytes. The SDK's own requests to the collector are left out.

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_core::event::truncate;
use monitor_sdk_core::json::{write_key, write_number, write_string};
use monitor_sdk_core::{Event, Value};

use super::entry::ResourceEntry;
use super::page::Page;
use super::Shared;

/// Resources listed by URL.
pub const MAX_SLOWEST: usize = 5;
/// Initiator types counted separately; the rest are counted as `other`.
pub const MAX_TYPES: usize = 12;
const MAX_URL_BYTES: usize = 300;

#[derive(Default)]
struct Totals {
    count: f64,
    transfer_size: f64,
    duration: f64,
}

impl Totals {
    fn add(&mut self, entry: &ResourceEntry) {
        self.count += 1.0;
        self.transfer_size += entry.transfer_size;
        self.duration += entry.duration;
    }

    fn write(&self, out: &mut String, with_duration: bool) {
        write_key(out, "count");
        write_number(out, self.count);
        write_key(out, "transfer_size");
        write_number(out, self.transfer_size);
        if with_duration {
            write_key(out, "duration");
            write_number(out, self.duration);
        }
    }
}

#[derive(Default)]
pub struct Resources {
    all: Totals,
    by_type: Vec<(String, Totals)>,
    /// Longest first.
    slowest: Vec<ResourceEntry>,
    sent: bool,
}

impl Resources {
    /// Adds entries, except those whose URL starts with `ignore` (the collector's).
    pub fn entries(&mut self, entries: impl Iterator<Item = ResourceEntry>, ignore: &str) {
        for mut entry in entries {
            if self.sent || (!ignore.is_empty() && entry.url.starts_with(ignore)) {
                continue;
            }
            self.all.add(&entry);
            let known = self.by_type.iter().position(|(t, _)| *t == entry.initiator);
            let slot = match known {
                Some(i) => i,
                None if self.by_type.len() < MAX_TYPES => {
                    self.by_type
                        .push((entry.initiator.clone(), Totals::default()));
                    self.by_type.len() - 1
                }
                None => match self.by_type.iter().position(|(t, _)| t == "other") {
                    Some(i) => i,
                    None => {
                        // The last slot becomes `other` (it keeps what it counted).
                        let last = self.by_type.len() - 1;
                        if let Some(slot) = self.by_type.get_mut(last) {
                            slot.0 = String::from("other");
                        }
                        last
                    }
                },
            };
            if let Some((_, totals)) = self.by_type.get_mut(slot) {
                totals.add(&entry);
            }
            let rank = self
                .slowest
                .iter()
                .position(|s| entry.duration > s.duration);
            let rank = rank.unwrap_or(self.slowest.len());
            if rank < MAX_SLOWEST {
                entry.url = truncate(&entry.url, MAX_URL_BYTES);
                // Pushed and swapped into place (`Vec::insert` carries a formatted panic).
                self.slowest.push(entry);
                let mut i = self.slowest.len() - 1;
                while i > rank {
                    self.slowest.swap(i - 1, i);
                    i -= 1;
                }
                self.slowest.truncate(MAX_SLOWEST);
            }
        }
    }

    /// The page was hidden: the summary goes out, once.
    pub fn hidden<P: Page>(&mut self, shared: &Shared<P>, out: &mut Vec<Event>) {
        if self.sent || self.all.count == 0.0 || !shared.config.resources {
            return;
        }
        self.sent = true;
        let mut by_type = String::from("{");
        for (initiator, totals) in &self.by_type {
            write_key(&mut by_type, initiator);
            by_type.push('{');
            totals.write(&mut by_type, true);
            by_type.push('}');
        }
        by_type.push('}');
        let mut slowest = String::from("[");
        for entry in &self.slowest {
            if slowest.len() > 1 {
                slowest.push(',');
            }
            slowest.push('{');
            write_key(&mut slowest, "url");
            write_string(&mut slowest, &entry.url);
            write_key(&mut slowest, "type");
            write_string(&mut slowest, &entry.initiator);
            for (key, value) in [
                ("start", entry.start),
                ("duration", entry.duration),
                ("transfer_size", entry.transfer_size),
            ] {
                write_key(&mut slowest, key);
                write_number(&mut slowest, value);
            }
            slowest.push('}');
        }
        slowest.push(']');
        let mut event = Event::new("resource_timing", shared.page.epoch_now());
        event.body.insert("count", self.all.count.into());
        event
            .body
            .insert("transfer_size", self.all.transfer_size.into());
        event.body.insert("by_type", Value::Raw(by_type));
        event.body.insert("slowest", Value::Raw(slowest));
        out.push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::shared;
    use super::*;
    use alloc::string::ToString;

    fn resource(url: &str, initiator: &str, duration: f64) -> ResourceEntry {
        ResourceEntry {
            url: url.to_string(),
            initiator: initiator.to_string(),
            start: 10.0,
            duration,
            transfer_size: 100.0,
        }
    }

    fn json(event: &Event, key: &str) -> String {
        event.body.get(key).map(|v| v.to_json()).unwrap_or_default()
    }

    #[test]
    fn totals_types_and_the_slowest_leave_once() {
        let s = shared();
        let mut r = Resources::default();
        let mut out = Vec::new();
        r.entries(
            [
                resource("https://cdn/a.js", "script", 30.0),
                resource("https://cdn/b.png", "img", 200.0),
                resource("https://collector/api/1/events?key=k", "fetch", 999.0),
                resource("https://cdn/c.png", "img", 50.0),
            ]
            .into_iter(),
            "https://collector/api/",
        );
        r.hidden(&s, &mut out);
        r.hidden(&s, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(json(&out[0], "count"), "3");
        assert_eq!(json(&out[0], "transfer_size"), "300");
        assert_eq!(
            json(&out[0], "by_type"),
            "{\"script\":{\"count\":1,\"transfer_size\":100,\"duration\":30},\
             \"img\":{\"count\":2,\"transfer_size\":200,\"duration\":250}}"
        );
        assert!(json(&out[0], "slowest").starts_with(
            "[{\"url\":\"https://cdn/b.png\",\"type\":\"img\",\"start\":10,\"duration\":200,"
        ));
    }

    #[test]
    fn caps_keep_the_event_small() {
        let s = shared();
        let mut r = Resources::default();
        let mut out = Vec::new();
        let long_url = "https://cdn/".to_string() + &"x".repeat(5_000);
        let mut many = Vec::new();
        for i in 0..1_000 {
            let initiator = ["t", &(i % 40).to_string()].concat();
            many.push(resource(&long_url, &initiator, f64::from(i)));
        }
        r.entries(many.into_iter(), "");
        r.hidden(&s, &mut out);
        let by_type = json(&out[0], "by_type");
        assert_eq!(by_type.matches("\"count\"").count(), MAX_TYPES);
        assert!(by_type.contains("\"other\":{"));
        let slowest = json(&out[0], "slowest");
        assert_eq!(slowest.matches("\"url\"").count(), MAX_SLOWEST);
        assert!(slowest.contains("\"duration\":999"));
        assert!(slowest.len() < 2_000, "{}", slowest.len());
        assert_eq!(json(&out[0], "count"), "1000");
    }

    #[test]
    fn nothing_loaded_nothing_sent() {
        let s = shared();
        let mut out = Vec::new();
        Resources::default().hidden(&s, &mut out);
        assert!(out.is_empty());
    }
}
