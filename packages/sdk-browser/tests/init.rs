//! `init` and its options: which DSNs it accepts, `enabled: false`, which `host.global` it
//! adopts, what a failed re-init leaves of a running SDK (its hook, its page access), how a
//! re-init hands the old queue to the old host's beacon and keeps answers to the old SDK's
//! requests away from the new one; and how `options::from_js` reads, defaults, clamps and cuts
//! each option. How to run them, and how the tests of one file share the SDK: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Reflect;
use monitor_sdk_browser::api::{
    capture_exception, close, flush_step, init, is_enabled, queued, set_user_field, track,
    FLUSH_IN_FLIGHT,
};
use monitor_sdk_browser::options::from_js;
use monitor_sdk_browser::state::with_sdk;
use monitor_sdk_browser::transport::on_response;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------------
// init and re-init
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn init_refuses_malformed_dsns_and_stays_disabled() {
    reset();
    let bad = [
        JsValue::UNDEFINED,
        JsValue::from_f64(1.0),
        "".into(),
        "   ".into(),
        "ftp://k@h/1".into(),
        "http://h/1".into(),
        "http://k y@h/1".into(),
        "http://k@/1".into(),
        "http://k@h:99999/1".into(),
        "http://k@h".into(),
        "http://k@h/0".into(),
        "http://k@h/abc".into(),
        "http://k@h/1234567890123456789".into(),
    ];
    for dsn in bad {
        let text = dsn.as_string().unwrap_or_else(|| "<not a string>".into());
        let host = make_host(&JsValue::UNDEFINED);
        assert!(
            !init(quiet_options(&[("dsn", dsn)]), host.into()),
            "init accepted DSN {text:?}"
        );
        assert!(!is_enabled(), "enabled after DSN {text:?}");
        assert!(
            with_sdk(|_| ()).is_none(),
            "an SDK was installed for {text:?}"
        );
    }
}

#[wasm_bindgen_test]
fn init_with_a_valid_dsn_enables_the_sdk() {
    reset();
    for dsn in [
        DSN,
        "https://key_1-x@collector.example:8443/prefix/42",
        " HTTP://k:secret@127.0.0.1:9/7 ",
    ] {
        let host = make_host(&JsValue::UNDEFINED);
        assert!(
            init(quiet_options(&[("dsn", dsn.into())]), host.into()),
            "{dsn}"
        );
        assert!(is_enabled(), "{dsn}");
        close();
        assert!(!is_enabled());
    }
}

#[wasm_bindgen_test]
fn init_with_enabled_false_installs_a_silent_sdk() {
    reset();
    let host = make_host(&JsValue::UNDEFINED);
    let options = quiet_options(&[("enabled", false.into())]);
    assert!(!init(options, host.clone().into()));
    assert!(!is_enabled());
    assert_eq!(capture_exception("x".into()), None);
    assert_eq!(track("t".into(), JsValue::UNDEFINED), None);
    assert_eq!(queued(), 0);
    close();
    assert!(host.requests().is_empty() && host.delays().is_empty());
}

#[wasm_bindgen_test]
fn a_broken_re_init_keeps_the_running_sdk() {
    let sdk = Running::start(&[]);
    let other = make_host(&JsValue::UNDEFINED);
    assert!(!init(obj(&[("dsn", "nope".into())]), other.into()));
    assert!(is_enabled(), "a bad re-init must not silence a working SDK");
    assert!(message("still here").is_some());
    assert_eq!(sdk.seen(), 1, "the original hook is still installed");
}

/// A stand-in global object whose page context is recognisable in events.
fn fake_global() -> JsValue {
    obj(&[
        ("location", obj(&[("href", "https://fake.test/".into())])),
        ("String", at(&js_sys::global().into(), "String")),
    ])
}

#[wasm_bindgen_test]
fn init_adopts_host_global_only_when_it_is_an_object() {
    let href = str_at(&js_sys::global().into(), "location.href").expect("location.href");
    // (host.global, the page URL events carry afterwards)
    for (name, global, want) in [
        ("the page's global", Some(js_sys::global().into()), &*href),
        ("another object", Some(fake_global()), "https://fake.test/"),
        ("missing", None, &*href),
        ("undefined", Some(JsValue::UNDEFINED), &*href),
        ("null", Some(JsValue::NULL), &*href),
        ("a string", Some("window".into()), &*href),
        ("a number", Some(5.into()), &*href),
    ] {
        reset();
        let host = make_host(&JsValue::UNDEFINED);
        match global {
            Some(global) => Reflect::set(&host, &"global".into(), &global).expect("set global"),
            None => {
                Reflect::delete_property(host.unchecked_ref::<js_sys::Object>(), &"global".into())
                    .expect("delete global")
            }
        };
        assert!(init(quiet_options(&[]), host.clone().into()), "{name}");
        assert!(message("m").is_some(), "{name}");
        close();
        let beaconed = host.beaconed();
        assert_eq!(beaconed.len(), 1, "{name}");
        assert_eq!(
            str_at(&beaconed[0], "events.0.page.url").as_deref(),
            Some(want),
            "{name}"
        );
    }
    reset();
}

#[wasm_bindgen_test]
fn a_broken_re_init_keeps_the_running_sdks_page_access() {
    let sdk = Running::start(&[]);
    // Hosts without an object `global`, and a DSN that makes init fail.
    for host in [obj(&[]), obj(&[("global", "window".into())]), JsValue::NULL] {
        assert!(!init(obj(&[("dsn", "nope".into())]), host));
        assert!(is_enabled());
        set_user_field("id".into(), 7.into());
        assert!(message("m").is_some());
        let ev = sdk.last_event();
        assert_eq!(str_at(&ev, "user.id").as_deref(), Some("7"));
        assert!(
            str_at(&ev, "page.url").is_some(),
            "the page context is gone"
        );
        assert!(str_at(&ev, "browser.user_agent").is_some());
    }
}

#[wasm_bindgen_test]
fn re_init_hands_the_old_queue_to_the_old_host_and_replaces_it() {
    let first = Running::start(&[("release", "first".into())]);
    assert!(message("old").is_some());
    // A second SDK, without close(): the old SDK's queue leaves by the OLD host's beacon,
    // and from now on only the new host and hook are used.
    let second_host = make_host(&JsValue::UNDEFINED);
    assert!(init(
        quiet_options(&[("release", "second".into())]),
        second_host.clone().into()
    ));
    assert!(is_enabled());
    let handed_over = first.host.beaconed();
    assert_eq!(handed_over.len(), 1, "the old queue went to the old beacon");
    assert_eq!(len_at(&handed_over[0], "events"), 1);
    assert_eq!(
        str_at(&handed_over[0], "events.0.message").as_deref(),
        Some("old")
    );
    assert_eq!(
        str_at(&handed_over[0], "events.0.release").as_deref(),
        Some("first")
    );
    assert!(first.host.fetched().is_empty());
    assert!(
        second_host.requests().is_empty(),
        "the new host saw nothing of the old SDK"
    );
    assert_eq!(queued(), 0, "the new SDK starts with an empty queue");

    assert!(message("new").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    assert_eq!(first.seen(), 1, "the old hook saw only the old event");
    assert_eq!(first.host.requests().len(), 1, "the old host is not used");
    let fetched = second_host.fetched();
    assert_eq!(fetched.len(), 1);
    assert_eq!(len_at(&fetched[0], "events"), 1);
    assert_eq!(
        str_at(&fetched[0], "events.0.message").as_deref(),
        Some("new")
    );
    assert_eq!(
        str_at(&fetched[0], "events.0.release").as_deref(),
        Some("second")
    );
}

#[wasm_bindgen_test]
fn re_init_hands_over_one_batch_of_the_old_queue() {
    // The beacon carries one request (the browser's keepalive quota); the rest of the old
    // queue is dropped with the old SDK.
    let first = Running::start(&[]);
    for i in 0..20 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    let second_host = make_host(&JsValue::UNDEFINED);
    assert!(init(quiet_options(&[]), second_host.clone().into()));
    let sizes = first.host.beacon_sizes();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    assert!(sizes[0] <= MAX_REQUEST_BYTES, "{sizes:?}");
    let handed_over = first.host.beaconed();
    let count = len_at(&handed_over[0], "events");
    assert!((1..20).contains(&count), "{count} of 20 events");
    assert!(
        str_at(&handed_over[0], "events.0.message").is_some_and(|m| m.starts_with("0:")),
        "the oldest events go first"
    );
    assert_eq!(queued(), 0);
    assert!(second_host.requests().is_empty());
}

#[wasm_bindgen_test]
fn an_answer_from_before_a_re_init_does_not_settle_the_new_request() {
    for close_first in [true, false] {
        let sdk = Running::start(&[]);
        assert!(message("old").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        let old_id = sdk.host.last_id();
        // init again while the first request is in flight (the loader's close() closes the
        // wasm when flush() times out; a page can init again after it), then send from the
        // new SDK through the same host.
        if close_first {
            close();
        }
        sdk.reinit(&[]);
        assert!(message("new").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        assert_eq!(sdk.host.fetched().len(), 2);
        let new_id = sdk.host.last_id();
        assert_ne!(new_id, old_id, "the new SDK reused the old request id");
        // The loader reports the old request's answer: it says nothing about the new one.
        for status in [200, 503, 400] {
            on_response(old_id, status, f64::NAN);
            assert_eq!(
                in_flight(),
                Some(new_id),
                "close first: {close_first}: the old answer {status} settled the new request"
            );
        }
        assert_eq!(queued(), 0);
        // The new request fails: its event comes back to the queue.
        sdk.host.answer(503, None);
        assert_eq!(in_flight(), None);
        assert_eq!(
            queued(),
            1,
            "close first: {close_first}: the new event was lost"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn options_of_the_wrong_type_fall_back_to_defaults() {
    reset();
    let wrong = obj(&[
        ("dsn", 5.into()),
        ("release", 1.into()),
        ("environment", JsValue::NULL),
        ("sampleRate", "0.5".into()),
        ("maxBreadcrumbs", "3".into()),
        ("enabled", "no".into()),
        ("debug", 1.into()),
        ("tunnel", JsValue::TRUE),
        ("maxBatchSize", f64::NAN.into()),
        ("flushInterval", f64::INFINITY.into()),
        ("maxQueueSize", JsValue::symbol(None)),
    ]);
    for (name, js) in [
        ("wrong types", wrong),
        ("undefined", JsValue::UNDEFINED),
        ("a string", "dsn".into()),
        ("a throwing proxy", throwing_proxy()),
        ("a revoked proxy", revoked_proxy()),
    ] {
        let o = from_js(&js);
        assert_eq!(o.dsn, "", "{name}");
        assert_eq!(o.release, None, "{name}");
        assert_eq!(o.environment, None, "{name}");
        assert_eq!(o.sample_rate, 1.0, "{name}");
        assert_eq!(o.max_breadcrumbs, 100, "{name}");
        assert!(o.enabled, "{name}");
        assert!(!o.debug, "{name}");
        assert_eq!(o.tunnel, None, "{name}");
        assert_eq!(o.max_batch_events, 30, "{name}");
        assert_eq!(o.flush_interval_ms, 5_000.0, "{name}");
        assert_eq!(o.max_queued_events, 500, "{name}");
    }
}

#[wasm_bindgen_test]
fn options_are_read_and_clamped() {
    reset();
    let o = from_js(&obj(&[
        ("dsn", DSN.into()),
        ("release", "1.2.3".into()),
        ("environment", "staging".into()),
        ("sampleRate", 7.0.into()),
        ("maxBreadcrumbs", 1e300.into()),
        ("enabled", false.into()),
        ("debug", true.into()),
        ("tunnel", "/t".into()),
        ("maxBatchSize", 0.0.into()),
        ("flushInterval", (-5.0).into()),
        ("maxQueueSize", 1e9.into()),
    ]));
    assert_eq!(o.dsn, DSN);
    assert_eq!(o.release.as_deref(), Some("1.2.3"));
    assert_eq!(o.environment.as_deref(), Some("staging"));
    assert_eq!(o.sample_rate, 1.0);
    assert_eq!(o.max_breadcrumbs, 100);
    assert!(!o.enabled);
    assert!(o.debug);
    assert_eq!(o.tunnel.as_deref(), Some("/t"));
    assert_eq!(o.max_batch_events, 1);
    assert_eq!(o.flush_interval_ms, 0.0);
    assert_eq!(o.max_queued_events, 10_000);

    let o = from_js(&obj(&[
        ("sampleRate", (-1.0).into()),
        ("maxBreadcrumbs", (-4.0).into()),
        ("maxBatchSize", 2.9.into()),
    ]));
    assert_eq!(o.sample_rate, 0.0);
    assert_eq!(o.max_breadcrumbs, 100, "a negative count is ignored");
    assert_eq!(o.max_batch_events, 2);
}

#[wasm_bindgen_test]
fn release_and_environment_are_cut() {
    reset();
    let o = from_js(&obj(&[
        ("release", "r".repeat(1_000).into()),
        ("environment", "é".repeat(1_000).into()),
    ]));
    // Limits are in bytes of UTF-8, cut on a character boundary, then '…' (3 bytes).
    assert_eq!(
        o.release,
        Some(format!("{}…", "r".repeat(200))),
        "200 bytes plus '…'"
    );
    assert_eq!(
        o.environment,
        Some(format!("{}…", "é".repeat(32))),
        "64 bytes (32 two-byte chars) plus '…'"
    );

    let o = from_js(&obj(&[
        ("release", "😀".repeat(51).into()),
        ("environment", "€".repeat(22).into()),
    ]));
    assert_eq!(
        o.release,
        Some(format!("{}…", "😀".repeat(50))),
        "200 bytes: 50 four-byte chars"
    );
    assert_eq!(
        o.environment,
        Some(format!("{}…", "€".repeat(21))),
        "63 bytes: the cut does not split the 22nd three-byte char"
    );

    let o = from_js(&obj(&[
        ("release", "é".repeat(100).into()),
        ("environment", "e".repeat(64).into()),
    ]));
    assert_eq!(o.release, Some("é".repeat(100)), "200 bytes are kept whole");
    assert_eq!(
        o.environment,
        Some("e".repeat(64)),
        "64 bytes are kept whole"
    );

    // Every event carries them, so they are cut before the first event is encoded.
    let sdk = Running::start(&[("release", "é".repeat(100_000).into())]);
    assert!(message("m").is_some());
    let release = str_at(&sdk.last_event(), "release").expect("release");
    assert_eq!(release, format!("{}…", "é".repeat(100)));
}

// ---------------------------------------------------------------------------------------------
// Bugs that were fixed: these failed before the fixes and keep them fixed.
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn a_failed_init_keeps_the_running_sdks_global() {
    let sdk = Running::start(&[]);
    // init used to set the global before it checked the DSN.
    let host = obj(&[("global", fake_global())]);
    assert!(!init(obj(&[("dsn", "nope".into())]), host));
    assert!(is_enabled());
    assert!(message("m").is_some());
    let href = str_at(&js_sys::global().into(), "location.href");
    assert_eq!(
        str_at(&sdk.last_event(), "page.url"),
        href,
        "events now describe the failed init's global"
    );
    assert!(
        str_at(&sdk.last_event(), "browser.user_agent").is_some(),
        "the browser context is gone"
    );
    // A successful re-init adopts its host's global.
    let host = make_host(&JsValue::UNDEFINED);
    Reflect::set(&host, &"global".into(), &fake_global()).expect("set global");
    assert!(init(quiet_options(&[]), host.clone().into()));
    assert!(message("m").is_some());
    close();
    assert_eq!(
        str_at(&host.beaconed()[0], "events.0.page.url").as_deref(),
        Some("https://fake.test/")
    );
    reset();
}
