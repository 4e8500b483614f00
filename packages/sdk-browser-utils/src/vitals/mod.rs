//! Web vitals: FCP, LCP, CLS, INP and TTFB with the definitions of Google's `web-vitals`
//! library (so the numbers match what teams already trust), plus First Paint, Total
//! Blocking Time, the navigation timing breakdown and a resource summary.
//!
//! How a value travels: the npm loader runs one `PerformanceObserver` per entry type that
//! [`Config::entry_types`] asks for and hands each callback's entries to the wasm, which
//! reads them into [`entry::Entry`] values ([`browser`]) and gives them to [`Vitals`]. The
//! loader also forwards the page-lifecycle moments the rules depend on: the first trusted
//! input (LCP stops), the page being hidden (final values), a back/forward-cache restore and
//! the second animation frame after it (fresh metrics), and the end of the load event (TTFB).
//! Each metric module decides when its value is reported and returns it as a `web_vital`
//! event ([`metric::Metric::event`]), which the SDK sends like any other event.
//!
//! The rules run against the [`page::Page`] trait, so they are unit-tested natively with a
//! scripted page; [`browser::BrowserPage`] is the real one.

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_core::json::write_u64;
use monitor_sdk_core::Event;

pub mod browser;
pub mod cls;
pub mod entry;
pub mod inp;
pub mod lcp;
pub mod metric;
pub mod navigation;
pub mod page;
pub mod paint;
pub mod resources;
pub mod tbt;

use entry::Entry;
use page::{navigation_type, Page};

/// Which metrics run (each can be turned off) and `reportAllChanges`.
#[derive(Clone, Copy, PartialEq)]
pub struct Config {
    /// Report every change of a metric instead of only its final value.
    pub report_all_changes: bool,
    pub fcp: bool,
    pub lcp: bool,
    pub cls: bool,
    pub inp: bool,
    pub ttfb: bool,
    pub fp: bool,
    pub tbt: bool,
    pub navigation: bool,
    pub resources: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            report_all_changes: false,
            fcp: true,
            lcp: true,
            cls: true,
            inp: true,
            ttfb: true,
            fp: true,
            tbt: true,
            navigation: true,
            resources: true,
        }
    }
}

impl Config {
    /// The performance entry types to observe, space-separated (empty: nothing to measure).
    pub fn entry_types(&self) -> String {
        let mut types = String::new();
        let wanted = [
            (self.fcp || self.fp || self.cls || self.tbt, "paint"),
            (self.lcp, "largest-contentful-paint"),
            (self.cls, "layout-shift"),
            (self.inp, "event first-input"),
            (self.tbt, "longtask"),
            (self.resources, "resource"),
        ];
        for (on, names) in wanted {
            if on {
                if !types.is_empty() {
                    types.push(' ');
                }
                types.push_str(names);
            }
        }
        types
    }
}

/// What every metric needs: the page, the configuration, and the page-lifecycle state.
pub struct Shared<P: Page> {
    pub page: P,
    pub config: Config,
    /// When the page was first hidden (ms since navigation start); infinity until then.
    pub first_hidden: f64,
    /// When the page was restored from the back/forward cache, if it was.
    pub restore_time: Option<f64>,
    /// `activationStart` of a prerendered page, else 0.
    pub activation: f64,
    id_prefix: String,
    next_id: u64,
}

impl<P: Page> Shared<P> {
    pub fn new(page: P, config: Config, id_prefix: String) -> Shared<P> {
        let activation = page.navigation().map_or(0.0, |nav| nav.activation_start);
        let first_hidden = page.initial_hidden_time(activation);
        Shared {
            page,
            config,
            first_hidden,
            restore_time: None,
            activation,
            id_prefix,
            next_id: 1,
        }
    }

    /// A new metric instance with a page-unique id and the current navigation type.
    pub fn metric(
        &mut self,
        name: &'static str,
        thresholds: metric::Thresholds,
        value: f64,
    ) -> metric::Metric {
        let mut id = self.id_prefix.clone();
        id.push('-');
        write_u64(&mut id, self.next_id);
        self.next_id += 1;
        let navigation = if self.restore_time.is_some() {
            "back-forward-cache"
        } else {
            navigation_type(&self.page)
        };
        metric::Metric::new(name, thresholds, value, id, navigation)
    }
}

/// All metrics of one page.
pub struct Vitals<P: Page> {
    shared: Shared<P>,
    paint: paint::Paint,
    lcp: Option<lcp::Lcp>,
    cls: cls::Cls,
    inp: Option<inp::Inp>,
    tbt: tbt::Tbt,
    resources: resources::Resources,
    /// URL prefix of the SDK's own requests, left out of the resource summary.
    own_requests: String,
}

impl<P: Page> Vitals<P> {
    /// `id_prefix` makes metric ids unique across pages (a random hex string);
    /// `own_requests` is the collector's URL prefix.
    pub fn new(page: P, config: Config, id_prefix: String, own_requests: String) -> Vitals<P> {
        let mut shared = Shared::new(page, config, id_prefix);
        let lcp = config.lcp.then(|| lcp::Lcp::new(&mut shared));
        let inp = config.inp.then(|| inp::Inp::new(&mut shared));
        Vitals {
            shared,
            paint: paint::Paint::default(),
            lcp,
            cls: cls::Cls::default(),
            inp,
            tbt: tbt::Tbt::default(),
            resources: resources::Resources::default(),
            own_requests,
        }
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Entries from one observer callback (or the records taken when the page is hidden).
    /// One observer watches one entry type, so the first entry says what the list holds;
    /// entries of another type in it are skipped.
    pub fn entries(&mut self, entries: impl Iterator<Item = Entry<P::Node>>, out: &mut Vec<Event>) {
        let mut entries = entries.peekable();
        match entries.peek() {
            Some(Entry::Paint { .. }) => {
                for entry in entries {
                    if let Entry::Paint { contentful, start } = entry {
                        self.paint(contentful, start, out);
                    }
                }
            }
            Some(Entry::Lcp(_)) => {
                if let Some(lcp) = self.lcp.as_mut() {
                    let lcps = entries.filter_map(|e| match e {
                        Entry::Lcp(e) => Some(e),
                        _ => None,
                    });
                    lcp.entries(&self.shared, lcps, out);
                }
            }
            Some(Entry::Shift(_)) => {
                let shifts = entries.filter_map(|e| match e {
                    Entry::Shift(e) => Some(e),
                    _ => None,
                });
                self.cls.entries(&self.shared, shifts, out);
            }
            Some(Entry::Event(_)) => {
                if let Some(inp) = self.inp.as_mut() {
                    let events = entries.filter_map(|e| match e {
                        Entry::Event(e) => Some(e),
                        _ => None,
                    });
                    inp.entries(&self.shared, events, out);
                }
            }
            Some(Entry::LongTask { .. }) => {
                for entry in entries {
                    if let Entry::LongTask { start, duration } = entry {
                        self.tbt.task(start, duration);
                    }
                }
            }
            Some(Entry::Resource(_)) => {
                let loads = entries.filter_map(|e| match e {
                    Entry::Resource(e) => Some(e),
                    _ => None,
                });
                self.resources.entries(loads, &self.own_requests);
            }
            None => {}
        }
    }

    fn paint(&mut self, contentful: bool, start: f64, out: &mut Vec<Event>) {
        let had_fcp = self.paint.fcp_time.is_some();
        self.paint.entry(&mut self.shared, contentful, start, out);
        if let Some(fcp) = self.paint.fcp_time.filter(|_| !had_fcp) {
            self.cls.start(&mut self.shared, out);
            self.tbt.fcp(fcp);
        }
    }

    /// The first trusted keydown or click: LCP is final.
    pub fn input(&mut self, out: &mut Vec<Event>) {
        if let Some(lcp) = self.lcp.as_mut() {
            lcp.finalize(&self.shared, out);
        }
    }

    /// The page was hidden at `time` (after the observers' pending records were handed
    /// over): every metric reports its value so far, which may be the last chance.
    pub fn hidden(&mut self, time: f64, out: &mut Vec<Event>) {
        let time = self.valid_time(time);
        if let Some(lcp) = self.lcp.as_mut() {
            lcp.finalize(&self.shared, out);
        }
        self.cls.hidden(&self.shared, out);
        if let Some(inp) = self.inp.as_mut() {
            inp.hidden(&self.shared, out);
        }
        self.tbt.finish(&mut self.shared, out);
        self.resources.hidden(&self.shared, out);
        if !self.shared.first_hidden.is_finite() {
            self.shared.first_hidden = time;
        }
    }

    /// The page came back from the back/forward cache (`pageshow` with `persisted`) at
    /// `time`: new metric instances, with the navigation type `back-forward-cache`.
    pub fn restore(&mut self, time: f64, out: &mut Vec<Event>) {
        self.shared.restore_time = Some(self.valid_time(time));
        self.shared.first_hidden = f64::INFINITY;
        self.paint.restore(&mut self.shared);
        if let Some(lcp) = self.lcp.as_mut() {
            lcp.restore(&mut self.shared);
        }
        self.cls.restore(&mut self.shared);
        if let Some(inp) = self.inp.as_mut() {
            inp.restore(&mut self.shared);
        }
        navigation::restored(&mut self.shared, out);
    }

    /// An event's `timeStamp` as the loader passed it, or now when it is not a number.
    fn valid_time(&self, time: f64) -> f64 {
        if time.is_finite() {
            time
        } else {
            self.shared.page.now()
        }
    }

    /// The second animation frame after a restore: the restored page's first frame.
    pub fn restored(&mut self, out: &mut Vec<Event>) {
        let Some(time) = self.shared.restore_time else {
            return;
        };
        self.paint.restored(&self.shared, time, out);
        if let Some(lcp) = self.lcp.as_mut() {
            lcp.restored(&self.shared, time, out);
        }
        self.cls.restored(&self.shared, out);
    }

    /// The load event has finished. Returns the delay (ms) until [`Vitals::timer`] wants to
    /// run, if it does.
    pub fn loaded(&mut self, out: &mut Vec<Event>) -> Option<f64> {
        navigation::loaded(&mut self.shared, out);
        let now = self.shared.page.now();
        self.tbt.loaded(now).filter(|_| self.shared.config.tbt)
    }

    /// The timer asked for by [`Vitals::loaded`] fired. Returns the next delay, if any.
    pub fn timer(&mut self, out: &mut Vec<Event>) -> Option<f64> {
        self.tbt.timer(&mut self.shared, out)
    }
}

#[cfg(test)]
pub mod tests {
    //! Helpers for the metric modules' tests, and the tests of the whole page life.
    use super::page::fake::FakePage;
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use monitor_sdk_core::Value;

    pub fn shared() -> Shared<FakePage> {
        Shared::new(FakePage::default(), Config::default(), "p".to_string())
    }

    pub fn names(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e.body.get("name") {
                Some(Value::String(name)) => name.clone(),
                _ => String::new(),
            })
            .collect()
    }

    pub fn values(events: &[Event]) -> Vec<f64> {
        events
            .iter()
            .filter_map(|e| match e.body.get("value") {
                Some(Value::Raw(raw)) => raw.parse().ok(),
                _ => None,
            })
            .collect()
    }

    pub fn attribution(event: &Event) -> String {
        event
            .body
            .get("attribution")
            .map(|v| v.to_json())
            .unwrap_or_default()
    }

    /// The page's first contentful paint at `start`.
    fn fcp_at(v: &mut Vitals<FakePage>, start: f64, out: &mut Vec<Event>) {
        let paint = Entry::Paint {
            contentful: true,
            start,
        };
        v.entries(vec![paint].into_iter(), out);
    }

    fn vitals(config: Config) -> Vitals<FakePage> {
        Vitals::new(
            FakePage::default(),
            config,
            "page".to_string(),
            String::new(),
        )
    }

    #[test]
    fn entry_types_follow_the_configuration() {
        assert_eq!(
            Config::default().entry_types(),
            "paint largest-contentful-paint layout-shift event first-input longtask resource"
        );
        let only_inp = Config {
            fcp: false,
            lcp: false,
            cls: false,
            ttfb: false,
            fp: false,
            tbt: false,
            navigation: false,
            resources: false,
            ..Config::default()
        };
        assert_eq!(only_inp.entry_types(), "event first-input");
    }

    #[test]
    fn a_page_life_reports_each_metric_with_unique_ids() {
        let mut v = vitals(Config::default());
        let mut out = Vec::new();
        v.entries(
            vec![
                Entry::Paint {
                    contentful: false,
                    start: 150.0,
                },
                Entry::Paint {
                    contentful: true,
                    start: 150.0,
                },
            ]
            .into_iter(),
            &mut out,
        );
        v.entries(
            vec![Entry::Lcp(entry::LcpEntry {
                start: 400.0,
                url: String::new(),
                element: Some("h1"),
                id: String::new(),
            })]
            .into_iter(),
            &mut out,
        );
        v.entries(
            vec![Entry::LongTask {
                start: 500.0,
                duration: 150.0,
            }]
            .into_iter(),
            &mut out,
        );
        // The fake clock says 10 s: the quiet window ends 5 s after the load.
        assert_eq!(v.loaded(&mut out), Some(5_000.0));
        v.input(&mut out);
        v.hidden(12_000.0, &mut out);
        assert_eq!(names(&out), ["FP", "FCP", "TTFB", "", "LCP", "CLS", "TBT"]);
        assert_eq!(out[3].kind, "navigation_timing");
        let mut ids: Vec<String> = out
            .iter()
            .filter_map(|e| match e.body.get("id") {
                Some(Value::String(id)) => Some(id.clone()),
                _ => None,
            })
            .collect();
        let all = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all);
        assert!(ids.iter().all(|id| id.starts_with("page-")));
    }

    #[test]
    fn a_page_hidden_before_its_first_paint_reports_no_paint_metrics() {
        let page = FakePage {
            hidden_at_start: 0.0,
            ..FakePage::default()
        };
        let mut v = Vitals::new(page, Config::default(), "p".to_string(), String::new());
        let mut out = Vec::new();
        fcp_at(&mut v, 150.0, &mut out);
        v.input(&mut out);
        v.hidden(300.0, &mut out);
        assert!(names(&out)
            .iter()
            .all(|n| !matches!(n.as_str(), "FCP" | "LCP" | "CLS" | "TBT")));
    }

    #[test]
    fn turned_off_metrics_are_not_reported() {
        let config = Config {
            fcp: false,
            fp: false,
            ttfb: false,
            navigation: false,
            ..Config::default()
        };
        let mut v = vitals(config);
        let mut out = Vec::new();
        fcp_at(&mut v, 150.0, &mut out);
        v.loaded(&mut out);
        v.hidden(1_000.0, &mut out);
        // CLS still starts at FCP, which is measured though not reported.
        assert_eq!(names(&out), ["CLS", "TBT"]);
    }

    #[test]
    fn a_restore_starts_fresh_metrics() {
        let mut v = vitals(Config::default());
        let mut out = Vec::new();
        fcp_at(&mut v, 150.0, &mut out);
        v.loaded(&mut out);
        v.hidden(5_000.0, &mut out);
        out.clear();
        v.restore(20_000.0, &mut out);
        v.shared.page.now.set(20_033.0);
        v.restored(&mut out);
        assert_eq!(names(&out), ["TTFB", "FCP", "LCP"]);
        assert_eq!(values(&out), [0.0, 33.0, 33.0]);
        v.hidden(30_000.0, &mut out);
        assert_eq!(names(&out)[3..], ["CLS"]);
    }
}
