//! The web-vitals export `perf` through the real wasm and the real page's performance
//! timeline: what the loader is told to observe, entries handed over as the observers would,
//! the lifecycle calls (input, hidden, restore, load, timer), and the events that come out.
//! The metric rules themselves are unit-tested natively in sdk-browser-utils; here the
//! entries are plain objects shaped like the browser's, and a test "node" is an object whose
//! `sel` the test host returns as its selector. How to run: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Array;
use monitor_sdk_browser::vitals::{
    perf, PERF_ENTRIES, PERF_HIDDEN, PERF_INPUT, PERF_LOADED, PERF_RESTORE, PERF_RESTORED,
    PERF_START, PERF_TIMER,
};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn entries(list: &[JsValue]) -> JsValue {
    list.iter().collect::<Array>().into()
}

fn node(selector: &str) -> JsValue {
    obj(&[("nodeType", 1.0.into()), ("sel", selector.into())])
}

fn paint(name: &str, start: f64) -> JsValue {
    obj(&[
        ("entryType", "paint".into()),
        ("name", name.into()),
        ("startTime", start.into()),
    ])
}

fn shift(start: f64, value: f64, selector: &str) -> JsValue {
    let source = obj(&[("node", node(selector))]);
    obj(&[
        ("entryType", "layout-shift".into()),
        ("startTime", start.into()),
        ("value", value.into()),
        ("hadRecentInput", false.into()),
        ("sources", entries(&[source])),
    ])
}

fn interaction(name: &str, id: f64, start: f64, duration: f64, selector: &str) -> JsValue {
    obj(&[
        ("entryType", "event".into()),
        ("name", name.into()),
        ("startTime", start.into()),
        ("duration", duration.into()),
        ("processingStart", (start + 10.0).into()),
        ("processingEnd", (start + duration - 20.0).into()),
        ("interactionId", id.into()),
        ("target", node(selector)),
    ])
}

fn resource(url: &str, initiator: &str, duration: f64) -> JsValue {
    obj(&[
        ("entryType", "resource".into()),
        ("name", url.into()),
        ("initiatorType", initiator.into()),
        ("startTime", 20.0.into()),
        ("duration", duration.into()),
        ("transferSize", 1_000.0.into()),
    ])
}

fn feed(list: &[JsValue]) {
    perf(PERF_ENTRIES, entries(list), 0.0);
}

/// The events of `sdk` of `type`, and for `web_vital` of `name`.
fn vitals(sdk: &Running, name: &str) -> Vec<JsValue> {
    sdk.events()
        .into_iter()
        .filter(|e| str_at(e, "type").as_deref() == Some("web_vital"))
        .filter(|e| str_at(e, "name").as_deref() == Some(name))
        .collect()
}

fn of_type(sdk: &Running, kind: &str) -> Vec<JsValue> {
    sdk.events()
        .into_iter()
        .filter(|e| str_at(e, "type").as_deref() == Some(kind))
        .collect()
}

#[wasm_bindgen_test]
fn before_init_every_kind_is_a_no_op_whatever_it_is_given() {
    reset();
    for (name, value) in hostile_values() {
        for kind in 0..10 {
            let result = perf(kind, value.clone(), f64::NAN);
            assert!(result.is_undefined(), "perf({kind}, {name})");
        }
    }
}

#[wasm_bindgen_test]
fn metrics_the_browser_cannot_measure_are_not_observed() {
    // Firefox: no layout-shift, no longtask. CLS and TBT are then not reported at all.
    let _sdk = Running::start(&[]);
    let firefox =
        "event first-input largest-contentful-paint mark measure navigation paint resource";
    let types = perf(PERF_START, firefox.into(), 0.0).as_string();
    assert_eq!(
        types.as_deref(),
        Some("paint largest-contentful-paint event first-input resource")
    );
}

#[wasm_bindgen_test]
fn the_loader_is_told_which_entry_types_to_observe() {
    let sdk = Running::start(&[]);
    let types = perf(PERF_START, JsValue::UNDEFINED, 0.0).as_string();
    assert_eq!(
        types.as_deref(),
        Some("paint largest-contentful-paint layout-shift event first-input longtask resource")
    );
    assert!(
        perf(PERF_START, JsValue::UNDEFINED, 0.0).is_undefined(),
        "started once"
    );
    drop(sdk);

    let off = obj(&[
        ("CLS", false.into()),
        ("INP", false.into()),
        ("resources", false.into()),
        ("reportAllChanges", true.into()),
    ]);
    let _sdk = Running::start(&[("webVitals", off)]);
    let types = perf(PERF_START, JsValue::UNDEFINED, 0.0).as_string();
    assert_eq!(
        types.as_deref(),
        Some("paint largest-contentful-paint longtask")
    );
}

#[wasm_bindgen_test]
fn web_vitals_false_measures_nothing() {
    let sdk = Running::start(&[("webVitals", false.into())]);
    assert!(perf(PERF_START, JsValue::UNDEFINED, 0.0).is_undefined());
    feed(&[paint("first-contentful-paint", 100.0)]);
    perf(PERF_HIDDEN, JsValue::UNDEFINED, 1_000.0);
    assert_eq!(sdk.seen(), 0);
}

#[wasm_bindgen_test]
fn a_page_life_sends_each_metric_once_with_attribution() {
    let sdk = Running::start(&[]);
    perf(PERF_START, JsValue::UNDEFINED, 0.0);
    feed(&[
        paint("first-paint", 90.0),
        paint("first-contentful-paint", 100.0),
    ]);
    let lcp = obj(&[
        ("entryType", "largest-contentful-paint".into()),
        ("startTime", 400.0.into()),
        ("url", "".into()),
        ("element", node("main>h1.title")),
    ]);
    feed(&[lcp]);
    feed(&[shift(500.0, 0.05, "div.ad"), shift(700.0, 0.1, "img")]);
    feed(&[
        interaction("pointerdown", 7.0, 2_000.0, 56.0, "button#slow"),
        interaction("click", 14.0, 3_000.0, 320.0, "button.buy"),
    ]);
    feed(&[
        resource("https://cdn.example/app.js", "script", 80.0),
        resource(INGEST_URL, "fetch", 500.0),
    ]);
    assert_eq!(vitals(&sdk, "FP").len(), 1);
    let fcp = vitals(&sdk, "FCP");
    assert_eq!(fcp.len(), 1);
    assert_eq!(num_at(&fcp[0], "value"), Some(100.0));
    assert_eq!(str_at(&fcp[0], "rating").as_deref(), Some("good"));
    assert_eq!(
        str_at(&fcp[0], "navigation_type").as_deref(),
        Some("navigate")
    );
    assert!(num_at(&fcp[0], "attribution.time_to_first_byte").is_some());
    assert!(
        vitals(&sdk, "LCP").is_empty(),
        "LCP waits for input or hidden"
    );

    perf(PERF_INPUT, JsValue::UNDEFINED, 0.0);
    let lcp = vitals(&sdk, "LCP");
    assert_eq!(lcp.len(), 1);
    assert_eq!(num_at(&lcp[0], "value"), Some(400.0));
    assert_eq!(
        str_at(&lcp[0], "attribution.target").as_deref(),
        Some("main>h1.title")
    );

    perf(PERF_HIDDEN, JsValue::UNDEFINED, 5_000.0);
    perf(PERF_HIDDEN, JsValue::UNDEFINED, 6_000.0);
    let cls = vitals(&sdk, "CLS");
    assert_eq!(cls.len(), 1, "reported once for an unchanged value");
    assert!((num_at(&cls[0], "value").unwrap_or(0.0) - 0.15).abs() < 1e-9);
    assert_eq!(
        str_at(&cls[0], "attribution.largest_shift_target").as_deref(),
        Some("img")
    );
    let inp = vitals(&sdk, "INP");
    assert_eq!(inp.len(), 1);
    assert_eq!(num_at(&inp[0], "value"), Some(320.0));
    assert_eq!(
        str_at(&inp[0], "rating").as_deref(),
        Some("needs-improvement")
    );
    assert_eq!(
        str_at(&inp[0], "attribution.interaction_target").as_deref(),
        Some("button.buy")
    );
    assert_eq!(num_at(&inp[0], "attribution.input_delay"), Some(10.0));
    assert_eq!(vitals(&sdk, "TBT").len(), 1);
    let resources = of_type(&sdk, "resource_timing");
    assert_eq!(resources.len(), 1);
    assert_eq!(
        num_at(&resources[0], "count"),
        Some(1.0),
        "own requests left out"
    );

    let ids: Vec<String> = sdk
        .events()
        .iter()
        .filter_map(|e| str_at(e, "id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[wasm_bindgen_test]
fn the_load_sends_ttfb_and_navigation_timing_and_arms_the_quiet_window() {
    let sdk = Running::start(&[]);
    perf(PERF_START, JsValue::UNDEFINED, 0.0);
    feed(&[paint("first-contentful-paint", 100.0)]);
    let delay = perf(PERF_LOADED, JsValue::UNDEFINED, 0.0).as_f64();
    assert!(
        delay.is_some_and(|d| d > 4_000.0 && d <= 5_000.0),
        "{delay:?}"
    );
    assert!(
        perf(PERF_TIMER, JsValue::UNDEFINED, 0.0).as_f64().is_some(),
        "not yet"
    );
    // The test page has a real navigation entry.
    let ttfb = vitals(&sdk, "TTFB");
    assert_eq!(ttfb.len(), 1);
    assert!(num_at(&ttfb[0], "value").is_some_and(|v| v >= 0.0));
    assert!(num_at(&ttfb[0], "attribution.request_duration").is_some());
    let timing = of_type(&sdk, "navigation_timing");
    assert_eq!(timing.len(), 1);
    assert!(num_at(&timing[0], "timing.load").is_some_and(|v| v > 0.0));
}

#[wasm_bindgen_test]
fn a_back_forward_cache_restore_starts_fresh_metrics() {
    let sdk = Running::start(&[]);
    perf(PERF_START, JsValue::UNDEFINED, 0.0);
    feed(&[paint("first-contentful-paint", 100.0)]);
    perf(PERF_HIDDEN, JsValue::UNDEFINED, 1_000.0);
    let restored_at = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| js_sys::Reflect::get(&p, &"now".into()).ok().map(|f| (p, f)))
        .and_then(|(p, f)| f.dyn_into::<js_sys::Function>().ok()?.call0(&p).ok())
        .and_then(|n| n.as_f64())
        .expect("performance.now()");
    perf(PERF_RESTORE, JsValue::UNDEFINED, restored_at - 16.0);
    perf(PERF_RESTORED, JsValue::UNDEFINED, 0.0);
    for name in ["TTFB", "FCP", "LCP"] {
        let restored: Vec<JsValue> = vitals(&sdk, name)
            .into_iter()
            .filter(|e| str_at(e, "navigation_type").as_deref() == Some("back-forward-cache"))
            .collect();
        assert_eq!(restored.len(), 1, "{name}");
        let value = num_at(&restored[0], "value").unwrap_or(-1.0);
        assert!((0.0..1_000.0).contains(&value), "{name}: {value}");
    }
}

#[wasm_bindgen_test]
fn hostile_entries_are_skipped() {
    let sdk = Running::start(&[]);
    perf(PERF_START, JsValue::UNDEFINED, 0.0);
    let mut list: Vec<JsValue> = hostile_values().into_iter().map(|(_, v)| v).collect();
    list.push(obj(&[("entryType", "paint".into()), ("name", 5.0.into())]));
    list.push(obj(&[
        ("entryType", "layout-shift".into()),
        ("sources", throwing_proxy()),
    ]));
    feed(&list);
    for (_, value) in hostile_values() {
        perf(PERF_ENTRIES, value, f64::NAN);
    }
    perf(PERF_HIDDEN, JsValue::UNDEFINED, f64::NAN);
    assert_eq!(sdk.seen(), 0, "no FCP, so nothing to report");
}
