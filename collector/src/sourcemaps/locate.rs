//! Which uploaded file a stack frame's URL stands for, and where a minified file's map is.
//!
//! Files are uploaded under a URL: either whole (`https://cdn.example/assets/app.js`) or with
//! `~` standing for any scheme and host (`~/assets/app.js`), as Sentry does, so that one
//! upload serves every host the app is deployed on. A frame matches its exact URL first,
//! then without query string and fragment (cache busting), then the `~` forms.

/// The keys to try for a frame's file, best first.
pub fn candidates(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let bare = strip_query(url);
    push_new(&mut out, bare);
    if let Some(path) = path_of(url) {
        push_new(&mut out, &format!("~{path}"));
        push_new(&mut out, &format!("~{}", strip_query(path)));
    }
    out
}

fn push_new(out: &mut Vec<String>, key: &str) {
    if !out.iter().any(|k| k == key) {
        out.push(key.to_owned());
    }
}

fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// The path (with query) of an absolute URL: what follows `scheme://host[:port]`.
fn path_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.find('/').map_or("/", |slash| &rest[slash..]))
}

/// Where the map that `reference` names (a `sourceMappingURL`) is, as an upload key, for the
/// file uploaded as `file_key`; `None` for a reference that is a data URL (handled apart).
pub fn map_key(file_key: &str, reference: &str) -> Option<String> {
    if reference.starts_with("data:") {
        return None;
    }
    if reference.contains("://") {
        return Some(reference.to_owned());
    }
    let base = strip_query(file_key);
    let joined = match reference.strip_prefix('/') {
        // Absolute path: relative to the host, which `~` already leaves open.
        Some(path) => match base.split_once("://") {
            Some((scheme, rest)) => {
                let host = rest.split('/').next().unwrap_or(rest);
                format!("{scheme}://{host}/{path}")
            }
            None => format!("~/{path}"),
        },
        None => {
            let dir = base.rsplit_once('/').map_or("", |(dir, _)| dir);
            format!("{dir}/{reference}")
        }
    };
    Some(normalize_dots(&joined))
}

/// Resolves `.` and `..` segments of a key's path, leaving its origin or `~` alone.
fn normalize_dots(key: &str) -> String {
    let (origin, path) = match key.split_once("://") {
        Some((scheme, rest)) => match rest.find('/') {
            Some(slash) => (format!("{scheme}://{}", &rest[..slash]), &rest[slash..]),
            None => return key.to_owned(),
        },
        None => match key.strip_prefix('~') {
            Some(path) => ("~".to_owned(), path),
            None => (String::new(), key),
        },
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/').skip(1) {
        match segment {
            "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    format!("{origin}/{}", segments.join("/"))
}

/// A readable path for a map's `sources` entry: bundler prefixes (`webpack://app/`) and the
/// leading `./` and `../` that make it relative to the map's folder dropped, so that the
/// same source file reads the same from every build.
pub fn source_path(source: &str) -> String {
    let mut path = source;
    for prefix in ["webpack://", "webpack-internal://", "file://"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            // `webpack://app-name/./src/x.js`: the first segment names the bundle.
            path = if prefix == "file://" {
                rest
            } else {
                rest.split_once('/').map_or(rest, |(_, tail)| tail)
            };
        }
    }
    while let Some(rest) = path.strip_prefix("./").or_else(|| path.strip_prefix("../")) {
        path = rest;
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_url_matches_whole_then_without_query_then_on_any_host() {
        assert_eq!(
            candidates("https://app.example:8080/assets/a.js?v=3#x"),
            [
                "https://app.example:8080/assets/a.js?v=3#x",
                "https://app.example:8080/assets/a.js",
                "~/assets/a.js?v=3#x",
                "~/assets/a.js",
            ]
        );
        assert_eq!(candidates("http://h/a.js"), ["http://h/a.js", "~/a.js"]);
        assert_eq!(candidates("app.js"), ["app.js"]);
    }

    #[test]
    fn a_map_reference_is_resolved_against_its_file() {
        assert_eq!(
            map_key("~/assets/a.js", "a.js.map").as_deref(),
            Some("~/assets/a.js.map")
        );
        assert_eq!(
            map_key("~/assets/js/a.js?v=1", "../maps/a.js.map").as_deref(),
            Some("~/assets/maps/a.js.map")
        );
        assert_eq!(
            map_key("https://cdn.example/x/a.js", "/maps/a.map").as_deref(),
            Some("https://cdn.example/maps/a.map")
        );
        assert_eq!(
            map_key("~/x/a.js", "/maps/a.map").as_deref(),
            Some("~/maps/a.map")
        );
        assert_eq!(
            map_key("~/a.js", "https://maps.example/a.map").as_deref(),
            Some("https://maps.example/a.map")
        );
        assert_eq!(map_key("~/a.js", "data:application/json;base64,e30="), None);
    }

    #[test]
    fn source_paths_lose_bundler_prefixes_and_relative_steps() {
        assert_eq!(source_path("../../src/main.ts"), "src/main.ts");
        assert_eq!(source_path("webpack://my-app/./src/a.js"), "src/a.js");
        assert_eq!(source_path("./lib/b.js"), "lib/b.js");
        assert_eq!(
            source_path("../node_modules/x/index.js"),
            "node_modules/x/index.js"
        );
        assert_eq!(source_path("src/c.js"), "src/c.js");
    }
}
