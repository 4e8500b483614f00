//! Safe reads of page-provided JS values.
//!
//! Everything a page hands the SDK can be a getter that throws, a Proxy, or the wrong type.
//! These helpers go through `Reflect`, which reports a throw as `Err`, and return `None` for
//! anything unexpected. They are the only way the SDK reads page objects.

use alloc::string::String;
use js_sys::{Function, Reflect, JSON};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

/// `obj[key]`, or `undefined` when `obj` is not an object or the getter throws.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn get_string(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

pub fn get_f64(obj: &JsValue, key: &str) -> Option<f64> {
    get(obj, key).as_f64().filter(|n| n.is_finite())
}

pub fn get_bool(obj: &JsValue, key: &str) -> Option<bool> {
    get(obj, key).as_bool()
}

/// Calls method `name` of `obj` with the given arguments; `None` if it is missing or throws.
pub fn call(obj: &JsValue, name: &str, args: &[&JsValue]) -> Option<JsValue> {
    let method = get(obj, name).dyn_into::<Function>().ok()?;
    let result = match args {
        [] => method.call0(obj),
        [a] => method.call1(obj, a),
        [a, b] => method.call2(obj, a, b),
        [a, b, c] => method.call3(obj, a, b, c),
        _ => return None,
    };
    result.ok()
}

/// `JSON.stringify(value)`, or `None` for values JSON cannot hold (functions, `undefined`,
/// cycles, BigInt) and for JSON text longer than `max_len` bytes.
pub fn to_json(value: &JsValue, max_len: usize) -> Option<String> {
    let text = JSON::stringify(value).ok()?.as_string()?;
    (text.len() <= max_len).then_some(text)
}

/// A display form of any value: strings as they are, other values as JSON, else `String(x)`.
pub fn to_display(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    if let Some(json) = to_json(value, 1_024) {
        return json;
    }
    // `String(x)` can throw (a Symbol, an object whose toString throws).
    call(&global(), "String", &[value])
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen]
extern "C" {
    // `globalThis` directly: js_sys::global() probes four names with lazy statics, which
    // costs about 1 KB; every browser the SDK supports has `globalThis`.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

/// The global object (`window` in a page).
pub fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// Milliseconds since the Unix epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}
