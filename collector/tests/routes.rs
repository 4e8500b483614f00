//! The routes around the API: health, static files, unknown paths and methods.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::*;

#[tokio::test]
async fn healthz() {
    let answer = TestApp::new().send(get("/healthz")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn root_redirects_to_the_dashboard() {
    let answer = TestApp::new().send(get("/")).await;
    assert!(answer.status.is_redirection());
    // Relative, so that it also works behind a path prefix; from `/` it means `/dashboard/`.
    assert_eq!(answer.header("location"), Some("dashboard/"));
}

#[tokio::test]
async fn static_files_with_content_types() {
    let app = TestApp::new();
    std::fs::create_dir_all(&app.config.demo_dir).unwrap();
    std::fs::create_dir_all(app.config.sdk_dir.join("wasm")).unwrap();
    std::fs::write(app.config.demo_dir.join("index.html"), "<h1>demo</h1>").unwrap();
    std::fs::write(
        app.config.sdk_dir.join("wasm/sdk_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(app.config.sdk_dir.join("index.js"), "export {}").unwrap();

    let page = app.send(get("/demo/")).await;
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(page.body, "<h1>demo</h1>");

    let wasm = app.send(get("/sdk/wasm/sdk_bg.wasm")).await;
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));

    let js = app.send(get("/sdk/index.js")).await;
    assert!(js.header("content-type").unwrap().contains("javascript"));

    assert_eq!(app.send(get("/sdk/missing.js")).await.status, 404);
    assert_eq!(app.send(get("/demo/../../etc/passwd")).await.status, 404);
}

#[tokio::test]
async fn a_missing_static_dir_is_404() {
    assert_eq!(TestApp::new().send(get("/demo/")).await.status, 404);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let app = TestApp::new();
    app.send(get("/nowhere")).await.error(404);
    let delete = Request::builder()
        .method(Method::DELETE)
        .uri("/api/1/events")
        .body(Body::empty())
        .unwrap();
    app.send(delete).await.error(405);
}

#[tokio::test]
async fn demo_without_slash_redirects_so_relative_urls_work() {
    let answer = TestApp::new().send(get("/demo")).await;
    assert!(answer.status.is_redirection());
    assert_eq!(answer.header("location"), Some("demo/"));
}
