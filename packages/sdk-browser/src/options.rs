//! Reading `init` options from the page's JS object.
//!
//! Every field is optional and may have any type; a wrong type falls back to the default
//! rather than failing, except for the DSN, without which the SDK cannot send.

use js_sys::Array;
use monitor_sdk_browser_utils::js::{call, get, get_bool, get_f64, get_string, global, to_display};
use monitor_sdk_core::{Map, Options};
use wasm_bindgen::{JsCast, JsValue};

pub fn from_js(js: &JsValue) -> Options {
    let defaults = Options::default();
    Options {
        dsn: get_string(js, "dsn").unwrap_or_default(),
        release: get_string(js, "release"),
        environment: get_string(js, "environment"),
        sample_rate: get_f64(js, "sampleRate").unwrap_or(defaults.sample_rate),
        max_breadcrumbs: get_count(js, "maxBreadcrumbs").unwrap_or(defaults.max_breadcrumbs),
        enabled: get_bool(js, "enabled").unwrap_or(true),
        debug: get_bool(js, "debug").unwrap_or(false),
        tunnel: get_string(js, "tunnel"),
        max_batch_events: get_count(js, "maxBatchSize").unwrap_or(defaults.max_batch_events),
        flush_interval_ms: get_f64(js, "flushInterval").unwrap_or(defaults.flush_interval_ms),
        max_queued_events: get_count(js, "maxQueueSize").unwrap_or(defaults.max_queued_events),
    }
    .sanitized()
}

fn get_count(js: &JsValue, key: &str) -> Option<usize> {
    get_f64(js, key).filter(|n| *n >= 0.0).map(|n| n as usize)
}

/// A JS object's own enumerable properties as strings (`user`, `tags`); at most 50 keys.
pub fn string_map(js: &JsValue) -> Map {
    let mut map = Map::new();
    if !js.is_object() {
        return map;
    }
    // Through `call`, because `Object.keys` on a hostile Proxy throws.
    let keys =
        call(&get(&global(), "Object"), "keys", &[js]).and_then(|k| k.dyn_into::<Array>().ok());
    for key in keys.iter().flat_map(|k| k.iter()).take(50) {
        let Some(key) = key.as_string() else { continue };
        let value = get(js, &key);
        if value.is_undefined() || value.is_null() {
            continue;
        }
        map.insert(&key, to_display(&value).into());
    }
    map
}
