//! Reading `init` options from the page's JS object.
//!
//! Every field is optional and may have any type; a wrong type falls back to the default
//! rather than failing, except for the DSN, without which the SDK cannot send.

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_browser_utils::js::{get, get_bool, get_f64, get_string, has, item, length};
use monitor_sdk_core::event::truncate;
use monitor_sdk_core::Options;
use wasm_bindgen::JsValue;

pub fn from_js(js: &JsValue) -> Options {
    let defaults = Options::default();
    Options {
        dsn: get_string(js, "dsn").unwrap_or_default(),
        release: get_string(js, "release").map(|r| truncate(&r, 200)),
        environment: get_string(js, "environment").map(|e| truncate(&e, 64)),
        sample_rate: get_f64(js, "sampleRate").unwrap_or(defaults.sample_rate),
        max_breadcrumbs: get_count(js, "maxBreadcrumbs").unwrap_or(defaults.max_breadcrumbs),
        enabled: get_bool(js, "enabled").unwrap_or(true),
        debug: get_bool(js, "debug").unwrap_or(false),
        tunnel: get_string(js, "tunnel"),
        max_batch_events: get_count(js, "maxBatchSize").unwrap_or(defaults.max_batch_events),
        flush_interval_ms: get_f64(js, "flushInterval").unwrap_or(defaults.flush_interval_ms),
        max_queued_events: get_count(js, "maxQueueSize").unwrap_or(defaults.max_queued_events),
        send_default_pii: get_bool(js, "sendDefaultPii").unwrap_or(false),
        scrub_words: strings(&get(js, "scrubKeys")).unwrap_or(defaults.scrub_words),
    }
    .sanitized()
}

/// An array of strings (at most 50, each cut to 64 bytes); `None` when it is no array.
fn strings(js: &JsValue) -> Option<Vec<String>> {
    if !js.is_object() || !has(js, "length") {
        return None;
    }
    let words = (0..length(js).min(50))
        .filter_map(|i| item(js, i).as_string())
        .map(|w| truncate(&w, 64))
        .collect();
    Some(words)
}

fn get_count(js: &JsValue, key: &str) -> Option<usize> {
    get_f64(js, key).filter(|n| *n >= 0.0).map(|n| n as usize)
}
