//! Reading events back: fidelity of what was stored, filters, the api token, durability.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use common::*;
use monitor_collector::query::sessions::SessionSummary;
use monitor_collector::query::{
    Aggregate, AggregateRow, IssueGroup, IssueLifetime, IssueRelease, IssueState, QueryStore,
    Scope, Search, SessionRow, VitalQuery, VitalRow,
};
use monitor_collector::store::{EventSink, StoreError};
use monitor_collector::validate::ValidEvent;
use monitor_collector::{app, AppState};
use serde_json::{json, Value};

fn hostile_error_event() -> Value {
    let hostile = "quote \" backslash \\ slash / unicode é 漢字 🦀 nul \u{0} bell \u{7} \
                   newline \n tab \t lone surrogate-free \u{fffd} </script><script>alert(1)</script>";
    json!({
        "event_id": event_id(42),
        "type": "error",
        "timestamp": 1763870000123.456,
        "level": "error",
        "release": "web@1.2.3",
        "environment": "production",
        "message": hostile,
        "user": {"id": "u-1", "session_id": "s-1", "email": "a@b.c", "username": hostile, "ip_address": "{{auto}}"},
        "page": {"url": "https://app.example/a?b=c#d", "referrer": "", "title": hostile},
        "browser": {"user_agent": "Mozilla/5.0", "language": "fr-FR", "viewport": {"w": 1280, "h": 720.5}},
        "tags": {"plan": "pro", hostile: hostile},
        "extra": {"nested": {"deep": [1, 2.5, -3e-7, true, null, {"k": hostile}]}, "big": 9007199254740993u64},
        "breadcrumbs": [{"timestamp": 1763870000000u64, "category": "ui.click", "message": hostile, "level": "info", "data": {"x": 1}}],
        "exception": {"values": [{
            "type": "TypeError",
            "value": hostile,
            "mechanism": {"type": "early", "handled": false, "data": {"original": "onerror"}},
            "stacktrace": {"frames": [
                {"filename": "https://app.example/assets/index.js", "function": "main", "lineno": 10, "colno": 5, "in_app": true},
                {"filename": "<anonymous>", "function": "throws", "lineno": 1, "colno": 1, "in_app": false}
            ]}
        }]},
        "future_field": {"added": "by a newer SDK"}
    })
}

#[tokio::test]
async fn stored_events_come_back_with_every_field_intact() {
    let app = TestApp::new();
    let event = hostile_error_event();
    let answer = app.ingest(1, KEY_ONE, &batch(vec![event.clone()])).await;
    assert_eq!(answer.body, json!({"accepted": 1, "rejected": []}));

    let events = app.read("").await.body["events"].clone();
    let mut stored = events[0].clone();
    let received_at = stored
        .as_object_mut()
        .unwrap()
        .remove("received_at")
        .expect("received_at added");
    assert!(received_at.as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(stored, event);
}

#[tokio::test]
async fn newest_first_with_type_filter_and_limit() {
    let app = TestApp::new();
    for n in 1..=5 {
        app.ingest(1, KEY_ONE, &batch(vec![custom(n, &format!("e{n}"))]))
            .await;
    }
    app.ingest(1, KEY_ONE, &batch(vec![hostile_error_event()]))
        .await;

    let names = |body: &Value| -> Vec<String> {
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap_or("-").to_owned())
            .collect()
    };
    assert_eq!(
        names(&app.read("").await.body),
        ["-", "e5", "e4", "e3", "e2", "e1"]
    );
    assert_eq!(
        names(&app.read("?type=custom&limit=2").await.body),
        ["e5", "e4"]
    );
    let errors = app.read("?type=error").await.body;
    assert_eq!(errors["events"].as_array().unwrap().len(), 1);
    assert_eq!(errors["events"][0]["type"], "error");
    assert!(app.read("?limit=many").await.error(400).contains("limit"));
    assert!(app
        .read("?type=explosion")
        .await
        .error(400)
        .contains("explosion"));
    assert!(app
        .send(get_authed("/api/3/events"))
        .await
        .error(404)
        .contains("project 3"));
}

#[tokio::test]
async fn api_token_guards_reads() {
    let app = TestApp::with(|config| config.api_token = Some("s3cret".into()));
    app.ingest(1, KEY_ONE, &batch(vec![custom(1, "a")])).await;
    let refused = app.send(get("/api/1/events")).await;
    assert!(refused.error(401).contains("token"));
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    let with = |token: &str| {
        Request::get("/api/1/events?from=0")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    app.send(with("wrong")).await.error(401);
    // The public ingest key is not a read credential.
    app.send(with(KEY_ONE)).await.error(401);
    let answer = app.send(with("s3cret")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["events"].as_array().unwrap().len(), 1);
    // Ingest does not need the token: pages only have the public key.
    assert_eq!(
        app.ingest(1, KEY_ONE, &batch(vec![custom(2, "b")]))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn without_a_token_reads_are_refused_unless_opened_on_loopback() {
    let closed = TestApp::with(|config| config.api_token = None);
    closed
        .ingest(1, KEY_ONE, &batch(vec![custom(1, "a")]))
        .await;
    let reason = closed.send(get("/api/1/events")).await.error(403);
    assert!(reason.contains("api_token"), "{reason}");
    // Ingest still works: only reading needs the token.
    assert_eq!(
        closed
            .ingest(1, KEY_ONE, &batch(vec![custom(2, "b")]))
            .await
            .status,
        200
    );

    let open = TestApp::with(|config| {
        config.api_token = None;
        config.api_open_on_loopback = true;
    });
    open.ingest(1, KEY_ONE, &batch(vec![custom(1, "a")])).await;
    let answer = open.send(get("/api/1/events")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn accepted_events_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(&dir);
    {
        let app = TestApp {
            router: app(AppState::open(config.clone()).unwrap()),
            config: config.clone(),
            dir: tempfile::tempdir().unwrap(),
        };
        let answer = app
            .ingest(1, KEY_ONE, &batch(vec![custom(7, "durable")]))
            .await;
        assert_eq!(answer.status, 200);
    } // the router and with it the store's connections are dropped here
    let reopened = TestApp {
        router: app(AppState::open(config.clone()).unwrap()),
        config,
        dir,
    };
    let events = reopened.read("").await.body["events"].clone();
    assert_eq!(events[0]["event_id"], event_id(7));
    assert_eq!(events[0]["name"], "durable");
}

/// A sink whose disk is gone.
struct BrokenSink;

impl EventSink for BrokenSink {
    fn write_batch(&self, _: u64, _: i64, _: &[ValidEvent]) -> Result<(), StoreError> {
        Err(StoreError::Io(std::io::Error::other("disk on fire")))
    }
}

fn on_fire<T>() -> Result<T, StoreError> {
    Err(StoreError::Io(std::io::Error::other("disk on fire")))
}

impl QueryStore for BrokenSink {
    fn ping(&self) -> Result<(), StoreError> {
        on_fire()
    }
    fn event(&self, _: u64, _: &str) -> Result<Option<Value>, StoreError> {
        on_fire()
    }
    fn search(&self, _: &Search) -> Result<Vec<Value>, StoreError> {
        on_fire()
    }
    fn aggregate(&self, _: &Aggregate) -> Result<Vec<AggregateRow>, StoreError> {
        on_fire()
    }
    fn sessions(&self, _: &Scope, _: Option<i64>) -> Result<Vec<SessionRow>, StoreError> {
        on_fire()
    }
    fn recent_sessions(&self, _: &Scope, _: usize) -> Result<Vec<SessionSummary>, StoreError> {
        on_fire()
    }
    fn issue_groups(&self, _: &Scope, _: &[String]) -> Result<Vec<IssueGroup>, StoreError> {
        on_fire()
    }
    fn issue_lifetimes(&self, _: u64, _: &[String]) -> Result<Vec<IssueLifetime>, StoreError> {
        on_fire()
    }
    fn issue_releases(&self, _: u64, _: &[String]) -> Result<Vec<IssueRelease>, StoreError> {
        on_fire()
    }
    fn issue_states(&self, _: u64, _: &[String]) -> Result<Vec<IssueState>, StoreError> {
        on_fire()
    }
    fn set_issue_state(&self, _: u64, _: &IssueState) -> Result<(), StoreError> {
        on_fire()
    }
    fn vitals(&self, _: &VitalQuery) -> Result<Vec<VitalRow>, StoreError> {
        on_fire()
    }
    fn entry_pages(&self, _: &Scope, _: bool, _: usize) -> Result<Vec<(String, u64)>, StoreError> {
        on_fire()
    }
}

#[tokio::test]
async fn store_failure_is_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(
        test_config(&dir),
        Arc::new(BrokenSink),
        Arc::new(BrokenSink),
    );
    let app = TestApp {
        router: app(state),
        config: test_config(&dir),
        dir,
    };
    let answer = app.ingest(1, KEY_ONE, &batch(vec![custom(1, "a")])).await;
    let reason = answer.error(503);
    assert!(
        !reason.contains("fire"),
        "server details stay in the log: {reason}"
    );
    assert_eq!(answer.header("retry-after"), Some("5"));
    let read = app.read("").await;
    assert!(read.error(503).contains("cannot read"));
    assert!(!read.body.to_string().contains("fire"));
    // A batch with nothing to store does not touch the store.
    assert_eq!(app.ingest(1, KEY_ONE, &batch(vec![])).await.status, 200);
}

/// A store whose first write fails, as a disk that filled up and was freed.
struct FailsOnce {
    failed: std::sync::atomic::AtomicBool,
    store: Arc<monitor_collector::store::SqliteStore>,
}

impl EventSink for FailsOnce {
    fn write_batch(&self, project: u64, at: i64, events: &[ValidEvent]) -> Result<(), StoreError> {
        if !self.failed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return on_fire();
        }
        self.store.write_batch(project, at, events)
    }
}

#[tokio::test]
async fn a_batch_refused_with_503_is_kept_when_the_sdk_sends_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(&dir);
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let store =
        Arc::new(monitor_collector::store::SqliteStore::open(&config.database_path()).unwrap());
    let sink = FailsOnce {
        failed: std::sync::atomic::AtomicBool::new(false),
        store: store.clone(),
    };
    let app = TestApp {
        router: app(AppState::new(config.clone(), Arc::new(sink), store)),
        config,
        dir,
    };
    let body = batch(vec![custom(7, "retried")]);
    app.ingest(1, KEY_ONE, &body).await.error(503);
    // The cleaning stage saw the event once already: it must not take the retry for a copy.
    let answer = app.ingest(1, KEY_ONE, &body).await;
    assert_eq!(answer.body, json!({"accepted": 1, "rejected": []}));
    let events = app.read("").await.body["events"].clone();
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
    let live = app.send(get_authed("/api/1/live/counters")).await;
    assert_eq!(live.body["custom"]["retried"], 1, "{}", live.body);
}
