//! The performance entries the metrics consume, as plain values (read from the browser's
//! entries by `super::browser`). Times are ms since navigation start.

use alloc::string::String;

pub enum Entry<N> {
    /// `paint`: first paint or first contentful paint.
    Paint {
        contentful: bool,
        start: f64,
    },
    Lcp(LcpEntry<N>),
    Shift(ShiftEntry<N>),
    /// `event` or `first-input`.
    Event(EventEntry<N>),
    LongTask {
        start: f64,
        duration: f64,
    },
    Resource(ResourceEntry),
}

pub struct LcpEntry<N> {
    pub start: f64,
    pub url: String,
    pub element: Option<N>,
    /// The element's id, used as the target when the element is gone.
    pub id: String,
}

pub struct ShiftEntry<N> {
    pub start: f64,
    pub value: f64,
    pub had_recent_input: bool,
    pub has_sources: bool,
    /// The node of the shift's first source that is an element, else of its first source.
    pub node: Option<N>,
}

pub struct EventEntry<N> {
    /// The DOM event name (`pointerdown`, `click`, `keydown`, ...).
    pub name: String,
    pub start: f64,
    pub duration: f64,
    pub processing_start: f64,
    pub processing_end: f64,
    /// 0 for events that are not part of an interaction.
    pub interaction_id: f64,
    pub target: Option<N>,
    /// The browser's own selector for a target that is gone, where it gives one.
    pub target_selector: Option<String>,
}

pub struct ResourceEntry {
    pub url: String,
    pub initiator: String,
    pub start: f64,
    pub duration: f64,
    pub transfer_size: f64,
}
