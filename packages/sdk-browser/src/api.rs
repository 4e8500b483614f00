//! The functions the npm package calls. Each returns safely before `init`, after a failed
//! `init`, after `close`, and with any argument a page can pass.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use js_sys::Function;
use monitor_sdk_browser_utils::context;
use monitor_sdk_browser_utils::js::{get, get_f64, get_string, now, to_display, to_json};
use monitor_sdk_browser_utils::lifecycle::Listeners;
use monitor_sdk_core::{Breadcrumb, Client, Event, Level, Mechanism, Outcome, Value};
use wasm_bindgen::prelude::*;

use crate::errors::{event_from_dom_event, exception_from_value};
use crate::options::{from_js, string_map};
use crate::state::{log, replace, with_sdk, Sdk};
use crate::transport::{pending, send_due, BrowserTransport};

/// Name sent in every request's `sdk` field.
const SDK_NAME: &str = "monitor-sdk.browser";
/// Largest JSON the SDK accepts from the page for `track` data, breadcrumb data or extras.
const MAX_DATA_JSON: usize = 16_384;

/// Starts the SDK. `process` (optional) receives each encoded event and returns the JSON to
/// send, `null` to drop it, or anything else to keep it unchanged; the npm package runs JS
/// integrations and `beforeSend` in it. Returns whether the SDK is running.
#[wasm_bindgen]
pub fn init(options: JsValue, process: JsValue) -> bool {
    let opts = from_js(&options);
    let debug = opts.debug;
    let enabled = opts.enabled;
    let integrations = if get(&options, "defaultIntegrations").as_bool() == Some(false) {
        Vec::new()
    } else {
        monitor_integrations::defaults()
    };
    let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64 ^ now() as u64;
    let mut client = match Client::new(
        opts,
        SDK_NAME,
        Box::new(BrowserTransport),
        integrations,
        seed,
    ) {
        Ok(client) => client,
        Err(error) => {
            log(debug, error.message());
            // A previous SDK keeps running: a broken re-init must not silence a working one.
            return false;
        }
    };
    if let Ok(hook) = process.dyn_into::<Function>() {
        client.set_before_send(Box::new(move |json: String| {
            match hook.call1(&JsValue::NULL, &JsValue::from_str(&json)) {
                Ok(result) if result.is_null() => None,
                Ok(result) => Some(result.as_string().unwrap_or(json)),
                // A throwing hook keeps the event: losing an error report to a bug in the
                // hook would hide two problems.
                Err(_) => Some(json),
            }
        }));
    }
    let session = context::session_id(client_session_seed(seed).as_str());
    client.scope.user.insert("session_id", session.into());
    let user = string_map(&get(&options, "user"));
    if !user.is_empty() {
        client.scope.set_user(user);
    }
    for (key, value) in string_map(&get(&options, "tags")).iter() {
        if let Value::String(value) = value {
            client.scope.set_tag(key, value);
        }
    }
    let mut listeners = Listeners::new();
    if enabled {
        crate::handlers::install(&mut listeners);
    }
    let sdk = Sdk {
        client,
        debug,
        timer_at: None,
        listeners,
    };
    // The old SDK, if any, is dropped here, outside the state's borrow.
    match replace(Some(sdk)) {
        Some(_old) => enabled,
        None => false,
    }
}

fn client_session_seed(seed: u64) -> String {
    let mut rng = monitor_sdk_core::rng::Rng::new(seed ^ 0x5e55_1011);
    rng.event_id().to_hex()
}

/// Runs an event through the pipeline and sends what is due. Returns the event id.
pub fn capture_event(mut event: Event) -> Option<String> {
    if event.page.is_empty() {
        event.page = context::page();
    }
    if event.browser.is_empty() {
        event.browser = context::browser();
    }
    with_sdk(|sdk| {
        let outcome = sdk.client.capture(event, now());
        send_due(sdk);
        match outcome {
            Outcome::Queued(id) => Some(id.to_hex()),
            other => {
                log(sdk.debug, other.drop_reason().unwrap_or_default());
                None
            }
        }
    })
    .flatten()
}

/// Reports an error (or any value) the app caught. Returns the event id.
#[wasm_bindgen(js_name = captureException)]
pub fn capture_exception(error: JsValue) -> Option<String> {
    let exception = exception_from_value(&error, Mechanism::Generic);
    capture_event(Event::error(exception, now()))
}

/// Reports a message at a level (`info` unless given). Returns the event id.
#[wasm_bindgen(js_name = captureMessage)]
pub fn capture_message(message: JsValue, level: JsValue) -> Option<String> {
    let level = level
        .as_string()
        .and_then(|l| Level::parse(&l))
        .unwrap_or(Level::Info);
    capture_event(Event::message(&to_display(&message), level, now()))
}

/// Hands over a `[domEvent, timestamp]` pair the loader or `<head>` snippet queued before
/// the SDK was ready.
#[wasm_bindgen(js_name = captureEarlyError)]
pub fn capture_early_error(record: JsValue) -> Option<String> {
    let dom_event = get(&record, "0");
    let timestamp = get_f64(&record, "1").unwrap_or_else(now);
    capture_event(event_from_dom_event(&dom_event, timestamp, true)?)
}

/// A custom event: `track("signup", {plan: "pro"})`. Returns the event id.
#[wasm_bindgen]
pub fn track(name: JsValue, data: JsValue) -> Option<String> {
    let name = to_display(&name);
    if name.is_empty() {
        return None;
    }
    let data = if data.is_undefined() {
        None
    } else {
        to_json(&data, MAX_DATA_JSON)
    };
    capture_event(Event::custom(&name, data, now()))
}

/// Sets the user (`{id, email, username, ...}`); `null` clears it.
#[wasm_bindgen(js_name = setUser)]
pub fn set_user(user: JsValue) {
    let user = string_map(&user);
    with_sdk(|sdk| sdk.client.scope.set_user(user));
}

#[wasm_bindgen(js_name = setTag)]
pub fn set_tag(key: JsValue, value: JsValue) {
    let (Some(key), false) = (key.as_string(), value.is_undefined()) else {
        return;
    };
    let value = to_display(&value);
    with_sdk(|sdk| sdk.client.scope.set_tag(&key, &value));
}

/// Adds a breadcrumb: `{category, message, level, data}`, all optional.
#[wasm_bindgen(js_name = addBreadcrumb)]
pub fn add_breadcrumb(crumb: JsValue) {
    if !crumb.is_object() {
        return;
    }
    let breadcrumb = Breadcrumb {
        timestamp: get_f64(&crumb, "timestamp").unwrap_or_else(now),
        category: get_string(&crumb, "category").unwrap_or_else(|| "manual".to_string()),
        message: get_string(&crumb, "message").unwrap_or_default(),
        level: get_string(&crumb, "level")
            .and_then(|l| Level::parse(&l))
            .unwrap_or(Level::Info),
        data: to_json(&get(&crumb, "data"), MAX_DATA_JSON).filter(|d| d.starts_with('{')),
    };
    with_sdk(|sdk| sdk.client.scope.add_breadcrumb(breadcrumb));
}

/// Starts sending one batch if possible and returns the promise of the request in flight,
/// or `undefined` when nothing is in flight (queue empty, or the collector asked to wait).
/// The npm package's `flush()` loops on this until the queue is empty or time runs out.
#[wasm_bindgen(js_name = flushStep)]
pub fn flush_step() -> Option<JsValue> {
    with_sdk(|sdk| sdk.client.flush(now()));
    pending()
}

/// Events waiting to be sent (0 before `init`).
#[wasm_bindgen]
pub fn queued() -> u32 {
    with_sdk(|sdk| sdk.client.queued() as u32).unwrap_or(0)
}

/// Stops the SDK: handlers removed, later calls ignored. Queued events are handed to the
/// beacon first so they are not lost.
#[wasm_bindgen]
pub fn close() {
    with_sdk(|sdk| sdk.client.flush_beacon(now()));
    let _old = replace(None);
}

/// Whether `init` succeeded and `close` has not been called.
#[wasm_bindgen(js_name = isEnabled)]
pub fn is_enabled() -> bool {
    with_sdk(|sdk| sdk.client.options().enabled).unwrap_or(false)
}
