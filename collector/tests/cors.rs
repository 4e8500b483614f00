//! CORS answers on the API routes, per project origin lists.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::*;

fn preflight(project: u64, origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri(format!("/api/{project}/events?key=whatever"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, content-encoding",
        )
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn preflight_from_an_allowed_origin() {
    let app = TestApp::new();
    let answer = app.send(preflight(1, ALLOWED_ORIGIN)).await;
    assert_eq!(answer.status, 204);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert!(answer
        .header("access-control-allow-methods")
        .unwrap()
        .contains("POST"));
    let allowed_headers = answer.header("access-control-allow-headers").unwrap();
    assert!(
        allowed_headers.contains("content-type") && allowed_headers.contains("content-encoding")
    );
    assert!(answer.header("access-control-max-age").is_some());
    assert!(answer.header("vary").unwrap().contains("origin"));

    let any = app.send(preflight(2, "http://localhost:5173")).await;
    assert_eq!(any.status, 204);
    assert_eq!(
        any.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
}

#[tokio::test]
async fn preflight_from_another_origin_is_refused() {
    let app = TestApp::new();
    let answer = app.send(preflight(1, "http://evil.example")).await;
    answer.error(403);
    assert_eq!(answer.header("access-control-allow-origin"), None);
    let unknown_project = app.send(preflight(9, ALLOWED_ORIGIN)).await;
    unknown_project.error(403);
}

#[tokio::test]
async fn answers_carry_the_origin_including_errors() {
    let app = TestApp::new();
    let ok = post(1, KEY_ONE)
        .header("origin", ALLOWED_ORIGIN)
        .body(Body::from(batch(vec![custom(1, "a")]).to_string()))
        .unwrap();
    let answer = app.send(ok).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );

    let unreadable = post(1, KEY_ONE)
        .header("origin", ALLOWED_ORIGIN)
        .body(Body::from("not json"))
        .unwrap();
    let answer = app.send(unreadable).await;
    answer.error(400);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert_eq!(
        answer.header("access-control-expose-headers"),
        Some("retry-after")
    );

    let wrong_key = post(1, "nope")
        .header("origin", ALLOWED_ORIGIN)
        .body(Body::from("{}"))
        .unwrap();
    let answer = app.send(wrong_key).await;
    answer.error(401);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
}

#[tokio::test]
async fn the_read_endpoint_has_cors_too() {
    let app = TestApp::new();
    let request = Request::get("/api/1/events")
        .header("origin", ALLOWED_ORIGIN)
        .header("authorization", format!("Bearer {API_TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let answer = app.send(request).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
}
