//! The real page: reads performance entries, the navigation entry and the document through
//! `Reflect` (see [`crate::js`]).

use alloc::string::String;
use wasm_bindgen::JsValue;

use super::entry::{Entry, EventEntry, LcpEntry, ResourceEntry, ShiftEntry};
use super::page::{NavTiming, Page};
use crate::js::{call, get, get_bool, get_f64, get_string, global, item, length};

const MAX_URL_BYTES: usize = 2_048;

pub struct BrowserPage {
    performance: JsValue,
    document: JsValue,
    /// The npm loader's host object, whose `selector(node)` describes an element.
    host: JsValue,
}

impl BrowserPage {
    pub fn new(host: JsValue) -> BrowserPage {
        let window = global();
        BrowserPage {
            performance: get(&window, "performance"),
            document: get(&window, "document"),
            host,
        }
    }

    fn entries_by_type(&self, kind: &str) -> JsValue {
        call(
            &self.performance,
            "getEntriesByType",
            &[&JsValue::from_str(kind)],
        )
        .unwrap_or(JsValue::UNDEFINED)
    }

    /// Whether the browser measures interactions (`interactionId` on event timing entries).
    pub fn has_event_timing() -> bool {
        let timing = get(&global(), "PerformanceEventTiming");
        crate::js::has(&get(&timing, "prototype"), "interactionId")
    }
}

fn num(obj: &JsValue, key: &str) -> f64 {
    get_f64(obj, key).unwrap_or(0.0)
}

impl Page for BrowserPage {
    type Node = JsValue;

    fn now(&self) -> f64 {
        call(&self.performance, "now", &[&JsValue::UNDEFINED])
            .and_then(|n| n.as_f64())
            .unwrap_or(0.0)
    }

    fn epoch_now(&self) -> f64 {
        crate::js::now()
    }

    fn navigation(&self) -> Option<NavTiming> {
        let nav = item(&self.entries_by_type("navigation"), 0);
        let response_start = get_f64(&nav, "responseStart")?;
        // A zero (privacy), negative or future value means the entry is unusable.
        if response_start <= 0.0 || response_start >= self.now() {
            return None;
        }
        Some(NavTiming {
            activation_start: num(&nav, "activationStart"),
            redirect_start: num(&nav, "redirectStart"),
            redirect_end: num(&nav, "redirectEnd"),
            worker_start: num(&nav, "workerStart"),
            fetch_start: num(&nav, "fetchStart"),
            domain_lookup_start: num(&nav, "domainLookupStart"),
            domain_lookup_end: num(&nav, "domainLookupEnd"),
            connect_start: num(&nav, "connectStart"),
            secure_connection_start: num(&nav, "secureConnectionStart"),
            connect_end: num(&nav, "connectEnd"),
            request_start: num(&nav, "requestStart"),
            response_start,
            response_end: num(&nav, "responseEnd"),
            dom_interactive: num(&nav, "domInteractive"),
            dom_content_loaded_start: num(&nav, "domContentLoadedEventStart"),
            dom_content_loaded_end: num(&nav, "domContentLoadedEventEnd"),
            dom_complete: num(&nav, "domComplete"),
            load_event_end: num(&nav, "loadEventEnd"),
            transfer_size: num(&nav, "transferSize"),
            kind: get_string(&nav, "type").unwrap_or_default(),
            protocol: get_string(&nav, "nextHopProtocol").unwrap_or_default(),
        })
    }

    fn still_loading(&self) -> bool {
        get_string(&self.document, "readyState").as_deref() == Some("loading")
    }

    fn prerendering(&self) -> bool {
        get_bool(&self.document, "prerendering") == Some(true)
    }

    fn was_discarded(&self) -> bool {
        get_bool(&self.document, "wasDiscarded") == Some(true)
    }

    fn initial_hidden_time(&self, activation_start: f64) -> f64 {
        if self.prerendering() {
            return f64::INFINITY;
        }
        let states = self.entries_by_type("visibility-state");
        for i in 0..length(&states) {
            let state = item(&states, i);
            let start = num(&state, "startTime");
            if get_string(&state, "name").as_deref() == Some("hidden") && start >= activation_start
            {
                return start;
            }
        }
        if get_string(&self.document, "visibilityState").as_deref() == Some("hidden") {
            0.0
        } else {
            f64::INFINITY
        }
    }

    fn interaction_count(&self) -> Option<f64> {
        get_f64(&self.performance, "interactionCount")
    }

    fn resource_timing(&self, url: &str, before: f64) -> Option<(f64, f64)> {
        let resources = self.entries_by_type("resource");
        let mut i = length(&resources);
        while i > 0 {
            i -= 1;
            let entry = item(&resources, i);
            if get_string(&entry, "name").as_deref() != Some(url) {
                continue;
            }
            let request_start = match num(&entry, "requestStart") {
                0.0 => num(&entry, "startTime"),
                start => start,
            };
            if request_start <= before {
                return Some((request_start, num(&entry, "responseEnd")));
            }
        }
        None
    }

    /// Done in JS by the loader, the way web-vitals does it (`tag.classes` per level up to
    /// an id, at most 100 characters), so targets compare equal: JS string lengths and
    /// sorting count UTF-16 units, and the walk is a few lines of JS but a kilobyte of wasm.
    fn selector(&self, node: &JsValue) -> String {
        call(&self.host, "selector", &[node])
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
}

/// Reads one observer callback's entries (a `PerformanceEntry` array) as [`Entry`] values;
/// anything unexpected is skipped.
pub fn read_entries(list: &JsValue) -> impl Iterator<Item = Entry<JsValue>> + '_ {
    (0..length(list)).filter_map(move |i| read_entry(&item(list, i)))
}

fn read_entry(e: &JsValue) -> Option<Entry<JsValue>> {
    let start = num(e, "startTime");
    let node = |obj: &JsValue, key: &str| Some(get(obj, key)).filter(|n| n.is_object());
    Some(match get_string(e, "entryType")?.as_str() {
        "paint" => Entry::Paint {
            contentful: match get_string(e, "name")?.as_str() {
                "first-contentful-paint" => true,
                "first-paint" => false,
                _ => return None,
            },
            start,
        },
        "largest-contentful-paint" => Entry::Lcp(LcpEntry {
            start,
            // Whole: it is looked up among the resource entries.
            url: get_string(e, "url").unwrap_or_default(),
            element: node(e, "element"),
            id: get_string(e, "id").unwrap_or_default(),
        }),
        "layout-shift" => {
            let sources = get(e, "sources");
            let count = length(&sources);
            let element_source = (0..count)
                .map(|i| item(&sources, i))
                .find(|s| get_f64(&get(s, "node"), "nodeType") == Some(1.0));
            let source = element_source.unwrap_or_else(|| item(&sources, 0));
            Entry::Shift(ShiftEntry {
                start,
                value: num(e, "value"),
                had_recent_input: get_bool(e, "hadRecentInput") == Some(true),
                has_sources: count > 0,
                node: node(&source, "node"),
            })
        }
        "event" | "first-input" => Entry::Event(EventEntry {
            name: get_string(e, "name").unwrap_or_default(),
            start,
            duration: num(e, "duration"),
            processing_start: num(e, "processingStart"),
            processing_end: num(e, "processingEnd"),
            interaction_id: num(e, "interactionId"),
            target: node(e, "target"),
            target_selector: get_string(e, "targetSelector").filter(|s| !s.is_empty()),
        }),
        "longtask" => Entry::LongTask {
            start,
            duration: num(e, "duration"),
        },
        "resource" => Entry::Resource(ResourceEntry {
            url: truncated(get_string(e, "name")),
            initiator: get_string(e, "initiatorType").unwrap_or_default(),
            start,
            duration: num(e, "duration"),
            transfer_size: num(e, "transferSize"),
        }),
        _ => return None,
    })
}

fn truncated(url: Option<String>) -> String {
    monitor_sdk_core::event::truncate(&url.unwrap_or_default(), MAX_URL_BYTES)
}
