use serde_json::{json, Value};
use sourcemap::SourceMapBuilder;

use super::*;

const MINIFIED: &str =
    "function c(){throw new Error(\"x\")}c();\n//# sourceMappingURL=app.min.js.map\n";

fn map_json() -> Vec<u8> {
    let original = "// app\n\nfunction throwIt() {\n  throw new Error('x');\n}\nthrowIt();\n";
    let mut builder = SourceMapBuilder::new(Some("app.min.js"));
    let src = builder.add_source("../src/app.js");
    builder.set_source_contents(src, Some(original));
    builder.add(0, 0, 2, 0, Some("../src/app.js"), None, false);
    builder.add(0, 9, 2, 9, Some("../src/app.js"), Some("throwIt"), false);
    builder.add(0, 13, 3, 2, Some("../src/app.js"), None, false);
    let mut out = Vec::new();
    builder.into_sourcemap().to_writer(&mut out).unwrap();
    out
}

fn config() -> SourceMapsConfig {
    SourceMapsConfig::default()
}

fn event(release: Option<&str>, url: &str) -> Value {
    let mut event = json!({"type": "error", "exception": {"values": [{"type": "Error", "value": "x",
    "stacktrace": {"frames": [
        {"filename": "https://other.example/lib.js", "function": "z", "lineno": 1, "colno": 1, "in_app": false},
        {"filename": url, "function": "c", "lineno": 1, "colno": 14, "in_app": true}
    ]}}]}});
    if let Some(release) = release {
        event["release"] = json!(release);
    }
    event
}

fn upload(maps: &SourceMaps, key: &str, bytes: &[u8]) {
    let kind = classify(key, bytes).unwrap();
    maps.store.put(1, "1.0", key, kind, bytes, 1).unwrap();
    maps.invalidate();
}

fn thrower(event: &Value) -> &Value {
    &event["exception"]["values"][0]["stacktrace"]["frames"][1]
}

#[test]
fn the_script_names_its_map_and_gives_the_function_its_name_back() {
    let dir = tempfile::tempdir().unwrap();
    let maps = SourceMaps::open(dir.path().into(), &config());
    upload(&maps, "~/assets/app.min.js", MINIFIED.as_bytes());
    upload(&maps, "~/assets/app.min.js.map", &map_json());
    let mut e = event(Some("1.0"), "https://shop.example/assets/app.min.js?v=9");
    assert_eq!(
        maps.symbolicate(1, &mut e),
        1,
        "the library frame has no map"
    );
    let frame = thrower(&e);
    assert_eq!(frame["filename"], "src/app.js");
    assert_eq!(
        (frame["lineno"].clone(), frame["colno"].clone()),
        (json!(4), json!(3))
    );
    assert_eq!(frame["function"], "throwIt");
    assert_eq!(frame["context_line"], "  throw new Error('x');");
    assert_eq!(
        frame["minified"]["filename"],
        "https://shop.example/assets/app.min.js?v=9"
    );
    // The same frame again comes from the cache, with the same answer.
    let mut again = event(Some("1.0"), "https://shop.example/assets/app.min.js?v=9");
    maps.symbolicate(1, &mut again);
    assert_eq!(again, e);
}

#[test]
fn a_map_alone_is_found_next_to_the_script_url() {
    let dir = tempfile::tempdir().unwrap();
    let maps = SourceMaps::open(dir.path().into(), &config());
    upload(&maps, "https://cdn.example/app.min.js.map", &map_json());
    let mut e = event(Some("1.0"), "https://cdn.example/app.min.js");
    assert_eq!(maps.symbolicate(1, &mut e), 1);
    assert_eq!(thrower(&e)["filename"], "src/app.js");
    assert_eq!(thrower(&e)["function"], "c", "no script, no name lookup");
    // Another host: the upload named its host, so it does not apply.
    let mut elsewhere = event(Some("1.0"), "https://other.example/app.min.js");
    assert_eq!(maps.symbolicate(1, &mut elsewhere), 0);
}

#[test]
fn other_releases_projects_and_events_without_release_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let maps = SourceMaps::open(dir.path().into(), &config());
    upload(&maps, "~/app.min.js.map", &map_json());
    for (project, release) in [(1, Some("2.0")), (1, None), (2, Some("1.0"))] {
        let mut e = event(release, "https://h/app.min.js");
        let before = e.clone();
        assert_eq!(maps.symbolicate(project, &mut e), 0);
        assert_eq!(e, before);
    }
}

#[test]
fn an_upload_after_a_miss_is_used_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let maps = SourceMaps::open(dir.path().into(), &config());
    upload(&maps, "~/unrelated.js", b"1");
    let mut e = event(Some("1.0"), "https://h/app.min.js");
    assert_eq!(maps.symbolicate(1, &mut e), 0);
    upload(&maps, "~/app.min.js.map", &map_json());
    let mut e = event(Some("1.0"), "https://h/app.min.js");
    assert_eq!(maps.symbolicate(1, &mut e), 1);
}

#[test]
fn uploads_are_classified_and_bad_maps_refused() {
    assert_eq!(classify("~/a.js", b"var a;").unwrap(), FileKind::Source);
    assert_eq!(classify("~/a.js.map", &map_json()).unwrap(), FileKind::Map);
    let err = classify("~/a.js.map", b"{\"version\": 3, \"mappings\": 1}").unwrap_err();
    assert!(matches!(err, SourceMapError::NotAMap(_)), "{err}");
    assert!(classify("~/a.js.map", b"not json").is_err());
    assert!(classify("~/a.js", &[0xff, 0xfe]).is_err());
}
