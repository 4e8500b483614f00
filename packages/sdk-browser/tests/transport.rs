//! Sending through the host while the page stays: `flushStep` and the states it reports, one
//! request in flight at a time, request ids and which answer settles a request, the tunnel,
//! full batches, the flush interval scheduled through `host.schedule`, and the collector's
//! answers (which drop or keep a batch, 429 and 503 with `Retry-After`, retries) and a host
//! that refuses or throws. Leaving the page and `close` are in `beacons.rs`. How to run them,
//! and how the tests of one file share the SDK: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use monitor_sdk_browser::api::{
    capture_message, close, flush_step, queued, track, FLUSH_BLOCKED, FLUSH_DONE, FLUSH_IN_FLIGHT,
};
use monitor_sdk_browser::state::with_sdk;
use monitor_sdk_browser::transport::{on_response, page_leave, tick};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------------
// Sending: host.send, request ids, the timer
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn flush_step_sends_one_batch_at_a_time() {
    let sdk = Running::start(&[]);
    assert!(message("a").is_some());
    assert!(track("b".into(), JsValue::UNDEFINED).is_some());
    assert!(
        sdk.host.requests().is_empty(),
        "nothing is sent before it is due"
    );

    let before = js_sys::Date::now();
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "a request is in flight");
    assert_eq!(queued(), 0, "the batch is in flight");
    assert_eq!(
        in_flight(),
        Some(sdk.host.last_id()),
        "send got the request id"
    );
    assert!(message("c").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "still in flight");
    let requests = sdk.host.requests();
    assert_eq!(requests.len(), 1, "one request at a time");
    let (url, body, beacon) = &requests[0];
    assert_eq!(url, INGEST_URL);
    assert!(!beacon);
    assert_eq!(
        str_at(body, "sdk.name").as_deref(),
        Some("monitor-sdk.browser")
    );
    assert_eq!(str_at(body, "sdk.version").as_deref(), Some("0.1.0"));
    assert!(num_at(body, "sent_at").is_some_and(|t| t >= before));
    assert_eq!(len_at(body, "events"), 2);
    assert_eq!(str_at(body, "events.0.message").as_deref(), Some("a"));
    assert_eq!(str_at(body, "events.1.name").as_deref(), Some("b"));

    sdk.host.answer(200, None);
    assert_eq!(in_flight(), None);
    assert_eq!(queued(), 1, "c waits for its batch");
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "the next batch goes out");
    assert_eq!(sdk.host.fetched().len(), 2);
    assert_eq!(
        str_at(&sdk.host.fetched()[1], "events.0.message").as_deref(),
        Some("c")
    );
    sdk.host.answer(204, None);
    assert_eq!(queued(), 0);
    assert_eq!(
        flush_step(),
        FLUSH_DONE,
        "nothing in flight, nothing queued"
    );
    assert_eq!(flush_step(), FLUSH_DONE, "and again: nothing is sent");
    sdk.host.answer(200, None);
    assert_eq!(
        sdk.host.requests().len(),
        2,
        "a stray answer changes nothing"
    );
}

#[wasm_bindgen_test]
fn flush_step_says_done_in_flight_or_blocked() {
    // What the loader's flush() loop reads: 0 done, 1 wait for the answer, 2 give up for now.
    assert_eq!((FLUSH_DONE, FLUSH_IN_FLIGHT, FLUSH_BLOCKED), (0, 1, 2));
    reset();
    assert_eq!(flush_step(), FLUSH_DONE, "no SDK");
    let sdk = Running::start(&[]);
    assert_eq!(flush_step(), FLUSH_DONE, "nothing queued");
    assert!(sdk.host.requests().is_empty());

    assert!(message("a").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    assert_eq!(queued(), 0);
    assert_eq!(
        flush_step(),
        FLUSH_IN_FLIGHT,
        "in flight with an empty queue is not done"
    );
    sdk.host.answer(200, None);
    assert_eq!(flush_step(), FLUSH_DONE, "delivered");

    // The collector asks to wait: queued events are blocked, not done.
    assert!(message("b").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    sdk.host.answer(503, Some(30.0));
    assert_eq!(queued(), 1);
    assert_eq!(flush_step(), FLUSH_BLOCKED);
    assert_eq!(sdk.host.fetched().len(), 2, "no request while blocked");

    // A request still in flight while the SDK closes: no SDK, nothing more to wait for.
    let sdk = Running::start(&[]);
    assert!(message("c").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    close();
    assert_eq!(flush_step(), FLUSH_DONE, "after close");
    assert_eq!(sdk.host.fetched().len(), 1);
}

#[wasm_bindgen_test]
fn request_ids_start_at_a_random_value() {
    let mut first_ids = Vec::new();
    for _ in 0..4 {
        let sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        first_ids.push(sdk.host.last_id());
    }
    first_ids.sort_unstable();
    first_ids.dedup();
    assert!(
        first_ids.len() >= 2,
        "four SDKs all started at request id {first_ids:?}"
    );
}

#[wasm_bindgen_test]
fn only_the_answer_to_the_request_in_flight_settles_it() {
    let sdk = Running::start(&[]);
    assert!(message("a").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    let id = sdk.host.last_id();
    assert_eq!(in_flight(), Some(id));
    for wrong in [id.wrapping_add(1), id.wrapping_sub(1), 0, u32::MAX] {
        for status in [200, 503, 0] {
            on_response(wrong, status, f64::NAN);
            assert_eq!(in_flight(), Some(id), "answer {status} to request {wrong}");
            assert_eq!(queued(), 0, "answer {status} to request {wrong}");
        }
    }
    sdk.host.answer(200, None);
    assert_eq!(in_flight(), None);
    // A repeated answer to a settled request changes nothing.
    sdk.host.answer(503, None);
    assert_eq!(queued(), 0, "a second answer re-queued a delivered batch");

    assert!(message("b").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    let next = sdk.host.last_id();
    assert_ne!(next, id, "each request has its own id");
    on_response(id, 200, f64::NAN);
    assert_eq!(
        in_flight(),
        Some(next),
        "the previous id settled the next request"
    );
    sdk.host.answer(500, None);
    assert_eq!(in_flight(), None);
    assert_eq!(queued(), 1);
}

#[wasm_bindgen_test]
fn the_tunnel_receives_the_same_body() {
    let sdk = Running::start(&[("tunnel", "/monitor-tunnel".into())]);
    assert!(message("a").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    let requests = sdk.host.requests();
    assert_eq!(requests[0].0, "/monitor-tunnel?key=k&project_id=1");
    assert_eq!(len_at(&requests[0].1, "events"), 1);
    page_leave();
    assert!(message("b").is_some());
    page_leave();
    let requests = sdk.host.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].2, "a beacon");
    assert_eq!(requests[1].0, "/monitor-tunnel?key=k&project_id=1");
}

#[wasm_bindgen_test]
fn a_full_batch_is_sent_at_once() {
    let sdk = Running::start(&[("maxBatchSize", 3.into())]);
    for i in 0..2 {
        assert!(capture_message(i.into(), JsValue::UNDEFINED).is_some());
    }
    assert!(sdk.host.requests().is_empty());
    assert!(capture_message(2.into(), JsValue::UNDEFINED).is_some());
    let fetched = sdk.host.fetched();
    assert_eq!(fetched.len(), 1, "the third event filled the batch");
    assert_eq!(len_at(&fetched[0], "events"), 3);
    assert_eq!(queued(), 0);
}

#[wasm_bindgen_test]
async fn the_flush_interval_is_scheduled_through_the_host() {
    let sdk = Running::start(&[("flushInterval", 40.into())]);
    assert!(message("timed").is_some());
    let delays = sdk.host.delays();
    assert_eq!(delays.len(), 1);
    assert!(delays[0] > 0.0 && delays[0] <= 40.0, "{delays:?}");
    assert!(message("same batch").is_some());
    assert_eq!(
        sdk.host.delays().len(),
        1,
        "the armed timer already covers it"
    );

    // A tick before the deadline sends nothing and asks again for the rest of the wait.
    tick();
    assert!(sdk.host.requests().is_empty());
    assert_eq!(sdk.host.delays().len(), 2);

    let _ = sleep(60).await;
    tick();
    let fetched = sdk.host.fetched();
    assert_eq!(fetched.len(), 1, "the timer sent the batch");
    assert_eq!(len_at(&fetched[0], "events"), 2);
    sdk.host.answer(200, None);
    assert_eq!(sdk.host.delays().len(), 2, "nothing left to wait for");
}

// ---------------------------------------------------------------------------------------------
// Answers: rate limits, retries, a host that refuses
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_429_keeps_the_events_and_honours_retry_after() {
    // A short interval, so the next attempt is set by Retry-After, not by the interval.
    let sdk = Running::start(&[("flushInterval", 10.into())]);
    assert!(message("limited").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    sdk.host.answer(429, Some(7.0));
    assert_eq!(queued(), 1, "kept for later");
    assert_eq!(flush_step(), FLUSH_BLOCKED, "no request while rate-limited");
    let _ = sleep(20).await;
    tick();
    assert_eq!(sdk.host.requests().len(), 1, "still waiting");
    let wait = *sdk.host.delays().last().expect("a timer");
    assert!(
        wait > 6_000.0 && wait <= 7_000.0,
        "next attempt in {wait} ms"
    );
}

#[wasm_bindgen_test]
fn retry_after_values_are_bounded() {
    // (Retry-After seconds as the loader passes it, expected wait in seconds)
    for (retry_after, want) in [
        (Some(0.5), 0.5),
        (Some(120.0), 120.0),
        (None, 60.0),
        (Some(-5.0), 60.0),
        (Some(f64::INFINITY), 60.0),
        (Some(1e12), 3_600.0),
    ] {
        for status in [429, 503] {
            let sdk = Running::start(&[("flushInterval", 0.into())]);
            assert!(message("m").is_some());
            assert!(in_flight().is_some(), "sent at once");
            let sent = js_sys::Date::now();
            sdk.host.answer(status, retry_after);
            assert_eq!(queued(), 1);
            let wake = with_sdk(|s| s.client.next_wakeup())
                .flatten()
                .expect("a wakeup");
            let wait = (wake - sent) / 1000.0;
            assert!(
                (wait - want).abs() < 0.5,
                "{status} with {retry_after:?}: next attempt in {wait} s, want {want} s"
            );
        }
    }
}

#[wasm_bindgen_test]
fn answers_that_drop_or_keep_the_batch() {
    // (status, events still queued afterwards)
    for (status, kept) in [
        (200, 0),
        (299, 0),
        (400, 0),
        (401, 0),
        (403, 0),
        (413, 0),
        (0, 1),
        (408, 1),
        (429, 1),
        (500, 1),
        (503, 1),
        // Not a u16: a garbled status is a failure, not a truncated 200.
        (65_736, 1),
        (u32::MAX, 1),
    ] {
        let sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        sdk.host.answer(status, None);
        assert_eq!(queued(), kept, "status {status}");
        assert_eq!(in_flight(), None, "status {status}");
    }
}

#[wasm_bindgen_test]
fn a_failed_batch_is_retried_three_times_then_dropped() {
    let sdk = Running::start(&[]);
    assert!(message("m").is_some());
    for attempt in 1..=3 {
        // Each attempt after the 5 s back-off: a later clock, passed to the client directly.
        with_sdk(|s| {
            s.client
                .flush(js_sys::Date::now() + 10_000.0 * f64::from(attempt))
        });
        assert!(in_flight().is_some(), "attempt {attempt}");
        sdk.host.answer(500, None);
        assert_eq!(queued(), u32::from(attempt < 3), "after attempt {attempt}");
    }
    assert_eq!(sdk.host.fetched().len(), 3);
    let ids = sdk.host.ids();
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "{ids:?}");
}

#[wasm_bindgen_test]
fn a_host_that_refuses_or_throws_keeps_the_events() {
    for (name, refuse) in [
        ("false", JsValue::FALSE),
        ("undefined", JsValue::UNDEFINED),
        ("a truthy non-boolean", "yes".into()),
        ("throws", JsValue::TRUE),
    ] {
        let sdk = Running::start(&[]);
        if name == "throws" {
            sdk.host.set_send_throws(true);
        } else {
            sdk.host.set_send_result(&refuse);
        }
        assert!(message("x").is_some());
        assert_eq!(flush_step(), FLUSH_BLOCKED, "{name}: nothing in flight");
        assert_eq!(queued(), 1, "{name}");
        assert_eq!(flush_step(), FLUSH_BLOCKED, "{name}: backing off");
        assert_eq!(sdk.host.requests().len(), 1, "{name}");
    }
}
