//! Integrations: optional pieces that hook into the client.
//!
//! An integration is set up once when the client starts and then sees every event before
//! `beforeSend`, where it can enrich it or drop it. Integrations written in JS by plugin
//! authors are bridged by the browser crate; this trait is the Rust side.

use crate::event::Event;
use crate::options::Options;

pub trait Integration {
    /// A stable name, shown in debug logs and used to switch the integration off.
    fn name(&self) -> &'static str;

    /// Called once, when the client starts.
    fn setup(&mut self, _options: &Options) {}

    /// Sees each event after sampling; returning `false` drops it.
    fn process_event(&mut self, _event: &mut Event) -> bool {
        true
    }
}
