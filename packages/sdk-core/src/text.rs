//! String helpers that work on bytes.
//!
//! `core`'s pattern searchers (`split_once`, `lines`, `trim`, `chars`) decode characters and
//! carry panic paths that keep the panic-message formatting code alive: together about 8 KB of
//! the wasm. Everything the SDK searches for is ASCII, so a byte scan finds the same positions,
//! and a match of whole UTF-8 needles always lies on character boundaries.

/// Byte offset of the first occurrence of `needle` in `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    if n == 0 {
        return Some(0);
    }
    hay.as_bytes()
        .windows(n)
        .position(|w| w == needle.as_bytes())
}

/// Byte offset of the last occurrence of `needle` in `hay`.
pub fn rfind(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    if n == 0 {
        return Some(hay.len());
    }
    hay.as_bytes()
        .windows(n)
        .rposition(|w| w == needle.as_bytes())
}

pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

fn split_at_match(hay: &str, at: usize, len: usize) -> Option<(&str, &str)> {
    // A match of a whole UTF-8 needle always starts and ends on character boundaries, so
    // these `get`s succeed; they are `get` so that no slicing can panic regardless.
    Some((hay.get(..at)?, hay.get(at + len..)?))
}

/// Like `str::split_once` with a string pattern.
pub fn split_once<'a>(hay: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    split_at_match(hay, find(hay, needle)?, needle.len())
}

/// Like `str::rsplit_once` with a string pattern.
pub fn rsplit_once<'a>(hay: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    split_at_match(hay, rfind(hay, needle)?, needle.len())
}

/// Lines split on `\n` (a trailing `\r` stays; callers trim), like `str::lines` without the
/// character decoding.
pub fn lines(s: &str) -> impl Iterator<Item = &str> {
    split(s, "\n")
}

/// The parts of `s` between the occurrences of `sep`, like `str::split` with a string pattern.
pub fn split<'a>(s: &'a str, sep: &'a str) -> impl Iterator<Item = &'a str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let current = rest?;
        match split_once(current, sep) {
            Some((line, tail)) => {
                rest = Some(tail);
                Some(line)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// A decimal `u32` made only of ASCII digits; `None` when empty, not digits, or too large.
/// (`str::parse` handles signs and carries an error type the SDK has no use for.)
pub fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u32, |n, b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        n.checked_mul(10)?.checked_add(u32::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_str_methods() {
        for (hay, needle) in [
            ("a (b) (c)", " ("),
            ("no match", "xyz"),
            ("", "a"),
            ("é (ü) é", " ("),
            ("aaa", "aa"),
            ("x", ""),
        ] {
            assert_eq!(
                split_once(hay, needle),
                hay.split_once(needle),
                "{hay} / {needle}"
            );
            assert_eq!(
                rsplit_once(hay, needle),
                hay.rsplit_once(needle),
                "{hay} / {needle}"
            );
            assert_eq!(contains(hay, needle), hay.contains(needle));
        }
    }

    #[test]
    fn lines_match_str_split() {
        for s in ["", "a", "a\nb", "a\n", "\n\n", "é\nü\r\nx"] {
            let ours: Vec<&str> = lines(s).collect();
            let std: Vec<&str> = s.split('\n').collect();
            assert_eq!(ours, std, "{s:?}");
        }
    }

    #[test]
    fn parse_u32_accepts_only_plain_digits() {
        assert_eq!(parse_u32("0"), Some(0));
        assert_eq!(parse_u32("4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32("4294967296"), None);
        for bad in ["", "+1", "-1", "1a", " 1", "١"] {
            assert_eq!(parse_u32(bad), None, "{bad}");
        }
    }
}
