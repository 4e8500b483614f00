//! Back-off after 429/503 answers and failed requests.
//!
//! The collector says how long to stay away with `Retry-After`; the SDK keeps events queued
//! until then instead of hammering a collector that is already struggling.

/// Wait used when a 429/503 has no readable `Retry-After`.
const DEFAULT_RETRY_AFTER_MS: f64 = 60_000.0;
/// Wait after a network error or an unexpected server error.
const ERROR_BACKOFF_MS: f64 = 5_000.0;
/// Longest wait honoured, so a misconfigured proxy cannot silence the SDK for days.
const MAX_RETRY_AFTER_MS: f64 = 3_600_000.0;

#[derive(Default)]
pub struct RateLimit {
    /// Until when the collector asked us to stay away (429/503).
    server_until: f64,
    /// Until when we wait after a failure of our own choosing.
    backoff_until: f64,
}

impl RateLimit {
    pub fn is_limited(&self, now: f64) -> bool {
        now < self.until()
    }

    /// Only the collector's own request to wait: a page that is going away still tries its
    /// beacon after a network error, but not against a collector that said "not now".
    pub fn is_server_limited(&self, now: f64) -> bool {
        now < self.server_until
    }

    pub fn until(&self) -> f64 {
        self.server_until.max(self.backoff_until)
    }

    /// Records a 429/503 with its `Retry-After` in seconds, if the header had a readable one
    /// (the host parses it; HTTP's delay-seconds form, not the date form).
    pub fn limit(&mut self, retry_after_secs: Option<f64>, now: f64) {
        let wait = retry_after_secs
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or(DEFAULT_RETRY_AFTER_MS, |s| s * 1000.0);
        self.server_until = now + wait.min(MAX_RETRY_AFTER_MS);
    }

    /// Records a failure that is worth retrying soon.
    pub fn back_off(&mut self, now: f64) {
        self.backoff_until = self.backoff_until.max(now + ERROR_BACKOFF_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honours_retry_after() {
        let mut rl = RateLimit::default();
        assert!(!rl.is_limited(0.0));
        rl.limit(Some(7.0), 1_000.0);
        assert!(rl.is_limited(7_999.0));
        assert!(!rl.is_limited(8_000.0));
        rl.limit(Some(f64::NAN), 0.0);
        assert_eq!(rl.until(), DEFAULT_RETRY_AFTER_MS);
        rl.limit(Some(-5.0), 0.0);
        assert_eq!(rl.until(), DEFAULT_RETRY_AFTER_MS);
        rl.limit(Some(99_999_999.0), 0.0);
        assert_eq!(rl.until(), MAX_RETRY_AFTER_MS);
        rl.limit(None, 10.0);
        rl.back_off(20.0);
        assert_eq!(rl.until(), 10.0 + DEFAULT_RETRY_AFTER_MS);
    }

    #[test]
    fn own_back_off_is_not_a_server_limit() {
        let mut rl = RateLimit::default();
        rl.back_off(0.0);
        assert!(rl.is_limited(1.0));
        assert!(!rl.is_server_limited(1.0));
        rl.limit(Some(1.0), 0.0);
        assert!(rl.is_server_limited(999.0));
    }
}
