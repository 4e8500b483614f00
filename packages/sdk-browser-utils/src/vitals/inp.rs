//! Interaction to Next Paint, from `event` entries (durations of 40 ms and more) and the
//! `first-input` entry.
//!
//! An interaction (a tap, a click, a key press) produces several events (pointerdown,
//! pointerup, click) that share an `interactionId`; its latency is the longest of their
//! durations, input to next paint. INP is the worst interaction, except on pages with many
//! interactions, where one outlier in fifty is forgiven: it is a p98 estimate, which needs
//! only the ten longest interactions, not all of them.
//!
//! Attribution splits the chosen interaction into input delay (waiting for the main thread),
//! processing (the handlers) and presentation delay (rendering the next frame). Events
//! painted in the same frame (render times within 8 ms) are grouped, because the handlers of
//! all of them delay that frame.

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_core::Event;

use super::entry::EventEntry;
use super::metric::{self, Attribution, Metric};
use super::page::{load_state, Page};
use super::Shared;

/// Interactions kept as candidates.
const MAX_INTERACTIONS: usize = 10;
/// Frames kept for grouping besides the candidates' own.
const MAX_FRAMES: usize = 10;

/// Events presented in one frame.
#[derive(Clone, Copy)]
struct Frame {
    id: u32,
    start: f64,
    processing_start: f64,
    processing_end: f64,
    render_time: f64,
}

#[derive(Clone)]
struct Interaction {
    id: f64,
    latency: f64,
    /// The event that set the latency.
    start: f64,
    keyboard: bool,
    frame: Frame,
    target: Option<String>,
}

pub struct Inp {
    metric: Metric,
    /// The longest interactions, longest first.
    longest: Vec<Interaction>,
    frames: Vec<Frame>,
    next_frame: u32,
    /// The interaction count when this metric started (a restore starts a new one).
    count_at_start: f64,
    /// Smallest and largest interaction id seen, for browsers without `interactionCount`
    /// (ids grow by 7 per interaction).
    ids_seen: (f64, f64),
    chosen: Option<Interaction>,
}

impl Inp {
    pub fn new<P: Page>(shared: &mut Shared<P>) -> Inp {
        Inp {
            metric: shared.metric("INP", metric::INP, -1.0),
            longest: Vec::new(),
            frames: Vec::new(),
            next_frame: 0,
            count_at_start: 0.0,
            ids_seen: (f64::INFINITY, 0.0),
            chosen: None,
        }
    }

    pub fn entries<P: Page>(
        &mut self,
        shared: &Shared<P>,
        entries: impl Iterator<Item = EventEntry<P::Node>>,
        out: &mut Vec<Event>,
    ) {
        for entry in entries {
            self.add(shared, entry);
        }
        self.update(shared);
        self.report(shared, false, out);
    }

    fn add<P: Page>(&mut self, shared: &Shared<P>, entry: EventEntry<P::Node>) {
        let frame = self.frame_of(&entry);
        let id = entry.interaction_id;
        if id <= 0.0 {
            return;
        }
        self.ids_seen = (self.ids_seen.0.min(id), self.ids_seen.1.max(id));
        let index = self.longest.iter().position(|i| i.id == id);
        let shortest = self.longest.last().map_or(0.0, |i| i.latency);
        if index.is_none() && self.longest.len() >= MAX_INTERACTIONS && entry.duration <= shortest {
            return;
        }
        let keyboard = entry.name.starts_with("key");
        let fresh = Interaction {
            id,
            latency: entry.duration,
            start: entry.start,
            keyboard,
            frame,
            target: None,
        };
        let interaction = match index.and_then(|i| self.longest.get_mut(i)) {
            Some(known) if entry.duration > known.latency => {
                let target = known.target.take();
                *known = Interaction { target, ..fresh };
                known
            }
            // Same latency and start: another event of the same frame; the first one still
            // describes the interaction, but may lack a target.
            Some(known) if entry.duration == known.latency && entry.start == known.start => known,
            Some(_) => return,
            None => {
                self.longest.push(fresh);
                let last = self.longest.len() - 1;
                match self.longest.get_mut(last) {
                    Some(new) => new,
                    None => return,
                }
            }
        };
        if interaction.target.is_none() {
            interaction.target = match (&entry.target, entry.target_selector) {
                (Some(node), _) => Some(shared.page.selector(node)),
                (None, selector) => selector,
            };
        }
        longest_first(&mut self.longest);
        self.longest.truncate(MAX_INTERACTIONS);
    }

    /// The frame `entry` was presented in, merged into a known one when their render times
    /// are within 8 ms (event durations are rounded to 8 ms).
    fn frame_of<N>(&mut self, entry: &EventEntry<N>) -> Frame {
        let render_time = entry.start + entry.duration;
        if let Some(frame) = self
            .frames
            .iter_mut()
            .rev()
            .find(|f| (render_time - f.render_time).abs() <= 8.0)
        {
            frame.start = frame.start.min(entry.start);
            frame.processing_start = frame.processing_start.min(entry.processing_start);
            frame.processing_end = frame.processing_end.max(entry.processing_end);
            return *frame;
        }
        let frame = Frame {
            id: self.next_frame,
            start: entry.start,
            processing_start: entry.processing_start,
            processing_end: entry.processing_end,
            render_time,
        };
        self.next_frame = self.next_frame.wrapping_add(1);
        self.frames.push(frame);
        // Keep the latest frames and those of the candidates.
        let keep_from = self.frames.len().saturating_sub(MAX_FRAMES);
        let longest = &self.longest;
        let mut index = 0;
        self.frames.retain(|f| {
            index += 1;
            index > keep_from || longest.iter().any(|i| i.frame.id == f.id)
        });
        frame
    }

    fn interaction_count<P: Page>(&self, shared: &Shared<P>) -> f64 {
        shared.page.interaction_count().unwrap_or_else(|| {
            if self.ids_seen.1 > 0.0 {
                (self.ids_seen.1 - self.ids_seen.0) / 7.0 + 1.0
            } else {
                0.0
            }
        })
    }

    /// Picks the p98 candidate: the longest, skipping one per 50 interactions.
    fn update<P: Page>(&mut self, shared: &Shared<P>) {
        let count = self.interaction_count(shared) - self.count_at_start;
        let skip = (count / 50.0) as usize;
        let candidate = match self.longest.len() {
            0 if count > 0.0 && self.metric.navigation_type == "back-forward-cache" => {
                // Interactions happened but none reached the 40 ms threshold: they were
                // fast. (On a fresh page `first-input` always gives one.)
                Some(Interaction {
                    id: -1.0,
                    latency: 8.0,
                    start: 0.0,
                    keyboard: false,
                    frame: Frame {
                        id: u32::MAX,
                        start: 0.0,
                        processing_start: 0.0,
                        processing_end: 0.0,
                        render_time: 0.0,
                    },
                    target: None,
                })
            }
            0 => None,
            n => self.longest.get(skip.min(n - 1)).cloned(),
        };
        if let Some(candidate) = candidate {
            if candidate.latency != self.metric.value {
                self.metric.value = candidate.latency;
                self.chosen = Some(candidate);
            }
        }
    }

    pub fn hidden<P: Page>(&mut self, shared: &Shared<P>, out: &mut Vec<Event>) {
        self.update(shared);
        self.report(shared, true, out);
    }

    /// A back/forward-cache restore: interactions from now on only.
    pub fn restore<P: Page>(&mut self, shared: &mut Shared<P>) {
        self.count_at_start = self.interaction_count(shared);
        self.longest.clear();
        self.frames.clear();
        self.chosen = None;
        self.metric = shared.metric("INP", metric::INP, -1.0);
    }

    fn report<P: Page>(&mut self, shared: &Shared<P>, force: bool, out: &mut Vec<Event>) {
        if !self.metric.due(force, shared.config.report_all_changes) {
            return;
        }
        let value = self.metric.value;
        let attribution = match self.chosen.as_ref().filter(|c| c.id > 0.0) {
            Some(chosen) => {
                // The frame may have grown since the interaction was chosen.
                let frame = self
                    .frames
                    .iter()
                    .find(|f| f.id == chosen.frame.id)
                    .unwrap_or(&chosen.frame);
                let processing_start = frame.processing_start.max(chosen.start);
                let next_paint = (chosen.start + chosen.latency).max(processing_start);
                let processing_end = frame.processing_end.min(next_paint);
                Attribution::new()
                    .opt_str("interaction_target", chosen.target.as_deref())
                    .str(
                        "interaction_type",
                        if chosen.keyboard {
                            "keyboard"
                        } else {
                            "pointer"
                        },
                    )
                    .num("interaction_time", chosen.start)
                    .num("next_paint_time", next_paint)
                    .num("input_delay", processing_start - chosen.start)
                    .num("processing_duration", processing_end - processing_start)
                    .num("presentation_delay", next_paint - processing_end)
                    .str("load_state", load_state(&shared.page, chosen.start))
            }
            None => Attribution::new()
                .num("input_delay", 0.0)
                .num("processing_duration", 0.0)
                .num("presentation_delay", value)
                .str(
                    "load_state",
                    load_state(&shared.page, shared.restore_time.unwrap_or(0.0)),
                ),
        };
        out.push(
            self.metric
                .event(attribution.finish(), shared.page.epoch_now()),
        );
    }
}

/// A stable insertion sort, longest first: the list is at most eleven long, and the slice
/// sorts of `core` cost kilobytes of wasm.
fn longest_first(list: &mut [Interaction]) {
    for i in 1..list.len() {
        let mut j = i;
        while j > 0 {
            let (Some(before), Some(this)) = (list.get(j - 1), list.get(j)) else {
                break;
            };
            if before.latency >= this.latency {
                break;
            }
            list.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{attribution, shared, values};
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn event(
        name: &str,
        id: f64,
        start: f64,
        duration: f64,
        handlers: (f64, f64),
    ) -> EventEntry<&'static str> {
        EventEntry {
            name: name.to_string(),
            start,
            duration,
            processing_start: handlers.0,
            processing_end: handlers.1,
            interaction_id: id,
            target: Some("button#slow"),
            target_selector: None,
        }
    }

    #[test]
    fn the_longest_interaction_is_inp_with_its_phases() {
        let mut s = shared();
        let mut inp = Inp::new(&mut s);
        let mut out = Vec::new();
        inp.entries(
            &s,
            vec![
                event("pointerdown", 7.0, 1_000.0, 48.0, (1_010.0, 1_012.0)),
                event("pointerup", 7.0, 1_020.0, 120.0, (1_030.0, 1_040.0)),
                event("click", 7.0, 1_021.0, 120.0, (1_041.0, 1_100.0)),
                event("keydown", 14.0, 3_000.0, 64.0, (3_004.0, 3_050.0)),
                // Not an interaction: grouped into frames, never a candidate.
                event("mouseover", 0.0, 5_000.0, 400.0, (5_001.0, 5_390.0)),
            ]
            .into_iter(),
            &mut out,
        );
        assert!(out.is_empty(), "final when hidden");
        s.page.interactions.set(Some(2.0));
        inp.hidden(&s, &mut out);
        assert_eq!(values(&out), [120.0]);
        // The pointerup and click painted in the same frame: handlers 1030..1100.
        assert_eq!(
            attribution(&out[0]),
            "{\"interaction_target\":\"button#slow\",\"interaction_type\":\"pointer\",\
             \"interaction_time\":1020,\"next_paint_time\":1140,\"input_delay\":10,\
             \"processing_duration\":70,\"presentation_delay\":40,\"load_state\":\"complete\"}"
        );
    }

    #[test]
    fn one_interaction_in_fifty_is_forgiven() {
        let mut s = shared();
        let mut inp = Inp::new(&mut s);
        let mut out = Vec::new();
        let entries = (1..=12u32).map(|i| {
            event(
                "click",
                f64::from(i) * 7.0,
                f64::from(i) * 1_000.0,
                40.0 + f64::from(i) * 8.0,
                (0.0, 0.0),
            )
        });
        inp.entries(&s, entries, &mut out);
        assert_eq!(
            inp.longest.len(),
            MAX_INTERACTIONS,
            "only ten candidates kept"
        );
        s.page.interactions.set(Some(49.0));
        inp.hidden(&s, &mut out);
        s.page.interactions.set(Some(120.0));
        inp.hidden(&s, &mut out);
        // 12 slow interactions: 136 is the longest; with 120 interactions two are skipped.
        assert_eq!(values(&out), [136.0, 120.0]);
    }

    #[test]
    fn keyboard_interactions_and_missing_targets() {
        let mut s = shared();
        let mut inp = Inp::new(&mut s);
        let mut out = Vec::new();
        let mut key = event("keydown", 21.0, 2_000.0, 200.0, (2_050.0, 2_150.0));
        key.target = None;
        key.target_selector = Some("input#q".to_string());
        inp.entries(&s, vec![key].into_iter(), &mut out);
        inp.hidden(&s, &mut out);
        assert!(attribution(&out[0])
            .starts_with("{\"interaction_target\":\"input#q\",\"interaction_type\":\"keyboard\""));
    }

    #[test]
    fn a_restore_counts_only_new_interactions() {
        let mut s = shared();
        let mut inp = Inp::new(&mut s);
        let mut out = Vec::new();
        inp.entries(
            &s,
            vec![event("click", 7.0, 1_000.0, 300.0, (1_010.0, 1_200.0))].into_iter(),
            &mut out,
        );
        s.page.interactions.set(Some(3.0));
        s.restore_time = Some(8_000.0);
        inp.restore(&mut s);
        s.page.interactions.set(Some(5.0));
        inp.hidden(&s, &mut out);
        // Two fast interactions after the restore, none over the threshold: 8 ms.
        assert_eq!(values(&out), [8.0]);
        assert_eq!(
            out[0].body.get("navigation_type").map(|v| v.to_json()),
            Some("\"back-forward-cache\"".into())
        );
    }
}
