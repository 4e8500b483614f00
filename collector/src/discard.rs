//! Reading a refused request's body to its end before answering.
//!
//! An HTTP client sends its whole body before it reads the answer. When a server answers
//! early (413, 401, 503) and closes with the rest of the body unread, the client's writes
//! fail with a broken pipe, and the kernel's reset can throw away the answer the client had
//! not read yet: a sender cannot tell "too large" from "network down". Reading the rest and
//! dropping it, up to a bound in bytes and time, lets every ordinary client (fetch, curl,
//! Node) read the answer. A client that sent `Expect: 100-continue` waits for the answer
//! before sending the body, so nothing is read for it: reading would ask it to send.

use std::time::Duration;

use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;

/// Whether the client waits for `100 Continue` before it sends the body.
pub fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// The length the client declared, when it declared one it can be held to.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Whether the body of a refused request is worth reading to its end: the client sends it
/// whatever we answer (no `Expect`), and it does not announce more than `max_bytes`.
pub fn worth_draining(headers: &HeaderMap, max_bytes: usize) -> bool {
    !expects_continue(headers) && declared_length(headers).is_none_or(|n| n <= max_bytes as u64)
}

/// Reads `body` and drops it, until its end, `max_bytes` or `timeout`, whichever comes first.
/// `true` when the end was reached: the connection can then be kept for the next request.
/// A connection whose body was not read to its end is closed by the HTTP layer after the
/// answer.
pub async fn drain<B>(body: B, max_bytes: usize, timeout: Duration) -> bool
where
    B: http_body::Body + Unpin,
{
    let read = async move {
        let mut body = body;
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Some(data) = frame.data_ref() {
                seen = seen.saturating_add(bytes::Buf::remaining(data));
                if seen > max_bytes {
                    return false;
                }
            }
        }
        true
    };
    tokio::time::timeout(timeout, read).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn only_bodies_the_client_sends_anyway_and_within_the_bound_are_drained() {
        assert!(worth_draining(&headers(&[]), 10));
        assert!(worth_draining(
            &headers(&[(header::CONTENT_LENGTH, "10")]),
            10
        ));
        assert!(!worth_draining(
            &headers(&[(header::CONTENT_LENGTH, "11")]),
            10
        ));
        assert!(!worth_draining(
            &headers(&[(header::EXPECT, "100-Continue")]),
            10
        ));
    }

    #[tokio::test]
    async fn drains_to_the_end_or_stops_at_the_bound() {
        let body = || Body::from(vec![7u8; 1000]);
        assert!(drain(body(), 1000, Duration::from_secs(1)).await);
        assert!(!drain(body(), 999, Duration::from_secs(1)).await);
    }

    #[tokio::test]
    async fn a_body_that_never_ends_is_given_up_on() {
        let silent = futures_util::stream::pending::<Result<bytes::Bytes, std::io::Error>>();
        assert!(!drain(Body::from_stream(silent), 1000, Duration::from_millis(50)).await);
    }
}
