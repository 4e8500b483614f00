//! The scope, set field by field through `scope` as the loader does: user fields and the
//! session and visitor ids the page cannot replace (kept in localStorage), tags, extras (any JSON value)
//! and breadcrumbs; what each setter accepts and skips, and the caps on the number of keys and
//! on key and value length (in bytes of UTF-8, cut on a character boundary). Events too large
//! for a request because of the scope are in `event_size.rs`. How to run them, and how the
//! tests of one file share the SDK: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Array;
use monitor_sdk_browser::api::{
    add_breadcrumb, capture_exception, capture_message, scope, set_extra, set_tag, set_user_field,
    track,
};
use monitor_sdk_browser::state::with_sdk;
use monitor_sdk_core::Value;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------------
// The scope, set field by field through `scope`: user, session and tags
// ---------------------------------------------------------------------------------------------

/// The SDK's own user fields as JSON: `"visitor_id":"…","session_id":"…"`.
fn own_ids_json() -> String {
    let ids = ["visitor_id", "session_id"].map(|key| {
        let id = with_sdk(|sdk| match sdk.client.scope.user.get(key) {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        })
        .expect("SDK running");
        assert!(is_event_id(&id), "{key} {id:?}");
        format!(r#""{key}":"{id}""#)
    });
    ids.join(",")
}

fn session_json() -> String {
    let session = with_sdk(|sdk| match sdk.client.scope.user.get("session_id") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    });
    let session = session.expect("SDK running");
    assert!(is_event_id(&session), "session id {session:?}");
    format!(r#""session_id":"{session}""#)
}

#[wasm_bindgen_test]
fn init_leaves_the_user_and_tags_options_to_the_loader() {
    // The loader applies `user` and `tags` through `scope` after init.
    let sdk = Running::start(&[
        ("user", obj(&[("id", "from-init".into())])),
        ("tags", obj(&[("a", "1".into())])),
    ]);
    let own = own_ids_json();
    assert_eq!(user_json(), format!("{{{own}}}"));
    assert_eq!(tags_json(), "{}");
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "user"), ["visitor_id", "session_id"]);
    assert!(at(&ev, "tags").is_undefined(), "no tags, no tags object");
}

#[wasm_bindgen_test]
fn user_fields_are_set_one_at_a_time_and_keep_the_session() {
    let sdk = Running::start(&[("sendDefaultPii", true.into())]);
    let session = own_ids_json();
    set_user_field("id".into(), "u1".into());
    set_user_field("email".into(), "a@b.test".into());
    set_user_field("age".into(), 42.into());
    set_user_field("admin".into(), JsValue::TRUE);
    set_user_field("plan".into(), obj(&[("tier", 2.into())]));
    set_user_field("sym".into(), JsValue::symbol(Some("s")));
    set_user_field("bad".into(), throwing_proxy());
    // Skipped: null and undefined values, keys that are not strings, the empty key.
    set_user_field("nothing".into(), JsValue::NULL);
    set_user_field("missing".into(), JsValue::UNDEFINED);
    set_user_field(5.into(), "number key".into());
    set_user_field(boxed_string("boxed"), "String object key".into());
    set_user_field("".into(), "empty key".into());
    let fields = concat!(
        r#""id":"u1","email":"a@b.test","age":"42","admin":"true","#,
        r#""plan":"{\"tier\":2}","sym":"Symbol(s)","bad":"""#,
    );
    assert_eq!(user_json(), format!("{{{session},{fields}}}"));
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "user.id").as_deref(), Some("u1"));
    assert_eq!(str_at(&ev, "user.age").as_deref(), Some("42"));
    assert_eq!(str_at(&ev, "user.plan").as_deref(), Some(r#"{"tier":2}"#));

    // A field set again is replaced in place; null does not delete it (the loader's
    // setUser clears the user first).
    set_user_field("id".into(), "u2".into());
    set_user_field("id".into(), JsValue::NULL);
    assert!(
        user_json().contains(r#""id":"u2","email""#),
        "{}",
        user_json()
    );

    // The page cannot replace the SDK's session id, by any value.
    for forged in ["page-value".into(), JsValue::from_f64(1.0), obj(&[])] {
        set_user_field("session_id".into(), forged);
        assert!(user_json().starts_with(&format!("{{{session},")));
    }
    scope(USER_FIELD, "session_id".into(), "page-value".into());
    assert!(!user_json().contains("page-value"));

    // Clearing the user keeps the session and the visitor.
    clear_user();
    assert_eq!(user_json(), format!("{{{session}}}"));
    assert!(message("after clear").is_some());
    assert_eq!(
        keys_at(&sdk.last_event(), "user"),
        ["visitor_id", "session_id"]
    );
    clear_user();
    assert_eq!(user_json(), format!("{{{session}}}"));
}

#[wasm_bindgen_test]
fn user_fields_are_capped_in_number_and_length() {
    let sdk = Running::start(&[]);
    set_user_field("k".repeat(100).into(), "v".repeat(1_000).into());
    set_user_field("id".into(), "é".repeat(256).into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    let long_key = format!("{}…", "k".repeat(64));
    assert_eq!(
        keys_at(&ev, "user"),
        ["visitor_id", "session_id", long_key.as_str(), "id"]
    );
    let value = str_at(&at(&ev, "user"), &long_key).expect("long user field");
    assert_eq!(value, format!("{}…", "v".repeat(256)), "256 bytes plus '…'");
    assert_eq!(
        str_at(&ev, "user.id"),
        Some(format!("{}…", "é".repeat(128))),
        "256 bytes of two-byte chars plus '…'"
    );

    // Keys and values are cut by bytes, on a character boundary.
    clear_user();
    set_user_field("é".repeat(64).into(), "😀".repeat(65).into());
    set_user_field("name".into(), "é".repeat(128).into());
    set_user_field("€".repeat(30).into(), "€".repeat(86).into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    let two_byte_key = format!("{}…", "é".repeat(32));
    let three_byte_key = format!("{}…", "€".repeat(21));
    assert_eq!(
        keys_at(&ev, "user"),
        [
            "visitor_id",
            "session_id",
            two_byte_key.as_str(),
            "name",
            three_byte_key.as_str()
        ]
    );
    assert_eq!(
        str_at(&at(&ev, "user"), &two_byte_key),
        Some(format!("{}…", "😀".repeat(64)))
    );
    assert_eq!(
        str_at(&ev, "user.name"),
        Some("é".repeat(128)),
        "256 bytes are kept whole"
    );
    assert_eq!(
        str_at(&at(&ev, "user"), &three_byte_key),
        Some(format!("{}…", "€".repeat(85))),
        "255 bytes: the cut does not split the 86th char"
    );

    // 30 keys at most, the session id among them (29 for the page): a loop in the page
    // cannot grow every event.
    clear_user();
    for i in 0..1_000 {
        set_user_field(format!("k{i}").into(), format!("v{i}").into());
    }
    let len = with_sdk(|sdk| sdk.client.scope.user.len());
    assert_eq!(
        len,
        Some(30),
        "30 user keys, the visitor and session ids included"
    );
    let user = user_json();
    assert!(
        user.contains(r#""k27":"v27""#) && !user.contains(r#""k28""#),
        "{user}"
    );
    // A full user still takes new values for its keys, and keeps its session.
    set_user_field("k0".into(), "changed".into());
    assert!(user_json().contains(r#""k0":"changed""#));
    assert!(user_json().contains(&session_json()));
}

#[wasm_bindgen_test]
fn visitor_and_session_live_in_the_sites_storage() {
    const VISITOR: &str = "__monitor_vid";
    const SESSION: &str = "__monitor_sess";
    let kept = "0123456789abcdef0123456789abcdef";
    let now = js_sys::Date::now() as u64;
    local_storage_set(VISITOR, kept);
    local_storage_set(SESSION, &format!("{kept}.{}.{}", now - 60_000, now - 1_000));
    {
        let _sdk = Running::start(&[]);
        assert_eq!(session_json(), format!(r#""session_id":"{kept}""#));
        assert!(user_json().contains(&format!(r#""visitor_id":"{kept}""#)));
    }
    // A session idle for 30 minutes is over; the visitor stays.
    local_storage_set(
        SESSION,
        &format!("{kept}.{}.{}", now - 3_600_000, now - 1_900_000),
    );
    {
        let _sdk = Running::start(&[]);
        let record = local_storage_get(SESSION).expect("a new session is stored");
        let fresh = record.split('.').next().unwrap_or_default().to_owned();
        assert!(is_event_id(&fresh) && fresh != kept, "{record}");
        assert_eq!(session_json(), format!(r#""session_id":"{fresh}""#));
        assert!(user_json().contains(&format!(r#""visitor_id":"{kept}""#)));
    }
    for broken in ["not-hex", "0123456789ABCDEF0123456789ABCDEG", ""] {
        local_storage_set(VISITOR, broken);
        let _sdk = Running::start(&[]);
        let fresh = local_storage_get(VISITOR).expect("a fresh id is stored");
        assert!(is_event_id(&fresh), "{fresh:?} replaced {broken:?}");
        assert!(user_json().contains(&format!(r#""visitor_id":"{fresh}""#)));
    }
    // storage: false (no consent): nothing is read or written.
    local_storage_set(VISITOR, kept);
    local_storage_set(SESSION, "untouched");
    let _sdk = Running::start(&[("storage", false.into())]);
    assert!(
        !user_json().contains(kept),
        "the stored visitor is not read"
    );
    assert_eq!(local_storage_get(SESSION).as_deref(), Some("untouched"));
    assert_eq!(local_storage_get(VISITOR).as_deref(), Some(kept));
}

#[wasm_bindgen_test]
fn tags_are_set_one_at_a_time_and_bounded() {
    let sdk = Running::start(&[]);
    set_tag("route".into(), "/home".into());
    set_tag("count".into(), 3.into());
    set_tag("obj".into(), obj(&[("x", 1.into())]));
    set_tag("ignored-undefined".into(), JsValue::UNDEFINED);
    set_tag("ignored-null".into(), JsValue::NULL);
    set_tag(5.into(), "ignored-non-string-key".into());
    set_tag("".into(), "ignored-empty-key".into());
    set_tag("k".repeat(100).into(), "v".repeat(1_000).into());
    set_tag("route".into(), "/checkout".into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    let tags = at(&ev, "tags");
    let long_key = format!("{}…", "k".repeat(32));
    assert_eq!(
        keys_at(&ev, "tags"),
        ["route", "count", "obj", long_key.as_str()]
    );
    assert_eq!(str_at(&tags, "route").as_deref(), Some("/checkout"));
    assert_eq!(str_at(&tags, "count").as_deref(), Some("3"));
    assert_eq!(str_at(&tags, "obj").as_deref(), Some(r#"{"x":1}"#));
    let long_value = str_at(&tags, &long_key).expect("long tag");
    assert_eq!(
        long_value,
        format!("{}…", "v".repeat(200)),
        "200 bytes plus '…'"
    );

    // null and undefined leave a tag as it was (like user fields): they neither set "null"
    // nor remove it.
    for value in [JsValue::NULL, JsValue::UNDEFINED] {
        set_tag("route".into(), value.clone());
        scope(TAG, "route".into(), value);
    }
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "tags.route").as_deref(), Some("/checkout"));
    assert_eq!(keys_at(&ev, "tags").len(), 4);

    // Keys (32) and values (200) are cut by bytes, on a character boundary.
    set_tag("é".repeat(20).into(), "😀".repeat(51).into());
    set_tag("€".repeat(11).into(), "€".repeat(67).into());
    set_tag("name".into(), "é".repeat(100).into());
    assert!(message("m").is_some());
    let tags = at(&sdk.last_event(), "tags");
    assert_eq!(
        str_at(&tags, &format!("{}…", "é".repeat(16))),
        Some(format!("{}…", "😀".repeat(50)))
    );
    assert_eq!(
        str_at(&tags, &format!("{}…", "€".repeat(10))),
        Some(format!("{}…", "€".repeat(66))),
        "30 and 198 bytes: the cut does not split a char"
    );
    assert_eq!(
        str_at(&tags, "name"),
        Some("é".repeat(100)),
        "200 bytes are kept whole"
    );

    // 50 tags at most; a full set still takes new values for its keys.
    for i in 0..1_000 {
        set_tag(format!("t{i}").into(), i.into());
    }
    assert_eq!(with_sdk(|sdk| sdk.client.scope.tags.len()), Some(50));
    set_tag("route".into(), "/again".into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "tags").len(), 50);
    assert_eq!(str_at(&ev, "tags.route").as_deref(), Some("/again"));
    assert_eq!(str_at(&ev, "tags.t42").as_deref(), Some("42"));
    assert!(at(&ev, "tags.t43").is_undefined());
}

// ---------------------------------------------------------------------------------------------
// Extras
// ---------------------------------------------------------------------------------------------

fn extra_json() -> String {
    with_sdk(|sdk| map_json(&sdk.client.scope.extra)).expect("SDK running")
}

#[wasm_bindgen_test]
fn extras_hold_any_json_value() {
    let sdk = Running::start(&[]);
    assert!(message("none yet").is_some());
    assert!(
        at(&sdk.last_event(), "extra").is_undefined(),
        "no extras, no extra object"
    );

    let cart = obj(&[
        ("items", Array::of2(&1.into(), &"two".into()).into()),
        ("total", 9.5.into()),
        ("coupon", JsValue::NULL),
    ]);
    set_extra("cart".into(), cart);
    set_extra("count".into(), 3.into());
    set_extra("text".into(), "line\n\"quoted\" \u{2028}é😀".into());
    set_extra("flag".into(), JsValue::FALSE);
    set_extra("nothing".into(), JsValue::NULL);
    set_extra("list".into(), Array::of2(&JsValue::NULL, &obj(&[])).into());
    scope(EXTRA, "via scope".into(), "dispatched".into());
    assert_eq!(
        extra_json(),
        concat!(
            r#"{"cart":{"items":[1,"two"],"total":9.5,"coupon":null},"count":3,"#,
            // JSON.stringify leaves U+2028 as it is: valid JSON since ES2019.
            r#""text":"line\n\"quoted\" "#,
            "\u{2028}",
            r#"é😀","flag":false,"nothing":null,"#,
            r#""list":[null,{}],"via scope":"dispatched"}"#
        ),
        "the page's JSON.stringify text, in the order set"
    );

    // Every kind of event carries them.
    assert!(message("m").is_some());
    assert!(capture_exception(js_sys::Error::new("e").into()).is_some());
    assert!(track("t".into(), JsValue::UNDEFINED).is_some());
    for ev in sdk.events().iter().skip(1) {
        assert_eq!(
            keys_at(ev, "extra"),
            [
                "cart",
                "count",
                "text",
                "flag",
                "nothing",
                "list",
                "via scope"
            ]
        );
        assert_eq!(str_at(ev, "extra.cart.items.1").as_deref(), Some("two"));
        assert_eq!(num_at(ev, "extra.cart.total"), Some(9.5));
        assert_eq!(num_at(ev, "extra.count"), Some(3.0));
        assert_eq!(
            str_at(ev, "extra.text").as_deref(),
            Some("line\n\"quoted\" \u{2028}é😀")
        );
        assert_eq!(at(ev, "extra.flag"), JsValue::FALSE);
        assert!(at(ev, "extra.nothing").is_null(), "null is a value");
        assert_eq!(len_at(ev, "extra.list"), 2);
    }

    // Set again: replaced in place. undefined removes the key (the map's order may change:
    // JSON readers ignore it); null keeps it as null.
    set_extra("count".into(), 4.into());
    set_extra("cart".into(), JsValue::UNDEFINED);
    scope(EXTRA, "via scope".into(), JsValue::UNDEFINED);
    set_extra("never set".into(), JsValue::UNDEFINED);
    set_extra("flag".into(), JsValue::NULL);
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    let mut keys = keys_at(&ev, "extra");
    keys.sort_unstable();
    assert_eq!(keys, ["count", "flag", "list", "nothing", "text"]);
    assert_eq!(num_at(&ev, "extra.count"), Some(4.0));
    assert!(at(&ev, "extra.flag").is_null());
    assert!(at(&ev, "extra.nothing").is_null());
    assert_eq!(len_at(&ev, "extra.list"), 2);
    assert_eq!(
        str_at(&ev, "extra.text").as_deref(),
        Some("line\n\"quoted\" \u{2028}é😀")
    );

    // Values JSON cannot hold are sent as null, not dropped and not thrown.
    set_extra("count".into(), JsValue::UNDEFINED);
    set_extra("text".into(), JsValue::UNDEFINED);
    for (name, value) in [
        ("function", named_function()),
        ("symbol", JsValue::symbol(Some("s"))),
        ("bigint", bigint()),
        ("circular", circular()),
        ("unprintable", unprintable()),
        ("throwing proxy", throwing_proxy()),
        ("revoked proxy", revoked_proxy()),
        ("NaN (JSON null)", JsValue::from_f64(f64::NAN)),
    ] {
        set_extra(name.into(), value);
    }
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    for name in [
        "function",
        "symbol",
        "bigint",
        "circular",
        "unprintable",
        "throwing proxy",
        "revoked proxy",
        "NaN (JSON null)",
    ] {
        assert!(at(&at(&ev, "extra"), name).is_null(), "{name}");
    }

    // Keys: strings only, not empty, cut at 64 bytes.
    let before = extra_json();
    set_extra(5.into(), "number key".into());
    set_extra(boxed_string("boxed"), "String object key".into());
    set_extra(JsValue::NULL, "null key".into());
    set_extra("".into(), "empty key".into());
    assert_eq!(extra_json(), before, "refused keys");
    set_extra("k".repeat(100).into(), 1.into());
    set_extra("é".repeat(40).into(), 2.into());
    assert!(message("m").is_some());
    let extra = at(&sdk.last_event(), "extra");
    assert_eq!(num_at(&extra, &format!("{}…", "k".repeat(64))), Some(1.0));
    assert_eq!(num_at(&extra, &format!("{}…", "é".repeat(32))), Some(2.0));
}

#[wasm_bindgen_test]
fn extras_are_capped_in_size_and_number() {
    let sdk = Running::start(&[]);
    // Up to 4,096 bytes of JSON (UTF-8) are kept; a larger value is sent as null.
    set_extra("ascii".into(), "x".repeat(4_094).into());
    set_extra("ascii over".into(), "x".repeat(4_095).into());
    set_extra("multibyte".into(), "é".repeat(2_047).into());
    set_extra("multibyte over".into(), "é".repeat(2_048).into());
    // {"blob":"…"} is 11 bytes of JSON around the text.
    set_extra("object".into(), obj(&[("blob", "y".repeat(4_085).into())]));
    set_extra(
        "object over".into(),
        obj(&[("blob", "y".repeat(4_086).into())]),
    );
    assert!(message("m").is_some());
    let extra = at(&sdk.last_event(), "extra");
    assert_eq!(str_at(&extra, "ascii").map(|s| s.len()), Some(4_094));
    assert!(at(&extra, "ascii over").is_null());
    assert_eq!(str_at(&extra, "multibyte"), Some("é".repeat(2_047)));
    assert!(at(&extra, "multibyte over").is_null(), "4,098 bytes");
    assert_eq!(str_at(&extra, "object.blob").map(|s| s.len()), Some(4_085));
    assert!(at(&extra, "object over").is_null());

    // 30 extras at most; a full map still takes new values for its keys, and a removed key
    // frees a place.
    for i in 0..1_000 {
        set_extra(format!("e{i}").into(), i.into());
    }
    assert_eq!(with_sdk(|sdk| sdk.client.scope.extra.len()), Some(30));
    set_extra("ascii".into(), "changed".into());
    set_extra("e23".into(), 0.into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "extra").len(), 30);
    assert_eq!(str_at(&ev, "extra.ascii").as_deref(), Some("changed"));
    assert_eq!(num_at(&ev, "extra.e23"), Some(0.0));
    assert!(at(&ev, "extra.e24").is_undefined());
    set_extra("e0".into(), JsValue::UNDEFINED);
    set_extra("late".into(), "kept".into());
    set_extra("later".into(), "refused".into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert!(at(&ev, "extra.e0").is_undefined());
    assert_eq!(str_at(&ev, "extra.late").as_deref(), Some("kept"));
    assert!(at(&ev, "extra.later").is_undefined());
    assert_eq!(keys_at(&ev, "extra").len(), 30);

    // Extras belong to the SDK: a new init starts without them.
    sdk.reinit(&[]);
    assert_eq!(extra_json(), "{}");
}

// ---------------------------------------------------------------------------------------------
// Breadcrumbs
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn breadcrumbs_are_read_defensively_and_bounded() {
    let sdk = Running::start(&[("maxBreadcrumbs", 3.into())]);
    add_breadcrumb("not an object".into());
    add_breadcrumb(JsValue::NULL);
    add_breadcrumb(obj(&[]));
    add_breadcrumb(obj(&[
        ("category", "ui.click".into()),
        ("message", "button#buy".into()),
        ("level", "warning".into()),
        ("timestamp", 1_000.5.into()),
        ("data", obj(&[("x", 1.into())])),
    ]));
    add_breadcrumb(obj(&[
        ("category", 5.into()),
        ("level", "shout".into()),
        ("timestamp", f64::INFINITY.into()),
        ("data", Array::of1(&1.into()).into()),
    ]));
    add_breadcrumb(obj(&[
        ("message", "big data".into()),
        ("level", "warn".into()),
        // {"blob":"…"}: 2,049 bytes of JSON, one over the limit.
        ("data", obj(&[("blob", "x".repeat(2_038).into())])),
    ]));
    assert!(capture_message("m".into(), JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    assert_eq!(
        len_at(&ev, "breadcrumbs"),
        3,
        "maxBreadcrumbs keeps the newest 3"
    );
    let b0 = at(&ev, "breadcrumbs.0");
    assert_eq!(str_at(&b0, "category").as_deref(), Some("ui.click"));
    assert_eq!(str_at(&b0, "message").as_deref(), Some("button#buy"));
    assert_eq!(str_at(&b0, "level").as_deref(), Some("warning"));
    assert_eq!(num_at(&b0, "timestamp"), Some(1_000.5));
    assert_eq!(num_at(&b0, "data.x"), Some(1.0));
    let b1 = at(&ev, "breadcrumbs.1");
    assert_eq!(str_at(&b1, "category").as_deref(), Some("manual"));
    assert_eq!(str_at(&b1, "message").as_deref(), Some(""));
    assert_eq!(str_at(&b1, "level").as_deref(), Some("info"));
    assert!(
        num_at(&b1, "timestamp").is_some_and(|t| t > 1e12),
        "now() replaces Infinity"
    );
    assert!(
        at(&b1, "data").is_undefined(),
        "array data is not an object"
    );
    let b2 = at(&ev, "breadcrumbs.2");
    assert_eq!(str_at(&b2, "message").as_deref(), Some("big data"));
    assert_eq!(
        str_at(&b2, "level").as_deref(),
        Some("info"),
        "\"warn\" is no level"
    );
    assert!(at(&b2, "data").is_undefined(), "data over 2 KB is dropped");

    add_breadcrumb(obj(&[
        ("message", "m".repeat(5_000).into()),
        ("data", obj(&[("blob", "x".repeat(2_037).into())])),
    ]));
    assert!(capture_message("m".into(), JsValue::UNDEFINED).is_some());
    let b2 = at(&sdk.last_event(), "breadcrumbs.2");
    let message = str_at(&b2, "message").expect("message");
    assert_eq!(
        message,
        format!("{}…", "m".repeat(1_024)),
        "1,024 bytes plus '…'"
    );
    assert_eq!(
        str_at(&b2, "data.blob").map(|b| b.len()),
        Some(2_037),
        "2 KB of data JSON is kept"
    );

    // Messages (1,024) and categories (64) are cut by bytes, on a character boundary.
    add_breadcrumb(obj(&[
        ("category", "€".repeat(30).into()),
        ("message", "語".repeat(1_000).into()),
    ]));
    add_breadcrumb(obj(&[
        ("category", "c".repeat(64).into()),
        ("message", "é".repeat(512).into()),
    ]));
    add_breadcrumb(obj(&[("category", "c".repeat(100).into())]));
    assert!(capture_message("m".into(), JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    let b0 = at(&ev, "breadcrumbs.0");
    assert_eq!(
        str_at(&b0, "category"),
        Some(format!("{}…", "€".repeat(21))),
        "63 bytes of category"
    );
    assert_eq!(
        str_at(&b0, "message"),
        Some(format!("{}…", "語".repeat(341))),
        "1,023 bytes of message"
    );
    let b1 = at(&ev, "breadcrumbs.1");
    assert_eq!(str_at(&b1, "category"), Some("c".repeat(64)), "kept whole");
    assert_eq!(str_at(&b1, "message"), Some("é".repeat(512)), "kept whole");
    assert_eq!(
        str_at(&ev, "breadcrumbs.2.category"),
        Some(format!("{}…", "c".repeat(64)))
    );
}
