//! The Redis key schema (docs/realtime.md), one function per kind of key, used by the
//! aggregators that write and the readers that read, so the two cannot drift apart. The
//! in-memory store uses the same names.
//!
//! `{prefix}` is `redis.key_prefix` (`metrics`), then the project id:
//! - `{prefix}:{project}:counters`: hash, field per event type, `total`, `custom:{name}`;
//! - `{prefix}:{project}:{stat}:minute:{ts}`: hash per minute (`stat` is `events` or
//!   `vitals`; `ts` the minute's start in seconds since the epoch), with a TTL;
//! - `{prefix}:{project}:leaderboards:{board}:{day}`: sorted set per UTC day (`2026-12-02`);
//! - `{prefix}:{project}:uniques:{visitors|sessions}:{minute|hour|day}:{ts}`: HyperLogLog;
//! - `{prefix}:offsets:{topic}`: hash, partition → the next offset already counted.

use serde::Serialize;

#[derive(Clone, Debug)]
pub struct Keys {
    prefix: String,
}

/// The per-minute windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stat {
    /// Events by type (`error`, `page_view`, ...) and `total`.
    Events,
    /// Per vital, `{name}:sum` and `{name}:count`, for averages.
    Vitals,
}

/// The daily Top-N leaderboards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Board {
    PagesByViews,
    PagesByErrors,
    /// Error fingerprints (the query API's issues), by events.
    Issues,
    CustomEvents,
    /// Visitors, by events sent.
    ActiveUsers,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UniqueOf {
    Visitors,
    Sessions,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Minute,
    Hour,
    Day,
}

impl Stat {
    pub const ALL: [Stat; 2] = [Stat::Events, Stat::Vitals];

    pub fn as_str(self) -> &'static str {
        match self {
            Stat::Events => "events",
            Stat::Vitals => "vitals",
        }
    }
}

impl Board {
    pub const ALL: [Board; 5] = [
        Board::PagesByViews,
        Board::PagesByErrors,
        Board::Issues,
        Board::CustomEvents,
        Board::ActiveUsers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Board::PagesByViews => "pages_by_views",
            Board::PagesByErrors => "pages_by_errors",
            Board::Issues => "issues",
            Board::CustomEvents => "custom_events",
            Board::ActiveUsers => "active_users",
        }
    }
}

impl UniqueOf {
    pub const ALL: [UniqueOf; 2] = [UniqueOf::Visitors, UniqueOf::Sessions];

    pub fn as_str(self) -> &'static str {
        match self {
            UniqueOf::Visitors => "visitors",
            UniqueOf::Sessions => "sessions",
        }
    }
}

impl Per {
    pub const ALL: [Per; 3] = [Per::Minute, Per::Hour, Per::Day];

    pub fn as_str(self) -> &'static str {
        match self {
            Per::Minute => "minute",
            Per::Hour => "hour",
            Per::Day => "day",
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            Per::Minute => 60,
            Per::Hour => 3600,
            Per::Day => 86_400,
        }
    }
}

/// Parses one of `all` by its name.
pub fn parse<T: Copy>(all: &[T], name: &str, as_str: fn(T) -> &'static str) -> Option<T> {
    all.iter().copied().find(|item| as_str(*item) == name)
}

impl Keys {
    pub fn new(prefix: &str) -> Keys {
        Keys {
            prefix: prefix.to_owned(),
        }
    }

    pub fn counters(&self, project: u64) -> String {
        format!("{}:{project}:counters", self.prefix)
    }

    pub fn window(&self, project: u64, stat: Stat, minute_s: i64) -> String {
        format!(
            "{}:{project}:{}:minute:{minute_s}",
            self.prefix,
            stat.as_str()
        )
    }

    pub fn leaderboard(&self, project: u64, board: Board, day_s: i64) -> String {
        format!(
            "{}:{project}:leaderboards:{}:{}",
            self.prefix,
            board.as_str(),
            date(day_s)
        )
    }

    pub fn uniques(&self, project: u64, of: UniqueOf, per: Per, start_s: i64) -> String {
        format!(
            "{}:{project}:uniques:{}:{}:{start_s}",
            self.prefix,
            of.as_str(),
            per.as_str()
        )
    }

    pub fn watermark(&self, topic: &str) -> String {
        format!("{}:offsets:{topic}", self.prefix)
    }
}

/// The UTC date `YYYY-MM-DD` of a time in seconds since the epoch (civil-from-days).
pub fn date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Seconds since the epoch of a UTC date `YYYY-MM-DD`, the inverse of [`date`].
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if text.len() != 10 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let seconds = (era * 146_097 + doe - 719_468) * 86_400;
    (date(seconds) == text).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_follow_the_documented_schema() {
        let keys = Keys::new("metrics");
        assert_eq!(keys.counters(7), "metrics:7:counters");
        assert_eq!(
            keys.window(7, Stat::Events, 1_764_633_600),
            "metrics:7:events:minute:1764633600"
        );
        assert_eq!(
            keys.leaderboard(7, Board::PagesByViews, 1_764_633_600),
            "metrics:7:leaderboards:pages_by_views:2025-12-02"
        );
        assert_eq!(
            keys.uniques(7, UniqueOf::Sessions, Per::Hour, 3600),
            "metrics:7:uniques:sessions:hour:3600"
        );
        assert_eq!(keys.watermark("events"), "metrics:offsets:events");
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_796_169_600), "2026-12-02");
        for day in (0..30_000).step_by(37) {
            let s = day * 86_400;
            assert_eq!(parse_date(&date(s)), Some(s));
        }
        for bad in ["2026-02-30", "2026-13-01", "26-12-02", "2026-1-2", "x"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
