//! The browser transport and the timer that drives sending.
//!
//! The client decides what to send, when, and what an answer means; the npm loader's `host`
//! object performs the browser calls: `send(url, body, id)` posts with
//! `fetch(..., {keepalive: true})` and a string body (a `text/plain` "simple" request: no CORS
//! preflight, and it survives a navigation that starts while it is in flight), `beacon(url,
//! body)` hands the body to `sendBeacon` when the page goes away, and `schedule(ms)` sets the
//! flush timer. The
//! outcome comes back through [`on_response`] and the timer through [`tick`]. Doing the calls
//! in JS means the wasm creates no closures, which saves about 2 KB gzip of closure glue.

use monitor_sdk_browser_utils::js::{call, now};
use monitor_sdk_core::{Request, ResponseOutcome, SendResult, Transport};
use wasm_bindgen::prelude::*;

use crate::state::{log, with_sdk, Sdk};

pub struct BrowserTransport {
    pub host: JsValue,
}

impl Transport for BrowserTransport {
    fn send(&mut self, request: Request) -> SendResult {
        let url = JsValue::from_str(&request.url);
        let body = JsValue::from_str(&request.body);
        let handed_over = if request.beacon {
            call(&self.host, "beacon", &[&url, &body])
        } else {
            let id = JsValue::from_f64(f64::from(request.id));
            call(&self.host, "send", &[&url, &body, &id])
        }
        .and_then(|r| r.as_bool())
        .unwrap_or(false);
        match (handed_over, request.beacon) {
            (false, _) => SendResult::Refused,
            (true, true) => SendResult::Delivered,
            (true, false) => SendResult::Pending,
        }
    }
}

/// The loader reports the answer to request `id`: HTTP `status` (0 for a network error) and
/// the `Retry-After` header as a number of seconds (NaN when absent or a date). An answer to
/// a request this client did not send (one from before a re-`init`) is ignored.
#[wasm_bindgen(js_name = onResponse)]
pub fn on_response(id: u32, status: u32, retry_after_secs: f64) {
    with_sdk(|sdk| {
        let status = u16::try_from(status).unwrap_or(0);
        match sdk
            .client
            .on_response(id, status, Some(retry_after_secs), now())
        {
            ResponseOutcome::Retrying { .. } => log(sdk.debug, "send failed; will retry"),
            ResponseOutcome::Rejected { .. } => log(
                sdk.debug,
                "collector refused the batch; check the DSN and origin",
            ),
            ResponseOutcome::Delivered | ResponseOutcome::Unknown => {}
        }
        send_due(sdk);
    });
}

/// The flush timer fired.
#[wasm_bindgen]
pub fn tick() {
    with_sdk(|sdk| {
        sdk.timer_at = None;
        send_due(sdk);
    });
}

/// The page is going away: everything queued leaves by beacon.
#[wasm_bindgen(js_name = pageLeave)]
pub fn page_leave() {
    with_sdk(|sdk| sdk.client.flush_beacon(now()));
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
    if call(&sdk.host, "schedule", &[&delay]).is_some() {
        sdk.timer_at = Some(at);
    }
}
