//! Grouping errors into issues: the fingerprint of an error event, and the title and culprit
//! that name its issue.
//!
//! The fingerprint is a hash of, in order of preference:
//! 1. the SDK's own `fingerprint` (an array of strings on the event), when it sends one; an
//!    element `{{ default }}` stands for the components of rule 2 or 3;
//! 2. for each exception value, its `type` and its in-app frames (at most the
//!    [`MAX_FRAMES`] closest to the throw): function name and file path, normalised by
//!    [`frames`] so that a new build, a CDN host or a cache-busting query do not split the
//!    issue, and without line and column, which move with every change to the file;
//! 3. when no exception value has a usable in-app frame (no stack, only library frames):
//!    the thrown value's `type` and its message normalised by [`message`] (numbers, hex,
//!    UUIDs, e-mails, IPs and URLs replaced by placeholders).
//!
//! The protocol lists the thrown error **last** in `exception.values`, after its `cause`
//! chain (deepest cause first); title, culprit and the message fallback are the thrown one's.
//!
//! Used when an event is stored (the fingerprint is a column in both stores) and by
//! anything else that needs the same answer for the same event, such as a real-time
//! top-N of fingerprints: the function takes the event JSON as the protocol defines it.

pub mod frames;
pub mod message;

#[cfg(test)]
mod tests;

use serde_json::Value;

use frames::{normalize_function, normalize_path, Frame};
pub use message::normalize_message;

/// In-app frames per exception value that count, nearest the throw first: deeper frames
/// differ between call paths (or recursion depths) into the same failing code.
pub const MAX_FRAMES: usize = 10;
const DEFAULT_MARKER: &str = "{{ default }}";

/// The fingerprint of an `error` event (32 hex characters), `None` for other events.
pub fn fingerprint(event: &Value) -> Option<String> {
    let parts = components(event)?;
    Some(hash(&parts))
}

/// What [`fingerprint`] hashes, in order; readable, for tests and debugging.
pub fn components(event: &Value) -> Option<Vec<String>> {
    let values = event.pointer("/exception/values")?.as_array()?;
    if values.is_empty() {
        return None;
    }
    let default = default_components(values);
    let custom: Option<Vec<&str>> = event
        .get("fingerprint")
        .and_then(Value::as_array)
        .filter(|parts| !parts.is_empty())
        .and_then(|parts| parts.iter().map(Value::as_str).collect());
    Some(match custom {
        Some(parts) => {
            let mut out = vec!["custom".to_owned()];
            for part in parts {
                if part == DEFAULT_MARKER {
                    out.extend(default.iter().cloned());
                } else {
                    out.push(format!("part:{part}"));
                }
            }
            out
        }
        None => default,
    })
}

fn default_components(values: &[Value]) -> Vec<String> {
    let by_frames: Vec<(String, Vec<Frame>)> = values
        .iter()
        .map(|value| (text(value, "type"), in_app_frames(value)))
        .collect();
    if by_frames.iter().any(|(_, frames)| !frames.is_empty()) {
        let mut out = Vec::new();
        for (kind, frames) in by_frames {
            out.push(format!("type:{kind}"));
            out.extend(
                frames
                    .iter()
                    .map(|f| format!("frame:{}|{}", f.path, f.function)),
            );
        }
        return out;
    }
    let thrown = values.last().unwrap_or(&Value::Null);
    vec![
        format!("type:{}", text(thrown, "type")),
        format!("message:{}", normalize_message(&text(thrown, "value"))),
    ]
}

/// The in-app frames of one exception value with a function or a file, nearest the throw
/// first (the protocol lists the throwing frame last).
fn in_app_frames(value: &Value) -> Vec<Frame> {
    let Some(frames) = value
        .pointer("/stacktrace/frames")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    frames
        .iter()
        .rev()
        .filter(|f| f.get("in_app").and_then(Value::as_bool) == Some(true))
        .map(|f| Frame {
            function: normalize_function(&text(f, "function")),
            path: normalize_path(&text(f, "filename")),
        })
        .filter(|f| !f.function.is_empty() || !f.path.is_empty())
        .take(MAX_FRAMES)
        .collect()
}

/// The exception value that was thrown: the last (its causes come before it).
pub fn thrown(event: &Value) -> &Value {
    event
        .pointer("/exception/values")
        .and_then(Value::as_array)
        .and_then(|values| values.last())
        .unwrap_or(&Value::Null)
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// 128-bit FNV-1a of the components, each followed by a NUL so that `["ab", "c"]` and
/// `["a", "bc"]` differ. Not cryptographic: it only has to be stable (it is stored) and
/// spread well; a collision would merge two issues of one project.
fn hash(parts: &[String]) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h = OFFSET;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            h ^= u128::from(byte);
            h = h.wrapping_mul(PRIME);
        }
    }
    format!("{h:032x}")
}

/// How an issue is shown: from one of its events (the API uses the latest).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// `Type: message` of the thrown exception (the last value), at most 200 characters.
    pub title: String,
    /// The top in-app frame, the one that threw: `function (path)`.
    pub culprit: String,
    /// The event's `level`, `error` when it has none.
    pub level: String,
}

pub fn summary(event: &Value) -> Summary {
    let thrown = thrown(event);
    let (kind, message) = (text(thrown, "type"), text(thrown, "value"));
    let title = match (kind.is_empty(), message.is_empty()) {
        (false, false) => format!("{kind}: {message}"),
        (false, true) => kind,
        _ => message,
    };
    let culprit = in_app_frames(thrown)
        .first()
        .map(|f| match (f.function.is_empty(), f.path.is_empty()) {
            (false, false) => format!("{} ({})", f.function, f.path),
            (false, true) => f.function.clone(),
            _ => f.path.clone(),
        })
        .unwrap_or_default();
    let level = match text(event, "level") {
        level if level.is_empty() => "error".to_owned(),
        level => level,
    };
    Summary {
        title: title.chars().take(200).collect(),
        culprit,
        level,
    }
}
