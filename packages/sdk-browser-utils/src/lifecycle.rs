//! Page lifecycle: knowing when the page is going away.
//!
//! `visibilitychange` to hidden is the last event a page reliably gets on mobile (the user
//! switches apps and the tab is killed later without `unload`); `pagehide` covers desktop
//! navigation and bfcache entry. Both call the same callback, which must be idempotent.

use alloc::boxed::Box;
use alloc::vec::Vec;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::context::is_hidden;
use crate::js::{call, get, global};

/// Listeners that stay registered while this value lives; dropping it removes them.
pub struct Listeners {
    registered: Vec<(JsValue, &'static str, Closure<dyn FnMut(JsValue)>)>,
}

impl Listeners {
    pub fn new() -> Self {
        Listeners {
            registered: Vec::new(),
        }
    }

    /// `target.addEventListener(kind, callback)`.
    pub fn add(&mut self, target: JsValue, kind: &'static str, callback: Box<dyn FnMut(JsValue)>) {
        let closure = Closure::wrap(callback);
        let function: &JsValue = closure.as_ref().unchecked_ref();
        if call(
            &target,
            "addEventListener",
            &[&JsValue::from_str(kind), function],
        )
        .is_some()
        {
            self.registered.push((target, kind, closure));
        }
    }

    /// Calls `on_leave` when the page is hidden or unloaded.
    pub fn on_page_leave(&mut self, on_leave: fn()) {
        let window = global();
        let document = get(&window, "document");
        self.add(
            document,
            "visibilitychange",
            Box::new(move |_| {
                if is_hidden() {
                    on_leave();
                }
            }),
        );
        self.add(window, "pagehide", Box::new(move |_| on_leave()));
    }
}

impl Default for Listeners {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (target, kind, closure) in self.registered.drain(..) {
            let function: &JsValue = closure.as_ref().unchecked_ref();
            let _ = call(
                &target,
                "removeEventListener",
                &[&JsValue::from_str(kind), function],
            );
        }
    }
}
