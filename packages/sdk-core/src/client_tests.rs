use std::cell::RefCell;
use std::rc::Rc;

use super::*;
use crate::event::Level;
use crate::Value;

struct Recorder {
    sent: Rc<RefCell<Vec<Request>>>,
    result: Rc<RefCell<SendResult>>,
}

impl Transport for Recorder {
    fn send(&mut self, request: Request) -> SendResult {
        self.sent.borrow_mut().push(request);
        *self.result.borrow()
    }
}

struct Harness {
    client: Client,
    sent: Rc<RefCell<Vec<Request>>>,
    result: Rc<RefCell<SendResult>>,
}

fn harness(options: Options, integrations: Vec<Box<dyn Integration>>) -> Harness {
    let sent = Rc::new(RefCell::new(Vec::new()));
    let result = Rc::new(RefCell::new(SendResult::Pending));
    let transport = Recorder {
        sent: sent.clone(),
        result: result.clone(),
    };
    let client = Client::new(options, "test-sdk", Box::new(transport), integrations, 1);
    match client {
        Ok(client) => Harness {
            client,
            sent,
            result,
        },
        Err(e) => panic!("client failed: {}", e.message()),
    }
}

fn options() -> Options {
    Options {
        dsn: "http://key@127.0.0.1:8787/1".into(),
        release: Some("r1".into()),
        environment: Some("test".into()),
        max_batch_events: 3,
        flush_interval_ms: 1_000.0,
        ..Options::default()
    }
}

/// The id of a request the client started; fails the test when none was.
fn started(id: Option<u32>) -> u32 {
    match id {
        Some(id) => id,
        None => panic!("no request was started"),
    }
}

fn msg(text: &str) -> Event {
    Event::message(text, Level::Info, 100.0)
}

/// Tags every event with the order it saw it, or drops events whose message says "drop".
struct Marker;

impl Integration for Marker {
    fn name(&self) -> &'static str {
        "Marker"
    }
    fn process_event(&mut self, event: &mut Event) -> bool {
        event.body.insert("seen_by", "Marker".into());
        !matches!(event.body.get("message"), Some(Value::String(s)) if s == "drop")
    }
}

#[test]
fn invalid_dsn_refuses_to_build() {
    let sent = Rc::new(RefCell::new(Vec::new()));
    let transport = Recorder {
        sent,
        result: Rc::new(RefCell::new(SendResult::Pending)),
    };
    let opts = Options {
        dsn: "not a dsn".into(),
        ..Options::default()
    };
    let result = Client::new(opts, "t", Box::new(transport), vec![], 1);
    assert!(matches!(result, Err(DsnError::BadScheme)));
}

#[test]
fn pipeline_runs_integrations_then_before_send_then_queue() {
    let mut h = harness(options(), vec![Box::new(Marker)]);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let seen_in_hook = seen.clone();
    h.client.set_before_send(Box::new(move |json: String| {
        seen_in_hook.borrow_mut().push(json.clone());
        if json.contains("secret") {
            None
        } else {
            Some(json.replace("hello", "HELLO"))
        }
    }));
    h.client.scope.set_tag("scope_tag", "yes");
    assert!(matches!(
        h.client.capture(msg("hello"), 1.0),
        Outcome::Queued(_)
    ));
    assert!(h.client.capture(msg("drop"), 2.0) == Outcome::DroppedByIntegration("Marker"));
    assert!(h.client.capture(msg("secret"), 3.0) == Outcome::DroppedByBeforeSend);
    assert_eq!(h.client.queued(), 1);
    // beforeSend saw integration output, and never saw the dropped event.
    let seen = seen.borrow();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].contains("\"seen_by\":\"Marker\""));
    assert!(seen[0].contains("\"release\":\"r1\",\"environment\":\"test\""));
    assert!(seen[0].contains("\"scope_tag\":\"yes\""));
    started(h.client.flush(10.0));
    let sent = h.sent.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "http://127.0.0.1:8787/api/1/events?key=key");
    assert!(sent[0].body.starts_with(
        "{\"sdk\":{\"name\":\"test-sdk\",\"version\":\"0.1.0\"},\"sent_at\":10,\"events\":[{"
    ));
    assert!(sent[0].body.contains("\"message\":\"HELLO\""));
}

#[test]
fn disabled_and_sampled_events_are_dropped() {
    let mut off = harness(
        Options {
            enabled: false,
            ..options()
        },
        vec![],
    );
    assert!(off.client.capture(msg("x"), 0.0) == Outcome::Disabled);
    let mut none = harness(
        Options {
            sample_rate: 0.0,
            ..options()
        },
        vec![],
    );
    assert!(none.client.capture(msg("x"), 0.0) == Outcome::Sampled);
    // sampleRate is the errors': behaviour, vitals and track() are not sampled by it.
    for kind in ["custom", "page_view", "web_vital"] {
        let outcome = none.client.capture(Event::new(kind, 0.0), 0.0);
        assert!(matches!(outcome, Outcome::Queued(_)), "{kind}");
    }
    let mut half = harness(
        Options {
            sample_rate: 0.5,
            max_queued_events: 10_000,
            ..options()
        },
        vec![],
    );
    let kept = (0..2_000)
        .filter(|_| matches!(half.client.capture(msg("x"), 0.0), Outcome::Queued(_)))
        .count();
    assert!((850..1150).contains(&kept), "kept {kept} of 2000");
}

#[test]
fn sends_when_count_or_interval_is_reached() {
    let mut h = harness(options(), vec![]);
    h.client.capture(msg("a"), 0.0);
    assert_eq!(h.client.send_due(10.0), None);
    assert_eq!(h.client.next_wakeup(), Some(1_000.0));
    h.client.capture(msg("b"), 20.0);
    h.client.capture(msg("c"), 30.0);
    let first = started(h.client.send_due(31.0));
    // One request at a time: more events wait for the answer.
    for _ in 0..3 {
        h.client.capture(msg("d"), 40.0);
    }
    assert_eq!(h.client.send_due(41.0), None);
    assert_eq!(h.client.next_wakeup(), None);
    assert!(h.client.on_response(first, 200, None, 50.0) == ResponseOutcome::Delivered);
    let second = started(h.client.send_due(51.0));
    assert!(second != first, "request ids are distinct");
    assert_eq!(h.sent.borrow().len(), 2);
}

#[test]
fn rate_limit_keeps_events_until_retry_after() {
    let mut h = harness(options(), vec![]);
    h.client.capture(msg("a"), 0.0);
    let first = started(h.client.flush(0.0));
    let outcome = h.client.on_response(first, 429, Some(30.0), 100.0);
    assert!(outcome == ResponseOutcome::Retrying { dropped: 0 });
    assert_eq!(h.client.queued(), 1);
    assert_eq!(h.client.flush(20_000.0), None);
    assert_eq!(h.client.next_wakeup(), Some(30_100.0));
    let second = started(h.client.flush(30_100.0));
    assert!(h.client.on_response(second, 200, None, 30_200.0) == ResponseOutcome::Delivered);
    assert_eq!(h.client.queued(), 0);
}

#[test]
fn permanent_errors_drop_and_unknown_ids_are_ignored() {
    let mut h = harness(options(), vec![]);
    h.client.capture(msg("a"), 0.0);
    h.client.capture(msg("b"), 0.0);
    let id = started(h.client.flush(0.0));
    assert!(h.client.on_response(id.wrapping_add(1), 200, None, 1.0) == ResponseOutcome::Unknown);
    assert!(h.client.on_response(id, 413, None, 1.0) == ResponseOutcome::Rejected { dropped: 2 });
    assert_eq!(h.client.queued(), 0);
}

#[test]
fn network_errors_retry_then_give_up() {
    let mut h = harness(options(), vec![]);
    h.client.capture(msg("a"), 0.0);
    let mut now = 0.0;
    let mut last = ResponseOutcome::Unknown;
    while let Some(id) = h.client.flush(now) {
        last = h.client.on_response(id, 0, None, now);
        now += 10_000.0;
    }
    assert!(last == ResponseOutcome::Retrying { dropped: 1 });
    assert_eq!(
        h.sent.borrow().len(),
        usize::from(crate::batch::MAX_ATTEMPTS)
    );
    assert_eq!(h.client.queued(), 0);
}

#[test]
fn beacon_sends_one_batch_and_keeps_refused_ones() {
    let mut h = harness(
        Options {
            max_batch_events: 2,
            ..options()
        },
        vec![],
    );
    for _ in 0..5 {
        h.client.capture(msg("x"), 0.0);
    }
    *h.result.borrow_mut() = SendResult::Delivered;
    // One beacon: the browser's 64 KiB in-flight quota fits one batch.
    assert_eq!(h.client.flush_beacon(1.0), 2);
    assert!(h.sent.borrow().iter().all(|r| r.beacon));
    assert_eq!(h.sent.borrow().len(), 1);
    assert_eq!(h.client.queued(), 3);
    *h.result.borrow_mut() = SendResult::Refused;
    assert_eq!(h.client.flush_beacon(3.0), 0);
    assert_eq!(h.client.queued(), 3);
}

#[test]
fn beacon_ignores_own_back_off_but_not_retry_after() {
    let mut h = harness(options(), vec![]);
    h.client.capture(msg("a"), 0.0);
    let first = started(h.client.flush(0.0));
    h.client.on_response(first, 0, None, 10.0);
    *h.result.borrow_mut() = SendResult::Delivered;
    assert_eq!(
        h.client.flush(20.0),
        None,
        "backing off after the network error"
    );
    assert_eq!(
        h.client.flush_beacon(20.0),
        1,
        "but the leaving page still tries"
    );
    h.client.capture(msg("b"), 30.0);
    *h.result.borrow_mut() = SendResult::Pending;
    let third = started(h.client.flush(10_000.0));
    h.client.on_response(third, 429, Some(60.0), 10_000.0);
    assert_eq!(
        h.client.flush_beacon(10_001.0),
        0,
        "the collector said wait"
    );
}

#[test]
fn breadcrumbs_are_dropped_before_the_event_is() {
    let mut h = harness(options(), vec![]);
    for _ in 0..100 {
        h.client.scope.add_breadcrumb(crate::Breadcrumb {
            timestamp: 0.0,
            category: "c".into(),
            message: "m".repeat(1_000),
            level: Level::Info,
            data: None,
        });
    }
    assert!(matches!(
        h.client.capture(msg("kept"), 0.0),
        Outcome::Queued(_)
    ));
    started(h.client.flush(1.0));
    let body = h.sent.borrow()[0].body.clone();
    assert!(body.contains("\"message\":\"kept\""));
    assert!(!body.contains("breadcrumbs"));
    // A full scope goes too, part by part, before the event would.
    let mut full = harness(options(), vec![]);
    for i in 0..30 {
        full.client
            .scope
            .set_extra(&i.to_string(), Some(format!("\"{}\"", "x".repeat(4_000))));
    }
    full.client.scope.set_tag("kept", "yes");
    assert!(matches!(
        full.client.capture(msg("fits"), 0.0),
        Outcome::Queued(_)
    ));
    started(full.client.flush(1.0));
    let body = full.sent.borrow()[0].body.clone();
    assert!(!body.contains("\"extra\""), "extras left off");
    assert!(
        body.contains("\"tags\":{\"kept\":\"yes\"}"),
        "tags kept when they fit"
    );
    // A small trail is kept.
    let mut small = harness(options(), vec![]);
    small.client.scope.add_breadcrumb(crate::Breadcrumb {
        timestamp: 0.0,
        category: "c".into(),
        message: "short".into(),
        level: Level::Info,
        data: None,
    });
    small.client.capture(msg("kept"), 0.0);
    small.client.flush(1.0);
    assert!(small.sent.borrow()[0].body.contains("\"breadcrumbs\":[{"));
}
