//! The events the query suite loads into every store: a few sessions of a small shop, built
//! deterministically around a base time, with the fields the SDK sends (docs/protocol.md).
//!
//! The range under test is `[base, base + 2 h)`; a few sessions fall in the two hours
//! before it (the previous period), some events after it, and project 2 has events of its
//! own, so that every query is seen to keep to its range and project.

use serde_json::{json, Value};

pub const SITE: &str = "https://shop.example";
pub const PAGES: [&str; 4] = ["/", "/pricing", "/checkout", "/docs/start"];
pub const HOUR: i64 = 3_600_000;
pub const RANGE_MS: i64 = 2 * HOUR;

pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
pub const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
pub const TABLET: &str = "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub const AGENTS: [&str; 4] = [CHROME, IPHONE, FIREFOX, TABLET];
pub const RELEASES: [&str; 3] = ["web@1.9.0", "web@1.10.0", "web@1.2.0"];

pub struct Fixture {
    /// Start of the range under test (ms), a whole hour.
    pub base: i64,
    /// Project 1's events: in the range, before it and after it.
    pub events: Vec<Value>,
    /// Project 2's events (all in the range).
    pub other_project: Vec<Value>,
}

struct Ids(u64);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("{:032x}", self.0)
    }
}

/// Context of one session.
struct Session {
    index: i64,
    start: i64,
    visitor: String,
    session: String,
    release: &'static str,
    environment: &'static str,
    agent: &'static str,
}

impl Session {
    fn event(&self, ids: &mut Ids, kind: &str, at: i64, page: &str, fields: Value) -> Value {
        let mut event = json!({
            "event_id": ids.next(), "type": kind, "timestamp": at as f64 + 0.25,
            "release": self.release, "environment": self.environment,
            "user": {"visitor_id": self.visitor, "session_id": self.session,
                     "id": format!("user-{}", self.index % 5)},
            "page": {"url": format!("{SITE}{page}?utm=x"), "title": "Shop"},
            "browser": {"user_agent": self.agent, "viewport": {"w": 1280, "h": 720}},
        });
        if let (Some(map), Value::Object(extra)) = (event.as_object_mut(), fields) {
            for (k, v) in extra {
                if k == "page" {
                    map["page"]["referrer"] = v["referrer"].clone();
                } else {
                    map.insert(k, v);
                }
            }
        }
        event
    }
}

/// Page views of session `i`: 1 to 4.
pub fn views_of(i: i64) -> i64 {
    1 + i % 4
}

/// Sessions 0, 8, 16, ... see one page and leave within 10 s (every event of theirs comes
/// within 4.5 s); the other single-page sessions stay longer.
pub fn bounces(i: i64) -> bool {
    views_of(i) == 1 && i % 8 == 0
}

fn session(index: i64, start: i64) -> Session {
    Session {
        index,
        start,
        visitor: format!("visitor-{}", index % 10),
        session: format!("session-{index}"),
        release: RELEASES[(index % 3) as usize],
        environment: if index % 5 == 4 {
            "staging"
        } else {
            "production"
        },
        agent: AGENTS[(index % 4) as usize],
    }
}

fn rating(value: f64, good: f64, poor: f64) -> &'static str {
    if value <= good {
        "good"
    } else if value <= poor {
        "needs-improvement"
    } else {
        "poor"
    }
}

/// The events of one session: page views 20 s apart, each with its time on page; web vitals
/// on the first page; clicks, a rage click, a form submit and an error on some.
fn session_events(s: &Session, ids: &mut Ids, out: &mut Vec<Value>) {
    let i = s.index;
    let referrers = [
        "https://www.google.com/search?q=shop",
        "https://news.example/",
        "",
    ];
    for k in 0..views_of(i) {
        let page = PAGES[((i + k) % 4) as usize];
        let at = s.start + k * 20_000;
        let referrer = if k == 0 {
            referrers[(i % 3) as usize].to_owned()
        } else {
            format!("{SITE}{}", PAGES[((i + k - 1) % 4) as usize])
        };
        out.push(s.event(
            ids,
            "page_view",
            at,
            page,
            json!({"page": {"referrer": referrer}}),
        ));
        let stay = if bounces(i) { 5_000 } else { 15_000 };
        out.push(s.event(
            ids,
            "time_on_page",
            at + stay,
            page,
            json!({"duration": stay - 100}),
        ));
        if k == 1 {
            let (target, text) = if i % 2 == 0 {
                ("button#buy", "Buy")
            } else {
                ("a.nav-docs", "Docs")
            };
            out.push(s.event(
                ids,
                "click",
                at + 2_000,
                page,
                json!({"target": target, "text": text, "x": 10, "y": 20}),
            ));
        }
        if page == "/checkout" {
            out.push(s.event(
                ids,
                "form_submit",
                at + 3_000,
                page,
                json!({"target": "form#checkout", "form": {"id": "checkout", "action": "/pay"}}),
            ));
        }
    }
    if i % 5 == 0 {
        out.push(s.event(
            ids,
            "rage_click",
            s.start + 4_000,
            PAGES[(i % 4) as usize],
            json!({"target": "button#buy", "count": 4 + i % 3, "text": "Buy"}),
        ));
    }
    vitals(s, ids, out);
    errors(s, ids, out);
}

/// The frames the SDK sends for the checkout bug, as each engine names them: V8 prefixes
/// the receiver (`HTMLButtonElement.onSubmit`), SpiderMonkey and JavaScriptCore do not.
/// Each release is another build, with another hash in the file name.
fn checkout_frames(agent: &str, release: &str) -> Value {
    let hash = match release {
        "web@1.9.0" => "DiwrgTda",
        "web@1.10.0" => "B7x1Qw2e",
        _ => "Cq9Zt3Lm",
    };
    let file = format!("{SITE}/assets/index-{hash}.js?v=1");
    let handler = if agent == FIREFOX || agent == IPHONE {
        "onSubmit"
    } else {
        "HTMLButtonElement.onSubmit"
    };
    let line = 10 + release.len() as u64;
    json!([
        {"filename": format!("{SITE}/node_modules/.vite/deps/react-dom.js"), "function": "dispatch", "lineno": 1, "colno": 2, "in_app": false},
        {"filename": file, "function": handler, "lineno": line + 10, "colno": 5, "in_app": true},
        {"filename": file, "function": "submitOrder", "lineno": line + 30, "colno": 9, "in_app": true},
        {"filename": file, "function": "applyCoupon", "lineno": line, "colno": 34, "in_app": true},
    ])
}

/// The checkout bug in sessions 0, 3, 6, ..., 4 and 11 (every engine and release); a failing
/// request without a stack in 1, 5, 9, 13 (grouped by its normalised message); a payment
/// timeout with the SDK's own fingerprint in 2 and 7.
fn errors(s: &Session, ids: &mut Ids, out: &mut Vec<Value>) {
    let i = s.index;
    if i % 3 == 0 || i == 4 || i == 11 {
        out.push(checkout_error(s, ids, s.start + 3_500));
    }
    if i % 4 == 1 {
        out.push(s.event(ids, "error", s.start + 2_500, PAGES[(i % 4) as usize], json!({
            "level": "error",
            "exception": {"values": [{"type": "Error",
                "value": format!("Request {} to https://api.shop.example/orders/{} failed", 4000 + i, 17 + i),
                "mechanism": {"type": "onunhandledrejection", "handled": false}}]}})));
    }
    if i == 2 || i == 7 {
        out.push(s.event(ids, "error", s.start + 3_000, PAGES[(i % 4) as usize], json!({
            "level": "warning", "fingerprint": ["payment-timeout"],
            "exception": {"values": [{"type": "TimeoutError", "value": format!("payment {i} timed out"),
                "mechanism": {"type": "generic", "handled": true}}]}})));
    }
}

/// One checkout bug error of session `s` at `at`.
pub fn checkout_error_at(
    s_index: i64,
    release: &'static str,
    agent: &'static str,
    id: u64,
    at: i64,
) -> Value {
    let mut s = session(s_index, at);
    s.release = release;
    s.agent = agent;
    checkout_error(&s, &mut Ids(id), at)
}

fn checkout_error(s: &Session, ids: &mut Ids, at: i64) -> Value {
    let message = match s.agent {
        FIREFOX => "cart.total is undefined",
        IPHONE => "undefined is not an object (evaluating 'cart.total.amount')",
        _ => "Cannot read properties of undefined (reading 'amount')",
    };
    s.event(
        ids,
        "error",
        at,
        "/checkout",
        json!({
        "level": "error",
        "exception": {"values": [{"type": "TypeError", "value": message,
            "mechanism": {"type": "onerror", "handled": false},
            "stacktrace": {"frames": checkout_frames(s.agent, s.release)}}]}}),
    )
}

fn vitals(s: &Session, ids: &mut Ids, out: &mut Vec<Value>) {
    let i = s.index;
    let page = PAGES[(i % 4) as usize];
    let f = i as f64;
    let metrics = [
        ("LCP", 1_000.0 + f * 150.0, 2_500.0, 4_000.0, 1_000),
        ("FCP", 600.0 + f * 70.0, 1_800.0, 3_000.0, 900),
        ("TTFB", 100.0 + f * 40.0, 800.0, 1_800.0, 800),
        ("INP", 80.0 + f * 25.0, 200.0, 500.0, 10_000),
    ];
    // A bouncing visitor leaves before the late reports (INP, CLS's last) would come.
    let at = |after: i64| s.start + if bounces(i) { after.min(4_500) } else { after };
    for (name, value, good, poor, after) in metrics {
        let lcp_target = ["main>img.hero", "h1.title", "main>img.hero"][(i % 3) as usize];
        let inp_target = ["button.buy", "nav>a.menu"][(i % 2) as usize];
        let attribution = match name {
            "LCP" => json!({"target": lcp_target}),
            "INP" => json!({"interaction_target": inp_target, "interaction_type": "pointer"}),
            _ => json!({}),
        };
        out.push(s.event(
            ids,
            "web_vital",
            at(after),
            page,
            json!({
            "name": name, "value": value, "rating": rating(value, good, poor),
            "id": format!("v5-{i}-{name}"), "navigation_type": "navigate",
            "attribution": attribution}),
        ));
    }
    // CLS is reported twice for one instance: only the last report counts, and so does
    // only the last report's shift target.
    let cls = 0.01 * f;
    let last_target = ["footer", "div.banner"][(i % 2) as usize];
    for (after, value, target) in [(1_500, cls / 2.0, "div.ad"), (14_000, cls, last_target)] {
        out.push(s.event(
            ids,
            "web_vital",
            at(after),
            page,
            json!({
            "name": "CLS", "value": value, "rating": rating(value, 0.1, 0.25),
            "id": format!("v5-{i}-CLS"), "navigation_type": "navigate",
            "attribution": {"largest_shift_target": target}}),
        ));
    }
}

impl Fixture {
    pub fn new(base: i64) -> Fixture {
        let mut ids = Ids(0);
        let mut events = Vec::new();
        // 16 sessions in the range, 6 minutes apart, the first 17 s after its start.
        for i in 0..16 {
            session_events(
                &session(i, base + i * 360_000 + 17_000),
                &mut ids,
                &mut events,
            );
        }
        // The previous period: 4 sessions an hour before the range.
        for i in 0..4 {
            let s = session(100 + i, base - HOUR + i * 60_000);
            session_events(&s, &mut ids, &mut events);
        }
        // After the range: nothing of it may count.
        let late = session(200, base + RANGE_MS + 60_000);
        session_events(&late, &mut ids, &mut events);
        let mut other_project = Vec::new();
        session_events(&session(300, base + 600_000), &mut ids, &mut other_project);
        Fixture {
            base,
            events,
            other_project,
        }
    }

    pub fn from(&self) -> i64 {
        self.base
    }

    pub fn to(&self) -> i64 {
        self.base + RANGE_MS
    }

    /// Project 1's events with `from <= timestamp < to`.
    pub fn in_range(&self, from: i64, to: i64) -> Vec<&Value> {
        self.events
            .iter()
            .filter(|e| {
                let t = e["timestamp"].as_f64().unwrap();
                t >= from as f64 && t < to as f64
            })
            .collect()
    }
}
