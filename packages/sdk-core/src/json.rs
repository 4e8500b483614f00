//! A small JSON value and writer.
//!
//! The SDK builds every event as a [`Value`] tree and writes it out itself instead of pulling
//! in serde_json and `core::fmt` float printing, which together cost more than the rest of the
//! SDK in the wasm bundle. Numbers are written with at most six decimals, which is finer than
//! any value the SDK reports (milliseconds, CLS scores).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
/// A field value: a string, or text that is already valid JSON (a number written by
/// [`write_number`], or what the page's own `JSON.stringify` produced). Nested structures
/// are written straight to the output instead of being built as a tree first: a general
/// JSON tree with its clone and drop code costs kilobytes of wasm.
#[derive(Clone, PartialEq)]
pub enum Value {
    String(String),
    Raw(String),
}

/// An ordered JSON object of [`Value`]s. Inserting an existing key replaces its value.
#[derive(Clone, Default, PartialEq)]
pub struct Map(Vec<(String, Value)>);

impl Map {
    pub fn new() -> Self {
        Map(Vec::new())
    }

    pub fn insert(&mut self, key: &str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }

    /// Builder form of [`Map::insert`].
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.insert(key, value);
        self
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Removes `key`, if present. The last entry takes its place: the order of an object's
    /// keys means nothing to JSON readers, and `Vec::remove` carries a formatted panic.
    pub fn remove(&mut self, key: &str) {
        let Some(pos) = self.0.iter().position(|(k, _)| k == key) else {
            return;
        };
        if let Some(last) = self.0.pop() {
            if let Some(slot) = self.0.get_mut(pos) {
                *slot = last;
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Writes the map as a JSON object.
    pub fn write_json(&self, out: &mut String) {
        out.push('{');
        for (i, (key, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(out, key);
            out.push(':');
            value.write_json(out);
        }
        out.push('}');
    }
}

// Debug only for test failure messages: in the wasm build `core::fmt` costs kilobytes.
#[cfg(test)]
impl core::fmt::Debug for Value {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        let mut raw = String::new();
        write_number(&mut raw, n);
        Value::Raw(raw)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Raw(if b { "true" } else { "false" }.to_string())
    }
}

impl Value {
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    pub fn write_json(&self, out: &mut String) {
        match self {
            Value::String(s) => write_string(out, s),
            Value::Raw(raw) => out.push_str(raw),
        }
    }
}

/// Writes `,"key":` (or `"key":` when `first`), for building objects field by field.
pub fn write_key(out: &mut String, key: &str) {
    if !out.ends_with('{') && !out.ends_with('[') {
        out.push(',');
    }
    write_string(out, key);
    out.push(':');
}

/// Writes `s` as a JSON string literal. Quotes, backslashes and control characters are
/// escaped; U+2028/U+2029 too, so the output is also safe inside a `<script>` or JS source.
/// Works on bytes and copies unescaped runs whole.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut run_start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
        let line_sep = b == 0xE2
            && bytes.get(i + 1) == Some(&0x80)
            && matches!(bytes.get(i + 2), Some(0xA8) | Some(0xA9));
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            _ => None,
        };
        if escape.is_none() && b >= 0x20 && !line_sep {
            i += 1;
            continue;
        }
        out.push_str(s.get(run_start..i).unwrap_or_default());
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let code: u32 = if line_sep {
                    if bytes.get(i + 2) == Some(&0xA8) {
                        0x2028
                    } else {
                        0x2029
                    }
                } else {
                    u32::from(b)
                };
                out.push_str("\\u");
                for shift in [12u32, 8, 4, 0] {
                    out.push(hex_digit((code >> shift) & 0xf));
                }
            }
        }
        i += if line_sep { 3 } else { 1 };
        run_start = i;
    }
    out.push_str(s.get(run_start..).unwrap_or_default());
    out.push('"');
}

pub(crate) fn hex_digit(nibble: u32) -> char {
    char::from_digit(nibble & 0xf, 16).unwrap_or('0')
}

/// Integers up to this are exact in an f64; a scaled value must stay below it.
const EXACT_LIMIT: f64 = 9_007_199_254_740_992.0;

/// Writes a finite number with at most six decimals (fewer for large magnitudes such as epoch
/// milliseconds, where f64 has no more precision) and no trailing zeros. NaN and the
/// infinities, which JSON cannot hold, become `null`.
pub fn write_number(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("null");
        return;
    }
    if n < 0.0 {
        // Avoid "-0" for values that round to zero.
        if n > -0.000_000_5 {
            out.push('0');
            return;
        }
        out.push('-');
    }
    let abs = if n < 0.0 { -n } else { n };
    // Powers of ten by number of decimals; a table rather than `pow` so no division by a
    // value the compiler cannot prove non-zero (and no panic path) remains.
    const SCALES: [(f64, u64); 7] = [
        (1.0, 1),
        (10.0, 10),
        (100.0, 100),
        (1_000.0, 1_000),
        (10_000.0, 10_000),
        (100_000.0, 100_000),
        (1_000_000.0, 1_000_000),
    ];
    let mut digits = 6usize;
    while digits > 0 && abs * SCALES.get(digits).map_or(1.0, |s| s.0) >= EXACT_LIMIT {
        digits -= 1;
    }
    let Some(&(scale, pow)) = SCALES.get(digits).filter(|_| digits > 0) else {
        write_u64(out, round_to_u64(abs));
        return;
    };
    let scaled = round_to_u64(abs * scale);
    let mut frac = scaled % pow.max(1);
    write_u64(out, scaled / pow.max(1));
    if frac == 0 {
        return;
    }
    while frac % 10 == 0 {
        frac /= 10;
        digits -= 1;
    }
    out.push('.');
    let mut buf = [b'0'; 6];
    let mut i = digits;
    while i > 0 {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (frac % 10) as u8;
        }
        frac /= 10;
    }
    for b in buf.iter().take(digits) {
        out.push(*b as char);
    }
}

fn round_to_u64(x: f64) -> u64 {
    // `as` saturates, so huge values cannot wrap.
    (x + 0.5) as u64
}

/// Writes an unsigned integer in decimal.
pub fn write_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for b in buf.iter().skip(i) {
        out.push(*b as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: f64) -> String {
        Value::from(n).to_json()
    }

    #[test]
    fn numbers_are_written_without_float_formatting() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(42.0), "42");
        assert_eq!(num(-7.5), "-7.5");
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(0.000_123_4), "0.000123");
        assert_eq!(num(1_763_870_000_123.5), "1763870000123.5");
        assert_eq!(num(1_763_870_000_123.456_7), "1763870000123.457");
        assert_eq!(num(1e300), "18446744073709551615");
        assert_eq!(num(1_234.000_000_4), "1234");
        assert_eq!(num(1_234.567_89), "1234.56789");
        assert_eq!(num(f64::NAN), "null");
        assert_eq!(num(f64::INFINITY), "null");
        assert_eq!(num(f64::MAX), "18446744073709551615");
        assert_eq!(num(-0.000_000_1), "0");
    }

    #[test]
    fn hostile_strings_are_escaped() {
        let s = "q\"b\\s/\n\r\t\u{0}\u{1f}\u{2028}é😀</script>";
        let json = Value::from(s).to_json();
        assert_eq!(
            json,
            "\"q\\\"b\\\\s/\\n\\r\\t\\u0000\\u001f\\u2028é😀</script>\""
        );
    }

    #[test]
    fn objects_keep_order_and_replace_keys() {
        let mut m = Map::new().with("b", 1.0.into()).with("a", "x".into());
        m.insert("b", true.into());
        m.insert("r", Value::Raw("{\"r\":1}".into()));
        let mut out = String::new();
        m.write_json(&mut out);
        assert_eq!(out, "{\"b\":true,\"a\":\"x\",\"r\":{\"r\":1}}");
    }

    #[test]
    fn write_key_adds_commas_only_between_fields() {
        let mut out = String::from("{");
        write_key(&mut out, "a");
        out.push('1');
        write_key(&mut out, "b\"");
        out.push('[');
        out.push('}');
        assert_eq!(out, "{\"a\":1,\"b\\\"\":[}");
    }

    #[test]
    fn map_remove_and_get() {
        let mut m = Map::new().with("k", "v".into());
        assert!(m.get("k").is_some());
        m.remove("k");
        assert!(m.get("k").is_none());
        m.remove("k");
        assert!(m.is_empty());
    }
}
