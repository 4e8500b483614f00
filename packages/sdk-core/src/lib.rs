//! Target-independent logic of the monitoring SDK: plain Rust, tested natively, compiled
//! into the browser SDK's wasm.
//!
//! How an event flows through this crate:
//! 1. The host (the browser crate) builds an [`Event`] — from a caught error whose `stack`
//!    [`stack::parse_stack`] turns into frames, from `captureMessage`, or from `track()`.
//! 2. [`Client::capture`] gives it an id, copies the [`Scope`] (user, tags, breadcrumbs) into
//!    it, samples it, lets each [`Integration`] change or drop it, encodes it to JSON
//!    ([`json`], no serde) and passes that through `beforeSend`.
//! 3. The encoded event waits in the [`batch::BatchQueue`] until a batch is due (count,
//!    interval) and leaves through a [`Transport`] in a request under 32 KB.
//! 4. The transport reports the answer back; [`ratelimit`] honours `Retry-After` and failed
//!    batches are retried a few times before they are dropped.
//!
//! Nothing here may panic on page data: the wasm build aborts on panic, which would take the
//! SDK down with it.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod batch;
pub mod behaviour;
pub mod client;
pub mod dsn;
pub mod event;
pub mod integration;
pub mod json;
pub mod options;
pub mod ratelimit;
pub mod rng;
pub mod scope;
pub mod scrub;
pub mod session;
pub mod stack;
pub mod text;
pub mod transport;

pub use client::{BeforeSend, Client, Outcome, ResponseOutcome};
pub use dsn::{Dsn, DsnError};
pub use event::{Event, EventId, Exception, Level, Mechanism};
pub use integration::Integration;
pub use json::{Map, Value};
pub use options::Options;
pub use scope::{Breadcrumb, Scope};
pub use transport::{Request, SendResult, Transport};

/// The SDK version sent with every request.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
