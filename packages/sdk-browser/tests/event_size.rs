//! Events at the request size limit (32,000 bytes, `MAX_REQUEST_BYTES`): a large user value, a
//! long breadcrumb trail, a full user and tags (in plain, multibyte and escaped text), a full
//! extra map and a long error beside a full scope must not make every event too large to send:
//! the SDK cuts or leaves off parts of the scope instead of dropping the event. How to run
//! them, and how the tests of one file share the SDK: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Reflect;
use monitor_sdk_browser::api::{
    add_breadcrumb, capture_exception, close, set_extra, set_tag, set_user_field,
};
use monitor_sdk_browser::state::with_sdk;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------------
// A large user value, a long breadcrumb trail
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn a_large_user_value_does_not_drop_every_event() {
    let sdk = Running::start(&[]);
    set_user_field("id".into(), "x".repeat(70_000).into());
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
    let id = str_at(&sdk.last_event(), "user.id").expect("user.id");
    assert_eq!(id, format!("{}…", "x".repeat(256)));
}

#[wasm_bindgen_test]
fn an_event_too_large_with_its_breadcrumbs_is_sent_without_them() {
    let sdk = Running::start(&[]);
    set_tag("kept".into(), "yes".into());
    for i in 0..3 {
        add_breadcrumb(obj(&[("message", format!("small {i}").into())]));
    }
    assert!(message("with a short trail").is_some());
    assert_eq!(len_at(&sdk.last_event(), "breadcrumbs"), 3);

    // A noisy console: 100 breadcrumbs of 1 KB messages and 2 KB data, about 300 KB.
    for i in 0..100 {
        add_breadcrumb(obj(&[
            ("category", "console".into()),
            ("message", format!("{i}: {}", "x".repeat(1_000)).into()),
            ("data", obj(&[("arg", "y".repeat(2_000).into())])),
        ]));
    }
    let id = capture_exception(js_sys::Error::new("after a noisy console").into())
        .expect("the error was dropped as larger than one request");
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "event_id"), Some(id));
    assert!(
        at(&ev, "breadcrumbs").is_undefined(),
        "the trail that did not fit is left out"
    );
    assert_eq!(
        str_at(&ev, "exception.values.0.value").as_deref(),
        Some("after a noisy console")
    );
    assert_eq!(str_at(&ev, "tags.kept").as_deref(), Some("yes"));
    assert!(str_at(&ev, "page.url").is_some());
    assert!(sdk.host.requests().is_empty());
    close();
    let sizes = sdk.host.beacon_sizes();
    assert!(
        sizes.len() == 1 && sizes[0] <= MAX_REQUEST_BYTES,
        "{sizes:?}"
    );

    // Later events fit again once the trail is short again.
    let sdk = Running::start(&[("maxBreadcrumbs", 10.into())]);
    for i in 0..20 {
        add_breadcrumb(obj(&[
            ("message", format!("{i}: {}", "x".repeat(1_000)).into()),
            ("data", obj(&[("arg", "y".repeat(2_000).into())])),
        ]));
    }
    assert!(message("ten crumbs fit").is_some());
    assert_eq!(len_at(&sdk.last_event(), "breadcrumbs"), 10);
}

// ---------------------------------------------------------------------------------------------
// Bugs that were fixed: these failed before the fixes and keep them fixed.
// ---------------------------------------------------------------------------------------------

/// Sets 29 user fields (30 with the session id) and 50 tags at their key and value limits,
/// each key and value made of `text` repeated to the limit in bytes; returns (user fields,
/// tags) kept.
fn fill_user_and_tags(text: &str) -> Option<(usize, usize)> {
    let fill = |prefix: &str, i: usize, bytes: usize| {
        let mut s = format!("{prefix}{i}");
        while s.len() + text.len() <= bytes {
            s.push_str(text);
        }
        s
    };
    for i in 0..29 {
        set_user_field(fill("u", i, 64).into(), fill("", i, 256).into());
    }
    for i in 0..50 {
        set_tag(fill("t", i, 32).into(), fill("", i, 200).into());
    }
    with_sdk(|sdk| (sdk.client.scope.user.len(), sdk.client.scope.tags.len()))
}

#[wasm_bindgen_test]
fn a_full_user_and_tags_in_multibyte_text_do_not_drop_every_event() {
    let sdk = Running::start(&[]);
    // Within every cap (29 user fields and 50 tags, keys and values at their limits) in 4
    // bytes a char: limits in chars allowed about 80 KB of user and tags, more than one
    // request holds. In bytes they are about 21 KB.
    assert_eq!(
        fill_user_and_tags("😀"),
        Some((30, 50)),
        "every field was kept"
    );
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "user").len(), 30);
    assert_eq!(keys_at(&ev, "tags").len(), 50);
    assert!(
        sdk.last_event_size() <= MAX_REQUEST_BYTES - 256,
        "fits a request"
    );
}

#[wasm_bindgen_test]
fn a_full_user_and_tags_and_the_longest_message_fit_one_request() {
    // The largest user and tags in plain text (about 21 KB) beside the longest message (8 KB).
    let sdk = Running::start(&[]);
    assert_eq!(fill_user_and_tags("x"), Some((30, 50)));
    assert!(
        message(&"m".repeat(10_000)).is_some(),
        "the event was dropped"
    );
    assert!(sdk.last_event_size() <= MAX_REQUEST_BYTES - 256);
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "user").len(), 30);
    assert_eq!(keys_at(&ev, "tags").len(), 50);
}

#[wasm_bindgen_test]
fn a_full_extra_map_does_not_drop_every_event() {
    let sdk = Running::start(&[]);
    // Within the caps (30 extras of up to 4,096 bytes of JSON each), but 30 × 4 KB is almost
    // four requests: every event is dropped as too large (eight such extras are enough).
    for i in 0..30 {
        set_extra(format!("extra{i}").into(), "x".repeat(4_000).into());
    }
    assert_eq!(
        with_sdk(|sdk| sdk.client.scope.extra.len()),
        Some(30),
        "every extra was kept"
    );
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
    assert!(
        sdk.last_event_size() <= MAX_REQUEST_BYTES - 256,
        "fits a request"
    );
}

#[wasm_bindgen_test]
fn a_full_user_and_tags_of_escaped_text_do_not_drop_every_event() {
    let sdk = Running::start(&[]);
    // Within every cap in bytes, but `"` and `\` are 2 bytes each in JSON (control
    // characters 6): about 42 KB of user and tags, more than one request holds.
    assert_eq!(
        fill_user_and_tags("\""),
        Some((30, 50)),
        "every field was kept"
    );
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
    assert!(
        sdk.last_event_size() <= MAX_REQUEST_BYTES - 256,
        "fits a request"
    );
}

#[wasm_bindgen_test]
fn a_long_error_beside_a_full_user_and_tags_is_not_dropped() {
    // The largest user and tags in plain text (about 21 KB), the longest error message (8 KB)
    // with a short stack (V8 keeps 10 frames) and a page URL of 1 KB (URLs are kept up to
    // 2 KB): the error, the event that matters most, is larger than a request of 32 KB.
    let sdk = Running::start(&[]);
    let page: JsValue = js_sys::global().into();
    let href = format!("https://shop.example/checkout?{}", "q=1&".repeat(250));
    let global = obj(&[
        ("location", obj(&[("href", href.into())])),
        ("document", at(&page, "document")),
        ("navigator", at(&page, "navigator")),
        ("sessionStorage", at(&page, "sessionStorage")),
        ("String", at(&page, "String")),
    ]);
    Reflect::set(&sdk.host, &"global".into(), &global).expect("set global");
    sdk.reinit(&[]);
    assert_eq!(fill_user_and_tags("x"), Some((30, 50)));
    let error: JsValue = js_sys::Error::new(&"e".repeat(10_000)).into();
    let frames: String = (0..10)
        .map(|i| format!("\n    at handler{i} (https://shop.example/js/main.3f2a1c9e.js:1:{i}00)"))
        .collect();
    Reflect::set(&error, &"stack".into(), &format!("Error: e{frames}").into()).expect("set stack");
    let kept = capture_exception(error);
    let size = sdk.last_event_size();
    reset();
    assert!(kept.is_some(), "the error was dropped: {size} bytes");
}
