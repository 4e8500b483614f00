//! The functions the npm package calls. Each returns safely before `init`, after a failed
//! `init`, after `close`, and with any argument a page can pass.
//!
//! The capture and scope functions leave the module through two dispatchers, [`capture`] and
//! [`scope`], rather than one export each: every export costs a JS wrapper in the glue and an
//! argument shim in the wasm, and the npm loader maps its public names onto them anyway.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use js_sys::Function;
use monitor_sdk_browser_utils::context;
use monitor_sdk_browser_utils::js::{
    call, get, get_f64, get_string, now, set_global, to_display, to_json,
};
use monitor_sdk_core::behaviour::Behaviour;
use monitor_sdk_core::scrub::scrub_url;
use monitor_sdk_core::session::sampled_in;
use monitor_sdk_core::{Breadcrumb, Client, Event, Level, Map, Mechanism, Outcome, Value};
use wasm_bindgen::prelude::*;

use crate::behaviour::{self, Tracking};
use crate::errors::{error_event, event_from_dom_event, exceptions_from_value};
use crate::identity::Identity;
use crate::options::from_js;
use crate::state::{log, replace, with_sdk, Sdk};
use crate::transport::{send_due, BrowserTransport};

/// Name sent in every request's `sdk` field.
const SDK_NAME: &str = "monitor-sdk.browser";
/// Largest JSON the SDK accepts from the page for `track` data.
const MAX_DATA_JSON: usize = 16_384;
/// Largest JSON kept as a breadcrumb's data.
const MAX_BREADCRUMB_DATA_JSON: usize = 2_048;
/// Largest JSON kept for one extra; a value that is larger (or not JSON) is sent as `null`.
const MAX_EXTRA_JSON: usize = 4_096;

/// Starts the SDK with the page's `options` and the loader's `host` object: `send` and
/// `schedule` (see transport.rs) and, optionally, `process`, which receives each encoded event
/// and returns the JSON to send, `null` to drop it, or anything else to keep it unchanged (the
/// npm package runs JS integrations and `beforeSend` in it). Returns whether the SDK runs.
#[wasm_bindgen]
pub fn init(options: JsValue, host: JsValue) -> bool {
    // Adopted now (a refused DSN is logged through its console) unless an SDK is running,
    // whose page context a failed re-init must not change; adopted below once init succeeds.
    let global = get(&host, "global");
    if global.is_object() && with_sdk(|_| ()).is_none() {
        set_global(global.clone());
    }
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
        Box::new(BrowserTransport { host: host.clone() }),
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
    if global.is_object() {
        set_global(global);
    }
    if let Ok(hook) = get(&host, "process").dyn_into::<Function>() {
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
    let persist = get(&options, "storage").as_bool() != Some(false);
    let mut identity = Identity::new(host.clone(), persist, &mut client);
    let session = String::from(identity.session_at(now(), &mut client));
    let visitor = identity.visitor.as_str().into();
    client.scope.user.insert("visitor_id", visitor);
    client.scope.user.insert("session_id", session.into());
    let document = get(&get(&host, "global"), "document");
    let visible = get_string(&document, "visibilityState").as_deref() != Some("hidden");
    let behaviour_rate = get_f64(&options, "behaviourSampleRate").unwrap_or(1.0);
    let sdk = Sdk {
        client,
        debug,
        timer_at: None,
        host,
        vitals_config: crate::vitals::config_from_js(&options),
        vitals: None,
        behaviour: Tracking {
            config: behaviour::config_from_js(&options),
            rules: Behaviour::new(visible, now()),
        },
        identity,
        behaviour_rate,
    };
    match replace(Some(sdk)) {
        Some(old) => {
            // What the replaced SDK still held leaves by beacon rather than being dropped.
            if let Some(mut old) = old {
                old.client.flush_beacon(now());
            }
            enabled
        }
        None => false,
    }
}

/// What [`capture`] records; the npm loader passes these numbers.
const CAPTURE_EXCEPTION: u32 = 0;
const CAPTURE_MESSAGE: u32 = 1;
const CAPTURE_TRACK: u32 = 2;
const CAPTURE_EARLY: u32 = 3;
const CAPTURE_DOM_EVENT: u32 = 4;

/// `captureException(a)`, `captureMessage(a, level b)`, `track(name a, data b)`, an early
/// error record `a`, or a window `error`/`unhandledrejection` event `a` (the loader's global
/// handler), by `kind`. Returns the event id when the event was queued.
#[wasm_bindgen]
pub fn capture(kind: u32, a: JsValue, b: JsValue) -> JsValue {
    // A JS string rather than `Option<String>`: wasm-bindgen's String return path carries a
    // formatted panic (a shrink assertion) that keeps formatting code in the wasm.
    let id = match kind {
        CAPTURE_EXCEPTION => capture_exception(a),
        CAPTURE_MESSAGE => capture_message(a, b),
        CAPTURE_TRACK => track(a, b),
        CAPTURE_EARLY => capture_early_error(a),
        CAPTURE_DOM_EVENT => event_from_dom_event(&a, now(), false).and_then(capture_event),
        _ => None,
    };
    id.map_or(JsValue::UNDEFINED, |id| JsValue::from_str(&id))
}

/// What [`scope`] changes; the npm loader passes these numbers.
const SCOPE_USER_FIELD: u32 = 0;
const SCOPE_TAG: u32 = 1;
const SCOPE_BREADCRUMB: u32 = 2;
const SCOPE_USER_CLEAR: u32 = 3;
const SCOPE_EXTRA: u32 = 4;

/// One user field (`key a`, `value b`), a tag (`key a`, `value b`), a breadcrumb `a`,
/// clearing the user, or an extra (`key a`, any JSON value `b`; `undefined` removes it), by
/// `kind`. The loader turns `setUser({...})` and the `user`/`tags`
/// options into one call per field: enumerating a page object is one line of JS and a
/// kilobyte of wasm.
#[wasm_bindgen]
pub fn scope(kind: u32, a: JsValue, b: JsValue) {
    match kind {
        SCOPE_USER_FIELD => set_user_field(a, b),
        SCOPE_TAG => set_tag(a, b),
        SCOPE_BREADCRUMB => add_breadcrumb(a),
        SCOPE_USER_CLEAR => {
            with_sdk(|sdk| sdk.client.scope.set_user(Map::new()));
        }
        SCOPE_EXTRA => set_extra(a, b),
        _ => {}
    }
}

/// `page` as JSON (see `context::page_json`), scrubbed with the SDK's words.
pub fn page_json(sdk: &Sdk, url: Option<&str>, referrer: Option<&str>) -> String {
    let words = &sdk.client.options().scrub_words;
    context::page_json(url, referrer, &|u: &str| scrub_url(u, words))
}

/// Behaviour events, sampled per session by `behaviourSampleRate`.
fn is_behaviour(kind: &str) -> bool {
    matches!(
        kind,
        "page_view" | "click" | "rage_click" | "form_submit" | "time_on_page"
    )
}

/// Runs an event through the pipeline and sends what is due. Returns the event id.
pub fn capture_event(mut event: Event) -> Option<String> {
    if is_dropped_error(&event) {
        return None;
    }
    event
        .body
        .insert("browser", Value::Raw(context::browser_json()));
    with_sdk(|sdk| {
        let now = now();
        if event.body.get("page").is_none() {
            event
                .body
                .insert("page", Value::Raw(page_json(sdk, None, None)));
        }
        let session = String::from(sdk.identity.session_at(now, &mut sdk.client));
        if is_behaviour(event.kind) && !sampled_in(&session, sdk.behaviour_rate) {
            log(sdk.debug, "event dropped by behaviourSampleRate");
            return None;
        }
        let visitor = sdk.identity.visitor.as_str().into();
        sdk.client.scope.user.insert("visitor_id", visitor);
        sdk.client.scope.user.insert("session_id", session.into());
        let outcome = sdk.client.capture(event, now);
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

/// Whether the page's `ignoreErrors` / `allowUrls` / `denyUrls` drop this error event: the
/// loader's `host.drop(type, value, url)` matches them (strings and RegExps are JS's to
/// match), with the URL of the frame that threw.
fn is_dropped_error(event: &Event) -> bool {
    let Some(exception) = event.exceptions.last() else {
        return false;
    };
    let host = with_sdk(|sdk| sdk.host.clone()).unwrap_or(JsValue::UNDEFINED);
    let url = exception
        .frames
        .last()
        .map(|f| f.filename.as_str())
        .unwrap_or_default();
    let args = [
        JsValue::from_str(&exception.ty),
        JsValue::from_str(&exception.value),
        JsValue::from_str(url),
    ];
    call(&host, "drop", &[&args[0], &args[1], &args[2]])
        .and_then(|r| r.as_bool())
        .unwrap_or(false)
}

/// Reports an error (or any value) the app caught, with its `cause` chain. Returns the
/// event id.
pub fn capture_exception(error: JsValue) -> Option<String> {
    let exceptions = exceptions_from_value(&error, Mechanism::Generic);
    capture_event(error_event(exceptions, now()))
}

/// Reports a message at a level (`info` unless given). Returns the event id.
pub fn capture_message(message: JsValue, level: JsValue) -> Option<String> {
    let level = level
        .as_string()
        .and_then(|l| Level::parse(&l))
        .unwrap_or(Level::Info);
    capture_event(Event::message(&to_display(&message), level, now()))
}

/// Hands over a `[domEvent, timestamp]` pair the loader or `<head>` snippet queued before
/// the SDK was ready.
pub fn capture_early_error(record: JsValue) -> Option<String> {
    let dom_event = get(&record, "0");
    let timestamp = get_f64(&record, "1").unwrap_or_else(now);
    capture_event(event_from_dom_event(&dom_event, timestamp, true)?)
}

/// A custom event: `track("signup", {plan: "pro"})`. Returns the event id.
pub fn track(name: JsValue, data: JsValue) -> Option<String> {
    let name = name.as_string().filter(|n| !n.is_empty())?;
    let data = if data.is_undefined() {
        None
    } else {
        to_json(&data, MAX_DATA_JSON)
    };
    capture_event(Event::custom(&name, data, now()))
}

/// Sets one field of the user (`id`, `email`, `username`, ...); `null`/`undefined` values
/// are skipped.
pub fn set_user_field(key: JsValue, value: JsValue) {
    let Some(key) = key.as_string() else {
        return;
    };
    if value.is_null() || value.is_undefined() {
        return;
    }
    let value = to_display(&value);
    with_sdk(|sdk| {
        // Personal data only with `sendDefaultPii: true`.
        let personal = matches!(key.as_str(), "email" | "username" | "ip_address");
        if !personal || sdk.client.options().send_default_pii {
            sdk.client.scope.set_user_field(&key, &value);
        }
    });
}

pub fn set_tag(key: JsValue, value: JsValue) {
    let Some(key) = key.as_string() else {
        return;
    };
    if value.is_undefined() || value.is_null() {
        return;
    }
    let value = to_display(&value);
    with_sdk(|sdk| sdk.client.scope.set_tag(&key, &value));
}

/// Sets extra `key` to any JSON-serialisable `value` (up to 4 KB of JSON); `undefined`
/// removes it.
pub fn set_extra(key: JsValue, value: JsValue) {
    let Some(key) = key.as_string() else {
        return;
    };
    let json = if value.is_undefined() {
        None
    } else {
        Some(to_json(&value, MAX_EXTRA_JSON).unwrap_or_else(|| "null".into()))
    };
    with_sdk(|sdk| sdk.client.scope.set_extra(&key, json));
}

/// Adds a breadcrumb: `{category, message, level, data}`, all optional.
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
        data: to_json(&get(&crumb, "data"), MAX_BREADCRUMB_DATA_JSON)
            .filter(|d| d.as_bytes().first() == Some(&b'{')),
    };
    with_sdk(|sdk| sdk.client.scope.add_breadcrumb(breadcrumb));
}

/// [`flush_step`]: nothing is queued or in flight.
pub const FLUSH_DONE: u32 = 0;
/// [`flush_step`]: a request is in flight; wait for its answer and call again.
pub const FLUSH_IN_FLIGHT: u32 = 1;
/// [`flush_step`]: events are queued but cannot go now (the collector asked to wait).
pub const FLUSH_BLOCKED: u32 = 2;

/// Starts sending one batch if possible and says where flushing stands. The npm package's
/// `flush()` waits for each answer and calls this again until done, blocked, or out of time.
#[wasm_bindgen(js_name = flushStep)]
pub fn flush_step() -> u32 {
    with_sdk(|sdk| {
        sdk.client.flush(now());
        if sdk.client.in_flight_id().is_some() {
            FLUSH_IN_FLIGHT
        } else if sdk.client.queued() > 0 {
            FLUSH_BLOCKED
        } else {
            FLUSH_DONE
        }
    })
    .unwrap_or(FLUSH_DONE)
}

/// Events waiting to be sent (0 before `init`).
pub fn queued() -> u32 {
    with_sdk(|sdk| sdk.client.queued() as u32).unwrap_or(0)
}

/// Stops the SDK: later calls are ignored. Queued events are handed to the beacon first so
/// they are not lost.
#[wasm_bindgen]
pub fn close() {
    with_sdk(|sdk| sdk.client.flush_beacon(now()));
    let _old = replace(None);
}

/// Whether `init` succeeded and `close` has not been called. (Not exported: the loader knows.)
pub fn is_enabled() -> bool {
    with_sdk(|sdk| sdk.client.options().enabled).unwrap_or(false)
}
