//! Cumulative Layout Shift: the largest burst of unexpected layout shifts.
//!
//! Shifts are grouped into session windows: a shift less than 1 s after the previous one and
//! less than 5 s after the window's first joins the window, otherwise it starts a new one.
//! CLS is the largest window's sum. Summing over the whole page life instead would punish
//! long-lived pages (a single-page app open all day) for their age rather than for their
//! jank. Shifts within 500 ms of an input (`hadRecentInput`) are expected (the user asked
//! for a change) and do not count. CLS is reported only once FCP was, as CrUX does: a page
//! hidden before it painted has no meaningful layout stability.

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_core::Event;

use super::entry::ShiftEntry;
use super::metric::{self, Attribution, Metric};
use super::page::{load_state, Page};
use super::Shared;

/// The largest shift of a window, for attribution.
#[derive(Clone)]
struct Largest {
    start: f64,
    value: f64,
    /// `None` when the shift had no sources; `Some(None)` when its source had no node.
    target: Option<Option<String>>,
}

#[derive(Default)]
struct Window {
    value: f64,
    first: f64,
    last: f64,
    largest: Option<Largest>,
}

#[derive(Default)]
pub struct Cls {
    /// Created when FCP is reported.
    metric: Option<Metric>,
    window: Window,
    /// The largest window so far: its value and largest shift.
    best: (f64, Option<Largest>),
}

impl Cls {
    pub fn entries<P: Page>(
        &mut self,
        shared: &Shared<P>,
        entries: impl Iterator<Item = ShiftEntry<P::Node>>,
        out: &mut Vec<Event>,
    ) {
        for entry in entries {
            self.add(shared, entry);
        }
        self.report(shared, false, out);
    }

    fn add<P: Page>(&mut self, shared: &Shared<P>, shift: ShiftEntry<P::Node>) {
        if shift.had_recent_input {
            return;
        }
        let w = &mut self.window;
        let joins =
            w.value > 0.0 && shift.start - w.last < 1_000.0 && shift.start - w.first < 5_000.0;
        if joins {
            w.value += shift.value;
        } else {
            *w = Window {
                value: shift.value,
                first: shift.start,
                ..Window::default()
            };
        }
        w.last = shift.start;
        // Ties go to the later shift.
        if w.largest.as_ref().is_none_or(|l| shift.value >= l.value) {
            w.largest = Some(Largest {
                start: shift.start,
                value: shift.value,
                target: shift
                    .has_sources
                    .then(|| shift.node.as_ref().map(|n| shared.page.selector(n))),
            });
        }
        if w.value > self.best.0 {
            self.best = (w.value, w.largest.clone());
        }
    }

    /// FCP was reported: CLS starts, with what the shifts so far add up to.
    pub fn start<P: Page>(&mut self, shared: &mut Shared<P>, out: &mut Vec<Event>) {
        if self.metric.is_none() && shared.config.cls {
            self.metric = Some(shared.metric("CLS", metric::CLS, 0.0));
            self.report(shared, false, out);
        }
    }

    /// The page was hidden: the value so far is reported.
    pub fn hidden<P: Page>(&mut self, shared: &Shared<P>, out: &mut Vec<Event>) {
        self.report(shared, true, out);
    }

    /// A back/forward-cache restore: a fresh CLS from 0.
    pub fn restore<P: Page>(&mut self, shared: &mut Shared<P>) {
        if self.metric.is_some() {
            self.metric = Some(shared.metric("CLS", metric::CLS, 0.0));
            self.window.value = 0.0;
            self.best = (0.0, None);
        }
    }

    pub fn restored<P: Page>(&mut self, shared: &Shared<P>, out: &mut Vec<Event>) {
        self.report(shared, false, out);
    }

    fn report<P: Page>(&mut self, shared: &Shared<P>, force: bool, out: &mut Vec<Event>) {
        let Some(metric) = self.metric.as_mut() else {
            return;
        };
        metric.value = metric.value.max(self.best.0);
        if !metric.due(force, shared.config.report_all_changes) {
            return;
        }
        let mut attribution = Attribution::new();
        if let Some(largest) = self.best.1.as_ref().filter(|l| l.target.is_some()) {
            attribution = attribution
                .opt_str(
                    "largest_shift_target",
                    largest.target.as_ref().and_then(|t| t.as_deref()),
                )
                .num("largest_shift_time", largest.start)
                .num("largest_shift_value", largest.value)
                .str("load_state", load_state(&shared.page, largest.start));
        }
        out.push(metric.event(attribution.finish(), shared.page.epoch_now()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{attribution, shared, values};
    use super::*;
    use alloc::vec;

    fn shift(start: f64, value: f64, node: &'static str) -> ShiftEntry<&'static str> {
        ShiftEntry {
            start,
            value,
            had_recent_input: false,
            has_sources: true,
            node: Some(node),
        }
    }

    #[test]
    fn the_largest_session_window_wins() {
        let mut s = shared();
        let mut cls = Cls::default();
        let mut out = Vec::new();
        // Window 1: 0.05 + 0.04 (0.5 s apart). Window 2 starts 1.5 s later: 0.03 + 0.08 + 0.02.
        cls.entries(
            &s,
            vec![shift(1_000.0, 0.05, "div.a"), shift(1_500.0, 0.04, "div.b")].into_iter(),
            &mut out,
        );
        cls.start(&mut s, &mut out);
        cls.entries(
            &s,
            vec![
                shift(3_000.0, 0.03, "p"),
                shift(3_800.0, 0.08, "img"),
                shift(4_700.0, 0.02, "h2"),
            ]
            .into_iter(),
            &mut out,
        );
        assert!(out.is_empty(), "reported when hidden");
        cls.hidden(&s, &mut out);
        assert_eq!(values(&out).len(), 1);
        assert!((values(&out)[0] - 0.13).abs() < 1e-9);
        assert_eq!(
            attribution(&out[0]),
            "{\"largest_shift_target\":\"img\",\"largest_shift_time\":3800,\
             \"largest_shift_value\":0.08,\"load_state\":\"complete\"}"
        );
    }

    #[test]
    fn a_window_ends_after_five_seconds_and_recent_input_is_excluded() {
        let mut s = shared();
        let mut cls = Cls::default();
        let mut out = Vec::new();
        cls.start(&mut s, &mut out);
        let mut shifts = Vec::new();
        for i in 0..7 {
            shifts.push(shift(1_000.0 + 900.0 * f64::from(i), 0.01, "div"));
        }
        let mut after_input = shift(2_000.0, 0.5, "button");
        after_input.had_recent_input = true;
        shifts.push(after_input);
        cls.entries(&s, shifts.into_iter(), &mut out);
        cls.hidden(&s, &mut out);
        // 1000..5500 fit in one window (6 shifts, 4.5 s); 6400 is past 5 s and starts a new one.
        assert!((values(&out)[0] - 0.06).abs() < 1e-9);
    }

    #[test]
    fn no_shift_is_a_zero_reported_once_and_nothing_before_fcp() {
        let s = shared();
        let mut cls = Cls::default();
        let mut out = Vec::new();
        cls.entries(&s, vec![shift(100.0, 0.2, "div")].into_iter(), &mut out);
        cls.hidden(&s, &mut out);
        assert!(out.is_empty(), "no FCP, no CLS");
        let mut s2 = shared();
        let mut clean = Cls::default();
        clean.start(&mut s2, &mut out);
        clean.hidden(&s2, &mut out);
        clean.hidden(&s2, &mut out);
        assert_eq!(values(&out), [0.0]);
        assert_eq!(attribution(&out[0]), "{}");
    }

    #[test]
    fn report_all_changes_reports_growth() {
        let mut s = shared();
        s.config.report_all_changes = true;
        let mut cls = Cls::default();
        let mut out = Vec::new();
        cls.start(&mut s, &mut out);
        cls.entries(&s, vec![shift(1_000.0, 0.05, "div")].into_iter(), &mut out);
        cls.entries(&s, vec![shift(1_200.0, 0.05, "div")].into_iter(), &mut out);
        assert_eq!(values(&out), [0.0, 0.05, 0.1]);
    }

    #[test]
    fn a_restore_starts_from_zero() {
        let mut s = shared();
        let mut cls = Cls::default();
        let mut out = Vec::new();
        cls.start(&mut s, &mut out);
        cls.entries(&s, vec![shift(1_000.0, 0.3, "div")].into_iter(), &mut out);
        cls.hidden(&s, &mut out);
        s.restore_time = Some(9_000.0);
        cls.restore(&mut s);
        cls.entries(&s, vec![shift(9_500.0, 0.01, "div")].into_iter(), &mut out);
        cls.hidden(&s, &mut out);
        assert_eq!(values(&out), [0.3, 0.01]);
    }
}
