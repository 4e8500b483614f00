//! The browser transport and the timer that drives sending.
//!
//! While the page lives, a batch goes out with `fetch(..., {keepalive: true})` and a string
//! body, which makes it a `text/plain` "simple" request: no CORS preflight, and it survives a
//! navigation that starts while it is in flight. When the page goes away, `sendBeacon` takes
//! the rest. The fetch outcome comes back through two closures created once and kept for the
//! module's life, so no per-request closure leaks.

use alloc::boxed::Box;
use core::cell::RefCell;

use js_sys::{Object, Reflect};
use monitor_sdk_browser_utils::js::{call, get, get_f64, global, now};
use monitor_sdk_core::{Request, ResponseOutcome, SendResult, Transport};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use crate::state::{log, with_sdk, Global, Sdk};

struct Callbacks {
    on_response: Closure<dyn FnMut(JsValue) -> JsValue>,
    on_network_error: Closure<dyn FnMut(JsValue) -> JsValue>,
    on_timer: Closure<dyn FnMut()>,
}

/// Created on first use and never dropped: a fetch may settle after `close()`.
static CALLBACKS: Global<Option<Callbacks>> = Global(RefCell::new(None));
/// The promise of the request in flight, for `flush()`.
static PENDING: Global<Option<JsValue>> = Global(RefCell::new(None));

/// Runs `f` with the callbacks, creating them the first time.
fn with_callbacks<R>(f: impl FnOnce(&Callbacks) -> R) -> Option<R> {
    let mut guard = CALLBACKS.0.try_borrow_mut().ok()?;
    let callbacks = guard.get_or_insert_with(|| Callbacks {
        on_response: Closure::wrap(Box::new(on_response)),
        on_network_error: Closure::wrap(Box::new(|_| report(0, None))),
        on_timer: Closure::wrap(Box::new(on_timer)),
    });
    Some(f(callbacks))
}

fn set_pending(promise: Option<JsValue>) {
    if let Ok(mut slot) = PENDING.0.try_borrow_mut() {
        *slot = promise;
    }
}

pub struct BrowserTransport;

impl Transport for BrowserTransport {
    fn send(&mut self, request: Request) -> SendResult {
        let window = global();
        let url = JsValue::from_str(&request.url);
        let body = JsValue::from_str(&request.body);
        if request.beacon {
            let navigator = get(&window, "navigator");
            return match call(&navigator, "sendBeacon", &[&url, &body]).and_then(|r| r.as_bool()) {
                Some(true) => SendResult::Delivered,
                _ => SendResult::Refused,
            };
        }
        let init = Object::new();
        let _ = Reflect::set(&init, &"method".into(), &"POST".into());
        let _ = Reflect::set(&init, &"body".into(), &body);
        let _ = Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
        let Some(promise) = call(&window, "fetch", &[&url, &init]) else {
            return SendResult::Refused;
        };
        let chained = with_callbacks(|cb| {
            call(
                &promise,
                "then",
                &[cb.on_response.as_ref(), cb.on_network_error.as_ref()],
            )
        });
        match chained.flatten() {
            Some(chained) => {
                set_pending(Some(chained));
                SendResult::Pending
            }
            None => SendResult::Refused,
        }
    }
}

/// The promise of the request in flight, if any.
pub fn pending() -> Option<JsValue> {
    PENDING.0.try_borrow().ok().and_then(|p| p.clone())
}

fn on_response(response: JsValue) -> JsValue {
    let status = get_f64(&response, "status").unwrap_or(0.0);
    let retry_after = call(
        &get(&response, "headers"),
        "get",
        &[&JsValue::from_str("retry-after")],
    )
    .and_then(|v| v.as_string());
    report(status as u16, retry_after.as_deref())
}

/// Hands a fetch outcome to the client, then sends whatever is due next.
fn report(status: u16, retry_after: Option<&str>) -> JsValue {
    set_pending(None);
    let delivered = with_sdk(|sdk| {
        let Some(id) = sdk.client.in_flight_id() else {
            return false;
        };
        let outcome = sdk.client.on_response(id, status, retry_after, now());
        match outcome {
            ResponseOutcome::Delivered => {}
            ResponseOutcome::Retrying { .. } => log(sdk.debug, "send failed; will retry"),
            ResponseOutcome::Rejected { .. } => log(
                sdk.debug,
                "collector refused the batch; check the DSN and origin",
            ),
            ResponseOutcome::Unknown => {}
        }
        send_due(sdk);
        outcome == ResponseOutcome::Delivered
    });
    JsValue::from_bool(delivered.unwrap_or(false))
}

fn on_timer() {
    with_sdk(|sdk| {
        sdk.timer_at = None;
        send_due(sdk);
    });
}

/// Sends a batch if one is due and arms the timer for the next deadline.
pub fn send_due(sdk: &mut Sdk) {
    let time = now();
    sdk.client.send_due(time);
    let Some(at) = sdk.client.next_wakeup() else {
        return;
    };
    if sdk.timer_at.is_some_and(|armed| armed <= at) {
        return;
    }
    let delay = JsValue::from_f64((at - time).max(0.0));
    let armed = with_callbacks(|cb| call(&global(), "setTimeout", &[cb.on_timer.as_ref(), &delay]));
    if armed.flatten().is_some() {
        sdk.timer_at = Some(at);
    }
}

/// The page is going away: everything queued leaves by beacon.
pub fn on_page_leave() {
    with_sdk(|sdk| {
        sdk.client.flush_beacon(now());
    });
}
