//! Typed access to a JSON object that knows its own path, so every check can say exactly which
//! field was wrong (`events[2].exception.values[0].type: expected a string`).
//!
//! `null` counts as absent: serializers differ on whether an unset optional field is left out
//! or written as `null`, and neither is the sender's mistake.

use serde_json::{Map, Value};

/// Why an event was rejected, naming the field.
pub type Reason = String;

pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

pub fn expected(path: &str, what: &str) -> Reason {
    format!("{path}: expected {what}")
}

fn missing(path: &str, what: &str) -> Reason {
    format!("{path}: missing, expected {what}")
}

impl<'a> Obj<'a> {
    /// Views `value` as an object found at `path`.
    pub fn at_path(value: &'a Value, path: String) -> Result<Obj<'a>, Reason> {
        match value {
            Value::Object(map) => Ok(Obj { map, path }),
            _ => Err(expected(&path, "an object")),
        }
    }

    pub fn path_of(&self, key: &str) -> String {
        format!("{}.{}", self.path, key)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn entries(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.map.iter()
    }

    fn required(&self, key: &str, what: &str) -> Result<&'a Value, Reason> {
        self.get(key)
            .ok_or_else(|| missing(&self.path_of(key), what))
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, Reason> {
        self.get(key)
            .map(|v| str_of(v, self.path_of(key)))
            .transpose()
    }

    pub fn req_str(&self, key: &str) -> Result<&'a str, Reason> {
        str_of(self.required(key, "a string")?, self.path_of(key))
    }

    pub fn opt_num(&self, key: &str) -> Result<Option<f64>, Reason> {
        self.get(key)
            .map(|v| num_of(v, self.path_of(key)))
            .transpose()
    }

    pub fn req_num(&self, key: &str) -> Result<f64, Reason> {
        num_of(self.required(key, "a number")?, self.path_of(key))
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, Reason> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(expected(&self.path_of(key), "true or false")),
        }
    }

    pub fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, Reason> {
        self.get(key)
            .map(|v| Obj::at_path(v, self.path_of(key)))
            .transpose()
    }

    pub fn req_obj(&self, key: &str) -> Result<Obj<'a>, Reason> {
        Obj::at_path(self.required(key, "an object")?, self.path_of(key))
    }

    pub fn opt_array(&self, key: &str) -> Result<Option<&'a [Value]>, Reason> {
        self.get(key)
            .map(|v| array_of(v, self.path_of(key)))
            .transpose()
    }

    pub fn req_array(&self, key: &str) -> Result<&'a [Value], Reason> {
        array_of(self.required(key, "an array")?, self.path_of(key))
    }

    /// Checks each listed key, when present, is a string.
    pub fn opt_strs(&self, keys: &[&str]) -> Result<(), Reason> {
        keys.iter().try_for_each(|key| self.opt_str(key).map(drop))
    }

    /// Runs `check` on each item of the array field `key`, which must all be objects; reasons
    /// name the item as `key[i]`.
    pub fn each_object(
        &self,
        key: &str,
        items: &'a [Value],
        mut check: impl FnMut(Obj<'a>) -> Result<(), Reason>,
    ) -> Result<(), Reason> {
        let path = self.path_of(key);
        items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check(Obj::at_path(item, format!("{path}[{i}]"))?))
    }
}

fn str_of(value: &Value, path: String) -> Result<&str, Reason> {
    value.as_str().ok_or_else(|| expected(&path, "a string"))
}

/// JSON cannot spell NaN or infinity, but a number too large for `f64` would still be
/// infinite after conversion; the protocol says numbers are finite.
fn num_of(value: &Value, path: String) -> Result<f64, Reason> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .ok_or_else(|| expected(&path, "a finite number")),
        _ => Err(expected(&path, "a number")),
    }
}

fn array_of(value: &Value, path: String) -> Result<&[Value], Reason> {
    value
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| expected(&path, "an array"))
}
