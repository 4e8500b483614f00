//! The URL parameters of the query API: time range, filters, interval, limits, cursor.
//!
//! Each endpoint lists the parameters it takes; any other is a 400 naming it, because a
//! misspelt filter (`?relase=1.2`) silently ignored would answer a different question than
//! the one asked. Empty values count as absent (`?release=` is "any release").

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;

use crate::error::ApiError;
use crate::query::{Cursor, Filters, Range};
use crate::store::now_ms;
use crate::validate::EventType;

/// `from` and `to`: milliseconds since the epoch, `[from, to)`.
pub const RANGE: &[&str] = &["from", "to"];
/// The filters every query takes.
pub const FILTERS: &[&str] = &["release", "environment", "page", "browser", "device"];

/// The range when none is given: the last 24 hours.
pub const DEFAULT_RANGE_MS: i64 = 24 * 3600 * 1000;
pub const MIN_INTERVAL_MS: i64 = 60 * 1000;
pub const MAX_INTERVAL_MS: i64 = 24 * 3600 * 1000;
/// Most buckets one series may have.
pub const MAX_BUCKETS: i64 = 1500;
/// The intervals the API picks from when none is asked for: the first that gives at most
/// [`DEFAULT_BUCKETS`] buckets.
const LADDER_MS: &[i64] = &[
    60_000, 300_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];
const DEFAULT_BUCKETS: i64 = 100;

pub struct Params(HashMap<String, String>);

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadRequest(message.into())
}

impl Params {
    /// The parameters of a request to an endpoint that takes `allowed` (plus none other).
    pub fn parse(
        raw: Result<Query<HashMap<String, String>>, QueryRejection>,
        allowed: &[&[&str]],
    ) -> Result<Params, ApiError> {
        let Query(map) = raw.map_err(|e| bad(e.body_text()))?;
        let known: Vec<&str> = allowed
            .iter()
            .flat_map(|names| names.iter().copied())
            .collect();
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            let mut names = known.clone();
            names.sort_unstable();
            return Err(bad(format!(
                "unknown parameter {unknown:?}; this endpoint takes {}",
                names.join(", ")
            )));
        }
        Ok(Params(map))
    }

    /// A non-empty value.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.text(name)
            .map(|raw| {
                raw.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
                    bad(format!(
                        "{name} {raw:?} is not a whole number of milliseconds since the epoch"
                    ))
                })
            })
            .transpose()
    }

    /// `from`/`to`; by default the 24 hours up to now (or up to `to`).
    pub fn range(&self) -> Result<Range, ApiError> {
        let to = match self.integer("to")? {
            Some(to) => to,
            None => now_ms(),
        };
        let from = match self.integer("from")? {
            Some(from) => from,
            None => (to - DEFAULT_RANGE_MS).max(0),
        };
        if from >= to {
            return Err(bad(format!("from ({from}) must be before to ({to})")));
        }
        Ok(Range {
            from_ms: from,
            to_ms: to,
        })
    }

    pub fn filters(&self) -> Filters {
        Filters {
            release: self.text("release"),
            environment: self.text("environment"),
            page: self.text("page"),
            browser: self.text("browser"),
            device: self.text("device"),
        }
    }

    /// `interval`: `1m` … `1d` (`<n>m`, `<n>h`, `<n>d`) or milliseconds; by default the
    /// shortest of 1m, 5m, 15m, 30m, 1h, 3h, 6h, 12h, 1d giving at most 100 buckets.
    pub fn interval(&self, range: &Range) -> Result<i64, ApiError> {
        // Rounded up without `len + ms - 1`, which overflows for a range near i64::MAX.
        let buckets = |ms: i64| range.len_ms() / ms + i64::from(range.len_ms() % ms != 0);
        let Some(raw) = self.text("interval") else {
            let fit = LADDER_MS
                .iter()
                .copied()
                .find(|ms| buckets(*ms) <= DEFAULT_BUCKETS)
                .unwrap_or(MAX_INTERVAL_MS);
            check_buckets(buckets(fit))?;
            return Ok(fit);
        };
        let ms = parse_interval(&raw).ok_or_else(|| {
            bad(format!(
                "interval {raw:?} is not a duration between 1m and 1d (e.g. 5m, 1h, 1d)"
            ))
        })?;
        check_buckets(buckets(ms))?;
        Ok(ms)
    }

    /// A count parameter: `default` when absent, at most `max`.
    pub fn limit(&self, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.text(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| n.min(max))
                .ok_or_else(|| bad(format!("{name} {raw:?} is not a positive whole number"))),
        }
    }

    pub fn event_type(&self) -> Result<Option<EventType>, ApiError> {
        self.text("type")
            .map(|raw| {
                EventType::parse(&raw).ok_or_else(|| bad(format!("unknown event type {raw:?}")))
            })
            .transpose()
    }

    pub fn cursor(&self) -> Result<Option<Cursor>, ApiError> {
        self.text("cursor")
            .map(|raw| {
                Cursor::parse(&raw).ok_or_else(|| {
                    bad(format!(
                        "cursor {raw:?} is not one this API gave out (next_cursor)"
                    ))
                })
            })
            .transpose()
    }
}

fn check_buckets(buckets: i64) -> Result<(), ApiError> {
    if buckets <= MAX_BUCKETS {
        return Ok(());
    }
    Err(bad(format!(
        "the series would have {buckets} buckets, more than {MAX_BUCKETS}: choose a longer \
         interval or a shorter range"
    )))
}

fn parse_interval(raw: &str) -> Option<i64> {
    let (digits, unit) = match raw.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => raw.split_at(i),
        None => (raw, ""),
    };
    let n: i64 = digits.parse().ok()?;
    let ms = match unit {
        "" | "ms" => n,
        "s" => n.checked_mul(1000)?,
        "m" => n.checked_mul(60_000)?,
        "h" => n.checked_mul(3_600_000)?,
        "d" => n.checked_mul(86_400_000)?,
        _ => return None,
    };
    (MIN_INTERVAL_MS..=MAX_INTERVAL_MS)
        .contains(&ms)
        .then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Params(map)
    }

    #[test]
    fn ranges() {
        let range = params(&[("from", "1000"), ("to", "5000")]).range().ok();
        assert_eq!(
            range,
            Some(Range {
                from_ms: 1000,
                to_ms: 5000
            })
        );
        let to_only = params(&[("to", "100000000")]).range().ok().unwrap();
        assert_eq!(to_only.len_ms(), DEFAULT_RANGE_MS);
        let default = params(&[]).range().ok().unwrap();
        assert_eq!(default.len_ms(), DEFAULT_RANGE_MS);
        for bad in [
            &[("from", "5000"), ("to", "5000")][..],
            &[("from", "x")],
            &[("to", "-1")],
            &[("from", "1.5")],
        ] {
            assert!(params(bad).range().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn intervals() {
        let day = Range {
            from_ms: 0,
            to_ms: DEFAULT_RANGE_MS,
        };
        let hour = Range {
            from_ms: 0,
            to_ms: 3_600_000,
        };
        let interval = |raw: &str, range: &Range| params(&[("interval", raw)]).interval(range).ok();
        assert_eq!(interval("5m", &day), Some(300_000));
        assert_eq!(interval("1h", &day), Some(3_600_000));
        assert_eq!(interval("1d", &day), Some(86_400_000));
        assert_eq!(interval("60000", &hour), Some(60_000));
        assert_eq!(interval("30s", &hour), None, "below 1 minute");
        assert_eq!(interval("2d", &day), None, "above 1 day");
        assert_eq!(interval("5x", &day), None);
        assert_eq!(
            interval(
                "1m",
                &Range {
                    from_ms: 0,
                    to_ms: 30 * DEFAULT_RANGE_MS
                }
            ),
            None
        );
        let everything = Range {
            from_ms: 0,
            to_ms: i64::MAX,
        };
        assert_eq!(
            interval("1d", &everything),
            None,
            "too many buckets, no overflow"
        );
        assert!(params(&[]).interval(&everything).is_err());
        // Defaults: at most 100 buckets.
        assert_eq!(params(&[]).interval(&hour).ok(), Some(60_000));
        assert_eq!(params(&[]).interval(&day).ok(), Some(900_000));
    }

    #[test]
    fn limits_types_and_cursors() {
        assert_eq!(params(&[]).limit("limit", 100, 1000).ok(), Some(100));
        assert_eq!(
            params(&[("limit", "5000")]).limit("limit", 100, 1000).ok(),
            Some(1000)
        );
        assert!(params(&[("limit", "0")]).limit("limit", 100, 1000).is_err());
        assert!(params(&[("limit", "many")])
            .limit("limit", 100, 1000)
            .is_err());
        assert_eq!(
            params(&[("type", "web_vital")]).event_type().ok(),
            Some(Some(EventType::WebVital))
        );
        assert!(params(&[("type", "nope")]).event_type().is_err());
        assert!(params(&[("cursor", "garbage")]).cursor().is_err());
        assert_eq!(params(&[("release", " ")]).filters(), Filters::default());
    }
}
