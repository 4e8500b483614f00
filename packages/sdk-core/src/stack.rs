//! Stack parsing: turns a JS `Error.stack` string into frames.
//!
//! Two formats are understood:
//! - V8 (Chrome, Edge, Node): `    at fn (url:line:col)` or `    at url:line:col`.
//! - `fn@url:line:col`, used by SpiderMonkey (Firefox) and JavaScriptCore (Safari).
//!
//! A stack is read as V8 when any line starts with `at `; then only those lines are frames,
//! so a message such as `Error: a@b.com` on the first line never becomes a frame. Otherwise a
//! line is a frame when its location has a line number or is `[native code]`.
//!
//! Choices:
//! - Eval frames (V8 `eval at f (url:1:2), <anonymous>:3:4`, Firefox `url line 2 > eval:1:1`)
//!   report the outer script and the position of the `eval` call: the inner `<anonymous>`
//!   position cannot be mapped back to a source file.
//! - Safari `fn@[native code]` frames are kept, with an empty filename and no position.
//! - The V8 `async ` prefix, Firefox async causes (`async*`, `promise callback*`) and Firefox
//!   inner-function markers (`/<`) are removed from function names. Everything else is kept
//!   as written (`new Foo`, `Object.m [as alias]`, Safari's `global code`).
//!
//! There is no regex: the regex crate would add far more to the wasm binary than this file,
//! and plain `str` methods make it easy to see that no input can panic.

use alloc::string::String;
use alloc::vec::Vec;

use crate::text::{contains, lines, parse_u32, rsplit_once, split_once};

/// One stack frame.
#[derive(Clone, PartialEq)]
pub struct Frame {
    /// URL or path as it appears in the stack; empty when unknown.
    pub filename: String,
    /// Function name; empty when anonymous.
    pub function: String,
    /// 1-based line.
    pub lineno: Option<u32>,
    /// 1-based column.
    pub colno: Option<u32>,
}

/// Parses a JS `Error.stack` string into frames, oldest call first (the frame that threw is last),
/// at most `max_frames` frames (keep the ones closest to the throw when truncating).
pub fn parse_stack(stack: &str, max_frames: usize) -> Vec<Frame> {
    let v8 = lines(stack).any(|l| l.trim_ascii_start().starts_with("at "));
    let mut frames = Vec::new();
    // Stacks list the newest frame first, so stopping early keeps the ones closest to the throw.
    for line in lines(stack) {
        if frames.len() >= max_frames {
            break;
        }
        let line = line.trim_ascii();
        let frame = if v8 {
            line.strip_prefix("at ").and_then(parse_v8)
        } else {
            parse_at_sign(line)
        };
        frames.extend(frame);
    }
    // Not `reverse()`: its in-place swap carries a formatted panic path.
    frames.into_iter().rev().collect()
}

/// A V8 frame, without the leading `at `.
fn parse_v8(rest: &str) -> Option<Frame> {
    let rest = rest.trim_ascii();
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    if rest.is_empty() {
        return None;
    }
    let (function, mut loc) = match rest.strip_suffix(')').and_then(|r| split_once(r, " (")) {
        Some(p) if !rest.starts_with("eval at ") => p,
        _ => ("", rest),
    };
    if function.is_empty()
        && !loc.starts_with("eval at ")
        && (contains(loc, "(") || contains(loc, ")"))
    {
        return None;
    }
    // `eval at f (ORIGIN), <anonymous>:3:4`, where ORIGIN may itself be `eval at ...`.
    while let Some(r) = loc.strip_prefix("eval at ") {
        loc = match split_once(r, " (") {
            Some((_, r)) => rsplit_once(r, "), ").map_or(r.strip_suffix(')').unwrap_or(r), |p| p.0),
            None => rsplit_once(r, ", ").map_or(r, |p| p.1),
        };
    }
    Some(frame(function, loc))
}

/// A Firefox or Safari frame: `fn@location`.
fn parse_at_sign(line: &str) -> Option<Frame> {
    let (function, loc) = match split_once(line, "@") {
        Some(p) => p,
        // Old engines print anonymous frames as a bare URL.
        None if contains(line, ":/") && !contains(line, " ") => ("", line),
        None => return None,
    };
    let function = rsplit_once(function, "*").map_or(function, |p| p.1);
    let mut function = function;
    while let Some(inner) = function.strip_suffix("/<") {
        function = inner;
    }
    // Function names never contain ": ", messages (`Error: a@b.com:1`) usually do.
    if contains(function, ": ") {
        return None;
    }
    if loc == "[native code]" {
        return Some(frame(function, ""));
    }
    let f = frame(function, loc);
    if f.lineno.is_none() && f.colno.is_none() {
        return None;
    }
    Some(f)
}

/// Builds a frame from `location` = `file[:line[:col]]` or Firefox's `file line N > eval:l:c`.
fn frame(function: &str, loc: &str) -> Frame {
    let (filename, lineno, colno) =
        match split_once(loc, " line ").and_then(|(f, r)| Some((f, split_once(r, " > ")?.0))) {
            Some((file, line)) => (file, parse_u32(line), None),
            None => match num_suffix(loc) {
                Some((head, a)) => match num_suffix(head) {
                    Some((file, b)) => (file, b, a),
                    None => (head, a, None),
                },
                None => (loc, None, None),
            },
        };
    Frame {
        filename: filename.into(),
        function: function.into(),
        lineno,
        colno,
    }
}

/// Splits `head:digits`; the number is `None` when it does not fit in a `u32`.
fn num_suffix(s: &str) -> Option<(&str, Option<u32>)> {
    let (head, n) = rsplit_once(s, ":")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head, parse_u32(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row<'a> = (&'a str, &'a str, Option<u32>, Option<u32>);

    fn rows(frames: &[Frame]) -> Vec<Row<'_>> {
        frames
            .iter()
            .map(|f| (f.function.as_str(), f.filename.as_str(), f.lineno, f.colno))
            .collect()
    }

    fn check(stack: &str, want: &[Row]) {
        assert_eq!(rows(&parse_stack(stack, 100)), want, "stack: {stack}");
    }

    #[test]
    fn chrome_common_frames_oldest_first() {
        let s = "TypeError: Cannot read properties of undefined (reading 'x')\n    \
            at Object.method [as alias] (https://host/a.js:10:5)\n    \
            at new Foo (https://host/a.js:20:7)\n    \
            at async load (https://host/b.js:3:1)\n    \
            at https://host/a.js:30:9\n    \
            at HTMLButtonElement.onclick (https://host/index.html:1:2)";
        check(
            s,
            &[
                (
                    "HTMLButtonElement.onclick",
                    "https://host/index.html",
                    Some(1),
                    Some(2),
                ),
                ("", "https://host/a.js", Some(30), Some(9)),
                ("load", "https://host/b.js", Some(3), Some(1)),
                ("new Foo", "https://host/a.js", Some(20), Some(7)),
                (
                    "Object.method [as alias]",
                    "https://host/a.js",
                    Some(10),
                    Some(5),
                ),
            ],
        );
    }

    #[test]
    fn chrome_frames_without_position() {
        check(
            "Error: x\n    at Array.forEach (<anonymous>)\n    at <anonymous>\n    at fn (native)",
            &[
                ("fn", "native", None, None),
                ("", "<anonymous>", None, None),
                ("Array.forEach", "<anonymous>", None, None),
            ],
        );
    }

    #[test]
    fn chrome_eval_uses_outer_origin() {
        let s = "Error: boom\n    \
            at eval (eval at run (https://host/a.js:1:2), <anonymous>:3:4)\n    \
            at eval at outer (eval at inner (https://host/b.js:5:6), <anonymous>:1:1), <anonymous>:2:2\n    \
            at eval (eval at <anonymous> (https://host/c.js:7:8))\n    \
            at eval (eval at x, <anonymous>:9:9)";
        check(
            s,
            &[
                ("eval", "<anonymous>", Some(9), Some(9)),
                ("eval", "https://host/c.js", Some(7), Some(8)),
                ("", "https://host/b.js", Some(5), Some(6)),
                ("eval", "https://host/a.js", Some(1), Some(2)),
            ],
        );
    }

    #[test]
    fn chrome_tricky_urls() {
        let s = "Error\n    \
            at fn (webpack-internal:///./src/x.js:3:4)\n    \
            at main (http://localhost:5173/src/main.ts?t=123:10:5)\n    \
            at http://127.0.0.1:8080/x.js:1:2\n    \
            at w (blob:https://host/0b1c-22:7:1)\n    \
            at file:///C:/x.js:1:2\n    \
            at Object.<anonymous> (C:\\Program Files (x86)\\app\\i.js:4:9)\n    \
            at process.processTicksAndRejections (node:internal/process/task_queues:95:5)";
        check(
            s,
            &[
                (
                    "process.processTicksAndRejections",
                    "node:internal/process/task_queues",
                    Some(95),
                    Some(5),
                ),
                (
                    "Object.<anonymous>",
                    "C:\\Program Files (x86)\\app\\i.js",
                    Some(4),
                    Some(9),
                ),
                ("", "file:///C:/x.js", Some(1), Some(2)),
                ("w", "blob:https://host/0b1c-22", Some(7), Some(1)),
                ("", "http://127.0.0.1:8080/x.js", Some(1), Some(2)),
                (
                    "main",
                    "http://localhost:5173/src/main.ts?t=123",
                    Some(10),
                    Some(5),
                ),
                ("fn", "webpack-internal:///./src/x.js", Some(3), Some(4)),
            ],
        );
    }

    #[test]
    fn chrome_message_lines_are_not_frames() {
        let s = "Error: mail foo@bar.com:1:2 failed (code 3)\nsecond line @x.js:1:1\n    at\n\n    at send (https://host/m.js:8:3)";
        check(s, &[("send", "https://host/m.js", Some(8), Some(3))]);
    }

    #[test]
    fn firefox_frames() {
        let s = "handler/<@https://host/a.js:10:5\n\
            deep/</<@https://host/a.js:11:6\n\
            @https://host/a.js:12:7\n\
            run@https://host/a.js line 2 > eval:1:1\n\
            old@https://host/a.js:40\n\
            async*start@https://host/main.js:3:9\n\
            promise callback*later@https://cdn.example/npm/@scope/pkg@1.0/x.js:5:2\n";
        check(
            s,
            &[
                (
                    "later",
                    "https://cdn.example/npm/@scope/pkg@1.0/x.js",
                    Some(5),
                    Some(2),
                ),
                ("start", "https://host/main.js", Some(3), Some(9)),
                ("old", "https://host/a.js", Some(40), None),
                ("run", "https://host/a.js", Some(2), None),
                ("", "https://host/a.js", Some(12), Some(7)),
                ("deep", "https://host/a.js", Some(11), Some(6)),
                ("handler", "https://host/a.js", Some(10), Some(5)),
            ],
        );
    }

    #[test]
    fn safari_frames() {
        let s = "throwIt@https://host/a.js:10:5\n\
            forEach@[native code]\n\
            eval code@\n\
            eval@[native code]\n\
            module code@https://host/m.js:2:3\n\
            global code@https://host/index.html:30:12\n\
            https://host/old.js:4:4";
        check(
            s,
            &[
                ("", "https://host/old.js", Some(4), Some(4)),
                ("global code", "https://host/index.html", Some(30), Some(12)),
                ("module code", "https://host/m.js", Some(2), Some(3)),
                ("eval", "", None, None),
                ("forEach", "", None, None),
                ("throwIt", "https://host/a.js", Some(10), Some(5)),
            ],
        );
    }

    #[test]
    fn at_sign_message_is_not_a_frame() {
        check("Error: foo@bar.com", &[]);
        check(
            "Error: foo@bar.com:3\nf@https://h/a.js:1:2",
            &[("f", "https://h/a.js", Some(1), Some(2))],
        );
        check("TypeError: x is undefined\nno frames here", &[]);
    }

    #[test]
    fn truncation_keeps_frames_closest_to_throw() {
        let s = "Error\n    at a (u.js:1:1)\n    at b (u.js:2:1)\n    at c (u.js:3:1)";
        let f = parse_stack(s, 2);
        assert_eq!(
            rows(&f),
            [
                ("b", "u.js", Some(2), Some(1)),
                ("a", "u.js", Some(1), Some(1))
            ]
        );
        assert!(parse_stack(s, 0).is_empty());
        assert_eq!(
            parse_stack("a@u.js:1:1\nb@u.js:2:1\nc@u.js:3:1", 1)[0].function,
            "a"
        );
    }

    #[test]
    fn numbers() {
        check("f@u.js:99999999999999:1", &[("f", "u.js", None, Some(1))]);
        check("Error\n    at f (u.js:7)", &[("f", "u.js", Some(7), None)]);
        check(
            "Error\n    at f (u.js:x:1)",
            &[("f", "u.js:x", Some(1), None)],
        );
        check(
            "Error\n    at f (u.js:-1:+2)",
            &[("f", "u.js:-1:+2", None, None)],
        );
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "",
            "\n\n\n",
            "\r\n",
            ":99999999999999:1",
            "(",
            "at (",
            "at )",
            "@",
            ":::",
            "@:::",
            "at :::",
            "at eval at",
            "at eval at (",
            "at eval at f (",
            "at eval at f (), ",
            " line  > ",
            "@ line 9 > ",
            "at (((((",
            "at ))) (",
            "é@ü:1:1",
            "at 🦀 (🦀:1:🦀)",
            "💥\u{0}\u{feff}@\u{200b}:1",
            "*@:1",
            "/<@:0:0",
            "at async",
            "at async ",
            "at  (x:1:2)",
            "@[native code]",
            "at fn (eval at",
        ];
        for s in inputs {
            for max in [0, 1, 100] {
                let _ = parse_stack(s, max);
            }
            let _ = parse_stack(&s.repeat(50), 10);
        }
        check("at (", &[]);
        check("   at ", &[]);
        check("@", &[]);
        check(":::", &[]);
        check("é@ü:1:1", &[("é", "ü", Some(1), Some(1))]);
    }
}
