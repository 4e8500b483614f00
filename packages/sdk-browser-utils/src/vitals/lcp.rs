//! Largest Contentful Paint, from `largest-contentful-paint` entries.
//!
//! The browser reports a new candidate each time a larger element paints. The last candidate
//! before the first trusted keydown or click, or before the page is hidden, is the LCP: the
//! browser stops looking at the first input (what paints after it is a response to the user,
//! not the page loading), but it does not say so, hence the explicit stop. Like FCP it
//! counts from activation and ignores paints after the page was first hidden.
//!
//! Attribution splits the value into the phases a developer can act on: time to first byte,
//! the delay before the LCP resource was requested, its download, and the render delay after
//! it arrived (an element without a resource is all render delay after the first byte).

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_core::event::truncate;
use monitor_sdk_core::Event;

use super::entry::LcpEntry;
use super::metric::{self, Attribution, Metric};
use super::page::Page;
use super::Shared;

const MAX_URL_BYTES: usize = 2_048;

/// The candidate behind the current value.
struct Candidate {
    start: f64,
    url: String,
    target: Option<String>,
}

pub struct Lcp {
    metric: Metric,
    candidate: Option<Candidate>,
    finalized: bool,
}

impl Lcp {
    pub fn new<P: Page>(shared: &mut Shared<P>) -> Lcp {
        Lcp {
            metric: shared.metric("LCP", metric::LCP, -1.0),
            candidate: None,
            finalized: false,
        }
    }

    /// One observer callback's entries. Without `reportAllChanges` only the last counts: it
    /// is the largest so far.
    pub fn entries<P: Page>(
        &mut self,
        shared: &Shared<P>,
        entries: impl Iterator<Item = LcpEntry<P::Node>>,
        out: &mut Vec<Event>,
    ) {
        if self.finalized {
            return;
        }
        let mut entries = entries.peekable();
        while let Some(entry) = entries.next() {
            if !shared.config.report_all_changes && entries.peek().is_some() {
                continue;
            }
            if entry.start >= shared.first_hidden {
                continue;
            }
            let target = match &entry.element {
                Some(node) => Some(shared.page.selector(node)),
                None if !entry.id.is_empty() => {
                    let mut id = String::from("#");
                    id.push_str(&entry.id);
                    Some(id)
                }
                None => None,
            };
            self.metric.value = (entry.start - shared.activation).max(0.0);
            self.candidate = Some(Candidate {
                start: entry.start,
                url: entry.url,
                target,
            });
            self.report(shared, false, out);
        }
    }

    /// The first trusted input, or the page being hidden: the value is final.
    pub fn finalize<P: Page>(&mut self, shared: &Shared<P>, out: &mut Vec<Event>) {
        if !core::mem::replace(&mut self.finalized, true) {
            self.report(shared, true, out);
        }
    }

    /// A back/forward-cache restore: a fresh LCP, final at [`Lcp::restored`].
    pub fn restore<P: Page>(&mut self, shared: &mut Shared<P>) {
        self.metric = shared.metric("LCP", metric::LCP, -1.0);
        self.candidate = None;
        self.finalized = true;
    }

    /// The second animation frame after a restore at `restore_time`.
    pub fn restored<P: Page>(
        &mut self,
        shared: &Shared<P>,
        restore_time: f64,
        out: &mut Vec<Event>,
    ) {
        if self.metric.value < 0.0 && self.metric.navigation_type == "back-forward-cache" {
            self.metric.value = shared.page.now() - restore_time;
            self.report(shared, true, out);
        }
    }

    fn report<P: Page>(&mut self, shared: &Shared<P>, force: bool, out: &mut Vec<Event>) {
        if !self.metric.due(force, shared.config.report_all_changes) {
            return;
        }
        let value = self.metric.value;
        let mut attribution = Attribution::new();
        let mut phases = [0.0, 0.0, 0.0, value];
        if let Some(candidate) = &self.candidate {
            attribution = attribution
                .opt_str("target", candidate.target.as_deref())
                .opt_str(
                    "url",
                    Some(truncate(&candidate.url, MAX_URL_BYTES).as_str())
                        .filter(|u| !u.is_empty()),
                );
            if let Some(nav) = shared.page.navigation() {
                let resource = if candidate.url.is_empty() {
                    None
                } else {
                    shared.page.resource_timing(&candidate.url, candidate.start)
                };
                phases = phases_of(value, nav.ttfb(), shared.activation, resource);
            }
        }
        let attribution = attribution
            .num("time_to_first_byte", phases[0])
            .num("resource_load_delay", phases[1])
            .num("resource_load_duration", phases[2])
            .num("element_render_delay", phases[3])
            .finish();
        out.push(self.metric.event(attribution, shared.page.epoch_now()));
    }
}

/// Splits an LCP `value` into time to first byte, resource load delay, resource load
/// duration and element render delay. `resource` is the LCP resource's request start and
/// response end, in page time.
fn phases_of(value: f64, ttfb: f64, activation: f64, resource: Option<(f64, f64)>) -> [f64; 4] {
    let request_start = ttfb.max(resource.map_or(0.0, |r| r.0 - activation));
    let response_end = value.min(request_start.max(resource.map_or(0.0, |r| r.1 - activation)));
    [
        ttfb,
        request_start - ttfb,
        response_end - request_start,
        value - response_end,
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{attribution, names, shared, values};
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn candidate(start: f64, url: &str, element: Option<&'static str>) -> LcpEntry<&'static str> {
        LcpEntry {
            start,
            url: url.to_string(),
            element,
            id: "hero".to_string(),
        }
    }

    #[test]
    fn the_last_candidate_before_input_is_final() {
        let mut s = shared();
        s.page.resources.push(("https://x/img.png", 120.0, 400.0));
        let mut lcp = Lcp::new(&mut s);
        let mut out = Vec::new();
        lcp.entries(
            &s,
            vec![candidate(300.0, "", Some("h1"))].into_iter(),
            &mut out,
        );
        lcp.entries(
            &s,
            vec![
                candidate(450.0, "", Some("p")),
                candidate(500.0, "https://x/img.png", Some("img.hero")),
            ]
            .into_iter(),
            &mut out,
        );
        assert!(out.is_empty(), "nothing before the value is final");
        lcp.finalize(&s, &mut out);
        lcp.entries(
            &s,
            vec![candidate(900.0, "", Some("div"))].into_iter(),
            &mut out,
        );
        lcp.finalize(&s, &mut out);
        assert_eq!(names(&out), ["LCP"]);
        assert_eq!(values(&out), [500.0]);
        assert_eq!(
            attribution(&out[0]),
            "{\"target\":\"img.hero\",\"url\":\"https://x/img.png\",\"time_to_first_byte\":100,\
             \"resource_load_delay\":20,\"resource_load_duration\":280,\"element_render_delay\":100}"
        );
    }

    #[test]
    fn report_all_changes_reports_each_candidate() {
        let mut s = shared();
        s.config.report_all_changes = true;
        let mut lcp = Lcp::new(&mut s);
        let mut out = Vec::new();
        lcp.entries(
            &s,
            vec![candidate(300.0, "", Some("h1")), candidate(450.0, "", None)].into_iter(),
            &mut out,
        );
        assert_eq!(values(&out), [300.0, 450.0]);
        assert!(attribution(&out[1]).starts_with("{\"target\":\"#hero\""));
        assert!(attribution(&out[0]).ends_with("\"element_render_delay\":200}"));
    }

    #[test]
    fn candidates_after_the_page_was_hidden_are_ignored() {
        let mut s = shared();
        s.first_hidden = 400.0;
        let mut lcp = Lcp::new(&mut s);
        let mut out = Vec::new();
        lcp.entries(
            &s,
            vec![candidate(350.0, "", Some("h1"))].into_iter(),
            &mut out,
        );
        lcp.entries(
            &s,
            vec![candidate(450.0, "", Some("img"))].into_iter(),
            &mut out,
        );
        lcp.finalize(&s, &mut out);
        assert_eq!(values(&out), [350.0]);
    }

    #[test]
    fn phases_clamp_to_the_value() {
        // A resource that finished after the paint time (a cached image decoded late) does
        // not make a negative render delay.
        assert_eq!(
            phases_of(300.0, 100.0, 0.0, Some((150.0, 400.0))),
            [100.0, 50.0, 150.0, 0.0]
        );
        // A resource requested before the first byte (preloaded) has no load delay.
        assert_eq!(
            phases_of(300.0, 100.0, 0.0, Some((50.0, 200.0))),
            [100.0, 0.0, 100.0, 100.0]
        );
        assert_eq!(phases_of(300.0, 100.0, 0.0, None), [100.0, 0.0, 0.0, 200.0]);
    }

    #[test]
    fn a_restore_reports_the_double_frame_time() {
        let mut s = shared();
        let mut lcp = Lcp::new(&mut s);
        let mut out = Vec::new();
        s.restore_time = Some(7_000.0);
        lcp.restore(&mut s);
        lcp.entries(
            &s,
            vec![candidate(7_100.0, "", Some("h1"))].into_iter(),
            &mut out,
        );
        s.page.now.set(7_040.0);
        lcp.restored(&s, 7_000.0, &mut out);
        assert_eq!(values(&out), [40.0]);
    }
}
