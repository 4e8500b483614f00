//! `GET /api/openapi.json`: the query API described as an OpenAPI 3.1 document.
//!
//! Written by hand in two JSON files, the paths (`paths.json`) and what they refer to
//! (`components.json`), and put together once. `POST` on an issue is documented as the
//! same operation as its `PATCH`. The query suite checks every answer it gets against this
//! document (collector/tests/query/schema.rs), so it cannot drift from the code unnoticed.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

const PATHS: &str = include_str!("paths.json");
const COMPONENTS: &str = include_str!("components.json");

/// The whole document.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut paths: Value = serde_json::from_str(PATHS).expect("paths.json is JSON");
        let components: Value = serde_json::from_str(COMPONENTS).expect("components.json is JSON");
        if let Some(issue) = paths.get_mut("/api/{project_id}/issues/{fingerprint}") {
            let mut post = issue["patch"].clone();
            post["summary"] = json!("Change an issue's status: the same as PATCH");
            issue["post"] = post;
        }
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "monitor-collector query API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Reads of the collector's stores (embedded SQLite or ClickHouse), answered the same by both. See docs/query.md."
            },
            "security": [{"api_token": []}],
            "paths": paths,
            "components": components,
        })
    })
}

pub async fn serve() -> Response {
    let body = serde_json::to_string(document()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` points at something that exists.
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target.clone());
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn the_document_holds_together() {
        let document = document();
        let mut found = Vec::new();
        refs(document, &mut found);
        assert!(found.len() > 50);
        for target in found {
            let pointer = target.strip_prefix('#').expect("local references only");
            assert!(
                document.pointer(pointer).is_some(),
                "{target} resolves to nothing"
            );
        }
        let issue = &document["paths"]["/api/{project_id}/issues/{fingerprint}"];
        assert!(
            issue["get"].is_object() && issue["patch"].is_object() && issue["post"].is_object()
        );
        for (path, item) in document["paths"].as_object().unwrap() {
            assert!(path.starts_with("/api/"), "{path}");
            for (method, operation) in item.as_object().unwrap() {
                let answers = &operation["responses"];
                assert!(
                    ["200", "201", "204"]
                        .iter()
                        .any(|s| answers[*s].is_object()),
                    "{method} {path}"
                );
            }
        }
    }
}
