//! Checks answers against the collector's own OpenAPI document (`GET /api/openapi.json`):
//! a small JSON Schema checker for what the document uses (`$ref`, `allOf`, `type` with
//! `null`, `enum`, `required`, `properties`, `additionalProperties`, `items`, `minimum`, the
//! 32-hex `pattern`). The suite runs every answer it received, from both stores, through it.

use serde_json::Value;

pub struct Spec {
    document: Value,
}

impl Spec {
    pub fn new(document: Value) -> Spec {
        assert_eq!(document["openapi"], "3.1.0");
        Spec { document }
    }

    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        while let Some(target) = value.get("$ref").and_then(Value::as_str) {
            let pointer = target.strip_prefix('#').expect("local $ref");
            value = self
                .document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{target} resolves to nothing"));
        }
        value
    }

    /// The path template of `path` (without its query string) in the document.
    fn template(&self, path: &str) -> &str {
        let path = path.split('?').next().unwrap();
        let segments: Vec<&str> = path.split('/').collect();
        let paths = self.document["paths"].as_object().unwrap();
        let mut matches: Vec<&String> = paths
            .keys()
            .filter(|t| {
                let parts: Vec<&str> = t.split('/').collect();
                parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p == s || (p.starts_with('{') && p.ends_with('}')))
            })
            .collect();
        // The most literal template wins.
        matches.sort_by_key(|t| t.matches('{').count());
        matches
            .first()
            .unwrap_or_else(|| panic!("{path} is not in the OpenAPI document"))
    }

    /// Panics unless `body` is what the document says `method path` answers with `status`.
    pub fn check(&self, method: &str, path: &str, status: u16, body: &Value) {
        let template = self.template(path);
        let operation = &self.document["paths"][template][method.to_ascii_lowercase()];
        if !operation.is_object() {
            // A method the path does not take: 405 with the error body every answer uses.
            assert_eq!(status, 405, "{method} {template} is not documented");
            let error = serde_json::json!({"$ref": "#/components/schemas/Error"});
            if let Err(problem) = self.validate(body, &error, "$") {
                panic!("{method} {path} 405: {problem}");
            }
            return;
        }
        let response = operation["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("{method} {template}: status {status} is not documented"));
        let response = self.resolve(response);
        let schema = &response["content"]["application/json"]["schema"];
        if let Err(problem) = self.validate(body, schema, "$") {
            panic!("{method} {path} {status} does not match the document: {problem}\n{body}");
        }
    }

    fn validate(&self, value: &Value, schema: &Value, at: &str) -> Result<(), String> {
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.validate(value, part, at)?;
            }
        }
        if let Some(kind) = schema.get("type") {
            let kinds: Vec<&str> = match kind {
                Value::String(k) => vec![k.as_str()],
                Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !kinds.iter().any(|k| is(value, k)) {
                return Err(format!("{at}: {value} is not {kinds:?}"));
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                return Err(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        if let (Some(minimum), Some(number)) = (
            schema.get("minimum").and_then(Value::as_f64),
            value.as_f64(),
        ) {
            if number < minimum {
                return Err(format!("{at}: {number} < {minimum}"));
            }
        }
        if schema.get("pattern").and_then(Value::as_str) == Some("^[0-9a-f]{32}$") {
            let text = value.as_str().unwrap_or_default();
            let hex =
                text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !hex {
                return Err(format!("{at}: {value} is not 32 hex characters"));
            }
        }
        if let Value::Object(map) = value {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = name.as_str().unwrap();
                if !map.contains_key(name) {
                    return Err(format!("{at}: {name} is missing"));
                }
            }
            for (key, item) in map {
                match properties.and_then(|p| p.get(key)) {
                    Some(property) => self.validate(item, property, &format!("{at}.{key}"))?,
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        return Err(format!("{at}: {key} is not documented"));
                    }
                    None => {}
                }
            }
        }
        if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
            for (i, item) in items.iter().enumerate() {
                self.validate(item, item_schema, &format!("{at}[{i}]"))?;
            }
        }
        Ok(())
    }
}

fn is(value: &Value, kind: &str) -> bool {
    match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

#[test]
fn the_checker_refuses_what_it_should() {
    let spec = Spec::new(
        serde_json::json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {
        "Thing": {"type": "object", "required": ["a"], "additionalProperties": false,
            "properties": {"a": {"type": ["integer", "null"]}, "b": {"type": "string", "enum": ["x"]}}}}}}),
    );
    let thing = serde_json::json!({"$ref": "#/components/schemas/Thing"});
    let check = |v: Value| spec.validate(&v, &thing, "$");
    assert!(check(serde_json::json!({"a": 1, "b": "x"})).is_ok());
    assert!(check(serde_json::json!({"a": null})).is_ok());
    assert!(check(serde_json::json!({"b": "x"})).is_err(), "required");
    assert!(check(serde_json::json!({"a": 1.5})).is_err(), "integer");
    assert!(
        check(serde_json::json!({"a": 1, "b": "y"})).is_err(),
        "enum"
    );
    assert!(
        check(serde_json::json!({"a": 1, "c": 2})).is_err(),
        "additionalProperties"
    );
}
