//! The web-vitals export: the npm loader's performance observers and page-lifecycle listeners
//! call [`perf`]; the metrics themselves live in `monitor_sdk_browser_utils::vitals`, and
//! each value they report leaves as an event through [`crate::api::capture_event`].

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_browser_utils::js::get;
use monitor_sdk_browser_utils::vitals::browser::{read_entries, BrowserPage};
use monitor_sdk_browser_utils::vitals::{Config, Vitals};
use monitor_sdk_core::text::split_once;
use wasm_bindgen::prelude::*;

use crate::api::capture_event;
use crate::state::with_sdk;

/// What [`perf`] is told; the npm loader passes these numbers.
pub const PERF_START: u32 = 0;
pub const PERF_ENTRIES: u32 = 1;
pub const PERF_INPUT: u32 = 2;
pub const PERF_HIDDEN: u32 = 3;
pub const PERF_RESTORE: u32 = 4;
pub const PERF_RESTORED: u32 = 5;
pub const PERF_LOADED: u32 = 6;
pub const PERF_TIMER: u32 = 7;

/// The `webVitals` option: `false` turns every metric off; an object may set
/// `reportAllChanges: true` and turn single metrics off (`{CLS: false, resources: false}`).
pub fn config_from_js(options: &JsValue) -> Option<Config> {
    let js = get(options, "webVitals");
    if js.as_bool() == Some(false) {
        return None;
    }
    let mut config = Config {
        report_all_changes: get(&js, "reportAllChanges").as_bool() == Some(true),
        ..Config::default()
    };
    let switches = [
        ("FCP", &mut config.fcp),
        ("LCP", &mut config.lcp),
        ("CLS", &mut config.cls),
        ("INP", &mut config.inp),
        ("TTFB", &mut config.ttfb),
        ("FP", &mut config.fp),
        ("TBT", &mut config.tbt),
        ("navigation", &mut config.navigation),
        ("resources", &mut config.resources),
    ];
    for (key, on) in switches {
        if get(&js, key).as_bool() == Some(false) {
            *on = false;
        }
    }
    Some(config)
}

/// One call per observer callback or lifecycle moment, by `kind`:
/// - `PERF_START`: starts measuring, `a` the entry types the browser supports; returns the
///   entry types to observe, space-separated (nothing when web vitals are off or the SDK is
///   not running);
/// - `PERF_ENTRIES`: `a` is a list of performance entries;
/// - `PERF_INPUT`: the first trusted keydown or click happened;
/// - `PERF_HIDDEN`: the page was hidden at `b` (`event.timeStamp`);
/// - `PERF_RESTORE`: `pageshow` with `persisted` at `b`; `PERF_RESTORED`: the second
///   animation frame after it;
/// - `PERF_LOADED`: the load event has finished; `PERF_TIMER`: the timer asked for fired.
///   Both return a delay in ms when the loader should call `PERF_TIMER` again.
#[wasm_bindgen]
pub fn perf(kind: u32, a: JsValue, b: f64) -> JsValue {
    let mut events = Vec::new();
    let result = with_sdk(|sdk| {
        if kind == PERF_START {
            return start(sdk, a.as_string());
        }
        let vitals = sdk.vitals.as_mut()?;
        let delay = match kind {
            PERF_ENTRIES => {
                vitals.entries(read_entries(&a), &mut events);
                None
            }
            PERF_INPUT => {
                vitals.input(&mut events);
                None
            }
            PERF_HIDDEN => {
                vitals.hidden(b, &mut events);
                None
            }
            PERF_RESTORE => {
                vitals.restore(b, &mut events);
                None
            }
            PERF_RESTORED => {
                vitals.restored(&mut events);
                None
            }
            PERF_LOADED => vitals.loaded(&mut events),
            PERF_TIMER => vitals.timer(&mut events),
            _ => None,
        };
        delay.map(JsValue::from_f64)
    })
    .flatten();
    // Outside `with_sdk`: capturing borrows the SDK again.
    for event in events {
        let _ = capture_event(event);
    }
    result.unwrap_or(JsValue::UNDEFINED)
}

/// `supported`: the browser's `PerformanceObserver.supportedEntryTypes`, space-separated
/// (`None`: unknown, nothing is turned off).
/// A metric whose entries the browser does not have is not reported at all, as web-vitals
/// does: Firefox has no `layout-shift` nor `longtask`, and a CLS or TBT of 0 from it would
/// pull every percentile toward "good".
fn start(sdk: &mut crate::state::Sdk, supported: Option<String>) -> Option<JsValue> {
    let mut config = sdk.vitals_config.take()?;
    if !BrowserPage::has_event_timing() {
        config.inp = false;
    }
    let has = |ty: &str| {
        supported
            .as_deref()
            .is_none_or(|s| s.split(' ').any(|t| t == ty))
    };
    config.cls &= has("layout-shift");
    config.tbt &= has("longtask");
    let endpoint = sdk.client.options().endpoint().unwrap_or_default();
    let own_requests = match split_once(&endpoint, "?") {
        Some((base, _)) => String::from(base),
        None => endpoint,
    };
    // Metric ids: a random page id and a counter, unique across pages and metrics.
    let mut page_id = sdk.client.fresh_id().to_hex();
    page_id.truncate(16);
    let vitals = Vitals::new(
        BrowserPage::new(sdk.host.clone()),
        config,
        page_id,
        own_requests,
    );
    let types = vitals.config().entry_types();
    sdk.vitals = Some(vitals);
    Some(JsValue::from_str(&types))
}
