//! The event model and its JSON encoding, per docs/protocol.md.
//!
//! An [`Event`] holds the shared context as typed fields and its type-specific fields in
//! `body`, so new event types (web vitals, behaviour) need no change here. The client fills
//! the shared context from the scope; [`Event::to_json`] writes the wire form.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::json::{write_key, write_number, write_string, write_u64, Map, Value};
use crate::options::Options;
use crate::scope::Scope;
use crate::stack::Frame;
use crate::text::contains;

/// Longest string (bytes) the SDK puts in a message or exception value; longer text is cut
/// so one event cannot fill a request.
pub const MAX_MESSAGE_BYTES: usize = 8_192;

/// 32 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EventId([u8; 32]);

impl EventId {
    pub fn from_u128(n: u128) -> EventId {
        let mut out = [b'0'; 32];
        for (i, slot) in out.iter_mut().enumerate() {
            let nibble = (n >> (124 - 4 * i as u32)) & 0xf;
            *slot = crate::json::hex_digit(nibble as u32) as u8;
        }
        EventId(out)
    }

    /// The id as a string (hex digits only, so no escaping is ever needed).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| *b as char).collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Fatal,
    Error,
    Warning,
    Info,
    Debug,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Fatal => "fatal",
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    /// Reads a level name; anything unknown is `None` so the caller picks its default.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "fatal" => Level::Fatal,
            "error" => Level::Error,
            "warning" => Level::Warning,
            "info" => Level::Info,
            "debug" => Level::Debug,
            _ => return None,
        })
    }
}

/// How an error reached the SDK; see `mechanism.type` in docs/protocol.md.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    OnError,
    OnUnhandledRejection,
    Generic,
}

impl Mechanism {
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::OnError => "onerror",
            Mechanism::OnUnhandledRejection => "onunhandledrejection",
            Mechanism::Generic => "generic",
        }
    }

    fn handled(self) -> bool {
        matches!(self, Mechanism::Generic)
    }
}

/// One exception value of an `error` event.
#[derive(Clone, PartialEq)]
pub struct Exception {
    pub ty: String,
    pub value: String,
    pub mechanism: Mechanism,
    /// Set when the loader caught the error before the SDK was ready.
    pub early: bool,
    /// A cross-origin script's error, which the browser reduced to `Script error.` with no
    /// position (the script needs `crossorigin` and a CORS header to say more).
    pub cross_origin: bool,
    /// Oldest call first.
    pub frames: Vec<Frame>,
}

impl Exception {
    fn write_json(&self, out: &mut String) {
        out.push('{');
        write_key(out, "type");
        write_string(out, &self.ty);
        write_key(out, "value");
        write_string(out, &self.value);
        write_key(out, "mechanism");
        out.push_str("{\"type\":\"");
        if self.early {
            out.push_str("early\",\"data\":{\"original\":\"");
            out.push_str(self.mechanism.as_str());
            out.push('"');
            if self.cross_origin {
                out.push_str(",\"cross_origin\":true");
            }
            out.push('}');
        } else {
            out.push_str(self.mechanism.as_str());
            out.push('"');
            if self.cross_origin {
                out.push_str(",\"data\":{\"cross_origin\":true}");
            }
        }
        out.push_str(if self.mechanism.handled() {
            ",\"handled\":true}"
        } else {
            ",\"handled\":false}"
        });
        if !self.frames.is_empty() {
            write_key(out, "stacktrace");
            out.push_str("{\"frames\":[");
            for frame in &self.frames {
                write_frame(out, frame);
            }
            out.push_str("]}");
        }
        out.push('}');
    }
}

fn write_frame(out: &mut String, frame: &Frame) {
    if out.ends_with('}') {
        out.push(',');
    }
    out.push('{');
    write_key(out, "filename");
    write_string(out, &frame.filename);
    write_key(out, "function");
    write_string(out, &frame.function);
    if let Some(line) = frame.lineno {
        write_key(out, "lineno");
        write_u64(out, u64::from(line));
    }
    if let Some(col) = frame.colno {
        write_key(out, "colno");
        write_u64(out, u64::from(col));
    }
    write_key(out, "in_app");
    out.push_str(if is_in_app(&frame.filename) {
        "true}"
    } else {
        "false}"
    });
}

/// Frames from the SDK itself, browser extensions and dependencies are not the app's code;
/// grouping and the dashboard lean on this.
fn is_in_app(filename: &str) -> bool {
    !(filename.is_empty()
        || contains(filename, "/node_modules/")
        || contains(filename, "@org/monitor-sdk")
        // chrome-, moz-, safari-(web-)extension: URLs
        || contains(filename, "-extension:")
        || filename == "<anonymous>"
        || filename == "[native code]")
}

/// How many parts of the scope [`Event::to_json`] can leave off an event that would not fit a
/// request: breadcrumbs, then extra, then tags, then user. The event's own content (the error,
/// the message, the page) is what it is for; the shared context is what can go.
pub const MAX_TRIM: usize = 4;

/// One event, as it travels through the client pipeline. The shared context (release,
/// environment, user, tags, extra, breadcrumbs) is not copied in: [`Event::to_json`] writes it
/// from the options and the scope, which saves a copy of every map per event.
#[derive(Clone, PartialEq)]
pub struct Event {
    pub event_id: EventId,
    /// The protocol's `type`.
    pub kind: &'static str,
    /// Milliseconds since the Unix epoch.
    pub timestamp: f64,
    pub level: Option<Level>,
    /// Exceptions of an `error` event: its causes, the deepest first, then the thrown one
    /// last (Sentry's order).
    pub exceptions: Vec<Exception>,
    /// Type-specific fields (`message`, `name`, `data`, ...) and the host's context
    /// (`page`, `browser`).
    pub body: Map,
}

impl Event {
    /// A new event of `kind` with no id yet (the client assigns one).
    pub fn new(kind: &'static str, timestamp: f64) -> Event {
        Event {
            event_id: EventId([b'0'; 32]),
            kind,
            timestamp,
            level: None,
            exceptions: Vec::new(),
            body: Map::new(),
        }
    }

    pub fn error(exception: Exception, timestamp: f64) -> Event {
        let mut event = Event::new("error", timestamp);
        event.level = Some(Level::Error);
        event.exceptions.push(exception);
        event
    }

    pub fn message(message: &str, level: Level, timestamp: f64) -> Event {
        let mut event = Event::new("message", timestamp);
        event.level = Some(level);
        event
            .body
            .insert("message", truncate(message, MAX_MESSAGE_BYTES).into());
        event
    }

    /// A `track(name, data)` event; `data` is JSON text the page produced, or `None`.
    pub fn custom(name: &str, data: Option<String>, timestamp: f64) -> Event {
        let mut event = Event::new("custom", timestamp);
        event.body.insert("name", truncate(name, 200).into());
        if let Some(raw) = data {
            event.body.insert("data", Value::Raw(raw));
        }
        event
    }

    /// The wire form (docs/protocol.md), with the release and environment of `options` and
    /// the scope's user, tags, extra and breadcrumbs, less the last `trim` of them in the
    /// order breadcrumbs, extra, tags, user (see [`MAX_TRIM`]).
    pub fn to_json(&self, options: &Options, scope: &Scope, trim: usize) -> String {
        let mut out = String::with_capacity(512);
        out.push_str("{\"event_id\":\"");
        out.extend(self.event_id.0.iter().map(|b| *b as char));
        out.push('"');
        write_key(&mut out, "type");
        write_string(&mut out, self.kind);
        write_key(&mut out, "timestamp");
        write_number(&mut out, self.timestamp);
        let optional = [
            ("level", self.level.map(Level::as_str)),
            ("release", options.release.as_deref()),
            ("environment", options.environment.as_deref()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                write_key(&mut out, key);
                write_string(&mut out, value);
            }
        }
        for (key, map, dropped_at) in [
            ("user", &scope.user, 4),
            ("tags", &scope.tags, 3),
            ("extra", &scope.extra, 2),
        ] {
            if trim < dropped_at && !map.is_empty() {
                write_key(&mut out, key);
                map.write_json(&mut out);
            }
        }
        if !self.exceptions.is_empty() {
            write_key(&mut out, "exception");
            out.push_str("{\"values\":[");
            for (i, exception) in self.exceptions.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                exception.write_json(&mut out);
            }
            out.push_str("]}");
        }
        let mut crumbs = scope.breadcrumbs().peekable();
        if trim < 1 && crumbs.peek().is_some() {
            write_key(&mut out, "breadcrumbs");
            out.push('[');
            for (i, crumb) in crumbs.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                crumb.write_json(&mut out);
            }
            out.push(']');
        }
        for (key, value) in self.body.iter() {
            write_key(&mut out, key);
            value.write_json(&mut out);
        }
        out.push('}');
        out
    }
}

/// Cuts `s` to at most `max_bytes` bytes of UTF-8, on a character boundary, marking the cut
/// with `…`. Bytes, not characters, because the limits protect request sizes.
pub fn truncate(s: &str, max_bytes: usize) -> String {
    if s.len() <= max_bytes {
        return s.to_string();
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = s.get(..end).unwrap_or_default().to_string();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(file: &str, func: &str, line: u32, col: u32) -> Frame {
        Frame {
            filename: file.into(),
            function: func.into(),
            lineno: Some(line),
            colno: Some(col),
        }
    }

    #[test]
    fn event_id_is_32_lowercase_hex() {
        let id = EventId::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210);
        assert_eq!(id.to_hex(), "0123456789abcdeffedcba9876543210");
        assert_eq!(EventId::from_u128(0).to_hex().len(), 32);
    }

    #[test]
    fn error_event_encodes_per_protocol() {
        let mut event = Event::error(
            Exception {
                ty: "TypeError".into(),
                value: "x is \"not\" a function".into(),
                mechanism: Mechanism::OnError,
                early: false,
                cross_origin: false,
                frames: vec![
                    frame("https://a.test/node_modules/lib.js", "lib", 1, 2),
                    frame("https://a.test/app.js", "main", 10, 5),
                ],
            },
            1_700_000_000_000.5,
        );
        event.event_id = EventId::from_u128(1);
        event
            .body
            .insert("page", Value::Raw("{\"url\":\"https://a.test/\"}".into()));
        let options = Options {
            release: Some("1.0".into()),
            ..Options::default()
        };
        assert_eq!(
            event.to_json(&options, &Scope::new(0), 0),
            concat!(
                r#"{"event_id":"00000000000000000000000000000001","type":"error","#,
                r#""timestamp":1700000000000.5,"level":"error","release":"1.0","#,
                r#""exception":{"values":[{"type":"TypeError","#,
                r#""value":"x is \"not\" a function","mechanism":{"type":"onerror","handled":false},"#,
                r#""stacktrace":{"frames":[{"filename":"https://a.test/node_modules/lib.js","#,
                r#""function":"lib","lineno":1,"colno":2,"in_app":false},"#,
                r#"{"filename":"https://a.test/app.js","function":"main","lineno":10,"colno":5,"#,
                r#""in_app":true}]}}]},"page":{"url":"https://a.test/"}}"#
            )
        );
    }

    #[test]
    fn early_errors_keep_their_original_mechanism() {
        let mut event = Event::error(
            Exception {
                ty: "Error".into(),
                value: "boom".into(),
                mechanism: Mechanism::OnUnhandledRejection,
                early: true,
                cross_origin: false,
                frames: vec![],
            },
            1.0,
        );
        event.event_id = EventId::from_u128(2);
        let json = event.to_json(&Options::default(), &Scope::new(0), 0);
        assert!(json.contains(
            r#""mechanism":{"type":"early","data":{"original":"onunhandledrejection"},"handled":false}"#
        ));
        assert!(!json.contains("stacktrace"));
    }

    #[test]
    fn custom_event_embeds_raw_data() {
        let mut event = Event::custom("signup", Some("{\"plan\":\"pro\"}".into()), 5.0);
        event.event_id = EventId::from_u128(3);
        assert_eq!(
            event.to_json(&Options::default(), &Scope::new(0), 0),
            r#"{"event_id":"00000000000000000000000000000003","type":"custom","timestamp":5,"name":"signup","data":{"plan":"pro"}}"#
        );
    }

    #[test]
    fn truncate_cuts_bytes_on_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h…");
        assert_eq!(truncate("héllo", 3), "hé…");
        assert_eq!(truncate("héllo", 6), "héllo");
        assert_eq!(truncate("", 0), "");
        assert_eq!(truncate("😀😀", 5), "😀…");
        assert_eq!(truncate("😀", 3), "…");
    }

    #[test]
    fn message_event_is_truncated() {
        let long = "a".repeat(MAX_MESSAGE_BYTES + 10);
        let event = Event::message(&long, Level::Info, 1.0);
        match event.body.get("message") {
            Some(Value::String(s)) => assert_eq!(s.len(), MAX_MESSAGE_BYTES + '…'.len_utf8()),
            _ => panic!("message missing"),
        }
    }
}
