//! The parts of a page URL that the query API groups by: its path (the `page` filter, the
//! page lists) and its host (to tell an outside referrer from the previous page of the same
//! site).
//!
//! Plain string work, no URL crate: the SDK sends `location.href`, which is always absolute,
//! and anything odd (a relative path, garbage) only has to give a stable, harmless answer.

/// The path of `url` without query string and fragment: `https://a.example/x/y?q#f` → `/x/y`.
/// An absolute URL without a path gives `/`; a string that is already a path keeps its path.
pub fn path(url: &str) -> String {
    let url = url.trim();
    let rest = match url.split_once("://") {
        // The authority ends at the first `/`, `?` or `#`.
        Some((_, after)) => match after.find(['/', '?', '#']) {
            Some(i) => &after[i..],
            None => "",
        },
        None => url,
    };
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    if path.is_empty() {
        if url.is_empty() {
            String::new()
        } else {
            "/".to_owned()
        }
    } else {
        path.to_owned()
    }
}

/// The host (with port) of an absolute URL, lowercased; empty when there is none.
pub fn host(url: &str) -> String {
    let Some((_, after)) = url.trim().split_once("://") else {
        return String::new();
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials before `@` are not part of the host (and must not be stored).
    let host = authority.rsplit('@').next().unwrap_or_default();
    host.to_ascii_lowercase()
}

/// The referrer's host when the visit came from another site; empty for a direct visit and
/// for a navigation inside the site (an SPA's page view names the previous page of the same
/// host as its referrer).
pub fn external_referrer(page_url: &str, referrer: &str) -> String {
    let from = host(referrer);
    if from.is_empty() || from == host(page_url) {
        String::new()
    } else {
        from
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(path("https://app.example/checkout?step=2#top"), "/checkout");
        assert_eq!(path("https://app.example"), "/");
        assert_eq!(path("https://app.example?x=1"), "/");
        assert_eq!(path("http://localhost:5173/a/b/"), "/a/b/");
        assert_eq!(path("/already/a/path?q"), "/already/a/path");
        assert_eq!(path("file:///home/me/index.html"), "/home/me/index.html");
        assert_eq!(path(""), "");
    }

    #[test]
    fn hosts_and_referrers() {
        assert_eq!(
            host("https://User:pw@App.Example:8443/x"),
            "app.example:8443"
        );
        assert_eq!(host("not a url"), "");
        let page = "https://app.example/pricing";
        assert_eq!(
            external_referrer(page, "https://www.google.com/search?q=x"),
            "www.google.com"
        );
        assert_eq!(external_referrer(page, "https://app.example/"), "");
        assert_eq!(external_referrer(page, ""), "");
    }
}
