//! The browser SDK's wasm entry point: the public API the npm package wraps, the global error
//! handlers, and the browser transport.
//!
//! How an error travels: a window `error`/`unhandledrejection` listener ([`handlers`]), an
//! early error handed over by the JS loader, or a `captureException` call ([`api`]) becomes an
//! event ([`errors`]); the browser context (page, browser, session) is added and
//! `monitor_sdk_core::Client` runs its pipeline, calling the page's `beforeSend` and JS
//! integrations through one hook; the queued batch leaves through [`transport`] by keepalive
//! fetch, or by `sendBeacon` when the page goes away.
//!
//! Rule of this crate: nothing may throw into the page or panic. Page objects are read only
//! through `monitor_sdk_browser_utils::js`, and the global state only through
//! [`state::with_sdk`], which refuses re-entry instead of panicking.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
pub mod errors;
pub mod handlers;
pub mod options;
pub mod state;
pub mod transport;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Panics are prevented by construction (see the crate rule above); should one happen anyway,
/// trap without formatting a message, which would cost kilobytes.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
