//! Global handlers: uncaught errors and unhandled promise rejections.

use alloc::boxed::Box;
use monitor_sdk_browser_utils::js::{global, now};
use monitor_sdk_browser_utils::lifecycle::Listeners;
use wasm_bindgen::JsValue;

use crate::api::capture_event;
use crate::errors::event_from_dom_event;
use crate::transport::on_page_leave;

/// Registers the error handlers and the flush-on-leave callback.
pub fn install(listeners: &mut Listeners) {
    let window = global();
    for kind in ["error", "unhandledrejection"] {
        listeners.add(window.clone(), kind, Box::new(on_dom_error));
    }
    listeners.on_page_leave(on_page_leave);
}

fn on_dom_error(dom_event: JsValue) {
    if let Some(event) = event_from_dom_event(&dom_event, now(), false) {
        capture_event(event);
    }
}
