//! The `WHERE` conditions both stores share, written once.
//!
//! The columns have the same names in SQLite and ClickHouse (see [`crate::facts`]); what
//! differs is how a value gets into the query (a bound parameter in SQLite, a quoted literal
//! for ClickHouse, whose 18.16 server takes no parameters) and a few spellings, which a
//! [`Dialect`] supplies. Keeping the conditions in one place is what makes "the same filter"
//! mean the same rows in both stores.

use super::{Range, Scope, Search};
use crate::validate::EventType;

/// How one store spells what the shared conditions need.
pub trait Dialect {
    /// A string value: a placeholder whose value is bound, or a quoted literal.
    fn text(&mut self, value: &str) -> String;
    /// A float value, exactly (cursors compare timestamps for equality).
    fn float(&mut self, value: f64) -> String;
    /// The column with the event's timestamp in ms.
    fn timestamp(&self) -> &'static str;
    /// The 1-based position of `needle` in `haystack`, 0 when absent (`instr` in SQLite,
    /// `position` in ClickHouse).
    fn position(&self, haystack: &str, needle: &str) -> String;
    /// More conditions on the range that let the store use its sorting key; none by default.
    fn range_hint(&self, _range: &Range) -> Option<String> {
        None
    }
}

/// Project, range and filters.
pub fn scope_conditions(scope: &Scope, d: &mut impl Dialect) -> Vec<String> {
    let ts = d.timestamp();
    let mut conditions = vec![
        // Integers are ours (parsed), so they go in as they are.
        format!("project_id = {}", scope.project_id),
        format!("{ts} >= {}", scope.range.from_ms),
        format!("{ts} < {}", scope.range.to_ms),
    ];
    conditions.extend(d.range_hint(&scope.range));
    let filters = &scope.filters;
    for (column, value) in [
        ("release", &filters.release),
        ("environment", &filters.environment),
        ("page_path", &filters.page),
        ("browser", &filters.browser),
        ("device", &filters.device),
    ] {
        if let Some(value) = value {
            conditions.push(format!("{column} = {}", d.text(value)));
        }
    }
    conditions
}

/// `type IN (...)`, or nothing for all types. The names are the protocol's, not user text.
pub fn types_condition(types: &[EventType]) -> Option<String> {
    if types.is_empty() {
        return None;
    }
    let names: Vec<String> = types.iter().map(|t| format!("'{}'", t.as_str())).collect();
    Some(format!("type IN ({})", names.join(", ")))
}

/// The conditions of an event search, cursor included.
pub fn search_conditions(search: &Search, d: &mut impl Dialect) -> Vec<String> {
    let mut conditions = scope_conditions(&search.scope, d);
    if let Some(event_type) = search.event_type {
        conditions.extend(types_condition(&[event_type]));
    }
    if let Some(user_id) = &search.user_id {
        conditions.push(format!("user_id = {}", d.text(user_id)));
    }
    if let Some(session_id) = &search.session_id {
        conditions.push(format!("session_id = {}", d.text(session_id)));
    }
    if let Some(fingerprint) = &search.fingerprint {
        conditions.push(format!("fingerprint = {}", d.text(fingerprint)));
    }
    if let Some(text) = &search.text {
        // `lower` is ASCII-only in both SQLite (without ICU) and ClickHouse, so both match
        // the same rows; `lowerUTF8` has no SQLite twin.
        let needle = d.text(&text.to_ascii_lowercase());
        conditions.push(format!("{} > 0", d.position("lower(message)", &needle)));
    }
    if let Some(before) = &search.before {
        let ts = d.timestamp();
        let at = d.float(before.timestamp);
        let at_again = d.float(before.timestamp);
        let id = d.text(&before.event_id);
        conditions.push(format!(
            "({ts} < {at} OR ({ts} = {at_again} AND event_id < {id}))"
        ));
    }
    conditions
}

/// `fingerprint IN (...)`, or nothing for an empty list.
pub fn fingerprints_condition(fingerprints: &[String], d: &mut impl Dialect) -> Option<String> {
    if fingerprints.is_empty() {
        return None;
    }
    let values: Vec<String> = fingerprints.iter().map(|f| d.text(f)).collect();
    Some(format!("fingerprint IN ({})", values.join(", ")))
}

/// The conditions of an [`Aggregate`](super::Aggregate) query.
pub fn aggregate_conditions(query: &super::Aggregate, d: &mut impl Dialect) -> Vec<String> {
    let mut conditions = scope_conditions(&query.scope, d);
    conditions.extend(types_condition(&query.types));
    conditions.extend(fingerprints_condition(&query.fingerprints, d));
    let dims: Vec<&str> = query.by.iter().map(|d| d.column()).collect();
    if query.skip_empty && !dims.is_empty() {
        let any: Vec<String> = dims.iter().map(|c| format!("{c} != ''")).collect();
        conditions.push(format!("({})", any.join(" OR ")));
    }
    conditions
}

/// The dialect-free parts of an [`Aggregate`](super::Aggregate) query: the dimension columns,
/// the same as a list after `bucket` (`, page_path, browser`), the `ORDER BY` list and the
/// `LIMIT` clause.
pub struct AggregateShape {
    pub dims: Vec<&'static str>,
    pub keys: String,
    pub order: String,
    pub limit: String,
}

pub fn aggregate_shape(query: &super::Aggregate) -> AggregateShape {
    let dims: Vec<&'static str> = query.by.iter().map(|d| d.column()).collect();
    let keys: String = dims.iter().map(|c| format!(", {c}")).collect();
    let order = match query.top {
        Some(_) => format!("{} DESC{keys}", query.rank.column()),
        None => format!("bucket{keys}"),
    };
    let limit = query.top.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    AggregateShape {
        dims,
        keys,
        order,
        limit,
    }
}

/// `conditions` joined by `AND`.
pub fn where_clause(conditions: &[String]) -> String {
    conditions.join(" AND ")
}
