//! What of a stack frame identifies the code that failed, across builds and deployments:
//! the function name and the file's path, without what changes on every deploy or page
//! load (origin, query string, fragment, content hashes in file names, line and column).

/// A frame as grouping sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub function: String,
    pub path: String,
}

/// The file of a frame, normalised: `https://cdn.example/assets/index-DiwrgTda.js?v=3`
/// becomes `/assets/index.js`, `webpack-internal:///./src/x.js` stays `./src/x.js`.
pub fn normalize_path(filename: &str) -> String {
    let without_query = filename.split(['?', '#']).next().unwrap_or_default();
    let path = match without_query.split_once("://") {
        // The origin (scheme, host, port) differs between a CDN, staging and production.
        Some((_, rest)) => match rest.find('/') {
            Some(i) => &rest[i..],
            None => "",
        },
        None => without_query,
    };
    let path = path.trim_start_matches('/');
    let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter_mut().enumerate() {
        if i == last {
            *segment = strip_hash_from_name(segment);
        } else if is_hash(segment) {
            // A build id as a directory (`/static/3f9a2b1c7d/app.js`).
            *segment = "*".to_owned();
        }
    }
    let joined = segments.join("/");
    if path.len() < without_query.len() && !joined.starts_with('.') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// `index-DiwrgTda.js` → `index.js`, `main.3f9a2b1c.chunk.js` → `main.chunk.js`: drops the
/// parts between `.`, `-` or `_` that look like content hashes.
fn strip_hash_from_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    let mut first = true;
    while !rest.is_empty() {
        let end = rest[1..]
            .find(['.', '-', '_'])
            .map_or(rest.len(), |i| i + 1);
        let (part, tail) = rest.split_at(end);
        let (separator, word) = if first { ("", part) } else { part.split_at(1) };
        if first || !is_hash(word) {
            out.push_str(separator);
            out.push_str(word);
        }
        first = false;
        rest = tail;
    }
    out
}

/// At least 8 letters and digits, with a digit, or with an upper-case letter after the first
/// character (Vite's base64 hashes need not contain a digit; `Checkout` is a word).
pub fn is_hash(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() >= 8
        && bytes.iter().all(u8::is_ascii_alphanumeric)
        && (bytes.iter().any(u8::is_ascii_digit) || bytes[1..].iter().any(u8::is_ascii_uppercase))
}

/// Receivers V8 prefixes a function name with where SpiderMonkey and JavaScriptCore write
/// the bare name (`HTMLButtonElement.onSubmit` is `onSubmit@` in Firefox and Safari).
const RECEIVERS: &[&str] = &[
    "Object.",
    "Window.",
    "Document.",
    "EventTarget.",
    "XMLHttpRequest.",
];

/// The function's name without what engines add around it: V8's `[as alias]`, `new `, a DOM
/// or built-in receiver (`HTMLButtonElement.`, `Object.`), so that one bug groups the same in
/// Chrome, Firefox and Safari; JavaScriptCore's `global code`, `module code`, `eval code`
/// and V8's `<anonymous>`, which mean "no function".
pub fn normalize_function(function: &str) -> String {
    let mut name = function.trim();
    if let Some((head, _)) = name.split_once(" [as ") {
        name = head;
    }
    name = name.strip_prefix("new ").unwrap_or(name);
    name = name.strip_prefix("async ").unwrap_or(name);
    if let Some(receiver) = RECEIVERS.iter().find(|r| name.starts_with(**r)) {
        name = &name[receiver.len()..];
    } else if let Some(rest) = name.strip_prefix("HTML") {
        // HTMLButtonElement., HTMLDocument., ...
        if let Some((class, method)) = rest.split_once('.') {
            if class.ends_with("Element") || class == "Document" {
                name = method;
            }
        }
    }
    if matches!(
        name,
        "global code" | "module code" | "eval code" | "<anonymous>"
    ) {
        return String::new();
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_origin_query_and_hashes() {
        let cases = [
            (
                "https://cdn.example/assets/index-DiwrgTda.js?v=3#x",
                "/assets/index.js",
            ),
            (
                "https://app.example/assets/index-B7x1Qw2e.js",
                "/assets/index.js",
            ),
            (
                "https://app.example/static/js/main.3f9a2b1c.chunk.js",
                "/static/js/main.chunk.js",
            ),
            (
                "https://app.example/_next/static/a1b2c3d4e5/pages/cart.js",
                "/_next/static/*/pages/cart.js",
            ),
            (
                "https://app.example/js/checkout-form.js",
                "/js/checkout-form.js",
            ),
            ("https://app.example/js/Checkout.js", "/js/Checkout.js"),
            ("webpack-internal:///./src/x.js", "./src/x.js"),
            (
                "http://localhost:5173/src/main.ts?t=1700000000",
                "/src/main.ts",
            ),
            ("app.js", "app.js"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_path(raw), want, "{raw}");
        }
    }

    #[test]
    fn function_names_lose_engine_decorations() {
        assert_eq!(normalize_function("Object.method [as alias]"), "method");
        assert_eq!(normalize_function("HTMLButtonElement.onSubmit"), "onSubmit");
        assert_eq!(normalize_function("Cart.total"), "Cart.total");
        assert_eq!(normalize_function("new Cart"), "Cart");
        assert_eq!(normalize_function("global code"), "");
        assert_eq!(normalize_function("Object.<anonymous>"), "");
        assert_eq!(normalize_function("handleClick"), "handleClick");
    }
}
