//! Beacons: what leaving the page (`page_leave`) and `close` hand to `host.beacon`, one batch
//! per call within the keepalive quota; with a request in flight, after a network error, while
//! the collector asks to wait, and when the beacon is refused or throws; and Chromium's own
//! sendBeacon taking the SDK's largest requests, alone and beside a large keepalive fetch. How
//! to run them, and how the tests of one file share the SDK: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use monitor_sdk_browser::api::{
    capture_message, close, flush_step, is_enabled, queued, FLUSH_BLOCKED, FLUSH_IN_FLIGHT,
};
use monitor_sdk_browser::transport::page_leave;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------------
// Beacons: leaving the page, close
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn leaving_the_page_hands_the_queue_to_the_beacon() {
    let sdk = Running::start(&[]);
    for i in 0..2 {
        assert!(capture_message(i.into(), JsValue::UNDEFINED).is_some());
    }
    page_leave();
    assert_eq!(queued(), 0);
    let requests = sdk.host.requests();
    assert_eq!(requests.len(), 1);
    let (url, body, beacon) = &requests[0];
    assert!(beacon, "host.beacon, not host.send");
    assert_eq!(url, INGEST_URL);
    assert_eq!(len_at(body, "events"), 2);
    assert_eq!(in_flight(), None, "no answer comes for a beacon");
    page_leave();
    assert_eq!(sdk.host.requests().len(), 1, "nothing queued, nothing sent");
}

#[wasm_bindgen_test]
fn leaving_the_page_sends_one_batch_per_call() {
    // The browser caps keepalive data in flight at 64 KiB: one batch (at most 32 KB, so it
    // fits beside a fetch in flight) per call.
    let sdk = Running::start(&[]);
    for i in 0..20 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    page_leave();
    let sizes = sdk.host.beacon_sizes();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    assert!(sizes[0] <= MAX_REQUEST_BYTES, "{sizes:?}");
    let first = len_at(&sdk.host.beaconed()[0], "events");
    assert_eq!(queued(), 20 - first, "the rest stays queued");
    while queued() > 0 {
        let before = queued();
        page_leave();
        assert!(queued() < before, "each call sends a batch");
    }
    let sizes = sdk.host.beacon_sizes();
    assert!(
        sizes.len() >= 2 && sizes.iter().all(|s| *s <= MAX_REQUEST_BYTES),
        "{sizes:?}"
    );
    let events: Vec<String> = sdk
        .host
        .beaconed()
        .iter()
        .flat_map(|b| {
            (0..len_at(b, "events")).map(move |i| {
                let text = str_at(b, &format!("events.{i}.message")).expect("message");
                text.split(':').next().unwrap_or_default().to_string()
            })
        })
        .collect();
    let want: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    assert_eq!(events, want, "every event once, oldest first");
}

#[wasm_bindgen_test]
fn leaving_the_page_while_a_request_is_in_flight_beacons_the_rest() {
    let sdk = Running::start(&[]);
    assert!(message("in flight").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    let id = sdk.host.last_id();
    assert!(message("queued").is_some());
    page_leave();
    let beaconed = sdk.host.beaconed();
    assert_eq!(beaconed.len(), 1);
    assert_eq!(len_at(&beaconed[0], "events"), 1);
    assert_eq!(
        str_at(&beaconed[0], "events.0.message").as_deref(),
        Some("queued")
    );
    assert_eq!(
        in_flight(),
        Some(id),
        "the fetch in flight is still awaited"
    );
    sdk.host.answer(200, None);
    assert_eq!(queued(), 0);
}

#[wasm_bindgen_test]
fn a_refused_or_throwing_beacon_keeps_the_events() {
    for (name, result) in [
        ("false", JsValue::FALSE),
        ("undefined", JsValue::UNDEFINED),
        ("a truthy non-boolean", "yes".into()),
        ("throws", JsValue::TRUE),
    ] {
        let sdk = Running::start(&[]);
        if name == "throws" {
            sdk.host.set_beacon_throws(true);
        } else {
            sdk.host.set_beacon_result(&result);
        }
        assert!(message("x").is_some());
        page_leave();
        assert_eq!(
            queued(),
            1,
            "{name}: kept for when the page comes back (bfcache)"
        );
        assert_eq!(sdk.host.beaconed().len(), 1, "{name}");
        // The page came back: the next batch carries it.
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "{name}");
        assert_eq!(len_at(&sdk.host.fetched()[0], "events"), 1, "{name}");
    }
}

#[wasm_bindgen_test]
fn leaving_the_page_after_a_network_error_still_uses_the_beacon() {
    for status in [0, 408, 500] {
        let sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        sdk.host.answer(status, None);
        assert_eq!(queued(), 1);
        assert_eq!(
            flush_step(),
            FLUSH_BLOCKED,
            "{status}: the SDK backs off before fetching again"
        );
        page_leave();
        assert_eq!(
            sdk.host.beaconed().len(),
            1,
            "{status}: the back-off kept the events from the last chance to send them"
        );
        assert_eq!(queued(), 0, "{status}");
    }
}

#[wasm_bindgen_test]
fn leaving_the_page_honours_the_collectors_retry_after() {
    for status in [429, 503] {
        let sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        sdk.host.answer(status, Some(30.0));
        page_leave();
        assert!(
            sdk.host.beaconed().is_empty(),
            "{status}: a beacon while the collector asked to wait"
        );
        assert_eq!(queued(), 1, "{status}");
        close();
        assert!(sdk.host.beaconed().is_empty(), "{status}: nor at close");
    }
}

#[wasm_bindgen_test]
fn close_hands_one_batch_to_the_beacon() {
    let sdk = Running::start(&[]);
    assert!(message("a").is_some());
    assert!(message("b").is_some());
    close();
    assert!(!is_enabled());
    let beaconed = sdk.host.beaconed();
    assert_eq!(beaconed.len(), 1);
    assert_eq!(len_at(&beaconed[0], "events"), 2);
    assert!(sdk.host.fetched().is_empty());

    // More than one request holds: one batch goes (the keepalive quota), the rest is lost
    // with the SDK. The loader's close() flushes by fetch before this.
    let sdk = Running::start(&[]);
    for i in 0..20 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    close();
    let sizes = sdk.host.beacon_sizes();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    assert!(sizes[0] <= MAX_REQUEST_BYTES, "{sizes:?}");
    assert_eq!(queued(), 0);
}

#[wasm_bindgen_test]
async fn chromium_takes_a_page_leave_beacon() {
    // The real sendBeacon (to a blocked port: nothing leaves the machine). A beacon over the
    // 64 KiB keepalive quota would be refused and its events kept queued. First let earlier
    // tests' keepalive requests fail and free the quota.
    let _ = sleep(100).await;
    let sdk = Running::start(&[]);
    sdk.host.set_real_beacon(true);
    for i in 0..20 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    page_leave();
    let sizes = sdk.host.beacon_sizes();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    let sent = len_at(&sdk.host.beaconed()[0], "events");
    assert_eq!(
        queued(),
        20 - sent,
        "Chromium refused a {} byte beacon",
        sizes[0]
    );
}

// ---------------------------------------------------------------------------------------------
// Bugs that were fixed: these failed before the fixes and keep them fixed.
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn leaving_the_page_during_a_large_fetch_still_sends_the_queue() {
    // Chromium counts the keepalive fetch in flight and the beacon against one 64 KiB quota:
    // with requests of up to 60 KB, a beacon next to a large fetch was refused, and what it
    // carried was lost when the page went away. Requests are now at most 32 KB.
    // First let earlier tests' keepalive requests fail and free the quota.
    let _ = sleep(100).await;
    let sdk = Running::start(&[]);
    sdk.host.set_real_fetch(true);
    sdk.host.set_real_beacon(true);
    for i in 0..22 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "a large batch is in flight");
    let fetch_size = sdk.host.fetch_sizes()[0];
    assert!(
        (25_000..=MAX_REQUEST_BYTES).contains(&fetch_size),
        "a batch as large as a request gets: {fetch_size} bytes"
    );
    let left = queued();
    assert!(left > 0);
    page_leave();
    let sizes = sdk.host.beacon_sizes();
    assert_eq!(sizes.len(), 1);
    assert!(sizes[0] > 25_000, "a large beacon too: {sizes:?}");
    assert!(
        queued() < left,
        "Chromium refused a {} byte beacon beside a {fetch_size} byte fetch: {left} events stay \
         queued as the page goes away",
        sizes[0]
    );
}
