//! Fixtures for the browser tests: hostile JS values, DOM events, a recording stand-in for the
//! npm loader's `host` object (`global`, `send`, `beacon`, `schedule`, `process`), and a
//! running-SDK guard that leaves the global state clean.
//!
//! JS fixtures are inline JS modules rather than `Function::new_with_args`: the workspace builds
//! js-sys without `unsafe-eval`, and a readable JS snippet says more about what a page does.

#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect, JSON};
use monitor_sdk_browser::api;
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
export function sessionStorageGet(key) { return sessionStorage.getItem(key); }
export function sessionStorageSet(key, value) { sessionStorage.setItem(key, value); }

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
    #[wasm_bindgen(js_name = sessionStorageGet)]
    pub fn session_storage_get(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = sessionStorageSet)]
    pub fn session_storage_set(key: &str, value: &str);

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
