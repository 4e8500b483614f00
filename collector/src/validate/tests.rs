use serde_json::{json, Value};

use super::*;

const ID: &str = "0123456789abcdef0123456789abcdef";

fn event(event_type: &str, extra: Value) -> Value {
    let mut event = json!({"event_id": ID, "type": event_type, "timestamp": 1763870000123.5});
    if let (Some(map), Value::Object(extra)) = (event.as_object_mut(), extra) {
        map.extend(extra);
    }
    event
}

fn reason(value: Value) -> String {
    validate_event(2, &value).unwrap_err()
}

fn ok(value: Value) {
    if let Err(reason) = validate_event(0, &value) {
        panic!("rejected {value}: {reason}");
    }
}

#[test]
fn every_type_in_its_minimal_form_is_accepted() {
    ok(event(
        "error",
        json!({"exception": {"values": [{"type": "TypeError"}]}}),
    ));
    ok(event("message", json!({"message": ""})));
    ok(event(
        "resource_error",
        json!({"resource": {"url": "https://x/a.js", "tag": "script"}}),
    ));
    ok(event(
        "http_error",
        json!({"http": {"url": "/api", "status": 500, "method": "GET"}}),
    ));
    ok(event(
        "web_vital",
        json!({"name": "LCP", "value": 1234.5, "rating": "good", "attribution": {"a": 1}}),
    ));
    ok(event(
        "navigation_timing",
        json!({"navigation_type": "navigate", "timing": {"dns": 1.5, "load": 900, "protocol": "h2"}}),
    ));
    ok(event(
        "resource_timing",
        json!({"count": 2, "transfer_size": 300, "by_type": {"img": {"count": 2}},
               "slowest": [{"url": "https://x/a.png", "type": "img", "duration": 20}]}),
    ));
    ok(event("page_view", json!({"page": {"url": "https://x/"}})));
    ok(event("click", json!({"target": "button#buy"})));
    ok(event(
        "click",
        json!({"target": "b", "text": "Buy", "x": 10, "y": 20}),
    ));
    ok(event(
        "rage_click",
        json!({"target": "b", "count": 3, "x": 1, "y": 2}),
    ));
    ok(event(
        "form_submit",
        json!({"target": "form#f", "form": {"id": "f", "action": "/s", "fields": 3}}),
    ));
    ok(event(
        "http_error",
        json!({"http": {"url": "/a", "status": 0, "error": "TypeError: x", "kind": "fetch"}}),
    ));
    ok(event(
        "resource_error",
        json!({"resource": {"url": "/i.png", "tag": "img", "selector": "img.hero"}}),
    ));
    ok(event("form_submit", json!({"target": "form#signup"})));
    ok(event("time_on_page", json!({"duration": 0})));
    ok(event(
        "custom",
        json!({"name": "signup", "data": {"plan": "pro"}}),
    ));
}

#[test]
fn a_full_error_event_is_accepted() {
    ok(event(
        "error",
        json!({
            "level": "error", "release": "1.0", "environment": "production", "message": "boom",
            "user": {"id": "u1", "session_id": "s1", "extra_field": 5},
            "page": {"url": "https://app/", "referrer": "", "title": "App"},
            "browser": {"user_agent": "UA", "language": "en", "viewport": {"w": 1280, "h": 720}},
            "tags": {"a": "b"}, "extra": {"anything": [1, null, {"x": true}]},
            "breadcrumbs": [{"timestamp": 1.5, "category": "ui.click", "message": "m", "level": "info", "data": {}}],
            "exception": {"values": [{
                "type": "TypeError", "value": "x is not a function",
                "mechanism": {"type": "onerror", "handled": false, "data": {"original": "onerror"}},
                "stacktrace": {"frames": [{"filename": "a.js", "function": "main", "lineno": 10, "colno": 5, "in_app": true}]}
            }]},
            "unknown_future_field": 1
        }),
    ));
}

#[test]
fn envelope_fields_are_checked_first() {
    assert_eq!(reason(json!(5)), "events[2]: expected an object");
    assert_eq!(
        reason(json!({"type": "click"})),
        "events[2].event_id: missing, expected a string"
    );
    let mut bad_id = event("click", json!({"target": "b"}));
    bad_id["event_id"] = json!("0123456789ABCDEF0123456789ABCDEF");
    assert_eq!(
        reason(bad_id),
        "events[2].event_id: expected 32 lowercase hex characters"
    );
    let mut bad_type = event("click", json!({}));
    bad_type["type"] = json!("explosion");
    assert!(reason(bad_type).starts_with("events[2].type: unknown type \"explosion\""));
    let mut bad_ts = event("click", json!({"target": "b"}));
    bad_ts["timestamp"] = json!("yesterday");
    assert_eq!(
        reason(bad_ts.clone()),
        "events[2].timestamp: expected a number"
    );
    bad_ts["timestamp"] = json!(-1);
    assert!(reason(bad_ts).starts_with("events[2].timestamp: expected a positive number"));
}

#[test]
fn context_fields_are_typed() {
    let click = |extra: Value| {
        let mut e = event("click", json!({"target": "b"}));
        if let (Some(map), Value::Object(extra)) = (e.as_object_mut(), extra) {
            map.extend(extra);
        }
        reason(e)
    };
    assert!(click(json!({"level": "loud"})).starts_with("events[2].level: expected fatal"));
    assert_eq!(
        click(json!({"release": 1})),
        "events[2].release: expected a string"
    );
    assert_eq!(
        click(json!({"user": "bob"})),
        "events[2].user: expected an object"
    );
    assert_eq!(
        click(json!({"user": {"id": 7}})),
        "events[2].user.id: expected a string"
    );
    assert_eq!(
        click(json!({"page": {"url": []}})),
        "events[2].page.url: expected a string"
    );
    assert_eq!(
        click(json!({"browser": {"viewport": {"w": "wide"}}})),
        "events[2].browser.viewport.w: expected a number"
    );
    assert_eq!(
        click(json!({"tags": {"k": 1}})),
        "events[2].tags.k: expected a string"
    );
    assert_eq!(
        click(json!({"extra": [1]})),
        "events[2].extra: expected an object"
    );
    assert_eq!(
        click(json!({"breadcrumbs": {}})),
        "events[2].breadcrumbs: expected an array"
    );
    assert_eq!(
        click(json!({"breadcrumbs": [{}, {"message": 5}]})),
        "events[2].breadcrumbs[1].message: expected a string"
    );
}

#[test]
fn null_counts_as_absent() {
    ok(event(
        "click",
        json!({"target": "b", "user": null, "level": null, "tags": null}),
    ));
    assert_eq!(
        reason(event("click", json!({"target": null}))),
        "events[2].target: missing, expected a string"
    );
}

#[test]
fn error_events_need_usable_exceptions() {
    let error = |exception: Value| reason(event("error", json!({"exception": exception})));
    assert_eq!(
        reason(event("error", json!({}))),
        "events[2].exception: missing, expected an object"
    );
    assert_eq!(
        error(json!({"values": []})),
        "events[2].exception.values: expected a non-empty array"
    );
    assert_eq!(
        error(json!({"values": [1]})),
        "events[2].exception.values[0]: expected an object"
    );
    assert_eq!(
        error(json!({"values": [{"type": "", "value": ""}]})),
        "events[2].exception.values[0].type: type or value must be a non-empty string"
    );
    assert_eq!(
        error(json!({"values": [{"type": 5}]})),
        "events[2].exception.values[0].type: expected a string"
    );
    assert_eq!(
        error(
            json!({"values": [{"value": "v", "stacktrace": {"frames": [{}, {"lineno": "10"}]}}]})
        ),
        "events[2].exception.values[0].stacktrace.frames[1].lineno: expected a number"
    );
    assert_eq!(
        error(json!({"values": [{"value": "v", "stacktrace": {"frames": {}}}]})),
        "events[2].exception.values[0].stacktrace.frames: expected an array"
    );
}

#[test]
fn per_type_required_fields() {
    let cases = [
        (
            "message",
            json!({}),
            "events[2].message: missing, expected a string",
        ),
        (
            "resource_error",
            json!({"resource": {}}),
            "events[2].resource.url: missing, expected a string",
        ),
        (
            "http_error",
            json!({"http": {"url": "/"}}),
            "events[2].http.status: missing, expected a number",
        ),
        (
            "http_error",
            json!({"http": {"url": "/", "status": "500"}}),
            "events[2].http.status: expected a number",
        ),
        (
            "web_vital",
            json!({"name": "LCP"}),
            "events[2].value: missing, expected a number",
        ),
        (
            "web_vital",
            json!({"name": "XYZ", "value": 1}),
            "events[2].name: expected one of FCP LCP CLS INP TTFB FP TBT",
        ),
        (
            "navigation_timing",
            json!({"timing": {"dns": "5"}}),
            "events[2].timing.dns: expected a number",
        ),
        (
            "navigation_timing",
            json!({}),
            "events[2].timing: missing, expected an object",
        ),
        (
            "resource_timing",
            json!({"count": 3, "slowest": {}}),
            "events[2].slowest: expected an array",
        ),
        (
            "page_view",
            json!({}),
            "events[2].page: missing, expected an object",
        ),
        (
            "page_view",
            json!({"page": {"title": "t"}}),
            "events[2].page.url: missing, expected a string",
        ),
        (
            "click",
            json!({"target": 1}),
            "events[2].target: expected a string",
        ),
        (
            "form_submit",
            json!({}),
            "events[2].target: missing, expected a string",
        ),
        (
            "time_on_page",
            json!({"duration": -5}),
            "events[2].duration: expected a number ≥ 0",
        ),
        (
            "custom",
            json!({"name": ""}),
            "events[2].name: expected a non-empty string",
        ),
    ];
    for (event_type, fields, expected) in cases {
        assert_eq!(reason(event(event_type, fields)), expected, "{event_type}");
    }
}

#[test]
fn a_batch_keeps_the_good_events_and_indexes_the_bad() {
    let events = vec![
        event("click", json!({"target": "a"})),
        json!("garbage"),
        event("custom", json!({"name": "n"})),
        event("custom", json!({})),
    ];
    let (valid, rejected) = validate_batch(events);
    assert_eq!(valid.len(), 2);
    assert_eq!(valid[1].event_type, EventType::Custom);
    assert_eq!(valid[1].event_id, ID);
    assert_eq!(valid[1].timestamp, 1763870000123.5);
    assert_eq!(
        rejected,
        vec![
            Rejected {
                index: 1,
                reason: "events[1]: expected an object".into()
            },
            Rejected {
                index: 3,
                reason: "events[3].name: missing, expected a string".into()
            },
        ]
    );
}

#[test]
fn behaviour_fields_of_the_newer_sdk_are_typed() {
    ok(event(
        "click",
        json!({"target": "button#buy", "text": "Buy", "x": 10, "y": 20.5}),
    ));
    ok(event(
        "rage_click",
        json!({"target": "button#buy", "count": 5, "text": "Buy"}),
    ));
    ok(event(
        "form_submit",
        json!({"target": "form#signup", "form": {"id": "signup", "name": "s",
            "action": "/signup", "fields": 2}}),
    ));
    ok(event(
        "resource_error",
        json!({"resource": {"url": "https://x/a.js", "tag": "script", "selector": "head>script"}}),
    ));
    ok(event(
        "http_error",
        json!({"http": {"method": "POST", "url": "/api", "status": 0, "duration": 3.5,
            "error": "network error"}}),
    ));
    ok(event(
        "page_view",
        json!({"page": {"url": "https://x/", "referrer": "https://y/", "title": "X"},
            "user": {"visitor_id": "v1", "session_id": "s1"}}),
    ));
    assert_eq!(
        reason(event("rage_click", json!({"count": 3}))),
        "events[2].target: missing, expected a string"
    );
    assert_eq!(
        reason(event("rage_click", json!({"target": "b", "count": "3"}))),
        "events[2].count: expected a number"
    );
    assert_eq!(
        reason(event("click", json!({"target": "b", "x": "left"}))),
        "events[2].x: expected a number"
    );
    assert_eq!(
        reason(event(
            "form_submit",
            json!({"target": "f", "form": {"fields": "email"}})
        )),
        "events[2].form.fields: expected a number"
    );
    assert_eq!(
        reason(event(
            "page_view",
            json!({"page": {"url": "/"}, "user": {"visitor_id": 7}})
        )),
        "events[2].user.visitor_id: expected a string"
    );
    assert_eq!(
        reason(event(
            "http_error",
            json!({"http": {"url": "/", "status": 0, "error": 1}})
        )),
        "events[2].http.error: expected a string"
    );
}

#[test]
fn an_error_may_bring_its_own_fingerprint() {
    let error = |fingerprint: Value| {
        event(
            "error",
            json!({"exception": {"values": [{"type": "E"}]}, "fingerprint": fingerprint}),
        )
    };
    ok(error(json!(["checkout", "{{ default }}"])));
    assert_eq!(
        reason(error(json!("checkout"))),
        "events[2].fingerprint: expected an array"
    );
    assert_eq!(
        reason(error(json!(["a", 1]))),
        "events[2].fingerprint[1]: expected a string"
    );
}
