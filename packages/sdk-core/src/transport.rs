//! The transport: how a request body leaves the client.
//!
//! The browser implements it with `fetch` (keepalive) and `sendBeacon`; tests implement it with
//! a recorder. A transport reports the outcome of a pending request back through
//! `Client::on_response`, so the client alone decides about retries and rate limits.

use alloc::string::String;
/// One request the client wants sent.
pub struct Request {
    /// Identifies the request in `Client::on_response`.
    pub id: u32,
    pub url: String,
    pub body: String,
    /// The page is going away: use a transport that outlives it (`sendBeacon`).
    pub beacon: bool,
}

/// What the transport did with a request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendResult {
    /// Sent; the outcome comes later through `Client::on_response`.
    Pending,
    /// Handed to the browser for delivery; no outcome will follow (a beacon).
    Delivered,
    /// The browser would not take it (offline, quota); the events stay queued.
    Refused,
}

pub trait Transport {
    fn send(&mut self, request: Request) -> SendResult;
}
