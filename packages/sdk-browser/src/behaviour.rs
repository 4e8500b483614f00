//! The behaviour export: the npm loader reports what happened on the page (navigations,
//! visibility, clicks, key presses, form submits, console calls, finished HTTP calls, failed
//! resources) through [`behave`]; this module decides what each becomes (breadcrumbs, page
//! views, clicks, rage clicks, form submits, time on page, `http_error` and `resource_error`
//! events), with the rules of `monitor_sdk_core::behaviour`.

use alloc::string::{String, ToString};
use monitor_sdk_browser_utils::js::{get, get_f64, get_string, item, length, now, to_json};
use monitor_sdk_core::behaviour::{Behaviour, TimeOnPage};
use monitor_sdk_core::event::truncate;
use monitor_sdk_core::json::{write_key, write_string};
use monitor_sdk_core::scrub::scrub_url;
use monitor_sdk_core::{Breadcrumb, Event, Level, Value};
use wasm_bindgen::prelude::*;

use crate::api::{capture_event, page_json};
use crate::state::{with_sdk, Sdk};

/// What [`behave`] is told; the npm loader passes these numbers (src/behaviour.js).
const START: u32 = 0;
const NAVIGATE: u32 = 1;
const VISIBILITY: u32 = 2;
const CLICK: u32 = 3;
const KEY: u32 = 4;
const SUBMIT: u32 = 5;
const CONSOLE: u32 = 6;
const HTTP: u32 = 7;
const RESOURCE: u32 = 8;

const MAX_URL: usize = 2_048;
const MAX_TARGET: usize = 200;

/// Which captures and breadcrumbs are on: the `autoCapture`, `breadcrumbs` and
/// `httpErrorStatus` options.
pub struct Config {
    pub page_views: bool,
    pub clicks: bool,
    pub forms: bool,
    pub time_on_page: bool,
    pub resource_errors: bool,
    pub http_errors: bool,
    /// Statuses (inclusive) that make an `http_error`; 0 (network error, abort, timeout)
    /// always does.
    pub http_status: (f64, f64),
    pub crumb_dom: bool,
    pub crumb_navigation: bool,
    pub crumb_http: bool,
    /// Console levels that leave breadcrumbs, comma-separated (`warn,error`); empty: none.
    pub crumb_console: String,
}

/// `autoCapture: false | {pageViews, clicks, forms, timeOnPage, resourceErrors, httpErrors}`,
/// `breadcrumbs: false | {dom, navigation, http, console: false | levels}` and
/// `httpErrorStatus: [from, to]`; everything on by default.
pub fn config_from_js(options: &JsValue) -> Config {
    let capture = get(options, "autoCapture");
    let crumbs = get(options, "breadcrumbs");
    let on = |group: &JsValue, key: &str| {
        group.as_bool() != Some(false) && get(group, key).as_bool() != Some(false)
    };
    let status = get(options, "httpErrorStatus");
    let http_status = match (get_f64(&status, "0"), get_f64(&status, "1")) {
        (Some(from), Some(to)) if from <= to => (from, to),
        _ => (500.0, 599.0),
    };
    let console = get(&crumbs, "console");
    let crumb_console = if crumbs.as_bool() == Some(false) || console.as_bool() == Some(false) {
        String::new()
    } else if console.is_object() {
        let mut levels = String::new();
        for i in 0..length(&console).min(5) {
            if let Some(level) = item(&console, i)
                .as_string()
                .filter(|l| is_console_level(l))
            {
                if !levels.is_empty() {
                    levels.push(',');
                }
                levels.push_str(&level);
            }
        }
        levels
    } else {
        "warn,error".to_string()
    };
    Config {
        page_views: on(&capture, "pageViews"),
        clicks: on(&capture, "clicks"),
        forms: on(&capture, "forms"),
        time_on_page: on(&capture, "timeOnPage"),
        resource_errors: on(&capture, "resourceErrors"),
        http_errors: on(&capture, "httpErrors"),
        http_status,
        crumb_dom: on(&crumbs, "dom"),
        crumb_navigation: on(&crumbs, "navigation"),
        crumb_http: on(&crumbs, "http"),
        crumb_console,
    }
}

fn is_console_level(level: &str) -> bool {
    matches!(level, "debug" | "info" | "log" | "warn" | "error")
}

/// The wiring the loader should install, as words: `dom` (click and key listeners), `form`,
/// `history`, `console:LEVELS`, `network` (fetch and XHR), `resource`.
fn wiring(config: &Config) -> String {
    let mut words = String::new();
    let mut add = |on: bool, word: &str| {
        if on {
            words.push_str(word);
            words.push(' ');
        }
    };
    add(config.clicks || config.crumb_dom, "dom");
    add(config.forms, "form");
    add(
        config.page_views || config.time_on_page || config.crumb_navigation,
        "history",
    );
    add(config.http_errors || config.crumb_http, "network");
    add(config.resource_errors, "resource");
    if !config.crumb_console.is_empty() {
        words.push_str("console:");
        words.push_str(&config.crumb_console);
    }
    words
}

/// One report of the loader, by `kind` (see the constants above); `START` returns the wiring.
#[wasm_bindgen]
pub fn behave(kind: u32, a: JsValue, b: JsValue) -> JsValue {
    let mut out = Out::default();
    let result = with_sdk(|sdk| {
        let now = now();
        let config = &sdk.behaviour.config;
        let (forms, resources) = (config.forms, config.resource_errors);
        match kind {
            START => return Some(JsValue::from_str(&wiring(config))),
            NAVIGATE => navigate(
                sdk,
                a.as_string()?,
                b.as_string().unwrap_or_default(),
                now,
                &mut out,
            ),
            VISIBILITY => {
                let visible = a.as_bool().unwrap_or(true);
                out.time = sdk.behaviour.rules.visibility(visible, now);
            }
            CLICK => click(sdk, &a, now, &mut out),
            KEY => key(sdk, a.as_string()?, now),
            SUBMIT if forms => out.event = Some(form_submit(&a, now)),
            CONSOLE => console(sdk, a.as_string()?, b.as_string().unwrap_or_default()),
            HTTP => http(sdk, &a, &b.as_string()?, now, &mut out),
            RESOURCE if resources => {
                out.event = Some(resource_error(sdk, &a, &b.as_string()?, now))
            }
            _ => {}
        }
        if !sdk.behaviour.config.time_on_page {
            out.time = None;
        }
        None
    })
    .flatten();
    // Outside `with_sdk`: capturing borrows the SDK again.
    if let Some(time) = out.time {
        let _ = capture_event(time_event(time, now()));
    }
    for event in [out.event, out.extra].into_iter().flatten() {
        let _ = capture_event(event);
    }
    result.unwrap_or(JsValue::UNDEFINED)
}

/// What one report produced, captured once the SDK is free again.
#[derive(Default)]
struct Out {
    time: Option<TimeOnPage>,
    event: Option<Event>,
    extra: Option<Event>,
}

/// The loader's state of behaviour tracking, in [`Sdk`].
pub struct Tracking {
    pub config: Config,
    pub rules: Behaviour,
}

fn scrubbed(sdk: &Sdk, url: &str) -> String {
    scrub_url(&truncate(url, MAX_URL), &sdk.client.options().scrub_words)
}

fn crumb(sdk: &mut Sdk, category: &str, message: &str, level: Level, data: Option<String>) {
    sdk.client.scope.add_breadcrumb(Breadcrumb {
        timestamp: now(),
        category: category.to_string(),
        message: message.to_string(),
        level,
        data,
    });
}

fn navigate(sdk: &mut Sdk, url: String, how: String, now: f64, out: &mut Out) {
    let url = scrubbed(sdk, &url);
    let tracking = &mut sdk.behaviour;
    let navigation = tracking.rules.navigate(&url, now);
    let (page_views, crumbs) = (tracking.config.page_views, tracking.config.crumb_navigation);
    out.time = navigation.closed;
    if !navigation.new_view {
        return;
    }
    if crumbs {
        if let Some(from) = &navigation.from {
            let mut data = String::from("{");
            write_key(&mut data, "from");
            write_string(&mut data, from);
            write_key(&mut data, "to");
            write_string(&mut data, &url);
            write_key(&mut data, "how");
            write_string(&mut data, &how);
            data.push('}');
            crumb(sdk, "navigation", &url, Level::Info, Some(data));
        }
    }
    if page_views {
        let mut event = Event::new("page_view", now);
        // An SPA view's referrer is the view before it; a loaded page's is the document's.
        let referrer = navigation.from.as_deref();
        event
            .body
            .insert("page", Value::Raw(page_json(sdk, Some(&url), referrer)));
        out.event = Some(event);
    }
}

fn click(sdk: &mut Sdk, record: &JsValue, now: f64, out: &mut Out) {
    let Some(target) = get_string(record, "target").filter(|t| !t.is_empty()) else {
        return;
    };
    let target = truncate(&target, MAX_TARGET);
    let (x, y) = (
        get_f64(record, "x").unwrap_or(0.0),
        get_f64(record, "y").unwrap_or(0.0),
    );
    let tracking = &mut sdk.behaviour;
    let rage = tracking.rules.click(&target, x, y, now);
    let (clicks, crumbs) = (tracking.config.clicks, tracking.config.crumb_dom);
    if crumbs && tracking.rules.crumb_due(&target, now) {
        crumb(sdk, "ui.click", &target, Level::Info, None);
    }
    if !clicks {
        return;
    }
    let click_event = |kind: &'static str| {
        let mut event = Event::new(kind, now);
        copy_fields(&mut event, record, &["target", "text", "x", "y"]);
        event
    };
    out.event = Some(click_event("click"));
    if let Some(count) = rage {
        let mut event = click_event("rage_click");
        event.body.insert("count", Value::Raw(count_text(count)));
        out.extra = Some(event);
    }
}

/// The decimal digits of a small count.
fn count_text(count: usize) -> String {
    let mut text = String::new();
    monitor_sdk_core::json::write_u64(&mut text, count as u64);
    text
}

/// Copies `keys` of the loader's `record` into the event as JSON (`JSON.stringify`, at most
/// 1 KB each): the loader built the record from known fields, so no key is the page's.
fn copy_fields(event: &mut Event, record: &JsValue, keys: &[&'static str]) {
    for key in keys {
        if let Some(json) = to_json(&get(record, key), 1_024) {
            event.body.insert(key, Value::Raw(json));
        }
    }
}

/// `{"url": scrubbed url, ...record}`: the loader's record as JSON, with the URL, which only
/// Rust may let out, scrubbed and put first.
fn with_url(sdk: &Sdk, url: &str, record: &JsValue) -> String {
    let json = to_json(record, 4_096).unwrap_or_default();
    let mut out = String::from("{");
    write_key(&mut out, "url");
    write_string(&mut out, &scrubbed(sdk, url));
    // (`get(1..)`, not `strip_prefix('{')`: core's pattern code keeps panic formatting alive.)
    match json
        .get(1..)
        .filter(|_| json.as_bytes().first() == Some(&b'{'))
    {
        Some("}") | None => out.push('}'),
        Some(rest) => {
            out.push(',');
            out.push_str(rest);
        }
    }
    out
}

fn form_submit(record: &JsValue, now: f64) -> Event {
    let mut event = Event::new("form_submit", now);
    copy_fields(&mut event, record, &["target", "form"]);
    event
}

fn key(sdk: &mut Sdk, target: String, now: f64) {
    let target = truncate(&target, MAX_TARGET);
    let tracking = &mut sdk.behaviour;
    if tracking.config.crumb_dom && tracking.rules.crumb_due(&target, now) {
        crumb(sdk, "ui.input", &target, Level::Info, None);
    }
}

fn console(sdk: &mut Sdk, level: String, message: String) {
    let level = match level.as_str() {
        "error" => Level::Error,
        "warn" => Level::Warning,
        "debug" => Level::Debug,
        _ => Level::Info,
    };
    crumb(sdk, "console", &truncate(&message, 1_000), level, None);
}

/// A finished HTTP call: `record` is `{method, status, duration, error, kind}`, `url` its URL.
fn http(sdk: &mut Sdk, record: &JsValue, url: &str, now: f64, out: &mut Out) {
    let tracking = &sdk.behaviour;
    let (from, to) = tracking.config.http_status;
    let (errors, crumbs) = (tracking.config.http_errors, tracking.config.crumb_http);
    let status = get_f64(record, "status").unwrap_or(0.0);
    let failed = status == 0.0 || (status >= from && status <= to);
    let http = with_url(sdk, url, record);
    if crumbs {
        let level = if failed { Level::Error } else { Level::Info };
        let mut message = truncate(&get_string(record, "method").unwrap_or_default(), 16);
        message.push(' ');
        message.push_str(&scrubbed(sdk, url));
        crumb(sdk, "http", &message, level, Some(http.clone()));
    }
    if errors && failed {
        let mut event = Event::new("http_error", now);
        event.level = Some(Level::Error);
        event.body.insert("http", Value::Raw(http));
        out.event = Some(event);
    }
}

/// A resource that failed to load: `record` is `{tag, selector}`, `url` what it loaded.
fn resource_error(sdk: &Sdk, record: &JsValue, url: &str, now: f64) -> Event {
    let mut event = Event::new("resource_error", now);
    event.level = Some(Level::Error);
    event
        .body
        .insert("resource", Value::Raw(with_url(sdk, url, record)));
    event
}

fn time_event(time: TimeOnPage, now: f64) -> Event {
    let mut event = Event::new("time_on_page", now);
    event.body.insert(
        "duration",
        Value::Raw(count_text(time.duration_ms as usize)),
    );
    // The closed view's URL, which after an SPA navigation is no longer the location's.
    let mut page = String::from("{");
    write_key(&mut page, "url");
    write_string(&mut page, &time.url);
    page.push('}');
    event.body.insert("page", Value::Raw(page));
    event
}
