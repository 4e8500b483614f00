//! Browser helpers for the SDK, on top of js-sys: reading page objects safely, what the SDK
//! knows about the page, the browser and the session, and the web vitals ([`vitals`]).
//!
//! The browser crate asks [`context`] for the `page`/`browser`/session context of each event
//! and reads untrusted page values (options, thrown errors) through [`js`], which turns every
//! failure into `None` instead of an exception or a panic.
//!
//! Page objects are read through `Reflect` rather than web-sys bindings: one import serves
//! every property, where web-sys adds a JS shim per method, and a throwing getter becomes an
//! `Err` instead of an exception crossing the wasm boundary.

#![no_std]

extern crate alloc;

pub mod context;
pub mod js;
pub mod vitals;
