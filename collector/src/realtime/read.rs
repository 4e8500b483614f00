//! The real-time reads, shared by the HTTP endpoints and the gRPC service: counters, the
//! last minutes of a window, a day's Top-N, unique counts. Each is one round trip to the
//! live store (a pipeline where it reads several keys). Times in answers are milliseconds
//! since the epoch, as in the query API.

use std::collections::BTreeMap;

use serde::Serialize;

use super::aggregate::Aggregators;
use super::floor_to;
use super::keys::{date, Board, Per, Stat, UniqueOf};
use super::store::{LiveError, LiveStore};

/// Most buckets one window or unique series read may ask for (a day of minutes).
pub const MAX_BUCKETS: usize = 1440;
/// Most Top-N entries one read may ask for.
pub const MAX_TOP: usize = 1000;

#[derive(Debug, PartialEq, Serialize)]
pub struct Counters {
    pub total: u64,
    /// Per event type.
    pub by_type: BTreeMap<String, u64>,
    /// Per custom event name.
    pub custom: BTreeMap<String, u64>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Window {
    pub stat: Stat,
    /// Oldest first, every minute present (zeros where nothing happened).
    pub minutes: Vec<Minute>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Minute {
    pub start: i64,
    /// The `events` window: `total` and per event type.
    pub counts: BTreeMap<String, u64>,
    /// The `vitals` window: per vital name.
    pub vitals: BTreeMap<String, VitalMinute>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct VitalMinute {
    pub count: u64,
    pub sum: f64,
    pub average: f64,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Top {
    pub board: Board,
    /// The UTC day, `YYYY-MM-DD`.
    pub day: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Entry {
    pub member: String,
    pub score: f64,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Uniques {
    pub of: UniqueOf,
    pub per: Per,
    /// Distinct over all the buckets (the union, not the sum).
    pub total: u64,
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Bucket {
    pub start: i64,
    pub count: u64,
}

fn whole(value: f64) -> u64 {
    value.max(0.0).round() as u64
}

/// The starts (seconds) of the `last` buckets of `seconds` each, up to the one holding `to_ms`.
fn starts(to_ms: f64, seconds: i64, last: usize) -> Vec<i64> {
    let newest = floor_to(to_ms, seconds);
    (0..last as i64)
        .rev()
        .map(|back| newest - back * seconds)
        .filter(|start| *start >= 0)
        .collect()
}

pub async fn counters(
    store: &LiveStore,
    aggregators: &Aggregators,
    project: u64,
) -> Result<Counters, LiveError> {
    let key = aggregators.keys().counters(project);
    let fields = store.hashes(&[key]).await?.pop().unwrap_or_default();
    let mut answer = Counters {
        total: 0,
        by_type: BTreeMap::new(),
        custom: BTreeMap::new(),
    };
    for (field, value) in fields {
        if field == "total" {
            answer.total = whole(value);
        } else if let Some(name) = field.strip_prefix("custom:") {
            answer.custom.insert(name.to_owned(), whole(value));
        } else {
            answer.by_type.insert(field, whole(value));
        }
    }
    Ok(answer)
}

pub async fn window(
    store: &LiveStore,
    aggregators: &Aggregators,
    project: u64,
    stat: Stat,
    minutes: usize,
    to_ms: f64,
) -> Result<Window, LiveError> {
    let starts = starts(to_ms, 60, minutes.min(MAX_BUCKETS));
    let keys: Vec<String> = starts
        .iter()
        .map(|start| aggregators.keys().window(project, stat, *start))
        .collect();
    let hashes = store.hashes(&keys).await?;
    let minutes = starts
        .iter()
        .zip(hashes)
        .map(|(start, fields)| minute(stat, *start, fields))
        .collect();
    Ok(Window { stat, minutes })
}

fn minute(stat: Stat, start: i64, fields: Vec<(String, f64)>) -> Minute {
    let mut counts = BTreeMap::new();
    let mut vitals: BTreeMap<String, VitalMinute> = BTreeMap::new();
    for (field, value) in fields {
        match stat {
            Stat::Events => {
                counts.insert(field, whole(value));
            }
            Stat::Vitals => {
                let Some((name, part)) = field.rsplit_once(':') else {
                    continue;
                };
                let vital = vitals.entry(name.to_owned()).or_insert(VitalMinute {
                    count: 0,
                    sum: 0.0,
                    average: 0.0,
                });
                match part {
                    "sum" => vital.sum = value,
                    "count" => vital.count = whole(value),
                    _ => {}
                }
            }
        }
    }
    for vital in vitals.values_mut() {
        if vital.count > 0 {
            vital.average = vital.sum / vital.count as f64;
        }
    }
    if stat == Stat::Events {
        counts.entry("total".to_owned()).or_insert(0);
    }
    Minute {
        start: start * 1000,
        counts,
        vitals,
    }
}

pub async fn top(
    store: &LiveStore,
    aggregators: &Aggregators,
    project: u64,
    board: Board,
    day_s: i64,
    limit: usize,
) -> Result<Top, LiveError> {
    let day_s = floor_to(day_s as f64 * 1000.0, 86_400);
    let key = aggregators.keys().leaderboard(project, board, day_s);
    let entries = store
        .top(&key, limit.clamp(1, MAX_TOP))
        .await?
        .into_iter()
        .map(|(member, score)| Entry { member, score })
        .collect();
    Ok(Top {
        board,
        day: date(day_s),
        entries,
    })
}

pub async fn uniques(
    store: &LiveStore,
    aggregators: &Aggregators,
    project: u64,
    of: UniqueOf,
    per: Per,
    last: usize,
    to_ms: f64,
) -> Result<Uniques, LiveError> {
    let starts = starts(to_ms, per.seconds(), last.min(MAX_BUCKETS));
    let keys: Vec<String> = starts
        .iter()
        .map(|start| aggregators.keys().uniques(project, of, per, *start))
        .collect();
    let (counts, total) = store.uniques(&keys).await?;
    let buckets = starts
        .iter()
        .zip(counts)
        .map(|(start, count)| Bucket {
            start: start * 1000,
            count,
        })
        .collect();
    Ok(Uniques {
        of,
        per,
        total,
        buckets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_starts_end_at_the_one_holding_to() {
        assert_eq!(starts(185_000.0, 60, 3), vec![60, 120, 180]);
        assert_eq!(starts(30_000.0, 60, 3), vec![0], "nothing before the epoch");
    }

    #[test]
    fn vitals_minutes_average_their_sums() {
        let fields = vec![
            ("LCP:sum".to_owned(), 3000.0),
            ("LCP:count".to_owned(), 2.0),
            ("CLS:sum".to_owned(), 0.25),
            ("CLS:count".to_owned(), 1.0),
        ];
        let minute = minute(Stat::Vitals, 60, fields);
        assert_eq!(minute.start, 60_000);
        assert_eq!(minute.vitals["LCP"].average, 1500.0);
        assert_eq!(minute.vitals["CLS"].count, 1);
        assert!(minute.counts.is_empty());
    }
}
