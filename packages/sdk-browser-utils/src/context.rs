//! What the SDK knows about the page, the browser and the session, attached to every event.

use alloc::string::{String, ToString};
use monitor_sdk_core::json::write_number;
use monitor_sdk_core::{Map, Value};
use wasm_bindgen::JsValue;

use crate::js::{call, get, get_f64, get_string, global};

const SESSION_KEY: &str = "__monitor_sid";
const MAX_URL_CHARS: usize = 2_048;

/// `page`: the current URL (read per event, so SPA navigations are reflected), referrer, title.
pub fn page() -> Map {
    let window = global();
    let document = get(&window, "document");
    let mut map = Map::new();
    if let Some(url) = get_string(&get(&window, "location"), "href") {
        map.insert("url", cut(&url).into());
    }
    if let Some(referrer) = get_string(&document, "referrer").filter(|r| !r.is_empty()) {
        map.insert("referrer", cut(&referrer).into());
    }
    if let Some(title) = get_string(&document, "title").filter(|t| !t.is_empty()) {
        map.insert(
            "title",
            monitor_sdk_core::event::truncate(&title, 200).into(),
        );
    }
    map
}

/// `browser`: user agent, language and viewport size.
pub fn browser() -> Map {
    let window = global();
    let navigator = get(&window, "navigator");
    let mut map = Map::new();
    if let Some(ua) = get_string(&navigator, "userAgent") {
        map.insert("user_agent", ua.into());
    }
    if let Some(lang) = get_string(&navigator, "language") {
        map.insert("language", lang.into());
    }
    if let (Some(w), Some(h)) = (
        get_f64(&window, "innerWidth"),
        get_f64(&window, "innerHeight"),
    ) {
        let mut viewport = String::from("{\"w\":");
        write_number(&mut viewport, w);
        viewport.push_str(",\"h\":");
        write_number(&mut viewport, h);
        viewport.push('}');
        map.insert("viewport", Value::Raw(viewport));
    }
    map
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

/// Whether the document is hidden right now.
pub fn is_hidden() -> bool {
    get_string(&get(&global(), "document"), "visibilityState").as_deref() == Some("hidden")
}

fn cut(url: &str) -> String {
    monitor_sdk_core::event::truncate(url, MAX_URL_CHARS)
}
