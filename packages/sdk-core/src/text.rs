//! Substring search without `core`'s two-way string searcher.
//!
//! `str::split_once("..")` and friends with a string pattern pull in core's `StrSearcher`,
//! and with it the panic-message formatting machinery: about 8 KB of the wasm. The needles the
//! SDK looks for are a few bytes long, so a plain byte scan is just as fast here.

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

fn split_at_match<'a>(hay: &'a str, at: usize, len: usize) -> Option<(&'a str, &'a str)> {
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
}
