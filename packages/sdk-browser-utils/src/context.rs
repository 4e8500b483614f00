//! What the SDK knows about the page, the browser and the session, attached to every event.

use alloc::string::{String, ToString};
use monitor_sdk_core::event::truncate;
use monitor_sdk_core::json::{write_key, write_number, write_string};
use wasm_bindgen::JsValue;

use crate::js::{call, get, get_f64, get_string, global};

const SESSION_KEY: &str = "__monitor_sid";
const MAX_URL_CHARS: usize = 2_048;

/// `page` as JSON: the current URL (read per event, so SPA navigations are reflected) and
/// the referrer.
pub fn page_json() -> String {
    let window = global();
    let document = get(&window, "document");
    let mut out = String::from("{");
    let fields = [
        (
            "url",
            get_string(&get(&window, "location"), "href"),
            MAX_URL_CHARS,
        ),
        ("referrer", get_string(&document, "referrer"), MAX_URL_CHARS),
    ];
    for (key, value, max) in fields {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            write_key(&mut out, key);
            write_string(&mut out, &truncate(&value, max));
        }
    }
    out.push('}');
    out
}

/// `browser` as JSON: user agent, language and viewport size.
pub fn browser_json() -> String {
    let window = global();
    let navigator = get(&window, "navigator");
    let mut out = String::from("{");
    for (key, value) in [
        ("user_agent", get_string(&navigator, "userAgent")),
        ("language", get_string(&navigator, "language")),
    ] {
        if let Some(value) = value {
            write_key(&mut out, key);
            write_string(&mut out, &value);
        }
    }
    if let (Some(w), Some(h)) = (
        get_f64(&window, "innerWidth"),
        get_f64(&window, "innerHeight"),
    ) {
        write_key(&mut out, "viewport");
        out.push_str("{\"w\":");
        write_number(&mut out, w);
        out.push_str(",\"h\":");
        write_number(&mut out, h);
        out.push('}');
    }
    out.push('}');
    out
}

/// The session id: kept in `sessionStorage` so reloads and navigations in one tab share it;
/// a fresh one when storage is blocked (sandboxed iframes, privacy modes).
pub fn session_id(fresh: &str) -> String {
    let storage = get(&global(), "sessionStorage");
    let key = JsValue::from_str(SESSION_KEY);
    if let Some(existing) = call(&storage, "getItem", &[&key]).and_then(|v| v.as_string()) {
        if existing.len() == 32 && existing.bytes().all(|b| b.is_ascii_hexdigit()) {
            return existing;
        }
    }
    let _ = call(&storage, "setItem", &[&key, &JsValue::from_str(fresh)]);
    fresh.to_string()
}
