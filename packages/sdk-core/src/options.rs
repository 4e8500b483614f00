//! SDK options, as the page passes them to `init`, with their defaults in one place.

use crate::dsn::{Dsn, DsnError};
use crate::text::contains;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

#[derive(Clone, PartialEq)]
pub struct Options {
    /// Where events go; see docs/protocol.md. An invalid DSN disables the SDK.
    pub dsn: String,
    pub release: Option<String>,
    pub environment: Option<String>,
    /// Chance from 0 to 1 that an event is kept. Default 1.
    pub sample_rate: f64,
    /// Length of the breadcrumb trail, at most 100. Default 100.
    pub max_breadcrumbs: usize,
    /// `false` turns the SDK off entirely. Default true.
    pub enabled: bool,
    /// Log what the SDK does and why it drops things to the console. Default false.
    pub debug: bool,
    /// A first-party URL to post to instead of the collector (survives ad-blockers).
    pub tunnel: Option<String>,
    /// Send as soon as this many events are queued. Default 30.
    pub max_batch_events: usize,
    /// Send queued events at most this long after the first was queued. Default 5000 ms.
    pub flush_interval_ms: f64,
    /// Events held while the collector is unreachable or rate-limits us. Default 500.
    pub max_queued_events: usize,
    /// Send the user's e-mail, username and IP address when the app sets them. Default false.
    pub send_default_pii: bool,
    /// Words that make a URL parameter's value secret ([`crate::scrub`]). Default
    /// [`crate::scrub::DEFAULT_SECRET_WORDS`].
    pub scrub_words: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dsn: String::new(),
            release: None,
            environment: None,
            sample_rate: 1.0,
            max_breadcrumbs: 100,
            enabled: true,
            debug: false,
            tunnel: None,
            max_batch_events: 30,
            flush_interval_ms: 5_000.0,
            max_queued_events: 500,
            send_default_pii: false,
            scrub_words: crate::scrub::default_words(),
        }
    }
}

impl Options {
    /// The URL requests go to: the tunnel when set, else the collector's ingest URL.
    pub fn endpoint(&self) -> Result<String, DsnError> {
        let dsn = Dsn::parse(&self.dsn)?;
        match self.tunnel.as_deref().map(str::trim_ascii) {
            Some(tunnel) if !tunnel.is_empty() => {
                let mut url = tunnel.to_string();
                url.push(if contains(tunnel, "?") { '&' } else { '?' });
                url.push_str("key=");
                url.push_str(&dsn.public_key);
                url.push_str("&project_id=");
                url.push_str(&dsn.project_id);
                Ok(url)
            }
            _ => Ok(dsn.ingest_url()),
        }
    }

    /// Brings numbers a page may pass in any shape into their valid ranges.
    pub fn sanitized(mut self) -> Options {
        self.sample_rate = if self.sample_rate.is_nan() {
            1.0
        } else {
            self.sample_rate.clamp(0.0, 1.0)
        };
        self.max_breadcrumbs = self.max_breadcrumbs.min(crate::scope::MAX_BREADCRUMBS);
        self.max_batch_events = self.max_batch_events.clamp(1, 1_000);
        self.flush_interval_ms = if self.flush_interval_ms.is_finite() {
            self.flush_interval_ms.clamp(0.0, 3_600_000.0)
        } else {
            5_000.0
        };
        self.max_queued_events = self.max_queued_events.clamp(1, 10_000);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunnel_keeps_key_and_project() {
        let options = Options {
            dsn: "https://pk@collector.test/9".into(),
            tunnel: Some("/monitor-tunnel".into()),
            ..Options::default()
        };
        assert_eq!(
            options.endpoint().ok().as_deref(),
            Some("/monitor-tunnel?key=pk&project_id=9")
        );
        let options = Options {
            tunnel: Some("/t?x=1".into()),
            ..options
        };
        assert_eq!(
            options.endpoint().ok().as_deref(),
            Some("/t?x=1&key=pk&project_id=9")
        );
    }

    #[test]
    fn sanitized_clamps_page_input() {
        let options = Options {
            sample_rate: f64::NAN,
            max_breadcrumbs: 5_000,
            max_batch_events: 0,
            flush_interval_ms: f64::INFINITY,
            max_queued_events: usize::MAX,
            ..Options::default()
        }
        .sanitized();
        assert_eq!(options.sample_rate, 1.0);
        assert_eq!(options.max_breadcrumbs, 100);
        assert_eq!(options.max_batch_events, 1);
        assert_eq!(options.flush_interval_ms, 5_000.0);
        assert_eq!(options.max_queued_events, 10_000);
        let options = Options {
            sample_rate: -3.0,
            ..Options::default()
        }
        .sanitized();
        assert_eq!(options.sample_rate, 0.0);
    }
}
