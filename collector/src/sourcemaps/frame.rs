//! One stack frame through one source map: the original file, line, column and function,
//! the lines around it when the map carries the sources, and the minified position kept
//! under `minified` so that nothing the SDK sent is lost.

use serde_json::{json, Map, Value};
use sourcemap::{SourceMap, SourceView};

use super::locate::source_path;

/// Lines of source shown before and after the frame's line.
pub const CONTEXT_LINES: usize = 5;
/// Longest context line kept, in characters (a bundled file may be one long line).
pub const MAX_CONTEXT_CHARS: usize = 300;

/// A parsed map and, when it was uploaded, the minified script it belongs to.
pub struct Loaded {
    pub map: SourceMap,
    pub minified: Option<SourceView>,
}

/// The frame as the map reads it, or `None` when the map has nothing for its position.
pub fn symbolicate(loaded: &Loaded, frame: &Value) -> Option<Value> {
    let line = position(frame, "lineno")?;
    let column = position(frame, "colno")?;
    let token = loaded.map.lookup_token(line, column)?;
    // A token of an earlier line would name code that did not run here.
    if token.get_dst_line() != line {
        return None;
    }
    let source = token.get_source()?;
    let src_id = token.get_src_id();
    let path = source_path(source);
    let minified_function = frame.get("function").and_then(Value::as_str);
    let function = minified_function.and_then(|name| {
        let view = loaded.minified.as_ref()?;
        // `Object.a` or `HTMLButtonElement.c`: the minifier renamed the last part only.
        let last = name.rsplit('.').next().unwrap_or(name);
        view.get_original_function_name(token, last)
    });

    let mut out: Map<String, Value> = frame.as_object().cloned().unwrap_or_default();
    let minified: Map<String, Value> = ["filename", "function", "lineno", "colno"]
        .iter()
        .filter_map(|k| frame.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect();
    out.insert("minified".into(), Value::Object(minified));
    out.insert("filename".into(), json!(path));
    out.insert("lineno".into(), json!(token.get_src_line() + 1));
    out.insert("colno".into(), json!(token.get_src_col() + 1));
    if let Some(function) = function {
        out.insert("function".into(), json!(function));
    }
    let library = path.contains("node_modules/") || loaded.map.ignore_list().any(|&i| i == src_id);
    if library {
        out.insert("in_app".into(), json!(false));
    }
    if let Some(text) = loaded.map.get_source_contents(src_id) {
        add_context(&mut out, text, token.get_src_line() as usize);
    }
    Some(Value::Object(out))
}

/// `lineno`/`colno` of the frame as the map's 0-based numbers.
fn position(frame: &Value, key: &str) -> Option<u32> {
    let n = frame.get(key)?.as_u64()?;
    u32::try_from(n).ok()?.checked_sub(1)
}

fn add_context(frame: &mut Map<String, Value>, text: &str, line: usize) {
    let lines: Vec<&str> = text.lines().collect();
    let Some(context_line) = lines.get(line) else {
        return;
    };
    let clip = |l: &&str| Value::String(l.chars().take(MAX_CONTEXT_CHARS).collect());
    let before = &lines[line.saturating_sub(CONTEXT_LINES)..line];
    let after = &lines[line + 1..(line + 1 + CONTEXT_LINES).min(lines.len())];
    frame.insert("pre_context".into(), before.iter().map(clip).collect());
    frame.insert("context_line".into(), clip(context_line));
    frame.insert("post_context".into(), after.iter().map(clip).collect());
}

#[cfg(test)]
mod tests {
    use super::*;
    use sourcemap::SourceMapBuilder;

    /// `function c(){throw new Error("x")}c();` from src/app.js, where `c` was
    /// `throwIt` on line 3.
    fn loaded(with_minified: bool) -> Loaded {
        let original = "// app\n\nfunction throwIt() {\n  throw new Error('x');\n}\nthrowIt();\n";
        let minified = "function c(){throw new Error(\"x\")}c();";
        let mut builder = SourceMapBuilder::new(Some("app.min.js"));
        let src = builder.add_source("../src/app.js");
        builder.set_source_contents(src, Some(original));
        builder.add(0, 0, 2, 0, Some("../src/app.js"), None, false);
        builder.add(0, 9, 2, 9, Some("../src/app.js"), Some("throwIt"), false);
        builder.add(0, 13, 3, 2, Some("../src/app.js"), None, false);
        builder.add(0, 34, 5, 0, Some("../src/app.js"), Some("throwIt"), false);
        Loaded {
            map: builder.into_sourcemap(),
            minified: with_minified.then(|| SourceView::from_string(minified.to_owned())),
        }
    }

    fn frame(function: &str, colno: u64) -> Value {
        json!({"filename": "https://h/app.min.js", "function": function,
               "lineno": 1, "colno": colno, "in_app": true})
    }

    #[test]
    fn a_minified_frame_comes_back_with_its_original_place_and_name() {
        let out = symbolicate(&loaded(true), &frame("c", 14)).unwrap();
        assert_eq!(out["filename"], "src/app.js");
        assert_eq!(out["lineno"], 4);
        assert_eq!(out["colno"], 3);
        assert_eq!(out["function"], "throwIt");
        assert_eq!(out["in_app"], true);
        assert_eq!(out["context_line"], "  throw new Error('x');");
        assert_eq!(
            out["pre_context"],
            json!(["// app", "", "function throwIt() {"])
        );
        assert_eq!(out["post_context"], json!(["}", "throwIt();"]));
        assert_eq!(
            out["minified"],
            json!({"filename": "https://h/app.min.js", "function": "c", "lineno": 1, "colno": 14})
        );
    }

    #[test]
    fn without_the_minified_script_the_name_stays_and_the_place_is_mapped() {
        let out = symbolicate(&loaded(false), &frame("c", 14)).unwrap();
        assert_eq!(out["function"], "c");
        assert_eq!(out["lineno"], 4);
    }

    #[test]
    fn positions_the_map_does_not_cover_are_left_alone() {
        let map = loaded(true);
        let mut other_line = frame("c", 5);
        other_line["lineno"] = json!(2);
        assert!(symbolicate(&map, &other_line).is_none());
        let mut no_column = frame("c", 5);
        no_column.as_object_mut().unwrap().remove("colno");
        assert!(symbolicate(&map, &no_column).is_none());
        let mut zero = frame("c", 0);
        zero["lineno"] = json!(0);
        assert!(symbolicate(&map, &zero).is_none());
    }

    #[test]
    fn library_sources_are_not_in_app() {
        let mut builder = SourceMapBuilder::new(None);
        builder.add(
            0,
            0,
            0,
            0,
            Some("../node_modules/lib/index.js"),
            None,
            false,
        );
        let loaded = Loaded {
            map: builder.into_sourcemap(),
            minified: None,
        };
        let out = symbolicate(&loaded, &frame("a", 1)).unwrap();
        assert_eq!(out["in_app"], false);
        assert_eq!(out["filename"], "node_modules/lib/index.js");
    }
}
