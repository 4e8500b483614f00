//! What people did on the page, as rules: page views (SPA navigations included), visible
//! time per page view, rage clicks, and how often an element may leave a breadcrumb.
//!
//! The browser crate feeds [`Behaviour`] the facts the loader reported (a navigation to a
//! URL, the page turning hidden or visible, a click on a target at a position) and turns its
//! answers into events. Nothing here reads the page, so every rule is tested natively.

use alloc::string::String;
use alloc::vec::Vec;

/// Clicks on one element that make a rage click...
pub const RAGE_CLICKS: usize = 3;
/// ...within this long...
pub const RAGE_WINDOW_MS: f64 = 1_000.0;
/// ...and this close to the first of them (CSS pixels).
pub const RAGE_RADIUS_PX: f64 = 30.0;
/// One element leaves at most one click or key-press breadcrumb per this long.
pub const CRUMB_EVERY_MS: f64 = 1_000.0;

/// A page view that has been reported: its URL and the visible time not yet reported.
struct View {
    url: String,
    unreported_ms: f64,
}

/// Clicks on one target close together.
struct Burst {
    target: String,
    x: f64,
    y: f64,
    /// Times of the burst's clicks within the last [`RAGE_WINDOW_MS`].
    times: Vec<f64>,
    reported: bool,
}

/// What a navigation meant.
#[derive(Debug, PartialEq)]
pub struct Navigation {
    /// The URL before, when there was a view: the new view's referrer, a breadcrumb's `from`.
    pub from: Option<String>,
    /// Whether this is a new page view (not the same URL again).
    pub new_view: bool,
    /// The previous view's visible time not yet reported, closed by this navigation.
    pub closed: Option<TimeOnPage>,
}

/// Visible time of one page view, to be sent as a `time_on_page` event.
#[derive(Debug, PartialEq)]
pub struct TimeOnPage {
    pub url: String,
    pub duration_ms: f64,
}

#[derive(Default)]
pub struct Behaviour {
    view: Option<View>,
    /// Since when the page has been visible; `None` while hidden.
    visible_since: Option<f64>,
    burst: Option<Burst>,
    last_crumb: Option<(String, f64)>,
}

impl Behaviour {
    /// A new behaviour tracker for a page that is `visible` at `now`.
    pub fn new(visible: bool, now: f64) -> Behaviour {
        Behaviour {
            visible_since: visible.then_some(now),
            ..Behaviour::default()
        }
    }

    /// The page is at `url` now (its load, `pushState`, `replaceState`, `popstate`, a hash
    /// change). The same URL as the current view is no new view: frameworks often push the
    /// URL they are already on.
    pub fn navigate(&mut self, url: &str, now: f64) -> Navigation {
        if let Some(view) = &self.view {
            if view.url == url {
                return Navigation {
                    from: Some(view.url.clone()),
                    new_view: false,
                    closed: None,
                };
            }
        }
        self.bank_visible(now);
        let previous = self.view.take();
        self.view = Some(View {
            url: String::from(url),
            unreported_ms: 0.0,
        });
        match previous {
            Some(view) => Navigation {
                closed: report(view.url.clone(), view.unreported_ms),
                from: Some(view.url),
                new_view: true,
            },
            None => Navigation {
                from: None,
                new_view: true,
                closed: None,
            },
        }
    }

    /// The page turned hidden or visible. Turning hidden reports the view's visible time so
    /// far: the page may never be seen again (closed tab, killed mobile browser).
    pub fn visibility(&mut self, visible: bool, now: f64) -> Option<TimeOnPage> {
        if visible {
            if self.visible_since.is_none() {
                self.visible_since = Some(now);
            }
            return None;
        }
        self.bank_visible(now);
        self.visible_since = None;
        let view = self.view.as_mut()?;
        let ms = core::mem::take(&mut view.unreported_ms);
        report(view.url.clone(), ms)
    }

    /// A click on `target` at (`x`, `y`): `Some(count)` when it makes the burst a rage click,
    /// once per burst.
    pub fn click(&mut self, target: &str, x: f64, y: f64, now: f64) -> Option<usize> {
        let continues = self.burst.as_ref().is_some_and(|b| {
            b.target == target
                && (x - b.x).abs() <= RAGE_RADIUS_PX
                && (y - b.y).abs() <= RAGE_RADIUS_PX
                && b.times
                    .last()
                    .is_some_and(|last| now - *last <= RAGE_WINDOW_MS)
        });
        if !continues {
            self.burst = Some(Burst {
                target: String::from(target),
                x,
                y,
                times: Vec::new(),
                reported: false,
            });
        }
        let burst = self.burst.as_mut()?;
        burst.times.retain(|t| now - *t <= RAGE_WINDOW_MS);
        burst.times.push(now);
        if burst.times.len() >= RAGE_CLICKS && !burst.reported {
            burst.reported = true;
            return Some(burst.times.len());
        }
        None
    }

    /// Whether an interaction with `target` may leave a breadcrumb now: at most one per
    /// element per [`CRUMB_EVERY_MS`], so typing a word leaves one, not twenty.
    pub fn crumb_due(&mut self, target: &str, now: f64) -> bool {
        if let Some((last, at)) = &self.last_crumb {
            if last == target && now - at < CRUMB_EVERY_MS {
                return false;
            }
        }
        self.last_crumb = Some((String::from(target), now));
        true
    }

    /// Adds the visible time since `visible_since` to the current view.
    fn bank_visible(&mut self, now: f64) {
        if let (Some(since), Some(view)) = (self.visible_since, self.view.as_mut()) {
            view.unreported_ms += (now - since).max(0.0);
        }
        if self.visible_since.is_some() {
            self.visible_since = Some(now);
        }
    }
}

/// A report of `ms` for `url`, unless there is nothing to report.
fn report(url: String, ms: f64) -> Option<TimeOnPage> {
    (ms >= 1.0).then_some(TimeOnPage {
        url,
        duration_ms: ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(url: &str, ms: f64) -> Option<TimeOnPage> {
        Some(TimeOnPage {
            url: url.into(),
            duration_ms: ms,
        })
    }

    #[test]
    fn the_same_url_twice_is_one_view_and_the_previous_url_is_the_referrer() {
        let mut b = Behaviour::new(true, 0.0);
        let load = b.navigate("https://a.test/", 0.0);
        assert_eq!((load.from, load.new_view), (None, true));
        let again = b.navigate("https://a.test/", 10.0);
        assert!(!again.new_view);
        let spa = b.navigate("https://a.test/cart", 20.0);
        assert_eq!(spa.from.as_deref(), Some("https://a.test/"));
        assert!(spa.new_view);
        let hash = b.navigate("https://a.test/cart#reviews", 30.0);
        assert!(hash.new_view, "a hash change is a navigation");
    }

    #[test]
    fn a_route_change_closes_one_view_and_opens_the_next() {
        let mut b = Behaviour::new(true, 0.0);
        b.navigate("/a", 0.0);
        let next = b.navigate("/b", 4_000.0);
        assert_eq!(next.closed, time("/a", 4_000.0));
        assert_eq!(b.visibility(false, 6_500.0), time("/b", 2_500.0));
    }

    #[test]
    fn only_visible_time_counts() {
        let mut b = Behaviour::new(true, 0.0);
        b.navigate("/a", 1_000.0);
        assert_eq!(b.visibility(false, 3_000.0), time("/a", 2_000.0));
        // Hidden for a minute: none of it counts; a second hide reports nothing new.
        assert_eq!(b.visibility(false, 4_000.0), None);
        assert_eq!(b.visibility(true, 63_000.0), None);
        assert_eq!(b.navigate("/b", 64_500.0).closed, time("/a", 1_500.0));
    }

    #[test]
    fn a_page_loaded_hidden_starts_counting_when_shown() {
        let mut b = Behaviour::new(false, 0.0);
        b.navigate("/a", 0.0);
        assert_eq!(b.visibility(false, 5_000.0), None);
        b.visibility(true, 5_000.0);
        assert_eq!(b.visibility(false, 5_800.0), time("/a", 800.0));
    }

    #[test]
    fn three_close_clicks_within_a_second_are_one_rage_click() {
        let mut b = Behaviour::default();
        assert_eq!(b.click("#buy", 100.0, 100.0, 0.0), None);
        assert_eq!(b.click("#buy", 110.0, 95.0, 300.0), None);
        assert_eq!(b.click("#buy", 120.0, 120.0, 600.0), Some(3));
        assert_eq!(b.click("#buy", 120.0, 120.0, 800.0), None, "once per burst");
        // A pause ends the burst; a new one can rage again.
        for t in [2_000.0, 2_100.0] {
            assert_eq!(b.click("#buy", 100.0, 100.0, t), None);
        }
        assert_eq!(b.click("#buy", 100.0, 100.0, 2_200.0), Some(3));
    }

    #[test]
    fn slow_far_or_other_clicks_are_no_rage() {
        let mut b = Behaviour::default();
        for t in [0.0, 600.0, 1_200.0, 1_800.0] {
            assert_eq!(
                b.click("#a", 0.0, 0.0, t),
                None,
                "each within 1 s of the last, never 3 in 1 s"
            );
        }
        let mut b = Behaviour::default();
        assert_eq!(b.click("#a", 0.0, 0.0, 0.0), None);
        assert_eq!(b.click("#a", 31.0, 0.0, 100.0), None, "too far");
        assert_eq!(b.click("#a", 31.0, 0.0, 200.0), None);
        assert_eq!(b.click("#b", 31.0, 0.0, 300.0), None, "another element");
    }

    #[test]
    fn one_breadcrumb_per_element_per_second() {
        let mut b = Behaviour::default();
        assert!(b.crumb_due("input#q", 0.0));
        assert!(!b.crumb_due("input#q", 500.0));
        assert!(b.crumb_due("button", 600.0));
        assert!(
            b.crumb_due("input#q", 700.0),
            "another element came between"
        );
        assert!(!b.crumb_due("input#q", 1_600.0));
        assert!(b.crumb_due("input#q", 1_700.0));
    }
}
