//! What the SDK knows about the page and the browser, attached to every event.

use alloc::string::String;
use monitor_sdk_core::event::truncate;
use monitor_sdk_core::json::{write_key, write_number, write_string};

use crate::js::{get, get_f64, get_string, global};

const MAX_URL_CHARS: usize = 2_048;
const MAX_TITLE_BYTES: usize = 300;

/// `page` as JSON: the URL (the location's, read per event so SPA navigations show, unless
/// `url` is given), the referrer (the document's unless given) and the title, with secret-
/// looking query values scrubbed by `scrub` ([`monitor_sdk_core::scrub`]).
pub fn page_json(
    url: Option<&str>,
    referrer: Option<&str>,
    scrub: &dyn Fn(&str) -> String,
) -> String {
    let window = global();
    let document = get(&window, "document");
    let mut out = String::from("{");
    let fields = [
        (
            "url",
            url.map(String::from)
                .or_else(|| get_string(&get(&window, "location"), "href")),
        ),
        (
            "referrer",
            referrer
                .map(String::from)
                .or_else(|| get_string(&document, "referrer")),
        ),
    ];
    for (key, value) in fields {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            write_key(&mut out, key);
            write_string(&mut out, &scrub(&truncate(&value, MAX_URL_CHARS)));
        }
    }
    if let Some(title) = get_string(&document, "title").filter(|t| !t.is_empty()) {
        write_key(&mut out, "title");
        write_string(&mut out, &truncate(&title, MAX_TITLE_BYTES));
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
