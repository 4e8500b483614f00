//! Two answers of the query API, one per store, must be the same JSON: same keys, same
//! array lengths and order, same strings and integers. Floats may differ in the last bits
//! (the stores sum in different orders), so they are compared with a relative tolerance of
//! 1e-9; percentiles with [`PERCENTILE_TOLERANCE`] (docs/query.md: ClickHouse's `quantiles`
//! is exact, with the same interpolation as the embedded store, up to 8192 values per group,
//! and a sample beyond; the fixture stays far below).

use serde_json::Value;

pub const FLOAT_TOLERANCE: f64 = 1e-9;
pub const PERCENTILE_TOLERANCE: f64 = 1e-6;
const PERCENTILE_KEYS: &[&str] = &["p50", "p75", "p90", "p95", "p99", "score"];
/// Keys whose values legitimately differ: which copy of a retried event a store keeps
/// (SQLite the first, ClickHouse's ReplacingMergeTree the last) decides its `received_at`;
/// each store's status was changed by its own request, a few ms apart.
const IGNORED_KEYS: &[&str] = &["received_at", "status_changed_at"];

/// Panics with the path of the first difference.
pub fn same(what: &str, a: &Value, b: &Value) {
    if let Err(difference) = compare(a, b, "$", FLOAT_TOLERANCE) {
        panic!("{what}: the stores disagree at {difference}\nsqlite: {a}\nclickhouse: {b}");
    }
}

fn compare(a: &Value, b: &Value, path: &str, tolerance: f64) -> Result<(), String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = |m: &serde_json::Map<String, Value>| -> Vec<String> {
                m.keys()
                    .filter(|k| !IGNORED_KEYS.contains(&k.as_str()))
                    .cloned()
                    .collect()
            };
            if keys(x) != keys(y) {
                return Err(format!("{path}: keys {:?} vs {:?}", keys(x), keys(y)));
            }
            for key in keys(x) {
                let tolerance = if PERCENTILE_KEYS.contains(&key.as_str()) {
                    PERCENTILE_TOLERANCE
                } else {
                    tolerance
                };
                compare(&x[&key], &y[&key], &format!("{path}.{key}"), tolerance)?;
            }
            Ok(())
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: {} items vs {}", x.len(), y.len()));
            }
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                compare(x, y, &format!("{path}[{i}]"), tolerance)?;
            }
            Ok(())
        }
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if close(x, y, tolerance) {
                Ok(())
            } else {
                Err(format!("{path}: {x} vs {y}"))
            }
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} vs {b}")),
    }
}

pub fn close(x: f64, y: f64, tolerance: f64) -> bool {
    (x - y).abs() <= tolerance * x.abs().max(y.abs()).max(1.0)
}

/// `actual` is within the float tolerance of `expected`.
pub fn near(what: &str, actual: &Value, expected: f64) {
    let value = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert!(
        close(value, expected, FLOAT_TOLERANCE),
        "{what}: {value}, expected {expected}"
    );
}
