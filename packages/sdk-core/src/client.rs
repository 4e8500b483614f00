//! The client: the pipeline every event goes through, and the sending loop.
//!
//! `capture` runs: enabled? → sample (errors) → id → integrations' `process_event` → encode (with the
//! scope) → `before_send` → queue. Sending is driven by the host: it calls [`Client::send_due`]
//! after a capture and when [`Client::next_wakeup`] comes, [`Client::flush`] on demand, and
//! [`Client::flush_beacon`] when the page goes away; the transport reports back through
//! [`Client::on_response`]. Only one fetch is in flight at a time, so keepalive's 64 KiB
//! quota is never exceeded and a retry never overtakes newer events.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::batch::{BatchQueue, QueueError, QueuedEvent, MAX_EVENT_BYTES};
use crate::dsn::DsnError;
use crate::event::{Event, EventId, MAX_TRIM};
use crate::integration::Integration;
use crate::json::write_number;
use crate::options::Options;
use crate::ratelimit::RateLimit;
use crate::rng::Rng;
use crate::scope::Scope;
use crate::transport::{Request, SendResult, Transport};

/// Receives the encoded event; returns the (possibly changed) JSON to send, or `None` to drop.
pub type BeforeSend = Box<dyn FnMut(String) -> Option<String>>;

/// What became of a captured event; the browser logs it when `debug` is on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Queued(EventId),
    Disabled,
    Sampled,
    DroppedByIntegration(&'static str),
    DroppedByBeforeSend,
    TooLarge,
    QueueFull,
}

impl Outcome {
    /// Why the event was dropped, or `None` when it was queued.
    pub fn drop_reason(self) -> Option<&'static str> {
        Some(match self {
            Outcome::Queued(_) => return None,
            Outcome::Disabled => "event dropped: SDK disabled",
            Outcome::Sampled => "event dropped by sampleRate",
            Outcome::DroppedByIntegration(_) => "event dropped by an integration",
            Outcome::DroppedByBeforeSend => "event dropped by beforeSend",
            Outcome::TooLarge => "event dropped: too large",
            Outcome::QueueFull => "event dropped: queue full",
        })
    }
}

/// What a response meant for the events it carried.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ResponseOutcome {
    Delivered,
    /// Kept for another attempt; `dropped` gave up after their last attempt.
    Retrying {
        dropped: usize,
    },
    /// The collector refused them for good (400/401/403/413).
    Rejected {
        dropped: usize,
    },
    /// No request with that id was in flight.
    Unknown,
}

pub struct Client {
    options: Options,
    endpoint: String,
    sdk_name: &'static str,
    pub scope: Scope,
    integrations: Vec<Box<dyn Integration>>,
    before_send: Option<BeforeSend>,
    queue: BatchQueue,
    rate_limit: RateLimit,
    rng: Rng,
    transport: Box<dyn Transport>,
    in_flight: Option<(u32, Vec<QueuedEvent>)>,
    next_request_id: u32,
}

impl Client {
    pub fn new(
        options: Options,
        sdk_name: &'static str,
        transport: Box<dyn Transport>,
        mut integrations: Vec<Box<dyn Integration>>,
        seed: u64,
    ) -> Result<Client, DsnError> {
        let options = options.sanitized();
        let endpoint = options.endpoint()?;
        let mut rng = Rng::new(seed);
        // Random, so an answer to a request of an earlier client (re-init) cannot be mistaken
        // for one to ours.
        let next_request_id = (rng.next_u64() as u32).max(1);
        for integration in integrations.iter_mut() {
            integration.setup(&options);
        }
        Ok(Client {
            scope: Scope::new(options.max_breadcrumbs),
            queue: BatchQueue::new(
                options.max_batch_events,
                options.max_queued_events,
                options.flush_interval_ms,
            ),
            options,
            endpoint,
            sdk_name,
            integrations,
            before_send: None,
            rate_limit: RateLimit::default(),
            rng,
            transport,
            in_flight: None,
            next_request_id,
        })
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn set_before_send(&mut self, hook: BeforeSend) {
        self.before_send = Some(hook);
    }

    /// A new random id (32 hex digits), for the host's own identifiers such as the session.
    pub fn fresh_id(&mut self) -> EventId {
        self.rng.event_id()
    }

    /// The request the transport is working on, if any.
    pub fn in_flight_id(&self) -> Option<u32> {
        self.in_flight.as_ref().map(|(id, _)| *id)
    }

    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    pub fn integration_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.integrations.iter().map(|i| i.name())
    }

    /// Runs the pipeline for one event. Does not send; call [`Client::send_due`] after.
    pub fn capture(&mut self, mut event: Event, now: f64) -> Outcome {
        if !self.options.enabled {
            return Outcome::Disabled;
        }
        // `sampleRate` is the errors' (as Sentry's is); behaviour events are sampled per
        // session by the host, web vitals and `track` calls are kept.
        let is_error = matches!(
            event.kind,
            "error" | "message" | "resource_error" | "http_error"
        );
        if is_error
            && self.options.sample_rate < 1.0
            && self.rng.next_f64() >= self.options.sample_rate
        {
            return Outcome::Sampled;
        }
        event.event_id = self.rng.event_id();
        for integration in self.integrations.iter_mut() {
            if !integration.process_event(&mut event) {
                return Outcome::DroppedByIntegration(integration.name());
            }
        }
        let id = event.event_id;
        let mut json = event.to_json(&self.options, &self.scope, 0);
        let mut trim = 0;
        // A long breadcrumb trail or a full scope must not cost the event itself (often an
        // error): leave off context until it fits.
        while json.len() > MAX_EVENT_BYTES && trim < MAX_TRIM {
            trim += 1;
            json = event.to_json(&self.options, &self.scope, trim);
        }
        if let Some(hook) = self.before_send.as_mut() {
            match hook(json) {
                Some(changed) => json = changed,
                None => return Outcome::DroppedByBeforeSend,
            }
        }
        match self.queue.push(json, now) {
            Ok(()) => Outcome::Queued(id),
            Err(QueueError::TooLarge) => Outcome::TooLarge,
            Err(QueueError::Full) => Outcome::QueueFull,
        }
    }

    /// When the host should next call [`Client::send_due`], if anything is waiting.
    pub fn next_wakeup(&self) -> Option<f64> {
        if self.in_flight.is_some() {
            return None;
        }
        let deadline = self.queue.deadline()?;
        Some(deadline.max(self.rate_limit.until()))
    }

    /// Sends one batch if one is due and nothing blocks it. Returns the request id.
    pub fn send_due(&mut self, now: f64) -> Option<u32> {
        if !self.queue.is_due(now) {
            return None;
        }
        self.flush(now)
    }

    /// Sends one batch now, unless a request is in flight, the collector asked us to wait, or
    /// nothing is queued. Returns the id of the request the transport is working on.
    pub fn flush(&mut self, now: f64) -> Option<u32> {
        if self.in_flight.is_some() || self.rate_limit.is_limited(now) {
            return None;
        }
        let (events, body) = self.queue.take_batch(&self.envelope_head(now))?;
        let id = self.take_request_id();
        let request = Request {
            id,
            url: self.endpoint.clone(),
            body,
            beacon: false,
        };
        match self.transport.send(request) {
            SendResult::Pending => {
                self.in_flight = Some((id, events));
                Some(id)
            }
            SendResult::Delivered => None,
            SendResult::Refused => {
                self.queue.requeue(events, now);
                self.rate_limit.back_off(now);
                None
            }
        }
    }

    /// The page is going away: hands the oldest queued batch to the beacon transport. One
    /// batch only: browsers cap what beacons and keepalive fetches in flight may carry at
    /// 64 KiB; one batch fits beside a fetch still in flight, two might not. Our own back-off after a failure is ignored here
    /// (there is no later), a `Retry-After` from the collector is not. Returns how many events
    /// were handed over.
    pub fn flush_beacon(&mut self, now: f64) -> usize {
        if self.rate_limit.is_server_limited(now) {
            return 0;
        }
        let Some((events, body)) = self.queue.take_batch(&self.envelope_head(now)) else {
            return 0;
        };
        let count = events.len();
        let request = Request {
            id: self.take_request_id(),
            url: self.endpoint.clone(),
            body,
            beacon: true,
        };
        if self.transport.send(request) == SendResult::Refused {
            // Keep them: if the page comes back (bfcache), they go out with the next batch.
            self.queue.requeue(events, now);
            return 0;
        }
        count
    }

    /// The transport's report on request `id`: HTTP `status` (0 for a network error) and the
    /// `Retry-After` header in seconds, when it had a number.
    pub fn on_response(
        &mut self,
        id: u32,
        status: u16,
        retry_after_secs: Option<f64>,
        now: f64,
    ) -> ResponseOutcome {
        let events = match self.in_flight.take() {
            Some((in_flight_id, events)) if in_flight_id == id => events,
            other => {
                self.in_flight = other;
                return ResponseOutcome::Unknown;
            }
        };
        match status {
            200..=299 => ResponseOutcome::Delivered,
            429 | 503 => {
                self.rate_limit.limit(retry_after_secs, now);
                let dropped = self.queue.requeue(events, now);
                ResponseOutcome::Retrying { dropped }
            }
            0 | 408 | 500..=599 => {
                self.rate_limit.back_off(now);
                let dropped = self.queue.requeue(events, now);
                ResponseOutcome::Retrying { dropped }
            }
            _ => ResponseOutcome::Rejected {
                dropped: events.len(),
            },
        }
    }

    fn take_request_id(&mut self) -> u32 {
        let id = self.next_request_id;
        self.next_request_id = self.next_request_id.wrapping_add(1).max(1);
        id
    }

    fn envelope_head(&self, now: f64) -> String {
        let mut head = String::with_capacity(96);
        head.push_str("{\"sdk\":{\"name\":\"");
        head.push_str(self.sdk_name);
        head.push_str("\",\"version\":\"");
        head.push_str(crate::VERSION);
        head.push_str("\"},\"sent_at\":");
        write_number(&mut head, now);
        head.push_str(",\"events\":[");
        head
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
