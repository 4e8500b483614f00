//! The fields each event type requires (the "Types and their fields" table of
//! docs/protocol.md). Optional fields are checked for their type only when present.

use super::fields::{expected, Obj, Reason};
use super::EventType;

const WEB_VITALS: [&str; 7] = ["FCP", "LCP", "CLS", "INP", "TTFB", "FP", "TBT"];

pub fn check(event_type: EventType, event: &Obj) -> Result<(), Reason> {
    match event_type {
        EventType::Error => {
            event.opt_str("message")?;
            if let Some(parts) = event.opt_array("fingerprint")? {
                let path = event.path_of("fingerprint");
                for (i, part) in parts.iter().enumerate() {
                    if !part.is_string() {
                        return Err(expected(&format!("{path}[{i}]"), "a string"));
                    }
                }
            }
            check_exception(event)
        }
        EventType::Message => event.req_str("message").map(drop),
        EventType::ResourceError => {
            let resource = event.req_obj("resource")?;
            resource.req_str("url")?;
            resource.opt_strs(&["tag", "selector"])
        }
        EventType::HttpError => {
            let http = event.req_obj("http")?;
            http.req_str("url")?;
            http.req_num("status")?;
            http.opt_strs(&["method", "error", "kind"])?;
            http.opt_num("duration").map(drop)
        }
        EventType::WebVital => check_web_vital(event),
        EventType::PageView => event.req_obj("page")?.req_str("url").map(drop),
        EventType::Click | EventType::RageClick => {
            event.req_str("target")?;
            event.opt_str("text")?;
            event.opt_num("x")?;
            event.opt_num("y")?;
            event.opt_num("count").map(drop)
        }
        EventType::FormSubmit => {
            event.req_str("target")?;
            let Some(form) = event.opt_obj("form")? else {
                return Ok(());
            };
            form.opt_strs(&["id", "name", "action"])?;
            form.opt_num("fields").map(drop)
        }
        EventType::TimeOnPage => {
            if event.req_num("duration")? < 0.0 {
                return Err(expected(&event.path_of("duration"), "a number ≥ 0"));
            }
            Ok(())
        }
        EventType::NavigationTiming => {
            event.opt_str("navigation_type")?;
            let timing = event.req_obj("timing")?;
            for (key, value) in timing.entries() {
                if key != "protocol" && !value.is_number() {
                    return Err(expected(&timing.path_of(key), "a number"));
                }
            }
            timing.opt_str("protocol").map(drop)
        }
        EventType::ResourceTiming => {
            event.req_num("count")?;
            event.opt_num("transfer_size")?;
            event.opt_obj("by_type")?;
            event.opt_array("slowest").map(drop)
        }
        EventType::Custom => {
            // A nameless custom event cannot be counted or searched for.
            if event.req_str("name")?.is_empty() {
                return Err(expected(&event.path_of("name"), "a non-empty string"));
            }
            Ok(())
        }
    }
}

fn check_web_vital(event: &Obj) -> Result<(), Reason> {
    let name = event.req_str("name")?;
    if !WEB_VITALS.contains(&name) {
        return Err(expected(
            &event.path_of("name"),
            &format!("one of {}", WEB_VITALS.join(" ")),
        ));
    }
    event.req_num("value")?;
    event.opt_num("delta")?;
    event.opt_strs(&["rating", "id", "navigation_type"])
}

fn check_exception(event: &Obj) -> Result<(), Reason> {
    let exception = event.req_obj("exception")?;
    let values = exception.req_array("values")?;
    if values.is_empty() {
        return Err(expected(&exception.path_of("values"), "a non-empty array"));
    }
    exception.each_object("values", values, |value| {
        let type_name = value.opt_str("type")?.unwrap_or_default();
        let message = value.opt_str("value")?.unwrap_or_default();
        if type_name.is_empty() && message.is_empty() {
            return Err(format!(
                "{}: type or value must be a non-empty string",
                value.path_of("type")
            ));
        }
        if let Some(mechanism) = value.opt_obj("mechanism")? {
            mechanism.opt_str("type")?;
            mechanism.opt_bool("handled")?;
        }
        let Some(stacktrace) = value.opt_obj("stacktrace")? else {
            return Ok(());
        };
        let Some(frames) = stacktrace.opt_array("frames")? else {
            return Ok(());
        };
        stacktrace.each_object("frames", frames, |frame| {
            frame.opt_strs(&["filename", "function"])?;
            frame.opt_num("lineno")?;
            frame.opt_num("colno")?;
            frame.opt_bool("in_app").map(drop)
        })
    })
}
