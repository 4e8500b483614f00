//! Percentiles by linear interpolation between the closest ranks: the `p` quantile of `n`
//! sorted values sits at index `p * (n - 1)`. This is what ClickHouse's `quantiles` computes
//! (its reservoir holds every value up to 8192 per group, and interpolates the same way), so
//! the embedded store, which computes percentiles here, gives the same numbers for groups of
//! that size; beyond, ClickHouse works on a sample (docs/query.md).

/// The quantiles at `levels` (each in `[0, 1]`) of `values`, which need not be sorted;
/// `None` for no values.
pub fn quantiles(values: &mut [f64], levels: &[f64]) -> Option<Vec<f64>> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let last = (values.len() - 1) as f64;
    Some(
        levels
            .iter()
            .map(|level| {
                let index = (level * last).clamp(0.0, last);
                let low = index.floor() as usize;
                let fraction = index - low as f64;
                match values.get(low + 1) {
                    Some(next) if fraction > 0.0 => values[low] + fraction * (next - values[low]),
                    _ => values[low],
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_like_clickhouse() {
        // SELECT quantiles(0.5, 0.75, 0.9)(x) FROM (SELECT arrayJoin([1., 2., 3., 4.]) AS x)
        // gives [2.5, 3.25, 3.7] on ClickHouse 18.16.
        let mut values = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(
            quantiles(&mut values, &[0.5, 0.75, 0.9]),
            Some(vec![2.5, 3.25, 3.7])
        );
        assert_eq!(quantiles(&mut [7.0], &[0.0, 0.99]), Some(vec![7.0, 7.0]));
        assert_eq!(quantiles(&mut [], &[0.5]), None);
    }
}
