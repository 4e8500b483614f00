//! The browser SDK's wasm entry point: the public API the npm package wraps, the global error
//! handlers, and the browser transport.
//!
//! How an error travels: a window `error`/`unhandledrejection` event (the npm loader's global
//! listener forwards it), an early error the loader recorded before the wasm was ready, or a
//! `captureException` call ([`api`]) becomes an event ([`errors`]); the browser context (page,
//! browser, session) is added and `monitor_sdk_core::Client` runs its pipeline, calling the
//! page's `beforeSend` and JS integrations through one hook; the queued batch leaves through
//! [`transport`] by keepalive fetch, or by `sendBeacon` when the page goes away.
//!
//! Web vitals take the same road: the loader's performance observers and lifecycle listeners
//! call [`vitals::perf`], the metrics in `monitor_sdk_browser_utils::vitals` decide what to
//! report, and each value becomes an event through `capture_event`.
//!
//! The DOM wiring (listeners, `fetch`, `setTimeout`) is done by the loader and reaches the
//! wasm as plain calls (`capture`, `onResponse`, `tick`, `pageLeave`): the wasm never creates
//! a JS closure, which keeps wasm-bindgen's closure machinery (about 2 KB gzip) out of the SDK.
//! Every decision (what an event says, when to send, retries, rate limits) stays in Rust.
//!
//! Rule of this crate: nothing may throw into the page or panic. Page objects are read only
//! through `monitor_sdk_browser_utils::js`, and the global state only through
//! [`state::with_sdk`], which refuses re-entry instead of panicking.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
pub mod behaviour;
pub mod errors;
pub mod identity;
pub mod options;
pub mod state;
pub mod transport;
pub mod vitals;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: the SDK runs on the page's single thread (wasm32 without atomics).
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// Panics are prevented by construction (see the crate rule above); should one happen anyway,
/// trap without formatting a message, which would cost kilobytes.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
