//! Time to First Byte and the navigation timing breakdown, both from the `navigation` entry
//! once the page has loaded (so `loadEventEnd` is known).
//!
//! TTFB counts from activation and is split into the phases a developer can act on: waiting
//! (redirects, unload of the previous page, service worker start), HTTP cache lookup, DNS,
//! connection, and the request until the first byte. The `navigation_timing` event carries
//! the rest of the page load: TLS, download, and the document milestones.

use alloc::vec::Vec;
use monitor_sdk_core::json::{write_key, write_number, write_string};
use monitor_sdk_core::{Event, Value};

use super::metric::{self, Attribution};
use super::page::{NavTiming, Page};
use super::Shared;

/// The page finished loading: TTFB and the navigation timing event.
pub fn loaded<P: Page>(shared: &mut Shared<P>, out: &mut Vec<Event>) {
    let Some(nav) = shared.page.navigation() else {
        return;
    };
    if shared.config.ttfb {
        let mut ttfb = shared.metric("TTFB", metric::TTFB, nav.ttfb());
        out.push(ttfb.event(ttfb_attribution(&nav, ttfb.value), shared.page.epoch_now()));
    }
    if shared.config.navigation {
        out.push(timing_event(&nav, shared));
    }
}

/// A back/forward-cache restore: the page came from memory, so its TTFB is 0.
pub fn restored<P: Page>(shared: &mut Shared<P>, out: &mut Vec<Event>) {
    if shared.config.ttfb && shared.page.navigation().is_some() {
        let mut ttfb = shared.metric("TTFB", metric::TTFB, 0.0);
        let attribution = ttfb_attribution(&NavTiming::default(), 0.0);
        out.push(ttfb.event(attribution, shared.page.epoch_now()));
    }
}

fn ttfb_attribution(nav: &NavTiming, ttfb: f64) -> alloc::string::String {
    let since_activation = |t: f64| (t - nav.activation_start).max(0.0);
    let fetch = if nav.worker_start > 0.0 {
        nav.worker_start
    } else {
        nav.fetch_start
    };
    let waiting = since_activation(fetch);
    let dns_start = since_activation(nav.domain_lookup_start);
    let connect_start = since_activation(nav.connect_start);
    let connect_end = since_activation(nav.connect_end);
    Attribution::new()
        .num("waiting_duration", waiting)
        .num("cache_duration", dns_start - waiting)
        .num("dns_duration", connect_start - dns_start)
        .num("connection_duration", connect_end - connect_start)
        .num("request_duration", ttfb - connect_end)
        .finish()
}

fn timing_event<P: Page>(nav: &NavTiming, shared: &mut Shared<P>) -> Event {
    let tls = if nav.secure_connection_start > 0.0 {
        nav.connect_end - nav.secure_connection_start
    } else {
        0.0
    };
    let fields = [
        ("redirect", nav.redirect_end - nav.redirect_start),
        ("dns", nav.domain_lookup_end - nav.domain_lookup_start),
        ("tcp", nav.connect_end - nav.connect_start),
        ("tls", tls),
        ("request", nav.response_start - nav.request_start),
        ("response", nav.response_end - nav.response_start),
        ("dom_interactive", nav.dom_interactive),
        ("dom_content_loaded", nav.dom_content_loaded_end),
        ("dom_complete", nav.dom_complete),
        ("load", nav.load_event_end),
        ("transfer_size", nav.transfer_size),
    ];
    let mut timing = alloc::string::String::from("{");
    for (key, value) in fields {
        write_key(&mut timing, key);
        write_number(&mut timing, value.max(0.0));
    }
    write_key(&mut timing, "protocol");
    write_string(&mut timing, &nav.protocol);
    timing.push('}');
    let mut event = Event::new("navigation_timing", shared.page.epoch_now());
    event.body.insert(
        "navigation_type",
        Value::String(super::page::navigation_type(&shared.page).into()),
    );
    event.body.insert("timing", Value::Raw(timing));
    event
}

#[cfg(test)]
mod tests {
    use super::super::tests::{attribution, names, shared, values};
    use super::*;

    #[test]
    fn ttfb_and_its_phases() {
        let mut s = shared();
        let mut out = Vec::new();
        loaded(&mut s, &mut out);
        assert_eq!(names(&out), ["TTFB", ""], "a vital, then the timing event");
        assert_eq!(values(&out), [100.0]);
        assert_eq!(
            attribution(&out[0]),
            "{\"waiting_duration\":5,\"cache_duration\":5,\"dns_duration\":10,\
             \"connection_duration\":20,\"request_duration\":60}"
        );
        assert_eq!(out[1].kind, "navigation_timing");
        assert_eq!(
            out[1].body.get("timing").map(|v| v.to_json()).as_deref(),
            Some(
                "{\"redirect\":0,\"dns\":10,\"tcp\":20,\"tls\":15,\"request\":58,\"response\":50,\
                 \"dom_interactive\":300,\"dom_content_loaded\":315,\"dom_complete\":900,\
                 \"load\":910,\"transfer_size\":5000,\"protocol\":\"h2\"}"
            )
        );
    }

    #[test]
    fn no_navigation_entry_no_ttfb() {
        let mut s = shared();
        s.page.nav = None;
        let mut out = Vec::new();
        loaded(&mut s, &mut out);
        restored(&mut s, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_restore_has_a_zero_ttfb() {
        let mut s = shared();
        s.restore_time = Some(3_000.0);
        let mut out = Vec::new();
        restored(&mut s, &mut out);
        assert_eq!(values(&out), [0.0]);
        assert!(attribution(&out[0]).contains("\"request_duration\":0"));
    }
}
