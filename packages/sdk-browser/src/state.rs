//! The SDK's single global state and safe access to it.
//!
//! Everything the page can call re-enters here. A `beforeSend` hook that calls
//! `captureException` would find the state already borrowed; `try_borrow_mut` turns that into
//! a dropped call instead of a panic, which in wasm would abort the whole module.

use alloc::string::String;
use core::cell::RefCell;

use monitor_sdk_browser_utils::js::{call, get, global, Global};
use monitor_sdk_browser_utils::vitals::browser::BrowserPage;
use monitor_sdk_browser_utils::vitals::{Config, Vitals};
use monitor_sdk_core::Client;
use wasm_bindgen::JsValue;

pub struct Sdk {
    pub client: Client,
    pub debug: bool,
    /// When the flush timer is set to fire, if it is.
    pub timer_at: Option<f64>,
    /// The npm loader's host object: `schedule(ms)` arms the flush timer (see transport.rs).
    pub host: JsValue,
    /// The web-vitals configuration from `init`, until the loader starts measuring.
    pub vitals_config: Option<Config>,
    /// The page's web vitals, once measuring started (see vitals.rs).
    pub vitals: Option<Vitals<BrowserPage>>,
    /// Behaviour tracking (see behaviour.rs).
    pub behaviour: crate::behaviour::Tracking,
    /// The visitor and the session (see identity.rs).
    pub identity: crate::identity::Identity,
    /// `behaviourSampleRate`: the share of sessions whose behaviour events are sent.
    pub behaviour_rate: f64,
}

static SDK: Global<Option<Sdk>> = Global(RefCell::new(None));

/// Runs `f` on the live SDK; `None` before `init`, after `close`, or when re-entered.
pub fn with_sdk<R>(f: impl FnOnce(&mut Sdk) -> R) -> Option<R> {
    let mut guard = SDK.0.try_borrow_mut().ok()?;
    let sdk = guard.as_mut()?;
    Some(f(sdk))
}

/// Installs a new SDK (or none), returning the old one so the caller drops it outside the
/// borrow.
pub fn replace(sdk: Option<Sdk>) -> Option<Option<Sdk>> {
    let mut guard = SDK.0.try_borrow_mut().ok()?;
    Some(core::mem::replace(&mut *guard, sdk))
}

/// `console.warn("[monitor-sdk]", message)` when `debug` is on.
pub fn log(debug: bool, message: &str) {
    if debug {
        let mut line = String::from("[monitor-sdk] ");
        line.push_str(message);
        let _ = call(
            &get(&global(), "console"),
            "warn",
            &[&JsValue::from_str(&line)],
        );
    }
}
