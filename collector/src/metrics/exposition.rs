//! Writing the Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE`
//! lines, then one `name{label="value"} number` line per sample.
//!
//! Label values are escaped (`\\`, `\"`, `\n`) as the format requires; numbers use the
//! shortest form that reads back exactly, with `+Inf`, `-Inf` and `NaN` spelled as Prometheus
//! spells them.

use std::fmt::Write;

/// The `Content-Type` of a scrape answer.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Default)]
pub struct Writer {
    text: String,
}

impl Writer {
    /// Starts a metric: its help text and type (`counter`, `gauge`, `histogram`).
    pub fn header(&mut self, name: &str, kind: &str, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    /// One sample with at most one label, which is all our metrics need.
    pub fn sample(&mut self, name: &str, label: Option<(&str, &str)>, value: f64) {
        self.text.push_str(name);
        if let Some((key, raw)) = label {
            let _ = write!(self.text, "{{{key}=\"{}\"}}", escape_label(raw));
        }
        let _ = writeln!(self.text, " {}", format_value(value));
    }

    /// One sample with several labels.
    pub fn sample_labels(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        for (i, (key, raw)) in labels.iter().enumerate() {
            let open = if i == 0 { "{" } else { "," };
            let _ = write!(self.text, "{open}{key}=\"{}\"", escape_label(raw));
        }
        if !labels.is_empty() {
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", format_value(value));
    }

    pub fn finish(self) -> String {
        self.text
    }
}

pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        // Rust prints whole floats without a fraction (`3`) and never uses exponents that
        // Prometheus could not parse.
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_labels_and_spells_special_numbers() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
    }

    #[test]
    fn writes_help_type_and_samples() {
        let mut out = Writer::default();
        out.header("m_total", "counter", "Things.\nMore");
        out.sample("m_total", Some(("k", "v\"")), 2.0);
        out.sample("m_total", None, 1.5);
        assert_eq!(
            out.finish(),
            "# HELP m_total Things.\\nMore\n# TYPE m_total counter\n\
             m_total{k=\"v\\\"\"} 2\nm_total 1.5\n"
        );
    }
}
