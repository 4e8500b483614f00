//! An error message with its variable parts replaced, for grouping errors that have no
//! usable frames: `Request 4711 to https://api.example/u/17 failed for a@b.example` and
//! `Request 4712 to https://api.example/u/18 failed for c@d.example` are one issue.
//!
//! The order matters: URLs and e-mails contain numbers, UUIDs contain hex, so the larger
//! shapes are replaced first.

use std::sync::OnceLock;

use regex::Regex;

/// `(pattern, placeholder)`, applied in order.
const RULES: &[(&str, &str)] = &[
    (r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\x22<>()]+", "<url>"),
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "<email>"),
    (
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        "<uuid>",
    ),
    (r"\b(?:\d{1,3}\.){3}\d{1,3}\b", "<ip>"),
    (r"\b(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{1,4}\b", "<ip>"),
    (r"\b0x[0-9a-fA-F]+\b", "<hex>"),
    (
        r"\b[0-9a-fA-F]*[0-9][0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b|\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*[0-9][0-9a-fA-F]*\b",
        "<hex>",
    ),
    (r"\d+(?:\.\d+)?", "<n>"),
];

fn rules() -> &'static [(Regex, &'static str)] {
    static COMPILED: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        RULES
            .iter()
            .map(|(pattern, placeholder)| {
                (
                    Regex::new(pattern).expect("valid grouping pattern"),
                    *placeholder,
                )
            })
            .collect()
    })
}

/// The message with numbers, hex, UUIDs, e-mails, IPs and URLs replaced by placeholders.
pub fn normalize_message(message: &str) -> String {
    let mut text = message.trim().to_owned();
    for (pattern, placeholder) in rules() {
        text = pattern.replace_all(&text, *placeholder).into_owned();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_parts_become_placeholders() {
        let cases = [
            (
                "Request 4711 to https://api.example/u/17?x=1 failed",
                "Request <n> to <url> failed",
            ),
            (
                "no account for ann.lee+shop@mail.example",
                "no account for <email>",
            ),
            (
                "order 3f2504e0-4f89-11d3-9a0c-0305e82c3301 not found",
                "order <uuid> not found",
            ),
            (
                "cannot reach 10.0.12.7 or fe80::1ff:fe23:4567:890a",
                "cannot reach <ip> or <ip>",
            ),
            (
                "bad pointer 0xDEADBEEF and id a3f9c2e1d4",
                "bad pointer <hex> and id <hex>",
            ),
            ("took 12.5 ms, limit 10", "took <n> ms, limit <n>"),
            (
                "Cannot read properties of undefined (reading 'total')",
                "Cannot read properties of undefined (reading 'total')",
            ),
            ("decade facade", "decade facade"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_message(raw), want, "{raw}");
        }
    }
}
