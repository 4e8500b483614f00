//! Privacy by default: the values of URL query (and fragment) parameters whose names look
//! secret are replaced before a URL leaves the page, in events and in breadcrumbs alike.
//!
//! A name looks secret when it contains one of the configured words, case-insensitively
//! (`access_token`, `apiKey`, `sessionid` and `auth_code` all match the defaults). Matching
//! on parts rather than whole names errs on the side of hiding: a false positive costs a
//! value in a report, a false negative leaks a credential.

use alloc::string::String;
use alloc::vec::Vec;

use crate::text::{contains, split, split_once};

/// What replaces a secret value.
pub const FILTERED: &str = "[Filtered]";

/// The words that make a parameter name look secret, unless the page configures its own.
pub const DEFAULT_SECRET_WORDS: [&str; 7] = [
    "token", "password", "secret", "key", "auth", "session", "code",
];

/// Whether `name` contains one of `words` (ASCII case-insensitive). By hand: `windows()`
/// carries a panic whose message pulls the formatting machinery into the wasm.
fn looks_secret(name: &str, words: &[String]) -> bool {
    let name = name.as_bytes();
    words.iter().any(|word| {
        let word = word.as_bytes();
        !word.is_empty()
            && (0..=name.len().saturating_sub(word.len())).any(|start| {
                name.get(start..start + word.len())
                    .is_some_and(|part| part.eq_ignore_ascii_case(word))
            })
    })
}

/// `url` with the values of secret-looking parameters in its query and fragment replaced by
/// [`FILTERED`]. Everything else (order, separators, other values, encoding) is kept as is.
pub fn scrub_url(url: &str, words: &[String]) -> String {
    let (before_fragment, fragment) = match split_once(url, "#") {
        Some((before, after)) => (before, Some(after)),
        None => (url, None),
    };
    let mut out = String::with_capacity(url.len());
    match split_once(before_fragment, "?") {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            scrub_pairs(query, words, &mut out);
        }
        None => out.push_str(before_fragment),
    }
    if let Some(fragment) = fragment {
        // `#access_token=...` (OAuth's implicit flow) is a query in all but name; a fragment
        // without `=` is a route or an anchor and stays.
        out.push('#');
        if contains(fragment, "=") {
            scrub_pairs(fragment, words, &mut out);
        } else {
            out.push_str(fragment);
        }
    }
    out
}

fn scrub_pairs(pairs: &str, words: &[String], out: &mut String) {
    for (i, pair) in split(pairs, "&").enumerate() {
        if i > 0 {
            out.push('&');
        }
        match split_once(pair, "=") {
            Some((name, _)) if looks_secret(name, words) => {
                out.push_str(name);
                out.push('=');
                out.push_str(FILTERED);
            }
            _ => out.push_str(pair),
        }
    }
}

/// The default words as owned strings, for [`crate::Options`].
pub fn default_words() -> Vec<String> {
    DEFAULT_SECRET_WORDS
        .iter()
        .map(|w| String::from(*w))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrub(url: &str) -> String {
        scrub_url(url, &default_words())
    }

    #[test]
    fn secret_looking_values_are_filtered_and_the_rest_kept() {
        assert_eq!(
            scrub("https://a.test/p?q=shoes&access_token=abc&page=2"),
            "https://a.test/p?q=shoes&access_token=[Filtered]&page=2"
        );
        assert_eq!(
            scrub("/login?Password=hunter2&apiKey=k&sessionid=s&auth_code=c&next=%2Fhome"),
            "/login?Password=[Filtered]&apiKey=[Filtered]&sessionid=[Filtered]&auth_code=[Filtered]&next=%2Fhome"
        );
    }

    #[test]
    fn fragments_with_parameters_are_scrubbed_routes_are_not() {
        assert_eq!(
            scrub("https://a.test/cb#access_token=t&state=x"),
            "https://a.test/cb#access_token=[Filtered]&state=x"
        );
        assert_eq!(
            scrub("https://a.test/#/settings"),
            "https://a.test/#/settings"
        );
        assert_eq!(
            scrub("https://a.test/?token=1#top"),
            "https://a.test/?token=[Filtered]#top"
        );
    }

    #[test]
    fn odd_urls_pass_through() {
        for url in [
            "",
            "?",
            "?&&",
            "https://a.test",
            "?key",
            "?=v",
            "#",
            "?a=1=2",
        ] {
            let _ = scrub(url);
        }
        assert_eq!(scrub("?key"), "?key");
        assert_eq!(scrub("?=v&secret="), "?=v&secret=[Filtered]");
        assert_eq!(scrub("?ünï=1&tökenX=2"), "?ünï=1&tökenX=2");
        assert_eq!(scrub("?x_TOKEN=1"), "?x_TOKEN=[Filtered]");
    }

    #[test]
    fn the_word_list_is_configurable() {
        let words = [String::from("ssn")];
        assert_eq!(
            scrub_url("/a?ssn=1&token=2", &words),
            "/a?ssn=[Filtered]&token=2"
        );
        assert_eq!(scrub_url("/a?token=2", &[]), "/a?token=2");
    }
}
