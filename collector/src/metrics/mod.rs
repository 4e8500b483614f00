//! Prometheus metrics: a small hand-written registry of atomics and mutex-guarded maps,
//! rendered in the text exposition format by `GET /metrics` (and by the consumer's optional
//! metrics listener).
//!
//! There is one process-wide registry, [`global`], because the places that record (the ingest
//! handler, the Kafka sink, the consumer loop, the spool) share nothing else. Every label set
//! is bounded: projects come from the configuration, rejection reasons are mapped to the fixed
//! codes of [`RejectReason`], statuses are HTTP codes, partitions are the topic's.

mod consumer;
mod exposition;
mod family;
mod histogram;
mod realtime;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

pub use consumer::ConsumerMetrics;
use exposition::Writer;
pub use exposition::CONTENT_TYPE;
use family::Family;
pub use histogram::Histogram;
pub use realtime::RealtimeMetrics;

/// Why events were refused, as a fixed set of codes: the readable reasons in the ingest
/// answer name fields and values, which would make an unbounded label set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// The event is not a JSON object.
    NotAnObject,
    /// A required field is absent.
    MissingField,
    /// `type` is not one of the protocol's types.
    UnknownType,
    /// A field has the wrong type or value.
    InvalidField,
    /// Valid, but the store or Kafka failed and the batch got 503.
    StoreUnavailable,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NotAnObject => "not_an_object",
            RejectReason::MissingField => "missing_field",
            RejectReason::UnknownType => "unknown_type",
            RejectReason::InvalidField => "invalid_field",
            RejectReason::StoreUnavailable => "store_unavailable",
        }
    }

    /// Maps a validation reason (`events[2].x: missing, expected ...`) to its code.
    pub fn classify(reason: &str) -> RejectReason {
        let detail = reason.split_once(": ").map_or(reason, |(_, d)| d);
        if detail.starts_with("missing") {
            RejectReason::MissingField
        } else if detail.starts_with("unknown type") {
            RejectReason::UnknownType
        } else if !reason.contains("].") && detail == "expected an object" {
            RejectReason::NotAnObject
        } else {
            RejectReason::InvalidField
        }
    }
}

pub struct Metrics {
    accepted: Family,
    rejected: Family,
    requests: Family,
    dead_letters: AtomicU64,
    kafka_delivery: Histogram,
    clickhouse_insert: Histogram,
    batch_rows: Histogram,
    pub consumer: ConsumerMetrics,
    pub realtime: RealtimeMetrics,
    spool_bytes: AtomicU64,
    connections_open: AtomicU64,
    connections_refused: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            accepted: Family::new("project"),
            rejected: Family::new("reason"),
            requests: Family::new("status"),
            dead_letters: AtomicU64::new(0),
            kafka_delivery: Histogram::new(histogram::SECONDS),
            clickhouse_insert: Histogram::new(histogram::SECONDS),
            batch_rows: Histogram::new(histogram::ROWS),
            consumer: ConsumerMetrics::default(),
            realtime: RealtimeMetrics::default(),
            spool_bytes: AtomicU64::new(0),
            connections_open: AtomicU64::new(0),
            connections_refused: AtomicU64::new(0),
        }
    }
}

/// The process-wide registry.
pub fn global() -> &'static Metrics {
    static GLOBAL: OnceLock<Metrics> = OnceLock::new();
    GLOBAL.get_or_init(Metrics::default)
}

/// Sets `monitor_spool_bytes`, the size of the on-disk spool (for the spool to call).
pub fn set_spool_bytes(bytes: u64) {
    global().spool_bytes.store(bytes, Ordering::Relaxed);
}

/// Times a wait for Kafka's acknowledgements: observes `monitor_kafka_delivery_seconds`
/// when dropped, so one `let _timer = kafka_delivery_timer();` covers every way out.
pub fn kafka_delivery_timer() -> Timer {
    Timer {
        histogram: &global().kafka_delivery,
        started: Instant::now(),
    }
}

/// Counts one open connection in `monitor_connections_open` until the guard is dropped.
pub fn connection_opened() -> OpenConnection {
    global().connections_open.fetch_add(1, Ordering::Relaxed);
    OpenConnection
}

/// See [`connection_opened`].
pub struct OpenConnection;

impl Drop for OpenConnection {
    fn drop(&mut self) {
        global().connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Observes the time since its creation into a histogram when dropped.
pub struct Timer {
    histogram: &'static Histogram,
    started: Instant,
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.histogram.observe(self.started.elapsed().as_secs_f64());
    }
}

impl Metrics {
    pub fn events_accepted(&self, project_id: u64, count: usize) {
        self.accepted.add(&project_id.to_string(), count as f64);
    }

    pub fn events_rejected(&self, reason: RejectReason, count: usize) {
        self.rejected.add(reason.as_str(), count as f64);
    }

    pub fn request(&self, status: u16) {
        self.requests.add(&status.to_string(), 1.0);
    }

    /// A connection over `max_connections`, answered 503 or closed.
    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    pub fn dead_lettered(&self, count: usize) {
        self.dead_letters.fetch_add(count as u64, Ordering::Relaxed);
    }

    /// One successful ClickHouse insert: how long it took and how many rows it carried.
    pub fn clickhouse_insert(&self, seconds: f64, rows: usize) {
        self.clickhouse_insert.observe(seconds);
        self.batch_rows.observe(rows as f64);
    }

    /// The whole registry in the text exposition format.
    pub fn render(&self) -> String {
        let mut out = Writer::default();
        let counters = [
            (
                "monitor_events_accepted_total",
                "Events accepted, by project.",
                &self.accepted,
            ),
            (
                "monitor_events_rejected_total",
                "Events refused, by reason code.",
                &self.rejected,
            ),
            (
                "monitor_requests_total",
                "HTTP requests answered, by status.",
                &self.requests,
            ),
        ];
        for (name, help, family) in counters {
            out.header(name, "counter", help);
            family.render(&mut out, name);
        }
        let name = "monitor_dead_letters_total";
        out.header(
            name,
            "counter",
            "Messages the consumer moved to the dead-letter topic.",
        );
        out.sample(name, None, self.dead_letters.load(Ordering::Relaxed) as f64);
        let histograms = [
            (
                "monitor_kafka_delivery_seconds",
                "Wait for Kafka to acknowledge a batch.",
                &self.kafka_delivery,
            ),
            (
                "monitor_clickhouse_insert_seconds",
                "Duration of successful ClickHouse inserts.",
                &self.clickhouse_insert,
            ),
            (
                "monitor_clickhouse_batch_rows",
                "Rows per ClickHouse insert.",
                &self.batch_rows,
            ),
        ];
        for (name, help, histogram) in histograms {
            out.header(name, "histogram", help);
            histogram.render(&mut out, name);
        }
        self.consumer.render(&mut out);
        self.realtime.render(&mut out);
        let name = "monitor_spool_bytes";
        out.header(name, "gauge", "Bytes waiting in the on-disk spool.");
        out.sample(name, None, self.spool_bytes.load(Ordering::Relaxed) as f64);
        let name = "monitor_connections_open";
        out.header(name, "gauge", "HTTP connections being served.");
        out.sample(
            name,
            None,
            self.connections_open.load(Ordering::Relaxed) as f64,
        );
        let name = "monitor_connections_refused_total";
        out.header(
            name,
            "counter",
            "Connections over max_connections, answered 503 or closed.",
        );
        let refused = self.connections_refused.load(Ordering::Relaxed);
        out.sample(name, None, refused as f64);
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_map_to_fixed_codes() {
        let cases = [
            ("events[0]: expected an object", RejectReason::NotAnObject),
            (
                "events[1].event_id: missing, expected a string",
                RejectReason::MissingField,
            ),
            (
                "events[2].type: unknown type \"x\", expected one of a, b",
                RejectReason::UnknownType,
            ),
            (
                "events[3].user: expected an object",
                RejectReason::InvalidField,
            ),
            (
                "events[4].timestamp: expected a number",
                RejectReason::InvalidField,
            ),
        ];
        for (reason, code) in cases {
            assert_eq!(RejectReason::classify(reason), code, "{reason}");
        }
    }

    #[test]
    fn renders_every_metric() {
        let metrics = Metrics::default();
        metrics.events_accepted(7, 3);
        metrics.events_rejected(RejectReason::MissingField, 1);
        metrics.request(200);
        metrics.request(200);
        metrics.clickhouse_insert(0.02, 120);
        metrics.consumer.partition(2, 10, 5);
        let text = metrics.render();
        for line in [
            "# TYPE monitor_events_accepted_total counter",
            "monitor_events_accepted_total{project=\"7\"} 3",
            "monitor_events_rejected_total{reason=\"missing_field\"} 1",
            "monitor_requests_total{status=\"200\"} 2",
            "monitor_dead_letters_total 0",
            "# TYPE monitor_kafka_delivery_seconds histogram",
            "monitor_kafka_delivery_seconds_count 0",
            "monitor_clickhouse_insert_seconds_bucket{le=\"0.025\"} 1",
            "monitor_clickhouse_insert_seconds_bucket{le=\"0.01\"} 0",
            "monitor_clickhouse_batch_rows_bucket{le=\"250\"} 1",
            "monitor_clickhouse_batch_rows_sum 120",
            "monitor_consumer_lag{partition=\"2\"} 5",
            "monitor_spool_bytes 0",
            "monitor_connections_open 0",
            "monitor_connections_refused_total 0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        // Every line is a comment or `name[{labels}] value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = line.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok() || value == "+Inf", "{line}");
        }
    }

    #[test]
    fn the_timer_observes_on_drop() {
        let before = global().kafka_delivery.count();
        drop(kafka_delivery_timer());
        assert!(global().kafka_delivery.count() > before);
    }
}
