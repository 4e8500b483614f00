//! The ingest endpoint against a real store: what is accepted, what is refused and how.

mod common;

use axum::body::{Body, Bytes};
use common::*;
use serde_json::json;

#[tokio::test]
async fn text_plain_batch_is_accepted_and_stored() {
    let app = TestApp::new();
    let answer = app
        .ingest(1, KEY_ONE, &batch(vec![custom(1, "a"), custom(2, "b")]))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, json!({"accepted": 2, "rejected": []}));
    assert_eq!(
        app.read("").await.body["events"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn json_and_missing_content_types_are_accepted() {
    let app = TestApp::new();
    let body = batch(vec![custom(1, "a")]).to_string();
    let json_request = post_bare(1, KEY_ONE)
        .header("content-type", "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(app.send(json_request).await.body["accepted"], 1);
    let bare = post_bare(1, KEY_ONE).body(Body::from(body)).unwrap();
    assert_eq!(app.send(bare).await.body["accepted"], 1);
}

#[tokio::test]
async fn other_content_types_and_encodings_get_415() {
    let app = TestApp::new();
    let body = batch(vec![custom(1, "a")]).to_string();
    let xml = post_bare(1, KEY_ONE)
        .header("content-type", "application/xml")
        .body(Body::from(body.clone()))
        .unwrap();
    assert!(app.send(xml).await.error(415).contains("content type"));
    let brotli = post(1, KEY_ONE)
        .header("content-encoding", "br")
        .body(Body::from(body))
        .unwrap();
    assert!(app.send(brotli).await.error(415).contains("encoding"));
}

#[tokio::test]
async fn gzip_batch_is_accepted() {
    let app = TestApp::new();
    let body = gzip(batch(vec![custom(1, "zipped")]).to_string().as_bytes());
    let request = post(1, KEY_ONE)
        .header("content-encoding", "gzip")
        .body(Body::from(body))
        .unwrap();
    let answer = app.send(request).await;
    assert_eq!(answer.body, json!({"accepted": 1, "rejected": []}));
    assert_eq!(app.read("").await.body["events"][0]["name"], "zipped");
}

#[tokio::test]
async fn unreadable_bodies_get_400() {
    let app = TestApp::new();
    let cases = [
        ("{\"events\": [", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("{\"sent_at\": 1}", "no \"events\""),
        ("{\"events\": {\"0\": {}}}", "must be an array"),
        ("", "not valid JSON"),
    ];
    for (body, reason) in cases {
        let answer = app
            .send(post(1, KEY_ONE).body(Body::from(body)).unwrap())
            .await;
        assert!(
            answer.error(400).contains(reason),
            "{body}: {}",
            answer.body
        );
    }
    let bad_gzip = post(1, KEY_ONE)
        .header("content-encoding", "gzip")
        .body(Body::from("{\"events\": []}"))
        .unwrap();
    assert!(app.send(bad_gzip).await.error(400).contains("gzip"));
}

#[tokio::test]
async fn keys_are_checked_against_the_project() {
    let app = TestApp::new();
    let body = batch(vec![custom(1, "a")]);
    assert!(app
        .ingest(1, "no-such-key", &body)
        .await
        .error(401)
        .contains("unknown key"));
    assert!(app
        .ingest(1, KEY_TWO, &body)
        .await
        .error(403)
        .contains("project 1"));
    let keyless = axum::http::Request::post("/api/1/events")
        .body(Body::from(body.to_string()))
        .unwrap();
    assert!(app.send(keyless).await.error(401).contains("missing key"));
    assert!(app
        .ingest(0, KEY_ONE, &body)
        .await
        .error(400)
        .contains("project id"));
    assert!(app.read("").await.body["events"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn origins_are_checked_per_project() {
    let app = TestApp::new();
    let body = batch(vec![custom(1, "a")]).to_string();
    let from = |project, key, origin| {
        post(project, key)
            .header("origin", origin)
            .body(Body::from(body.clone()))
            .unwrap()
    };
    let refused = app.send(from(1, KEY_ONE, "http://evil.example")).await;
    assert!(refused.error(403).contains("evil.example"));
    assert_eq!(refused.header("access-control-allow-origin"), None);
    assert_eq!(app.send(from(1, KEY_ONE, ALLOWED_ORIGIN)).await.status, 200);
    assert_eq!(
        app.send(from(2, KEY_TWO, "http://anywhere.example"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn oversized_body_with_content_length_gets_413() {
    let app = TestApp::new();
    let big = format!("{{\"events\": [], \"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    let answer = app
        .send(
            post(1, KEY_ONE)
                .header("content-length", big.len())
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    assert!(answer.error(413).contains("larger than 65536 bytes"));
}

#[tokio::test]
async fn oversized_streamed_body_without_content_length_gets_413() {
    let app = TestApp::new();
    let chunks = (0..100).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 1024])));
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let request = post(1, KEY_ONE).body(body).unwrap();
    assert!(request.headers().get("content-length").is_none());
    assert!(app.send(request).await.error(413).contains("larger than"));
}

#[tokio::test]
async fn gzip_bomb_gets_413() {
    let app = TestApp::new();
    // 10 MiB of spaces inside a valid envelope compresses to about 10 KiB.
    let mut plain = b"{\"events\": [], \"pad\": \"".to_vec();
    plain.extend(std::iter::repeat_n(b' ', 10 * 1024 * 1024));
    plain.extend(b"\"}");
    let bomb = gzip(&plain);
    assert!(bomb.len() < app.config.max_body_bytes);
    let request = post(1, KEY_ONE)
        .header("content-encoding", "gzip")
        .body(Body::from(bomb))
        .unwrap();
    assert!(app.send(request).await.error(413).contains("decompressed"));
}

#[tokio::test]
async fn too_many_events_get_413() {
    let app = TestApp::new();
    let events = (0..51).map(|n| custom(n, "x")).collect();
    assert!(app
        .ingest(1, KEY_ONE, &batch(events))
        .await
        .error(413)
        .contains("51 events"));
}

#[tokio::test]
async fn bad_events_are_rejected_and_the_rest_accepted() {
    let app = TestApp::new();
    let events = vec![
        custom(1, "good"),
        json!({"event_id": event_id(2), "type": "custom", "name": "no timestamp"}),
        json!({"event_id": event_id(3), "type": "error", "timestamp": 5, "exception": {"values": []}}),
        json!({"event_id": event_id(4), "type": "web_vital", "timestamp": "5", "name": "LCP", "value": 1}),
        json!("not an event"),
        json!({"event_id": event_id(6), "type": "http_error", "timestamp": 5, "http": {"url": "/x", "status": 502}}),
    ];
    let answer = app.ingest(1, KEY_ONE, &batch(events)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        json!({"accepted": 2, "rejected": [
            {"index": 1, "reason": "events[1].timestamp: missing, expected a number"},
            {"index": 2, "reason": "events[2].exception.values: expected a non-empty array"},
            {"index": 3, "reason": "events[3].timestamp: expected a number"},
            {"index": 4, "reason": "events[4]: expected an object"},
        ]})
    );
    let stored = app.read("").await.body;
    let ids: Vec<&str> = stored["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    // Newest first by the events' own timestamps (event 6 says 5 ms after the epoch).
    assert_eq!(ids, [event_id(1), event_id(6)]);
}

#[tokio::test]
async fn duplicate_events_count_as_accepted_but_are_stored_once() {
    let app = TestApp::new();
    let body = batch(vec![custom(1, "a"), custom(1, "a")]);
    assert_eq!(app.ingest(1, KEY_ONE, &body).await.body["accepted"], 2);
    assert_eq!(app.ingest(1, KEY_ONE, &body).await.body["accepted"], 2);
    assert_eq!(
        app.read("").await.body["events"].as_array().unwrap().len(),
        1
    );
    // The same id in another project is another event.
    assert_eq!(app.ingest(2, KEY_TWO, &body).await.body["accepted"], 2);
    let other = app.send(get_authed("/api/2/events?from=0")).await.body;
    assert_eq!(other["events"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn empty_batch_is_fine() {
    let app = TestApp::new();
    let answer = app.ingest(1, KEY_ONE, &batch(vec![])).await;
    assert_eq!(answer.body, json!({"accepted": 0, "rejected": []}));
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_408() {
    let app = TestApp::with(|config| config.body_timeout_secs = 1);
    let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
    let request = post(1, KEY_ONE).body(Body::from_stream(never)).unwrap();
    assert!(app.send(request).await.error(408).contains("too long"));
}
