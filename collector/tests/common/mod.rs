//! Shared by the integration tests: a real router over a real SQLite store in a temp dir.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::io::Write;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use flate2::{write::GzEncoder, Compression};
use http_body_util::BodyExt;
use monitor_collector::config::{Config, ProjectConfig};
use monitor_collector::{app, AppState};
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

pub const KEY_ONE: &str = "key-one";
pub const KEY_TWO: &str = "key-two";
pub const ALLOWED_ORIGIN: &str = "http://allowed.example";
/// The query API's secret token in [`test_config`].
pub const API_TOKEN: &str = "test-api-token";

pub struct TestApp {
    pub dir: TempDir,
    pub config: Config,
    pub router: Router,
}

/// Project 1 only accepts pages from `ALLOWED_ORIGIN`; project 2 accepts any origin.
pub fn test_config(dir: &TempDir) -> Config {
    Config {
        data_dir: dir.path().join("data"),
        demo_dir: dir.path().join("demo"),
        sdk_dir: dir.path().join("sdk"),
        max_body_bytes: 64 * 1024,
        max_decompressed_bytes: 256 * 1024,
        max_events_per_batch: 50,
        api_token: Some(API_TOKEN.into()),
        projects: vec![
            ProjectConfig {
                id: 1,
                keys: vec![KEY_ONE.into()],
                allowed_origins: vec![ALLOWED_ORIGIN.into()],
            },
            ProjectConfig {
                id: 2,
                keys: vec![KEY_TWO.into()],
                allowed_origins: vec!["*".into()],
            },
        ],
        ..Config::default()
    }
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with(|_| {})
    }

    pub fn with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(&dir);
        adjust(&mut config);
        config.validate().expect("valid test config");
        let router = app(AppState::open(config.clone()).expect("store opens"));
        TestApp {
            dir,
            config,
            router,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            body,
        }
    }

    /// POSTs a JSON body as `text/plain`, like `sendBeacon`.
    pub async fn ingest(&self, project: u64, key: &str, body: &Value) -> Answer {
        self.send(
            post(project, key)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// `GET /api/1/events{query}` with the api token, over all time (`from=0`: the fixtures'
    /// timestamps are fixed, the default range is the last 24 hours).
    pub async fn read(&self, query: &str) -> Answer {
        let all_time = if query.is_empty() {
            "?from=0"
        } else {
            "&from=0"
        };
        self.send(get_authed(&format!("/api/1/events{query}{all_time}")))
            .await
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and that the body is `{"error": "..."}`; returns the reason.
    pub fn error(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self.body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field in {}", self.body))
            .to_owned()
    }
}

/// An ingest request as `sendBeacon` makes it: `text/plain`.
pub fn post(project: u64, key: &str) -> axum::http::request::Builder {
    post_bare(project, key).header("content-type", "text/plain;charset=UTF-8")
}

/// An ingest request with no headers yet.
pub fn post_bare(project: u64, key: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/{project}/events?key={key}"))
}

pub fn get(uri: &str) -> Request<Body> {
    Request::builder().uri(uri).body(Body::empty()).unwrap()
}

/// A GET of the query API with `Authorization: Bearer {API_TOKEN}`.
pub fn get_authed(uri: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {API_TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

pub fn event_id(n: u32) -> String {
    format!("{n:032x}")
}

pub fn custom(n: u32, name: &str) -> Value {
    json!({"event_id": event_id(n), "type": "custom", "timestamp": 1763870000123.25, "name": name})
}

pub fn batch(events: Vec<Value>) -> Value {
    json!({"sdk": {"name": "monitor-sdk.browser", "version": "0.1.0"}, "sent_at": 1763870000500u64, "events": events})
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}
