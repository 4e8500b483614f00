//! Safe reads of page-provided JS values.
//!
//! Everything a page hands the SDK can be a getter that throws, a Proxy, or the wrong type.
//! These helpers go through `Reflect`, which reports a throw as `Err`, and return `None` for
//! anything unexpected. They are the only way the SDK reads page objects.

use alloc::string::String;
use core::cell::RefCell;
use js_sys::{Function, Reflect, JSON};

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

/// `obj[index]` (an array or array-like), or `undefined`.
pub fn item(obj: &JsValue, index: u32) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get_u32(obj, index).unwrap_or(JsValue::UNDEFINED)
}

/// `obj.length` of an array or array-like, 0 for anything else.
pub fn length(obj: &JsValue) -> u32 {
    get_f64(obj, "length").map_or(0, |n| n as u32)
}

/// `key in obj`, false when `obj` is not an object or a proxy throws.
pub fn has(obj: &JsValue, key: &str) -> bool {
    obj.is_object() && Reflect::has(obj, &JsValue::from_str(key)).unwrap_or(false)
}

/// Calls method `name` of `obj` with one to three arguments; `None` if it is missing, throws,
/// or is given another number of arguments.
pub fn call(obj: &JsValue, name: &str, args: &[&JsValue]) -> Option<JsValue> {
    let method = get(obj, name).dyn_into::<Function>().ok()?;
    // Only two arities are imported: each one costs a JS shim. A two-argument call passes a
    // trailing `undefined`, which the methods the SDK calls ignore.
    let result = match args {
        [a] => method.call1(obj, a),
        [a, b] => method.call3(obj, a, b, &JsValue::UNDEFINED),
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

/// The global object, handed over by the host at `init` ([`set_global`]).
///
/// Not `js_sys::global()` (it probes four names through lazy statics) nor a wasm-bindgen
/// `thread_local_v2` static (its access path carries a formatted panic): both cost more than
/// the SDK's whole DSN parser.
static GLOBAL: Global<Option<JsValue>> = Global(RefCell::new(None));

/// A global for single-threaded wasm, where `thread_local!` (std) is not available.
pub struct Global<T>(pub RefCell<T>);

// SAFETY: the SDK is built for wasm32 without the atomics feature: there is one thread, so
// no two threads can ever reach the cell.
unsafe impl<T> Sync for Global<T> {}

/// Records the global object (`window` in a page) for [`global`].
pub fn set_global(value: JsValue) {
    if let Ok(mut slot) = GLOBAL.0.try_borrow_mut() {
        *slot = Some(value);
    }
}

/// The global object recorded by [`set_global`], or `undefined` before it.
pub fn global() -> JsValue {
    GLOBAL
        .0
        .try_borrow()
        .ok()
        .and_then(|g| g.clone())
        .unwrap_or(JsValue::UNDEFINED)
}

/// Milliseconds since the Unix epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}
