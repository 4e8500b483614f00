//! From request bytes to an envelope: content type, size limits, gzip and the JSON shape
//! `{"sdk", "sent_at", "events": [...]}`.
//!
//! Everything here is about the body as a whole; a problem is a reason to refuse the request
//! (400, 408, 413, 415). Whether each event is any good is `validate.rs`'s business.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap};
use bytes::{Bytes, BytesMut};
use flate2::read::MultiGzDecoder;
use http_body_util::BodyExt;
use serde_json::Value;

/// The limits a body is read under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_decompressed_bytes: usize,
    pub max_events: usize,
    pub timeout: Duration,
    /// Most bytes of a too-large body read and dropped before the 413.
    pub max_discard_bytes: usize,
}

/// Why a body could not be turned into an envelope.
#[derive(Debug, PartialEq)]
pub enum DecodeError {
    UnsupportedMediaType(String),
    UnsupportedEncoding(String),
    TooLarge { limit: usize },
    DecompressedTooLarge { limit: usize },
    TooManyEvents { count: usize, limit: usize },
    Timeout,
    Read(String),
    BadGzip(String),
    NotJson(String),
    NotAnObject,
    NoEvents,
    EventsNotAnArray,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnsupportedMediaType(t) => write!(
                f,
                "unsupported content type {t:?}: send application/json or text/plain"
            ),
            DecodeError::UnsupportedEncoding(e) => {
                write!(
                    f,
                    "unsupported content encoding {e:?}: send gzip or nothing"
                )
            }
            DecodeError::TooLarge { limit } => write!(f, "body is larger than {limit} bytes"),
            DecodeError::DecompressedTooLarge { limit } => {
                write!(f, "body is larger than {limit} bytes once decompressed")
            }
            DecodeError::TooManyEvents { count, limit } => write!(
                f,
                "batch has {count} events, at most {limit} are accepted: split it"
            ),
            DecodeError::Timeout => write!(f, "the body took too long to arrive"),
            DecodeError::Read(e) => write!(f, "could not read the body: {e}"),
            DecodeError::BadGzip(e) => write!(f, "body is not valid gzip: {e}"),
            DecodeError::NotJson(e) => write!(f, "body is not valid JSON: {e}"),
            DecodeError::NotAnObject => write!(f, "body must be a JSON object"),
            DecodeError::NoEvents => write!(f, "body has no \"events\" field"),
            DecodeError::EventsNotAnArray => write!(f, "\"events\" must be an array"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A batch as the SDK sent it. Only `events` is required; the rest is informational.
#[derive(Debug)]
pub struct Envelope {
    pub sdk: Option<Value>,
    /// The client's send time (ms since the epoch), for correcting a skewed clock later.
    pub sent_at: Option<f64>,
    pub events: Vec<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Encoding {
    Identity,
    Gzip,
}

/// Checks the headers before any byte of the body is read, so that a body that would be
/// refused anyway is never buffered.
pub fn check_headers(headers: &HeaderMap, limits: &Limits) -> Result<Encoding, DecodeError> {
    if let Some(value) = headers.get(header::CONTENT_TYPE) {
        let text = String::from_utf8_lossy(value.as_bytes());
        let media = text.split(';').next().unwrap_or("").trim();
        // sendBeacon and fetch-with-a-string send text/plain, which keeps them simple CORS
        // requests; an empty value is what some proxies leave behind.
        let accepted = media.is_empty()
            || media.eq_ignore_ascii_case("application/json")
            || media.eq_ignore_ascii_case("text/plain");
        if !accepted {
            return Err(DecodeError::UnsupportedMediaType(text.into_owned()));
        }
    }
    let encoding = match headers.get(header::CONTENT_ENCODING) {
        None => Encoding::Identity,
        Some(value) => {
            let text = String::from_utf8_lossy(value.as_bytes());
            match text.trim().to_ascii_lowercase().as_str() {
                "" | "identity" => Encoding::Identity,
                "gzip" | "x-gzip" => Encoding::Gzip,
                _ => return Err(DecodeError::UnsupportedEncoding(text.into_owned())),
            }
        }
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limits.max_body_bytes as u64) {
        return Err(DecodeError::TooLarge {
            limit: limits.max_body_bytes,
        });
    }
    Ok(encoding)
}

/// Reads the body, keeping nothing once it passes the limit: `Content-Length` can be absent
/// (chunked) or wrong, so counting is the only real guard. Past the limit the rest is read
/// and dropped (up to `max_discard_bytes`, [`crate::discard`]) so the client reads the 413.
pub async fn read_body(body: Body, limits: &Limits) -> Result<Bytes, DecodeError> {
    let limit = limits.max_body_bytes;
    let deadline = tokio::time::Instant::now() + limits.timeout;
    let mut body = body;
    let read = async {
        let mut buffer = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| DecodeError::Read(e.to_string()))?;
            if let Ok(data) = frame.into_data() {
                if buffer.len() + data.len() > limit {
                    return Err(DecodeError::TooLarge { limit });
                }
                buffer.extend_from_slice(&data);
            }
        }
        Ok(buffer.freeze())
    };
    let result = tokio::time::timeout_at(deadline, read)
        .await
        .map_err(|_| DecodeError::Timeout)?;
    if let Err(DecodeError::TooLarge { .. }) = result {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        crate::discard::drain(body, limits.max_discard_bytes, left).await;
    }
    result
}

/// Undoes `Content-Encoding`. Decompression stops one byte past the limit, so a gzip bomb
/// costs at most `max_decompressed_bytes` of memory.
pub fn decompress(bytes: Bytes, encoding: Encoding, limit: usize) -> Result<Bytes, DecodeError> {
    match encoding {
        Encoding::Identity => Ok(bytes),
        Encoding::Gzip => {
            let mut out = Vec::with_capacity(bytes.len().saturating_mul(4).min(limit));
            MultiGzDecoder::new(&bytes[..])
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| DecodeError::BadGzip(e.to_string()))?;
            if out.len() > limit {
                return Err(DecodeError::DecompressedTooLarge { limit });
            }
            Ok(Bytes::from(out))
        }
    }
}

/// Parses the JSON envelope. Events stay untyped values here: each is judged on its own later,
/// so one odd event cannot make the whole batch unreadable.
pub fn parse_envelope(bytes: &[u8], max_events: usize) -> Result<Envelope, DecodeError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let Value::Object(mut map) = value else {
        return Err(DecodeError::NotAnObject);
    };
    let events = match map.remove("events") {
        None => return Err(DecodeError::NoEvents),
        Some(Value::Array(events)) => events,
        Some(_) => return Err(DecodeError::EventsNotAnArray),
    };
    if events.len() > max_events {
        return Err(DecodeError::TooManyEvents {
            count: events.len(),
            limit: max_events,
        });
    }
    Ok(Envelope {
        sdk: map.remove("sdk"),
        sent_at: map.get("sent_at").and_then(Value::as_f64),
        events,
    })
}

/// The whole body path: headers, bytes, decompression, JSON.
pub async fn decode(
    headers: &HeaderMap,
    body: Body,
    limits: &Limits,
) -> Result<Envelope, DecodeError> {
    let encoding = check_headers(headers, limits)?;
    let raw = read_body(body, limits).await?;
    let plain = decompress(raw, encoding, limits.max_decompressed_bytes)?;
    parse_envelope(&plain, limits.max_events)
}

#[cfg(test)]
mod tests;
