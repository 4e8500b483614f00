//! How ClickHouse spells what the shared conditions ([`crate::query::sql`]) need.

use crate::query::sql::Dialect;
use crate::query::Range;

/// Writes values as literals.
pub struct Literal;

/// A string literal: `'...'` with backslash and quote escaped (and NUL, which a literal
/// cannot hold raw).
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

impl Dialect for Literal {
    fn text(&mut self, value: &str) -> String {
        quote(value)
    }

    /// Rust writes the shortest decimal that reads back as the same `f64`, which ClickHouse
    /// parses exactly (checked against 18.16: the query suite pages by timestamp).
    fn float(&mut self, value: f64) -> String {
        format!("{value}")
    }

    fn timestamp(&self) -> &'static str {
        "timestamp_ms"
    }

    fn position(&self, haystack: &str, needle: &str) -> String {
        format!("position({haystack}, {needle})")
    }

    /// `timestamp` (whole seconds) leads the sorting key and the partitioning after
    /// `project_id` and `type`; a condition on it lets ClickHouse skip parts and partitions,
    /// one on `timestamp_ms` would not. A superset of the range, clamped to `DateTime`.
    fn range_hint(&self, range: &Range) -> Option<String> {
        let seconds = |ms: i64| ms.div_euclid(1000).clamp(0, i64::from(u32::MAX));
        Some(format!(
            "timestamp >= toDateTime({}) AND timestamp <= toDateTime({})",
            seconds(range.from_ms),
            seconds(range.to_ms)
        ))
    }
}

/// `intDiv(toInt64(ts), I) * I`: the bucket of an event, or 0 without buckets.
pub fn bucket(column: &str, bucket_ms: Option<i64>) -> String {
    match bucket_ms {
        Some(ms) => format!("intDiv(toInt64({column}), {ms}) * {ms}"),
        None => "toInt64(0)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_would_end_the_literal() {
        assert_eq!(quote("it's"), "'it\\'s'");
        assert_eq!(quote("a\\' OR 1=1 --"), "'a\\\\\\' OR 1=1 --'");
        assert_eq!(quote("nul\0"), "'nul\\0'");
        assert_eq!(quote("é ?"), "'é ?'");
    }
}
