//! What the metrics ask of the page, behind a trait so that their rules run in native unit
//! tests with a scripted page, and in the browser with [`super::browser::BrowserPage`].

use alloc::string::String;

/// The fields of the `navigation` entry the metrics use (ms since navigation start).
#[derive(Clone, Default, PartialEq)]
pub struct NavTiming {
    pub activation_start: f64,
    pub redirect_start: f64,
    pub redirect_end: f64,
    pub worker_start: f64,
    pub fetch_start: f64,
    pub domain_lookup_start: f64,
    pub domain_lookup_end: f64,
    pub connect_start: f64,
    pub secure_connection_start: f64,
    pub connect_end: f64,
    pub request_start: f64,
    pub response_start: f64,
    pub response_end: f64,
    pub dom_interactive: f64,
    pub dom_content_loaded_start: f64,
    pub dom_content_loaded_end: f64,
    pub dom_complete: f64,
    pub load_event_end: f64,
    pub transfer_size: f64,
    /// `navigate`, `reload`, `back_forward` or `prerender`.
    pub kind: String,
    pub protocol: String,
}

impl NavTiming {
    /// Time to first byte from activation (clamped at 0: a prerendered page may have had its
    /// first byte before it was shown).
    pub fn ttfb(&self) -> f64 {
        (self.response_start - self.activation_start).max(0.0)
    }

    /// How far the document had loaded at `time` (web-vitals' `getLoadState`).
    pub fn load_state(&self, time: f64) -> &'static str {
        if time < self.dom_interactive {
            "loading"
        } else if self.dom_content_loaded_start == 0.0 || time < self.dom_content_loaded_start {
            "dom-interactive"
        } else if self.dom_complete == 0.0 || time < self.dom_complete {
            "dom-content-loaded"
        } else {
            "complete"
        }
    }
}

/// The page as the metrics see it. `Node` is an element handle, turned into a CSS-like
/// selector only when a metric needs it (selectors cost a walk up the DOM).
pub trait Page {
    type Node;

    /// `performance.now()`.
    fn now(&self) -> f64;
    /// Milliseconds since the Unix epoch, for event timestamps.
    fn epoch_now(&self) -> f64;
    /// The navigation entry, when the browser gives a usable one (web-vitals ignores an entry
    /// whose `responseStart` is 0, negative, or in the future).
    fn navigation(&self) -> Option<NavTiming>;
    /// `document.readyState == "loading"`.
    fn still_loading(&self) -> bool;
    fn prerendering(&self) -> bool;
    fn was_discarded(&self) -> bool;
    /// When the page was first hidden, from what the browser recorded before the SDK ran:
    /// the first `hidden` visibility-state entry at or after activation, else 0 when the
    /// page is hidden now (it was loaded in the background), else infinity.
    fn initial_hidden_time(&self, activation_start: f64) -> f64;
    /// `performance.interactionCount`, or `None` where the browser lacks it.
    fn interaction_count(&self) -> Option<f64>;
    /// The latest resource entry for `url` whose request started by `before`:
    /// `(requestStart || startTime, responseEnd)`.
    fn resource_timing(&self, url: &str, before: f64) -> Option<(f64, f64)>;
    fn selector(&self, node: &Self::Node) -> String;
}

/// The load state at `time`, or `loading` while the document still is.
pub fn load_state<P: Page>(page: &P, time: f64) -> &'static str {
    if page.still_loading() {
        return "loading";
    }
    page.navigation()
        .map_or("complete", |nav| nav.load_state(time))
}

/// The navigation type a fresh (not restored) metric carries.
pub fn navigation_type<P: Page>(page: &P) -> &'static str {
    let Some(nav) = page.navigation() else {
        return "navigate";
    };
    if page.prerendering() || nav.activation_start > 0.0 {
        "prerender"
    } else if page.was_discarded() {
        "restore"
    } else {
        match nav.kind.as_str() {
            "reload" => "reload",
            "back_forward" => "back-forward",
            "prerender" => "prerender",
            _ => "navigate",
        }
    }
}

#[cfg(test)]
pub mod fake {
    //! A scripted page for the metrics' unit tests.
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;
    use core::cell::Cell;

    pub struct FakePage {
        pub now: Cell<f64>,
        pub nav: Option<NavTiming>,
        pub loading: bool,
        pub hidden_at_start: f64,
        pub interactions: Cell<Option<f64>>,
        /// (url, request start, response end)
        pub resources: Vec<(&'static str, f64, f64)>,
    }

    impl Default for FakePage {
        fn default() -> Self {
            FakePage {
                now: Cell::new(10_000.0),
                nav: Some(NavTiming {
                    response_start: 100.0,
                    fetch_start: 5.0,
                    domain_lookup_start: 10.0,
                    domain_lookup_end: 20.0,
                    connect_start: 20.0,
                    secure_connection_start: 25.0,
                    connect_end: 40.0,
                    request_start: 42.0,
                    response_end: 150.0,
                    dom_interactive: 300.0,
                    dom_content_loaded_start: 310.0,
                    dom_content_loaded_end: 315.0,
                    dom_complete: 900.0,
                    load_event_end: 910.0,
                    transfer_size: 5_000.0,
                    kind: "navigate".to_string(),
                    protocol: "h2".to_string(),
                    ..NavTiming::default()
                }),
                loading: false,
                hidden_at_start: f64::INFINITY,
                interactions: Cell::new(Some(0.0)),
                resources: Vec::new(),
            }
        }
    }

    impl Page for FakePage {
        /// A node is its selector already.
        type Node = &'static str;

        fn now(&self) -> f64 {
            self.now.get()
        }
        fn epoch_now(&self) -> f64 {
            1_700_000_000_000.0 + self.now.get()
        }
        fn navigation(&self) -> Option<NavTiming> {
            self.nav.clone()
        }
        fn still_loading(&self) -> bool {
            self.loading
        }
        fn prerendering(&self) -> bool {
            false
        }
        fn was_discarded(&self) -> bool {
            false
        }
        fn initial_hidden_time(&self, _activation_start: f64) -> f64 {
            self.hidden_at_start
        }
        fn interaction_count(&self) -> Option<f64> {
            self.interactions.get()
        }
        fn resource_timing(&self, url: &str, before: f64) -> Option<(f64, f64)> {
            self.resources
                .iter()
                .rev()
                .find(|(u, start, _)| *u == url && *start <= before)
                .map(|(_, start, end)| (*start, *end))
        }
        fn selector(&self, node: &&'static str) -> String {
            node.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakePage;
    use super::*;

    #[test]
    fn load_states_follow_the_navigation_milestones() {
        let page = FakePage::default();
        assert_eq!(load_state(&page, 200.0), "loading");
        assert_eq!(load_state(&page, 305.0), "dom-interactive");
        assert_eq!(load_state(&page, 500.0), "dom-content-loaded");
        assert_eq!(load_state(&page, 900.0), "complete");
        let loading = FakePage {
            loading: true,
            ..FakePage::default()
        };
        assert_eq!(load_state(&loading, 5_000.0), "loading");
    }

    #[test]
    fn navigation_types_are_web_vitals_names() {
        let mut page = FakePage::default();
        assert_eq!(navigation_type(&page), "navigate");
        if let Some(nav) = page.nav.as_mut() {
            nav.kind = "back_forward".into();
        }
        assert_eq!(navigation_type(&page), "back-forward");
        if let Some(nav) = page.nav.as_mut() {
            nav.activation_start = 50.0;
        }
        assert_eq!(navigation_type(&page), "prerender");
        page.nav = None;
        assert_eq!(navigation_type(&page), "navigate");
    }
}
