//! Optional integrations of the SDK, one module each, switched on by cargo features so an
//! app that does not want one does not pay for its bytes.
//!
//! Each integration implements `monitor_sdk_core::Integration`; the browser crate lists the
//! compiled-in ones in [`defaults`] and hands them to the client, which runs them on every
//! event after sampling and before `beforeSend`.

#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use monitor_sdk_core::Integration;

#[cfg(feature = "dedupe")]
pub mod dedupe;

/// The integrations compiled into this build, in the order they run.
pub fn defaults() -> Vec<Box<dyn Integration>> {
    let list: [Option<Box<dyn Integration>>; 1] = [
        #[cfg(feature = "dedupe")]
        Some(Box::new(dedupe::Dedupe::default())),
        #[cfg(not(feature = "dedupe"))]
        None,
    ];
    list.into_iter().flatten().collect()
}
