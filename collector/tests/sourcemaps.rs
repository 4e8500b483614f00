//! Source maps through the real binaries, on both stores: a build's script and map uploaded
//! with `monitor-collector sourcemaps upload`, an error from that build sent through the
//! ingest API, and the stored event read back through the query API with its original
//! file, line, function and source lines; a second build of the same code (other names,
//! other file) groups into the same issue. The refusals of the upload endpoint, and that
//! every answer is what the OpenAPI document says.
//!
//! The bundler-built case (Vite, a real browser) is tests/e2e/sourcemap.test.mjs.

mod query;
mod services;

use std::process::Command;

use query::backend::{Backend, TOKEN};
use query::schema::Spec;
use serde_json::{json, Value};
use services::ensure_services;
use sourcemap::SourceMapBuilder;

const ORIGINAL: &str = "// checkout\n\nexport function payNow(cart) {\n  throw new TypeError('card declined');\n}\npayNow([]);\n";

/// A build of ORIGINAL: the minified script (with its sourceMappingURL) and its map. Each
/// build names the function differently and puts the throw at another column.
fn build(name: &str, minified_fn: &str, pad: usize) -> (String, String) {
    let prefix = " ".repeat(pad);
    let script = format!(
        "{prefix}function {minified_fn}(){{throw new TypeError(\"card declined\")}}{minified_fn}([]);\n//# sourceMappingURL={name}.map\n"
    );
    let mut builder = SourceMapBuilder::new(Some(name));
    let src = builder.add_source("../src/checkout.js");
    builder.set_source_contents(src, Some(ORIGINAL));
    let at = pad as u32;
    builder.add(0, at, 2, 7, Some("../src/checkout.js"), None, false);
    builder.add(
        0,
        at + 9,
        2,
        16,
        Some("../src/checkout.js"),
        Some("payNow"),
        false,
    );
    let throw_col = at + 9 + minified_fn.len() as u32 + 3;
    builder.add(0, throw_col, 3, 2, Some("../src/checkout.js"), None, false);
    let mut map = Vec::new();
    builder.into_sourcemap().to_writer(&mut map).unwrap();
    (script, String::from_utf8(map).unwrap())
}

/// The column (1-based) of the throw in a build's script.
fn throw_colno(minified_fn: &str, pad: usize) -> u64 {
    (pad + 9 + minified_fn.len() + 3 + 1) as u64
}

fn error_event(id: u32, file: &str, function: &str, colno: u64) -> Value {
    json!({
        "event_id": format!("{id:032x}"), "type": "error", "timestamp": now_ms(),
        "release": "shop@2.0", "level": "error", "platform": "javascript",
        "exception": {"values": [{"type": "TypeError", "value": "card declined",
            "stacktrace": {"frames": [
                {"filename": format!("https://shop.example/static/{file}?v=1"), "function": function,
                 "lineno": 1, "colno": colno, "in_app": true}
            ]}}]}
    })
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64
}

/// `monitor-collector sourcemaps upload` of a folder holding the builds.
fn upload_with_cli(store: &Backend, dir: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_monitor-collector"))
        .args([
            "sourcemaps",
            "upload",
            "--release",
            "shop@2.0",
            "--url-prefix",
            "~/static",
        ])
        .args([
            "--server",
            &format!("http://{}", store.addr),
            "--token",
            TOKEN,
        ])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{}: {stdout}{}",
        store.name,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn minified_errors_come_back_readable_and_group_across_builds() {
    if !ensure_services(&["kafka", "clickhouse"]) {
        return;
    }
    let dist = tempfile::tempdir().unwrap();
    for (name, minified_fn, pad) in [("app.1a2b.js", "q", 0), ("app.9f8e.js", "zz", 40)] {
        let (script, map) = build(name, minified_fn, pad);
        std::fs::write(dist.path().join(name), script).unwrap();
        std::fs::write(dist.path().join(format!("{name}.map")), map).unwrap();
    }
    std::fs::write(dist.path().join("index.html"), "<!doctype html>").unwrap();

    let stores = [Backend::embedded(), Backend::kafka()];
    for store in &stores {
        let printed = upload_with_cli(store, dist.path());
        assert!(
            printed.contains("uploaded ~/static/app.1a2b.js.map"),
            "{printed}"
        );
        assert!(printed.contains("4 files uploaded"), "{printed}");
        let listed = store.ok("/api/1/releases/shop%402.0/sourcemaps");
        let kinds: Vec<(&str, &str)> = listed["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["url"].as_str().unwrap(), f["kind"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("~/static/app.1a2b.js", "source"),
                ("~/static/app.1a2b.js.map", "map"),
                ("~/static/app.9f8e.js", "source"),
                ("~/static/app.9f8e.js.map", "map"),
            ]
        );
        store.ingest(
            1,
            &[
                error_event(1, "app.1a2b.js", "q", throw_colno("q", 0)),
                error_event(2, "app.9f8e.js", "zz", throw_colno("zz", 40)),
            ],
        );
    }
    for store in &stores {
        store.wait_for_events(1, 0, i64::MAX / 2, 2);
        for id in [1u32, 2] {
            let event = store.ok(&format!("/api/1/events/{id:032x}"));
            let frame = &event["exception"]["values"][0]["stacktrace"]["frames"][0];
            assert_eq!(
                frame["filename"], "src/checkout.js",
                "{}: {frame}",
                store.name
            );
            assert_eq!(frame["lineno"], 4, "{}: {frame}", store.name);
            assert_eq!(frame["colno"], 3, "{}: {frame}", store.name);
            assert_eq!(frame["function"], "payNow", "{}: {frame}", store.name);
            assert_eq!(
                frame["context_line"],
                "  throw new TypeError('card declined');"
            );
            assert_eq!(frame["pre_context"][2], "export function payNow(cart) {");
            assert_eq!(frame["post_context"][0], "}");
            assert!(
                frame["minified"]["filename"]
                    .as_str()
                    .unwrap()
                    .ends_with("?v=1"),
                "{frame}"
            );
        }
        let issues = store.ok("/api/1/issues");
        let issues = issues["issues"].as_array().unwrap();
        assert_eq!(
            issues.len(),
            1,
            "{}: two builds, one bug: {issues:?}",
            store.name
        );
        assert_eq!(issues[0]["count"], 2);
        assert_eq!(issues[0]["culprit"], "payNow (src/checkout.js)");
    }
}

#[test]
fn uploads_are_refused_with_a_reason_and_releases_can_be_deleted() {
    let store = Backend::embedded();
    let path = "/api/1/releases/r1/sourcemaps";
    let upload = |url: &str, token: Option<&str>, body: &str| {
        store.call("POST", &format!("{path}?url={url}"), token, body)
    };
    let (status, body) = upload("~/a.js", None, "var a;");
    assert_eq!(status, 401, "{body}");
    let (status, body) = upload("~/a.js", Some("wrong"), "var a;");
    assert_eq!(status, 401, "{body}");
    let (status, body) = store.call("POST", path, Some(TOKEN), "var a;");
    assert_eq!(
        (status, body["error"].as_str().unwrap().contains("url")),
        (400, true),
        "{body}"
    );
    let (status, body) = upload("assets/a.js", Some(TOKEN), "var a;");
    assert_eq!(status, 400, "a key is a URL or ~/path: {body}");
    let (status, body) = upload(
        "~/a.js.map",
        Some(TOKEN),
        "{\"version\": 3, \"mappings\": 7}",
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("not a source map"),
        "{body}"
    );
    let (status, body) = store.call(
        "POST",
        "/api/9/releases/r1/sourcemaps?url=~/a.js",
        Some(TOKEN),
        "x",
    );
    assert_eq!(status, 404, "unknown project: {body}");
    assert_eq!(store.get(path).0, 404, "nothing kept so far");

    let (status, body) = upload("~/a.js", Some(TOKEN), "var a;");
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["kind"], "source");
    assert_eq!(body["size"], 6);
    let (status, body) = store.call("DELETE", path, None, "");
    assert_eq!(status, 401, "{body}");
    let (status, body) = store.call("DELETE", path, Some(TOKEN), "");
    assert_eq!((status, body["deleted"].clone()), (200, json!(1)), "{body}");
    assert_eq!(store.get(path).0, 404);
    assert_eq!(store.call("DELETE", path, Some(TOKEN), "").0, 404);

    let (_, document) = store.call("GET", "/api/openapi.json", None, "");
    let spec = Spec::new(document);
    for (method, path, status, body) in store.answers.borrow().iter() {
        if path.contains("/sourcemaps") {
            spec.check(method, path, *status, body);
        }
    }
}
