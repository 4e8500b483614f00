//! Total Blocking Time: how long the main thread was blocked after First Contentful Paint,
//! from `longtask` entries (tasks of 50 ms and more).
//!
//! Only the part of a task beyond 50 ms blocks (a user's input waits at most that long for a
//! shorter task), and only after FCP, when the page first looks usable. The window ends when
//! the page is hidden, or once the page has loaded and then gone 5 s without a long task
//! (the quiet window Lighthouse's Time to Interactive uses): later tasks are the app at work,
//! which INP judges better.

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_core::Event;

use super::metric::{self, Attribution};
use super::page::Page;
use super::Shared;

/// The quiet window after the load event that ends the measurement.
pub const QUIET_WINDOW_MS: f64 = 5_000.0;
/// Long tasks held back until FCP is known.
const MAX_PENDING: usize = 100;

#[derive(Default)]
pub struct Tbt {
    /// Tasks seen before FCP: (start, duration).
    pending: Vec<(f64, f64)>,
    fcp: Option<f64>,
    sum: f64,
    count: u32,
    longest: f64,
    last_end: f64,
    loaded_at: Option<f64>,
    done: bool,
}

/// The blocking part of a task after `fcp`.
fn blocking(start: f64, duration: f64, fcp: f64) -> f64 {
    (start + duration - start.max(fcp) - 50.0).max(0.0)
}

impl Tbt {
    pub fn task(&mut self, start: f64, duration: f64) {
        if self.done {
            return;
        }
        self.last_end = self.last_end.max(start + duration);
        match self.fcp {
            Some(fcp) => self.count_task(start, duration, fcp),
            None if self.pending.len() < MAX_PENDING => self.pending.push((start, duration)),
            None => {}
        }
    }

    fn count_task(&mut self, start: f64, duration: f64, fcp: f64) {
        if start + duration > fcp {
            self.sum += blocking(start, duration, fcp);
            self.count += 1;
            self.longest = self.longest.max(duration);
        }
    }

    /// FCP happened at `time`: the window opens.
    pub fn fcp(&mut self, time: f64) {
        if self.fcp.is_some() {
            return;
        }
        self.fcp = Some(time);
        for (start, duration) in core::mem::take(&mut self.pending) {
            self.count_task(start, duration, time);
        }
    }

    /// The load event finished at `now`. Returns the delay until [`Tbt::timer`] is due.
    pub fn loaded(&mut self, now: f64) -> Option<f64> {
        self.loaded_at = Some(now);
        self.timer_delay(now)
    }

    fn timer_delay(&self, now: f64) -> Option<f64> {
        let loaded = self.loaded_at.filter(|_| !self.done)?;
        Some((loaded.max(self.last_end) + QUIET_WINDOW_MS - now).max(0.0))
    }

    /// The quiet-window timer fired at `now`: reports when the window has passed, else
    /// returns the delay until it will have.
    pub fn timer<P: Page>(&mut self, shared: &mut Shared<P>, out: &mut Vec<Event>) -> Option<f64> {
        let now = shared.page.now();
        match self.timer_delay(now) {
            Some(delay) if delay > 0.0 => Some(delay),
            Some(_) => {
                self.finish(shared, out);
                None
            }
            None => None,
        }
    }

    /// The page was hidden: the window ends now (if FCP happened at all).
    pub fn finish<P: Page>(&mut self, shared: &mut Shared<P>, out: &mut Vec<Event>) {
        let Some(fcp) = self.fcp.filter(|_| !self.done && shared.config.tbt) else {
            return;
        };
        self.done = true;
        let mut tbt = shared.metric("TBT", metric::TBT, self.sum);
        let attribution: String = Attribution::new()
            .num("long_tasks", f64::from(self.count))
            .num("longest_task", self.longest)
            .num("fcp", fcp)
            .finish();
        out.push(tbt.event(attribution, shared.page.epoch_now()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{attribution, shared, values};
    use super::*;

    #[test]
    fn only_the_blocking_part_after_fcp_counts() {
        let mut s = shared();
        let mut tbt = Tbt::default();
        let mut out = Vec::new();
        tbt.task(100.0, 200.0); // ends at 300, FCP at 250: 50 ms after FCP, none blocking
        tbt.task(200.0, 150.0); // 250..350 after FCP: 100 - 50 = 50
        tbt.fcp(250.0);
        tbt.task(400.0, 120.0); // 70
        tbt.task(600.0, 50.0); // 0, but a long task
        tbt.finish(&mut s, &mut out);
        tbt.finish(&mut s, &mut out);
        assert_eq!(values(&out), [120.0]);
        assert_eq!(
            attribution(&out[0]),
            "{\"long_tasks\":4,\"longest_task\":200,\"fcp\":250}"
        );
    }

    #[test]
    fn the_quiet_window_after_load_ends_it() {
        let mut s = shared();
        let mut tbt = Tbt::default();
        let mut out = Vec::new();
        tbt.fcp(100.0);
        tbt.task(900.0, 300.0);
        assert_eq!(
            tbt.loaded(1_000.0),
            Some(5_200.0),
            "5 s after the last task"
        );
        s.page.now.set(4_000.0);
        assert_eq!(tbt.timer(&mut s, &mut out), Some(2_200.0));
        tbt.task(5_000.0, 100.0);
        s.page.now.set(6_200.0);
        assert_eq!(
            tbt.timer(&mut s, &mut out),
            Some(3_900.0),
            "a new task moves it"
        );
        s.page.now.set(10_100.0);
        assert_eq!(tbt.timer(&mut s, &mut out), None);
        tbt.task(11_000.0, 500.0);
        tbt.finish(&mut s, &mut out);
        assert_eq!(values(&out), [300.0]);
    }

    #[test]
    fn no_fcp_no_tbt() {
        let mut s = shared();
        let mut tbt = Tbt::default();
        let mut out = Vec::new();
        tbt.task(100.0, 500.0);
        tbt.finish(&mut s, &mut out);
        assert!(out.is_empty());
    }
}
