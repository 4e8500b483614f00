//! The one place where errors become HTTP answers.
//!
//! Each layer has its own error enum (auth, decode, store); [`ApiError`] gathers them and its
//! `IntoResponse` is the only mapping from error to status code, so the table in
//! docs/protocol.md can be checked against a single `match`. Every error body is
//! `{"error": "readable reason"}`.

use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::auth::AuthError;
use crate::decode::DecodeError;
use crate::sourcemaps::SourceMapError;
use crate::store::StoreError;

/// Seconds a client should wait before retrying when the store is unavailable.
pub const STORE_RETRY_AFTER_SECS: u64 = 5;

#[derive(Debug)]
pub enum ApiError {
    Auth(AuthError),
    Decode(DecodeError),
    Store(StoreError),
    /// The query API's store could not answer.
    Read(StoreError),
    /// A malformed URL part or query parameter; the message says which.
    BadRequest(String),
    NotFound,
    /// A well-formed request for something that does not exist (an event, an issue).
    NoSuch(String),
    MethodNotAllowed,
    /// A change that contradicts what exists (a rule name taken, a rule only the
    /// configuration file may change).
    Conflict(String),
    /// A change that could not be saved; nothing of it was applied.
    NotSaved(String),
    /// A source map upload refused, or the store of maps failing.
    SourceMaps(SourceMapError),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Auth(e) => e.fmt(f),
            ApiError::Decode(e) => e.fmt(f),
            // The details are logged, not sent: they describe the server, not the request.
            ApiError::Store(_) => write!(f, "cannot store events right now, retry later"),
            ApiError::Read(_) => write!(f, "cannot read events right now, retry later"),
            ApiError::BadRequest(message) => f.write_str(message),
            ApiError::NotFound => write!(f, "not found"),
            ApiError::NoSuch(message) => f.write_str(message),
            ApiError::MethodNotAllowed => write!(f, "method not allowed"),
            ApiError::Conflict(message) | ApiError::NotSaved(message) => f.write_str(message),
            ApiError::SourceMaps(e) => e.fmt(f),
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Auth(AuthError::MissingKey | AuthError::UnknownKey | AuthError::BadToken) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Auth(
                AuthError::WrongProject { .. }
                | AuthError::OriginNotAllowed { .. }
                | AuthError::ReadsDisabled,
            ) => StatusCode::FORBIDDEN,
            ApiError::Auth(AuthError::UnknownProject { .. }) => StatusCode::NOT_FOUND,
            ApiError::Decode(e) => match e {
                DecodeError::UnsupportedMediaType(_) | DecodeError::UnsupportedEncoding(_) => {
                    StatusCode::UNSUPPORTED_MEDIA_TYPE
                }
                DecodeError::TooLarge { .. }
                | DecodeError::DecompressedTooLarge { .. }
                | DecodeError::TooManyEvents { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                DecodeError::Timeout => StatusCode::REQUEST_TIMEOUT,
                DecodeError::Read(_)
                | DecodeError::BadGzip(_)
                | DecodeError::NotJson(_)
                | DecodeError::NotAnObject
                | DecodeError::NoEvents
                | DecodeError::EventsNotAnArray => StatusCode::BAD_REQUEST,
            },
            ApiError::Store(_) | ApiError::Read(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound | ApiError::NoSuch(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::NotSaved(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::SourceMaps(e) => match e {
                SourceMapError::BadRelease(_)
                | SourceMapError::BadUrl(_)
                | SourceMapError::NotAMap(_) => StatusCode::BAD_REQUEST,
                SourceMapError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                SourceMapError::Io(_) => StatusCode::SERVICE_UNAVAILABLE,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Store(e) = &self {
            tracing::error!(error = %e, "store failed");
        } else if let ApiError::SourceMaps(SourceMapError::Io(e)) = &self {
            tracing::error!(error = %e, "source map store failed");
        } else if let ApiError::NotSaved(e) = &self {
            tracing::error!(error = %e, "change not saved");
        } else if let ApiError::Read(e) = &self {
            tracing::warn!(error = %e, "query failed");
        } else {
            tracing::debug!(%status, error = %self, "request refused");
        }
        let mut response = (status, Json(json!({ "error": self.to_string() }))).into_response();
        if matches!(self, ApiError::Auth(AuthError::BadToken)) {
            // RFC 6750: a 401 names the scheme the client should use.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(STORE_RETRY_AFTER_SECS),
            );
        }
        response
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::Auth(e)
    }
}

impl From<DecodeError> for ApiError {
    fn from(e: DecodeError) -> Self {
        ApiError::Decode(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Store(e)
    }
}

impl From<SourceMapError> for ApiError {
    fn from(e: SourceMapError) -> Self {
        ApiError::SourceMaps(e)
    }
}
