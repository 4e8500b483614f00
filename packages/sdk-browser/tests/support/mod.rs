//! Shared support for the browser tests of the SDK's wasm glue, run in headless Chromium by
//! wasm-bindgen-test. The tests are split by topic, one test binary per file in `tests/`:
//! `api_safety.rs` (exports with no SDK, hostile values, calls back into the SDK), `init.rs`
//! (init, re-init, options), `errors.rs` (thrown values and error events to exceptions),
//! `capture.rs` (events as the process hook receives them, the hook), `scope.rs` (user, tags,
//! extras, breadcrumbs), `event_size.rs` (events at the request size limit), `transport.rs`
//! (sending, answers, rate limits), `beacons.rs` (leaving the page, close) and `vitals.rs` (the
//! web-vitals export).
//!
//! Run from the workspace root:
//!
//! ```sh
//! cargo test -p monitor-sdk-browser --features std --target wasm32-unknown-unknown
//! ```
//!
//! To run one file, add `--test <file name>` (e.g. `--test scope`). What the command needs:
//! - `--features std`: the shipped crate is no_std with its own panic handler, which conflicts
//!   with the test harness's std.
//! - `.cargo/config.toml` (workspace root) sets `wasm-bindgen-test-runner` as the runner for
//!   wasm32-unknown-unknown; the wasm-bindgen CLI on PATH must be the version the
//!   `wasm-bindgen` crate is pinned to (0.2.130).
//! - `chromedriver` on PATH (Debian: `apt-get install -y chromium chromium-driver`), or
//!   `CHROMEDRIVER=/usr/bin/chromedriver`. The runner adds `headless`, `no-sandbox` and
//!   `disable-dev-shm-usage` itself; `webdriver.json` next to this crate's Cargo.toml adds the
//!   flags that keep Chromium off the network (background updates, sync, first-run). The runner
//!   reads `webdriver.json` from its working directory, which cargo sets to the crate directory.
//! - Do not pass `-q`: the runner rejects it. `-- --include-ignored` also runs the tests that
//!   show known SDK bugs (marked `#[ignore = "bug: ..."]`; none at the moment); they fail until
//!   those are fixed.
//!
//! Every test file is wasm-only (`#![cfg(target_arch = "wasm32")]`): natively
//! (`cargo test --workspace`) they compile to nothing.
//!
//! Each test file is its own test binary and wasm instance: the tests of one file share it and
//! so the SDK's global state. wasm-bindgen-test runs them one at a time; each test that starts
//! the SDK does so through `support::Running`, which closes it when dropped, and tests that need
//! "no SDK" call `reset()` first. The SDK's browser calls go through the npm loader's `host`
//! object (`global`, `send`, `beacon`, `schedule`, `process`); the tests pass a recording
//! stand-in and drive the loader's side by hand (`on_response` with the id `send` was given,
//! `tick`, `page_leave`), so nothing reaches the network (the few tests that use Chromium's own
//! sendBeacon or fetch post to a blocked port, see `support::DSN`). Tests of functions that read
//! page objects without a running SDK call `reset()`, which also hands the SDK the real global
//! object.
//!
//! This module holds the fixtures: hostile JS values, DOM events, a recording stand-in for the
//! npm loader's `host` object (`global`, `send`, `beacon`, `schedule`, `process`), and a
//! running-SDK guard that leaves the global state clean; at its end, the helpers several test
//! files share (the export kinds, the request size limit, wrappers of the exports, scope readers).
//!
//! JS fixtures are inline JS modules rather than `Function::new_with_args`: the workspace builds
//! js-sys without `unsafe-eval`, and a readable JS snippet says more about what a page does.

#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, JSON};
use monitor_sdk_browser::api;
use monitor_sdk_browser::api::{capture, capture_message, scope};
use monitor_sdk_browser::state::with_sdk;
use monitor_sdk_browser::transport::on_response;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const trap = () => { throw new Error('trap'); };
const allTraps = {
  get: trap, set: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap,
  getPrototypeOf: trap, defineProperty: trap, deleteProperty: trap, apply: trap, construct: trap,
};

export function throwingProxy() { return new Proxy({}, allTraps); }
export function throwingProxyFunction() { return new Proxy(function () {}, allTraps); }
export function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
export function errorWithThrowingMessage() {
  const error = new Error('hidden');
  Object.defineProperty(error, 'message', {
    get() { throw new Error('message getter'); }, enumerable: true, configurable: true,
  });
  return error;
}
export function errorWithThrowingNameAndStack() {
  const error = new Error('still readable');
  Object.defineProperty(error, 'name', { get() { throw new Error('name getter'); } });
  Object.defineProperty(error, 'stack', { get() { throw new Error('stack getter'); } });
  return error;
}
export function unprintable() {
  return {
    toJSON() { throw new Error('toJSON'); },
    toString() { throw new Error('toString'); },
    [Symbol.toPrimitive]() { throw new Error('toPrimitive'); },
  };
}
export function circular() { const o = { a: 1 }; o.self = o; return o; }
export function bigint() { return 10n; }
export function boxedString(s) { return new String(s); }
export function namedFunction() { return function handleClick() {}; }
// The usual custom error: a subclass that names itself in its constructor.
export function namedError(name, message) {
  class CustomError extends Error {
    constructor(m) { super(m); this.name = name; }
  }
  return new CustomError(message);
}
// An error whose message a handler extended after something had read its stack.
export function rewordedError(message, prefix) {
  const error = new Error(message);
  void error.stack;
  error.message = prefix + error.message;
  return error;
}
export function domException() {
  return new DOMException('The user aborted a request.', 'AbortError');
}
export function manyKeys(n) {
  const o = {};
  for (let i = 0; i < n; i++) o['k' + i] = 'v' + i;
  return o;
}

export function errorEvent(type, init) { return new ErrorEvent(type, init); }
export function rejectionEvent(reason) {
  const promise = Promise.reject(reason);
  promise.catch(() => {});
  return new PromiseRejectionEvent('unhandledrejection', { promise, reason });
}
export function plainEvent(type) { return new Event(type); }
export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
export function throwingHook() { return () => { throw new Error('hook bug'); }; }
export function constantHook(value) { return () => value; }
export function localStorageGet(key) { return localStorage.getItem(key); }
export function localStorageSet(key, value) { localStorage.setItem(key, value); }

// A stand-in for the loader's `host` (npm/monitor-sdk/src/index.js): records every request
// the SDK hands over, in order, and every timer it asks for. `send(url, body, id)` (the
// loader's keepalive fetch) answers `sendResult`, throws when `sendThrows`, and also starts
// the browser's keepalive fetch when `realFetch` (its answer is not reported back);
// `beacon(url, body)` answers `beaconResult`, throws when `beaconThrows`, and passes the body
// to the browser's sendBeacon when `realBeacon`.
export function makeHost(process) {
  const host = {
    global: globalThis,
    sends: [], schedules: [],
    sendResult: true, sendThrows: false, realFetch: false,
    beaconResult: true, beaconThrows: false, realBeacon: false,
    send(url, body, id) {
      host.sends.push({ url, body, id, beacon: false });
      if (host.sendThrows) throw new TypeError('send throws');
      if (host.realFetch) fetch(url, { method: 'POST', body, keepalive: true }).catch(() => {});
      return host.sendResult;
    },
    beacon(url, body) {
      host.sends.push({ url, body, beacon: true });
      if (host.beaconThrows) throw new TypeError('beacon throws');
      if (host.realBeacon) return navigator.sendBeacon(url, body);
      return host.beaconResult;
    },
    schedule(ms) { host.schedules.push(ms); },
    // The loader's storage (npm/monitor-sdk/src/storage.js), without its cookie fallback.
    load(key) { return localStorage.getItem(key); },
    save(key, value) { localStorage.setItem(key, value); },
    // Stands in for the loader's element selector: a test "node" carries its selector.
    selector(node) { return node && typeof node.sel === 'string' ? node.sel : ''; },
  };
  if (process !== undefined) host.process = process;
  return host;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = throwingProxy)]
    pub fn throwing_proxy() -> JsValue;
    #[wasm_bindgen(js_name = throwingProxyFunction)]
    pub fn throwing_proxy_function() -> JsValue;
    #[wasm_bindgen(js_name = revokedProxy)]
    pub fn revoked_proxy() -> JsValue;
    #[wasm_bindgen(js_name = errorWithThrowingMessage)]
    pub fn error_with_throwing_message() -> JsValue;
    #[wasm_bindgen(js_name = errorWithThrowingNameAndStack)]
    pub fn error_with_throwing_name_and_stack() -> JsValue;
    pub fn unprintable() -> JsValue;
    pub fn circular() -> JsValue;
    pub fn bigint() -> JsValue;
    #[wasm_bindgen(js_name = boxedString)]
    pub fn boxed_string(s: &str) -> JsValue;
    #[wasm_bindgen(js_name = namedFunction)]
    pub fn named_function() -> JsValue;
    #[wasm_bindgen(js_name = namedError)]
    pub fn named_error(name: &str, message: &str) -> JsValue;
    #[wasm_bindgen(js_name = rewordedError)]
    pub fn reworded_error(message: &str, prefix: &str) -> JsValue;
    #[wasm_bindgen(js_name = domException)]
    pub fn dom_exception() -> JsValue;
    #[wasm_bindgen(js_name = manyKeys)]
    pub fn many_keys(n: u32) -> JsValue;

    #[wasm_bindgen(js_name = errorEvent)]
    pub fn error_event(kind: &str, init: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = rejectionEvent)]
    pub fn rejection_event(reason: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = plainEvent)]
    pub fn plain_event(kind: &str) -> JsValue;
    pub fn sleep(ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = throwingHook)]
    pub fn throwing_hook() -> JsValue;
    #[wasm_bindgen(js_name = constantHook)]
    pub fn constant_hook(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = localStorageGet)]
    pub fn local_storage_get(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = localStorageSet)]
    pub fn local_storage_set(key: &str, value: &str);

    /// The loader stand-in `makeHost()` returns.
    #[derive(Clone)]
    pub type Host;
    #[wasm_bindgen(js_name = makeHost)]
    pub fn make_host(process: &JsValue) -> Host;
    #[wasm_bindgen(method, getter)]
    fn sends(this: &Host) -> js_sys::Array;
    #[wasm_bindgen(method, getter)]
    pub fn schedules(this: &Host) -> js_sys::Array;
    #[wasm_bindgen(method, setter = sendResult)]
    pub fn set_send_result(this: &Host, result: &JsValue);
    #[wasm_bindgen(method, setter = sendThrows)]
    pub fn set_send_throws(this: &Host, throws: bool);
    #[wasm_bindgen(method, setter = realFetch)]
    pub fn set_real_fetch(this: &Host, real: bool);
    #[wasm_bindgen(method, setter = beaconResult)]
    pub fn set_beacon_result(this: &Host, result: &JsValue);
    #[wasm_bindgen(method, setter = beaconThrows)]
    pub fn set_beacon_throws(this: &Host, throws: bool);
    #[wasm_bindgen(method, setter = realBeacon)]
    pub fn set_real_beacon(this: &Host, real: bool);
}

/// The collector address used by the tests. Nothing is sent there (the host only records),
/// except by the tests that use the browser's sendBeacon or fetch: port 9 (discard) is on
/// Chromium's blocked-port list, so those requests fail at once without leaving the machine.
pub const DSN: &str = "http://k@127.0.0.1:9/1";
pub const INGEST_URL: &str = "http://127.0.0.1:9/api/1/events?key=k";

/// A plain JS object from key/value pairs.
pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (key, value) in pairs {
        Reflect::set(&o, &JsValue::from_str(key), value).expect("set on a fresh object");
    }
    o.into()
}

/// Options that keep everything queued: nothing is sent unless a test asks for it.
pub fn quiet_options(extra: &[(&str, JsValue)]) -> JsValue {
    let options = obj(&[
        ("dsn", DSN.into()),
        ("flushInterval", 3_600_000.0.into()),
        ("maxBatchSize", 1_000.0.into()),
        ("defaultIntegrations", false.into()),
    ]);
    for (key, value) in extra {
        Reflect::set(&options, &JsValue::from_str(key), value).expect("set option");
    }
    options
}

/// `v.a.b.0.c` (array indexes are keys too); `undefined` when any step is missing.
pub fn at(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |v, key| {
        Reflect::get(&v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    })
}

pub fn str_at(v: &JsValue, path: &str) -> Option<String> {
    at(v, path).as_string()
}

pub fn num_at(v: &JsValue, path: &str) -> Option<f64> {
    at(v, path).as_f64()
}

pub fn len_at(v: &JsValue, path: &str) -> u32 {
    at(v, path)
        .dyn_into::<js_sys::Array>()
        .map(|a| a.length())
        .unwrap_or(0)
}

/// Parses JSON the SDK produced; a test fails on invalid JSON.
pub fn parse(json: &str) -> JsValue {
    JSON::parse(json).unwrap_or_else(|_| panic!("SDK produced invalid JSON: {json}"))
}

pub fn is_event_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Host {
    /// Requests the SDK handed over, in order: `(url, parsed body, beacon)`.
    pub fn requests(&self) -> Vec<(String, JsValue, bool)> {
        self.sends()
            .iter()
            .map(|s| {
                let url = str_at(&s, "url").expect("url is a string");
                let body = parse(&str_at(&s, "body").expect("body is a string"));
                (
                    url,
                    body,
                    at(&s, "beacon").as_bool().expect("beacon is a bool"),
                )
            })
            .collect()
    }

    /// Bodies of the `fetch` requests (not beacons).
    pub fn fetched(&self) -> Vec<JsValue> {
        self.requests()
            .into_iter()
            .filter(|r| !r.2)
            .map(|r| r.1)
            .collect()
    }

    /// Bodies of the beacons.
    pub fn beaconed(&self) -> Vec<JsValue> {
        self.requests()
            .into_iter()
            .filter(|r| r.2)
            .map(|r| r.1)
            .collect()
    }

    /// Raw body lengths of the beacons, in bytes of UTF-8.
    pub fn beacon_sizes(&self) -> Vec<usize> {
        self.sizes(true)
    }

    /// Raw body lengths of the `fetch` requests, in bytes of UTF-8.
    pub fn fetch_sizes(&self) -> Vec<usize> {
        self.sizes(false)
    }

    fn sizes(&self, beacon: bool) -> Vec<usize> {
        self.sends()
            .iter()
            .filter(|s| at(s, "beacon").as_bool() == Some(beacon))
            .map(|s| str_at(&s, "body").map_or(0, |b| b.len()))
            .collect()
    }

    /// Request ids the SDK passed to `send`, in order (beacons carry none).
    pub fn ids(&self) -> Vec<u32> {
        self.sends()
            .iter()
            .filter(|s| at(s, "beacon").as_bool() == Some(false))
            .map(|s| {
                let id = num_at(&s, "id").expect("send got a numeric id");
                assert!(
                    id.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&id),
                    "request id {id} is not a u32 above 0"
                );
                id as u32
            })
            .collect()
    }

    /// The id of the last request passed to `send`.
    pub fn last_id(&self) -> u32 {
        *self.ids().last().expect("nothing was sent")
    }

    /// The loader reporting the answer to the last request `send` took: HTTP `status` (0 for
    /// a network error) and `Retry-After` in seconds (`None`: absent, passed as NaN).
    pub fn answer(&self, status: u32, retry_after_secs: Option<f64>) {
        on_response(self.last_id(), status, retry_after_secs.unwrap_or(f64::NAN));
    }

    /// Delays the SDK asked the host to schedule `tick()` after, in ms.
    pub fn delays(&self) -> Vec<f64> {
        self.schedules().iter().filter_map(|d| d.as_f64()).collect()
    }
}

type Hook = Closure<dyn FnMut(JsValue) -> JsValue>;

/// A running SDK whose host records what it is asked to do, with a `process` hook that records
/// every encoded event. Dropping it closes the SDK, so tests cannot leak state into each other.
pub struct Running {
    pub host: Host,
    seen: Rc<RefCell<Vec<String>>>,
    _hook: Option<Hook>,
}

impl Running {
    /// Starts the SDK with [`quiet_options`] plus `extra`; the hook keeps every event.
    pub fn start(extra: &[(&str, JsValue)]) -> Running {
        Running::start_with_hook(extra, |_| JsValue::UNDEFINED)
    }

    /// Like [`Running::start`], with `answer` deciding what the hook returns for each event.
    pub fn start_with_hook(
        extra: &[(&str, JsValue)],
        mut answer: impl FnMut(&str) -> JsValue + 'static,
    ) -> Running {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let record = seen.clone();
        let hook: Hook = Closure::new(move |json: JsValue| {
            let json = json.as_string().expect("the hook receives a string");
            let result = answer(&json);
            record.borrow_mut().push(json);
            result
        });
        let host = make_host(hook.as_ref());
        Running::init(extra, host, seen, Some(hook))
    }

    /// Starts the SDK with a JS `process` hook (`undefined`: none); nothing is recorded.
    pub fn start_with_process(extra: &[(&str, JsValue)], process: &JsValue) -> Running {
        Running::init(extra, make_host(process), Rc::default(), None)
    }

    fn init(
        extra: &[(&str, JsValue)],
        host: Host,
        seen: Rc<RefCell<Vec<String>>>,
        hook: Option<Hook>,
    ) -> Running {
        api::close();
        let running = Running {
            host,
            seen,
            _hook: hook,
        };
        running.reinit(extra);
        running
    }

    /// Calls `init` again with the same host, without closing the running SDK first.
    pub fn reinit(&self, extra: &[(&str, JsValue)]) {
        assert!(
            api::init(quiet_options(extra), self.host.clone().into()),
            "init with a valid DSN must succeed"
        );
    }

    /// How many events reached the hook.
    pub fn seen(&self) -> usize {
        self.seen.borrow().len()
    }

    /// Every event the hook saw, parsed.
    pub fn events(&self) -> Vec<JsValue> {
        self.seen.borrow().iter().map(|j| parse(j)).collect()
    }

    /// Length in bytes of the last encoded event the hook saw.
    pub fn last_event_size(&self) -> usize {
        self.seen
            .borrow()
            .last()
            .expect("the hook saw no event")
            .len()
    }

    /// The last event the hook saw, parsed.
    pub fn last_event(&self) -> JsValue {
        let seen = self.seen.borrow();
        parse(seen.last().expect("the hook saw no event"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        api::close();
    }
}

/// Closes any SDK a failed test left behind, and gives the SDK's page helpers the real global
/// object again (the loader hands it over as `host.global` in `init`, and a test may have
/// passed a host without one).
pub fn reset() {
    api::close();
    use_page_global();
}

/// What `init` does with `host.global`, for tests of functions that read page objects
/// (`String`, `Object.keys`, `location`, `sessionStorage`) without a running SDK.
pub fn use_page_global() {
    monitor_sdk_browser_utils::js::set_global(js_sys::global().into());
}

/// Lets pending promise callbacks and short timers run.
pub async fn settle_tasks() {
    let _ = sleep(0).await;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by several test files: the `capture` and `scope` kinds, the request size
// limit, thin wrappers of the exports, hostile values, and readers of the SDK's scope.
// ---------------------------------------------------------------------------------------------

/// `capture` kinds (api.rs): exception, message, track, early record, window event.
pub const EXCEPTION: u32 = 0;
pub const MESSAGE: u32 = 1;
pub const TRACK: u32 = 2;
pub const EARLY: u32 = 3;
pub const DOM_EVENT: u32 = 4;

/// `scope` kinds (api.rs): one user field, tag, breadcrumb, clear the user, one extra.
pub const USER_FIELD: u32 = 0;
pub const TAG: u32 = 1;
pub const BREADCRUMB: u32 = 2;
pub const USER_CLEAR: u32 = 3;
pub const EXTRA: u32 = 4;

/// The largest request body (batch.rs): half the browser's 64 KiB keepalive quota, so a
/// page-leave beacon fits beside a keepalive fetch still in flight.
pub const MAX_REQUEST_BYTES: usize = 32_000;

/// `capture(kind, a, b)`, the export the loader calls, as an event id: it returns a JS string
/// or `undefined` (cheaper in the wasm than `Option<String>`), never anything else.
pub fn cap(kind: u32, a: JsValue, b: JsValue) -> Option<String> {
    let returned = capture(kind, a, b);
    let id = returned.as_string();
    assert!(
        id.is_some() || returned.is_undefined(),
        "capture returned {returned:?}"
    );
    id
}

/// The id of the request the client is waiting for an answer to, if any.
pub fn in_flight() -> Option<u32> {
    with_sdk(|sdk| sdk.client.in_flight_id()).flatten()
}

/// `clearUser`: the loader's `setUser(...)` calls this before setting each field.
pub fn clear_user() {
    scope(USER_CLEAR, JsValue::UNDEFINED, JsValue::UNDEFINED);
}

pub fn message(text: &str) -> Option<String> {
    capture_message(text.into(), JsValue::UNDEFINED)
}

/// Every kind of value a page can pass to an export, including ones that throw on any access.
pub fn hostile_values() -> Vec<(&'static str, JsValue)> {
    vec![
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
        ("true", JsValue::TRUE),
        ("0", JsValue::from_f64(0.0)),
        ("NaN", JsValue::from_f64(f64::NAN)),
        ("-Infinity", JsValue::from_f64(f64::NEG_INFINITY)),
        ("empty string", JsValue::from_str("")),
        ("long string", JsValue::from_str(&"é".repeat(100_000))),
        ("symbol", JsValue::symbol(Some("s"))),
        ("bigint", bigint()),
        ("array", Array::of2(&1.into(), &"x".into()).into()),
        ("function", named_function()),
        ("circular object", circular()),
        ("unprintable object", unprintable()),
        ("throwing proxy", throwing_proxy()),
        ("throwing proxy function", throwing_proxy_function()),
        ("revoked proxy", revoked_proxy()),
        ("error with throwing message", error_with_throwing_message()),
        (
            "error with throwing name and stack",
            error_with_throwing_name_and_stack(),
        ),
        ("options-like proxy", obj(&[("dsn", throwing_proxy())])),
    ]
}

/// Keys of a JSON object in the event, in order.
pub fn keys_at(ev: &JsValue, path: &str) -> Vec<String> {
    js_sys::Object::keys(&at(ev, path).into())
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

pub fn map_json(map: &monitor_sdk_core::Map) -> String {
    let mut out = String::new();
    map.write_json(&mut out);
    out
}

pub fn user_json() -> String {
    with_sdk(|sdk| map_json(&sdk.client.scope.user)).expect("SDK running")
}

pub fn tags_json() -> String {
    with_sdk(|sdk| map_json(&sdk.client.scope.tags)).expect("SDK running")
}
