//! First Contentful Paint and First Paint, from the `paint` entries.
//!
//! Both count from activation (a prerendered page is measured from when it was shown) and
//! only when they happened before the page was first hidden: a tab opened in the background
//! paints whenever the browser gets round to it, which says nothing about the page. Each is
//! final as soon as it is seen. After a back/forward-cache restore, FCP is the time from the
//! `pageshow` event to the second animation frame after it (the restored page's first frame).

use alloc::vec::Vec;
use monitor_sdk_core::Event;

use super::metric::{self, Attribution, Metric};
use super::page::{load_state, Page};
use super::Shared;

#[derive(Default)]
pub struct Paint {
    fcp: Option<Metric>,
    /// The FCP entry's time, once seen before the page was hidden (CLS and TBT start there).
    pub fcp_time: Option<f64>,
    fcp_seen: bool,
    fp_seen: bool,
}

impl Paint {
    pub fn entry<P: Page>(
        &mut self,
        shared: &mut Shared<P>,
        contentful: bool,
        start: f64,
        out: &mut Vec<Event>,
    ) {
        let seen = if contentful {
            &mut self.fcp_seen
        } else {
            &mut self.fp_seen
        };
        if core::mem::replace(seen, true) || start >= shared.first_hidden {
            return;
        }
        let value = (start - shared.activation).max(0.0);
        if !contentful {
            if shared.config.fp {
                let mut fp = shared.metric("FP", metric::FCP, value);
                out.push(fp.event(Attribution::new().finish(), shared.page.epoch_now()));
            }
            return;
        }
        self.fcp_time = Some(start);
        if !shared.config.fcp {
            return;
        }
        let mut fcp = shared.metric("FCP", metric::FCP, value);
        let ttfb = shared.page.navigation().map_or(0.0, |nav| nav.ttfb());
        let attribution = Attribution::new()
            .num("time_to_first_byte", ttfb)
            .num("first_byte_to_fcp", value - ttfb)
            .str("load_state", load_state(&shared.page, start))
            .finish();
        out.push(fcp.event(attribution, shared.page.epoch_now()));
        self.fcp = Some(fcp);
    }

    /// A back/forward-cache restore: a new FCP, measured at [`Paint::restored`].
    pub fn restore<P: Page>(&mut self, shared: &mut Shared<P>) {
        if shared.config.fcp {
            self.fcp = Some(shared.metric("FCP", metric::FCP, -1.0));
        }
    }

    /// The second animation frame after a restore at `restore_time`.
    pub fn restored<P: Page>(
        &mut self,
        shared: &Shared<P>,
        restore_time: f64,
        out: &mut Vec<Event>,
    ) {
        let Some(fcp) = self.fcp.as_mut().filter(|m| m.value < 0.0) else {
            return;
        };
        fcp.value = shared.page.now() - restore_time;
        let attribution = Attribution::new()
            .num("time_to_first_byte", 0.0)
            .num("first_byte_to_fcp", fcp.value)
            .str("load_state", load_state(&shared.page, restore_time))
            .finish();
        out.push(fcp.event(attribution, shared.page.epoch_now()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::page::fake::FakePage;
    use super::super::tests::{names, shared, values};
    use super::super::Config;
    use super::*;

    #[test]
    fn fcp_and_fp_are_reported_once_with_attribution() {
        let mut s = shared();
        let mut paint = Paint::default();
        let mut out = Vec::new();
        paint.entry(&mut s, false, 180.0, &mut out);
        paint.entry(&mut s, true, 200.0, &mut out);
        paint.entry(&mut s, true, 900.0, &mut out);
        assert_eq!(names(&out), ["FP", "FCP"]);
        assert_eq!(values(&out), [180.0, 200.0]);
        let attribution = out[1].body.get("attribution").map(|v| v.to_json());
        assert_eq!(
            attribution.as_deref(),
            Some(
                "{\"time_to_first_byte\":100,\"first_byte_to_fcp\":100,\"load_state\":\"loading\"}"
            )
        );
        assert_eq!(paint.fcp_time, Some(200.0));
    }

    #[test]
    fn paints_after_the_page_was_hidden_are_ignored() {
        let mut s = shared();
        s.first_hidden = 150.0;
        let mut paint = Paint::default();
        let mut out = Vec::new();
        paint.entry(&mut s, true, 200.0, &mut out);
        assert!(out.is_empty());
        assert_eq!(paint.fcp_time, None);
    }

    #[test]
    fn a_prerendered_page_counts_from_activation() {
        let mut page = FakePage::default();
        if let Some(nav) = page.nav.as_mut() {
            nav.activation_start = 500.0;
        }
        let mut s = Shared::new(page, Config::default(), "p".into());
        let mut paint = Paint::default();
        let mut out = Vec::new();
        paint.entry(&mut s, true, 200.0, &mut out);
        assert_eq!(values(&out), [0.0], "clamped at activation");
    }

    #[test]
    fn a_restore_measures_to_the_double_frame() {
        let mut s = shared();
        let mut paint = Paint::default();
        let mut out = Vec::new();
        paint.entry(&mut s, true, 200.0, &mut out);
        s.restore_time = Some(5_000.0);
        paint.restore(&mut s);
        s.page.now.set(5_031.5);
        paint.restored(&s, 5_000.0, &mut out);
        paint.restored(&s, 5_000.0, &mut out);
        assert_eq!(values(&out), [200.0, 31.5]);
        assert_eq!(
            out[1].body.get("navigation_type").map(|v| v.to_json()),
            Some("\"back-forward-cache\"".into())
        );
    }
}
