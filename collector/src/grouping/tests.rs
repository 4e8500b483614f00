//! Grouping on stacks as browsers write them, turned into frames by the SDK itself
//! (`monitor-sdk-core`'s stack parser and event encoder), so the frames here are exactly
//! what the collector receives: oldest first, the throwing frame last, `in_app` set.

use monitor_sdk_core::event::{Event, Exception, Mechanism};
use monitor_sdk_core::stack::parse_stack;
use monitor_sdk_core::{Options, Scope};
use serde_json::{json, Value};

use super::*;

/// The event the SDK would send for an error of `kind` and `message` with `stack`.
fn sdk_error(kind: &str, message: &str, stack: &str) -> Value {
    let exception = Exception {
        ty: kind.to_owned(),
        value: message.to_owned(),
        mechanism: Mechanism::OnError,
        early: false,
        cross_origin: false,
        frames: parse_stack(stack, 50),
    };
    let json = Event::error(exception, 1_763_870_000_123.0).to_json(
        &Options::default(),
        &Scope::new(10),
        0,
    );
    serde_json::from_str(&json).expect("the SDK writes JSON")
}

const CHROME: &str = "TypeError: Cannot read properties of undefined (reading 'amount')
    at applyCoupon (https://shop.example/assets/index-DiwrgTda.js:12:34)
    at submitOrder (https://shop.example/assets/index-DiwrgTda.js:40:9)
    at HTMLButtonElement.onSubmit (https://shop.example/assets/index-DiwrgTda.js:20:5)";

/// The same code after a new build: other hash, other positions, another host.
const CHROME_NEXT_BUILD: &str = "TypeError: Cannot read properties of undefined (reading 'amount')
    at applyCoupon (https://cdn.shop.example/assets/index-B7x1Qw2e.js?v=2:14:3)
    at submitOrder (https://cdn.shop.example/assets/index-B7x1Qw2e.js?v=2:44:1)
    at HTMLButtonElement.onSubmit (https://cdn.shop.example/assets/index-B7x1Qw2e.js?v=2:22:8)";

const FIREFOX: &str = "applyCoupon@https://shop.example/assets/index-DiwrgTda.js:12:34
submitOrder@https://shop.example/assets/index-DiwrgTda.js:40:9
onSubmit@https://shop.example/assets/index-DiwrgTda.js:20:5
";

const SAFARI: &str = "applyCoupon@https://shop.example/assets/index-DiwrgTda.js:12:34
submitOrder@https://shop.example/assets/index-DiwrgTda.js:40:9
onSubmit@https://shop.example/assets/index-DiwrgTda.js:20:5
forEach@[native code]";

#[test]
fn one_bug_is_one_issue_across_builds_and_engines() {
    let chrome = sdk_error(
        "TypeError",
        "Cannot read properties of undefined (reading 'amount')",
        CHROME,
    );
    let next = sdk_error(
        "TypeError",
        "Cannot read properties of undefined (reading 'amount')",
        CHROME_NEXT_BUILD,
    );
    let firefox = sdk_error("TypeError", "cart.total is undefined", FIREFOX);
    let safari = sdk_error(
        "TypeError",
        "undefined is not an object (evaluating 'cart.total.amount')",
        SAFARI,
    );
    let id = fingerprint(&chrome).unwrap();
    assert_eq!(id.len(), 32);
    assert_eq!(
        fingerprint(&next).as_ref(),
        Some(&id),
        "new build, new host"
    );
    assert_eq!(fingerprint(&firefox).as_ref(), Some(&id), "SpiderMonkey");
    assert_eq!(fingerprint(&safari).as_ref(), Some(&id), "JavaScriptCore");
    assert_eq!(
        components(&chrome).unwrap(),
        [
            "type:TypeError",
            "frame:/assets/index.js|applyCoupon",
            "frame:/assets/index.js|submitOrder",
            "frame:/assets/index.js|onSubmit",
        ]
    );
}

#[test]
fn another_function_or_type_is_another_issue() {
    let base = fingerprint(&sdk_error("TypeError", "x", CHROME)).unwrap();
    let other_function = CHROME.replace("applyCoupon", "applyDiscount");
    assert_ne!(
        fingerprint(&sdk_error("TypeError", "x", &other_function)).unwrap(),
        base
    );
    assert_ne!(
        fingerprint(&sdk_error("RangeError", "x", CHROME)).unwrap(),
        base
    );
    let other_file = CHROME.replace("/assets/index-", "/assets/admin-");
    assert_ne!(
        fingerprint(&sdk_error("TypeError", "x", &other_file)).unwrap(),
        base
    );
}

#[test]
fn library_frames_do_not_count() {
    // The same app frames, reached through another version of a library.
    let through_lib = |version: &str| {
        format!(
            "TypeError: boom
    at reduce (https://shop.example/node_modules/.vite/deps/lodash-{version}.js:100:1)
    at applyCoupon (https://shop.example/assets/index-DiwrgTda.js:12:34)"
        )
    };
    let a = sdk_error("TypeError", "boom", &through_lib("1a2b3c4d"));
    let b = sdk_error("TypeError", "boom", &through_lib("9f8e7d6c"));
    assert_eq!(
        a["exception"]["values"][0]["stacktrace"]["frames"][1]["in_app"],
        json!(false)
    );
    assert_eq!(fingerprint(&a), fingerprint(&b));
}

#[test]
fn without_usable_frames_the_normalised_message_groups() {
    // No stack at all (a cross-origin script, a string thrown), or only the SDK's frames.
    let a = sdk_error(
        "Error",
        "Request 4711 to https://api.example/orders/17 failed",
        "",
    );
    let b = sdk_error(
        "Error",
        "Request 4712 to https://api.example/orders/18 failed",
        "",
    );
    let c = sdk_error("Error", "Payment 4712 declined", "");
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_ne!(fingerprint(&a), fingerprint(&c));
    assert_eq!(
        components(&a).unwrap(),
        ["type:Error", "message:Request <n> to <url> failed"]
    );
    let only_libraries = "Error: Request 1 failed
    at fetchJson (https://shop.example/node_modules/ky/index.js:1:1)
    at <anonymous>";
    let d = sdk_error(
        "Error",
        "Request 99 to https://api.example/x failed",
        only_libraries,
    );
    assert_eq!(fingerprint(&a), fingerprint(&d));
}

#[test]
fn only_the_frames_nearest_the_throw_count() {
    let recursion = |depth: usize| {
        let mut stack =
            String::from("RangeError: too deep\n    at walk (https://a.example/app.js:1:1)");
        for _ in 0..depth {
            stack.push_str("\n    at walk (https://a.example/app.js:2:2)");
        }
        stack.push_str("\n    at main (https://a.example/app.js:3:3)");
        stack
    };
    let shallow = sdk_error("RangeError", "too deep", &recursion(20));
    let deep = sdk_error("RangeError", "too deep", &recursion(30));
    assert_eq!(fingerprint(&shallow), fingerprint(&deep));
    assert_eq!(components(&shallow).unwrap().len(), 1 + MAX_FRAMES);
}

#[test]
fn the_sdk_fingerprint_wins() {
    let mut a = sdk_error("TypeError", "x", CHROME);
    let mut b = sdk_error("Error", "something else", FIREFOX);
    a["fingerprint"] = json!(["checkout-timeout"]);
    b["fingerprint"] = json!(["checkout-timeout"]);
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_ne!(
        fingerprint(&a),
        fingerprint(&sdk_error("TypeError", "x", CHROME))
    );
    // `{{ default }}` keeps the default grouping and refines it.
    let mut c = sdk_error("TypeError", "x", CHROME);
    c["fingerprint"] = json!(["{{ default }}", "tenant-7"]);
    let parts = components(&c).unwrap();
    assert_eq!(parts.first().map(String::as_str), Some("custom"));
    assert_eq!(parts.last().map(String::as_str), Some("part:tenant-7"));
    assert!(parts.contains(&"frame:/assets/index.js|applyCoupon".to_owned()));
    // Not an array of strings: ignored, the default applies.
    let mut d = sdk_error("TypeError", "x", CHROME);
    d["fingerprint"] = json!([1, 2]);
    assert_eq!(
        fingerprint(&d),
        fingerprint(&sdk_error("TypeError", "x", CHROME))
    );
}

#[test]
fn non_errors_have_no_fingerprint() {
    assert_eq!(
        fingerprint(&json!({"type": "message", "message": "hi"})),
        None
    );
    assert_eq!(fingerprint(&json!({"exception": {"values": []}})), None);
}

#[test]
fn title_culprit_and_level() {
    let event = sdk_error(
        "TypeError",
        "Cannot read properties of undefined (reading 'amount')",
        CHROME,
    );
    let summary = summary(&event);
    assert_eq!(
        summary.title,
        "TypeError: Cannot read properties of undefined (reading 'amount')"
    );
    assert_eq!(summary.culprit, "applyCoupon (/assets/index.js)");
    assert_eq!(summary.level, "error");
    let bare = summary_of(
        json!({"exception": {"values": [{"value": "just a message"}]}, "level": "fatal"}),
    );
    assert_eq!(
        (
            bare.title.as_str(),
            bare.culprit.as_str(),
            bare.level.as_str()
        ),
        ("just a message", "", "fatal")
    );
}

#[test]
fn a_cause_chain_is_titled_by_the_thrown_error() {
    // The SDK sends the causes first, the thrown error last.
    let event = json!({"exception": {"values": [
        {"type": "DOMException", "value": "The user aborted a request."},
        {"type": "Error", "value": "Checkout failed", "stacktrace": {"frames": [
            {"filename": "https://a.example/app.js", "function": "pay", "lineno": 1, "colno": 1, "in_app": true}]}}
    ]}});
    let summary = summary(&event);
    assert_eq!(
        (summary.title.as_str(), summary.culprit.as_str()),
        ("Error: Checkout failed", "pay (/app.js)")
    );
    let no_frames = json!({"exception": {"values": [
        {"type": "DOMException", "value": "aborted 1"}, {"type": "Error", "value": "Checkout 17 failed"}]}});
    assert_eq!(
        components(&no_frames).unwrap(),
        ["type:Error", "message:Checkout <n> failed"]
    );
}

fn summary_of(event: Value) -> Summary {
    summary(&event)
}
