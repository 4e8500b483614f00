//! Which of two releases is newer, for regressions: `web@1.10.0` is newer than `web@1.9.0`.
//!
//! Releases are free text (`1.2.3`, `web@1.2.3+45`, a git sha, a date). Compared as runs of
//! digits (by number) and runs of everything else (as text), left to right, which orders
//! versions and dates right and anything else consistently; a release that is a prefix of
//! the other is older (`1.2` < `1.2.1`).

use std::cmp::Ordering;

pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (runs(a), runs(b));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u128>(), y.parse::<u128>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// `a` is a newer release than `b`.
pub fn newer(a: &str, b: &str) -> bool {
    compare(a, b) == Ordering::Greater
}

/// `web@1.10.0` → `web@`, `1`, `.`, `10`, `.`, `0`.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest
            .find(|c: char| c.is_ascii_digit() != digit)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_by_number() {
        assert!(newer("web@1.10.0", "web@1.9.0"));
        assert!(newer("1.2.1", "1.2"));
        assert!(newer("2024-11-03", "2024-2-28"));
        assert!(!newer("web@1.9.0", "web@1.9.0"));
        assert!(!newer("web@1.2.0", "web@1.10.0"));
        assert_eq!(compare("b", "a"), Ordering::Greater);
        assert_eq!(compare("", "1"), Ordering::Less);
    }
}
