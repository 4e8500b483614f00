//! Per-event validation against docs/protocol.md.
//!
//! Each event is judged alone: a bad one is rejected with its index and a reason naming the
//! field, the rest of the batch goes on. Validation only checks; it never rewrites an event,
//! so what is stored is what the SDK sent, unknown fields included (a newer SDK may add some).

mod fields;
mod types;

#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::Value;

pub use fields::Reason;
use fields::{expected, Obj};

/// The event types of protocol version 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Error,
    Message,
    ResourceError,
    HttpError,
    WebVital,
    PageView,
    Click,
    RageClick,
    FormSubmit,
    TimeOnPage,
    Custom,
    NavigationTiming,
    ResourceTiming,
}

impl EventType {
    pub const ALL: [EventType; 13] = [
        EventType::Error,
        EventType::Message,
        EventType::ResourceError,
        EventType::HttpError,
        EventType::WebVital,
        EventType::PageView,
        EventType::Click,
        EventType::RageClick,
        EventType::FormSubmit,
        EventType::TimeOnPage,
        EventType::Custom,
        EventType::NavigationTiming,
        EventType::ResourceTiming,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Error => "error",
            EventType::Message => "message",
            EventType::ResourceError => "resource_error",
            EventType::HttpError => "http_error",
            EventType::WebVital => "web_vital",
            EventType::PageView => "page_view",
            EventType::Click => "click",
            EventType::RageClick => "rage_click",
            EventType::FormSubmit => "form_submit",
            EventType::TimeOnPage => "time_on_page",
            EventType::Custom => "custom",
            EventType::NavigationTiming => "navigation_timing",
            EventType::ResourceTiming => "resource_timing",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

const LEVELS: [&str; 5] = ["fatal", "error", "warning", "info", "debug"];

/// An event that passed validation, with the fields the store indexes pulled out.
#[derive(Debug)]
pub struct ValidEvent {
    pub event_id: String,
    pub event_type: EventType,
    pub timestamp: f64,
    pub payload: Value,
}

/// One rejected event, as listed in the ingest answer.
#[derive(Debug, PartialEq, Serialize)]
pub struct Rejected {
    pub index: usize,
    pub reason: Reason,
}

/// Splits a batch into the events to store and the rejections to report.
pub fn validate_batch(events: Vec<Value>) -> (Vec<ValidEvent>, Vec<Rejected>) {
    let mut valid = Vec::with_capacity(events.len());
    let mut rejected = Vec::new();
    for (index, payload) in events.into_iter().enumerate() {
        match validate_event(index, &payload) {
            Ok((event_id, event_type, timestamp)) => valid.push(ValidEvent {
                event_id,
                event_type,
                timestamp,
                payload,
            }),
            Err(reason) => rejected.push(Rejected { index, reason }),
        }
    }
    (valid, rejected)
}

/// Checks one event; on success returns its id, type and timestamp.
pub fn validate_event(index: usize, value: &Value) -> Result<(String, EventType, f64), Reason> {
    let event = Obj::at_path(value, format!("events[{index}]"))?;

    let event_id = event.req_str("event_id")?;
    if !is_event_id(event_id) {
        return Err(expected(
            &event.path_of("event_id"),
            "32 lowercase hex characters",
        ));
    }
    let type_name = event.req_str("type")?;
    let event_type = EventType::parse(type_name).ok_or_else(|| {
        let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        format!(
            "{}: unknown type {type_name:?}, expected one of {}",
            event.path_of("type"),
            names.join(", ")
        )
    })?;
    let timestamp = event.req_num("timestamp")?;
    if timestamp <= 0.0 {
        return Err(expected(
            &event.path_of("timestamp"),
            "a positive number of milliseconds since the Unix epoch",
        ));
    }

    check_context(&event)?;
    types::check(event_type, &event)?;
    Ok((event_id.to_owned(), event_type, timestamp))
}

fn is_event_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The context fields every event type may carry.
fn check_context(event: &Obj) -> Result<(), Reason> {
    if let Some(level) = event.opt_str("level")? {
        if !LEVELS.contains(&level) {
            return Err(expected(&event.path_of("level"), &LEVELS.join(", ")));
        }
    }
    event.opt_strs(&["release", "environment"])?;
    if let Some(user) = event.opt_obj("user")? {
        user.opt_strs(&["id", "session_id", "email", "username", "ip_address"])?;
    }
    if let Some(page) = event.opt_obj("page")? {
        page.opt_strs(&["url", "referrer", "title"])?;
    }
    if let Some(browser) = event.opt_obj("browser")? {
        browser.opt_strs(&["user_agent", "language"])?;
        if let Some(viewport) = browser.opt_obj("viewport")? {
            viewport.opt_num("w")?;
            viewport.opt_num("h")?;
        }
    }
    if let Some(tags) = event.opt_obj("tags")? {
        for (name, value) in tags.entries() {
            if !value.is_string() {
                return Err(expected(&tags.path_of(name), "a string"));
            }
        }
    }
    event.opt_obj("extra")?;
    if let Some(breadcrumbs) = event.opt_array("breadcrumbs")? {
        event.each_object("breadcrumbs", breadcrumbs, |crumb| {
            crumb.opt_num("timestamp")?;
            crumb.opt_strs(&["category", "message", "level"])
        })?;
    }
    Ok(())
}
