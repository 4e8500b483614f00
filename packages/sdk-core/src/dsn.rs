//! DSN parsing: `{scheme}://{public_key}@{host}[:{port}]/{project_id}`.
//!
//! The DSN is the only thing a user must configure, and it is copied by hand, so a bad one
//! must give a reason a person can act on, never a panic. The parsed DSN knows the ingest URL.

use alloc::string::{String, ToString};

use crate::text::{find, parse_u32, rsplit_once, split_once};
/// A parsed DSN.
#[derive(Clone, PartialEq)]
pub struct Dsn {
    pub scheme: String,
    pub public_key: String,
    /// `host[:port]` as written.
    pub host: String,
    /// Path before the project id, without leading or trailing slashes ("" when none).
    pub path: String,
    pub project_id: String,
}

/// Why a DSN was refused. Each message tells the user what to fix.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DsnError {
    Empty,
    BadScheme,
    MissingKey,
    BadKey,
    MissingHost,
    BadPort,
    MissingProjectId,
    BadProjectId,
}

impl DsnError {
    pub fn message(self) -> &'static str {
        match self {
            DsnError::Empty => "DSN is empty",
            DsnError::BadScheme => "DSN must start with http:// or https://",
            DsnError::MissingKey => "DSN has no public key (scheme://KEY@host/PROJECT)",
            DsnError::BadKey => "DSN key may only hold letters, digits, - and _",
            DsnError::MissingHost => "DSN has no host",
            DsnError::BadPort => "DSN port must be 1 to 65535",
            DsnError::MissingProjectId => "DSN has no project id (scheme://KEY@host/PROJECT)",
            DsnError::BadProjectId => "DSN project id must be a positive number",
        }
    }
}

impl Dsn {
    pub fn parse(input: &str) -> Result<Dsn, DsnError> {
        let input = input.trim_ascii();
        if input.is_empty() {
            return Err(DsnError::Empty);
        }
        let (scheme, rest) = split_once(input, "://").ok_or(DsnError::BadScheme)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(DsnError::BadScheme);
        }
        let (key, rest) = split_once(rest, "@").ok_or(DsnError::MissingKey)?;
        // A `key:secret` pair (old Sentry style) keeps only the public part.
        let key = split_once(key, ":").map_or(key, |p| p.0);
        if key.is_empty() {
            return Err(DsnError::MissingKey);
        }
        if !key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        {
            return Err(DsnError::BadKey);
        }
        let end = [find(rest, "?"), find(rest, "#")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        let rest = rest.get(..end).unwrap_or(rest);
        let (host, path) = split_once(rest, "/").ok_or(DsnError::MissingProjectId)?;
        if host.is_empty() || host.starts_with(':') {
            return Err(DsnError::MissingHost);
        }
        if let Some((_, port)) = split_port(host) {
            match parse_u32(port) {
                Some(p) if (1..=65535).contains(&p) => {}
                _ => return Err(DsnError::BadPort),
            }
        }
        let path = trim_slashes(path);
        let (prefix, project_id) = match rsplit_once(path, "/") {
            Some((prefix, id)) => (trim_slashes(prefix), id),
            None => ("", path),
        };
        if project_id.is_empty() {
            return Err(DsnError::MissingProjectId);
        }
        let numeric = project_id.len() <= 18 && project_id.bytes().all(|b| b.is_ascii_digit());
        if !numeric || project_id.bytes().all(|b| b == b'0') {
            return Err(DsnError::BadProjectId);
        }
        Ok(Dsn {
            scheme,
            public_key: key.to_string(),
            host: host.to_string(),
            path: prefix.to_string(),
            project_id: project_id.to_string(),
        })
    }

    /// `{scheme}://{host}[/{path}]/api/{project_id}/events?key={public_key}`
    pub fn ingest_url(&self) -> String {
        let mut url = String::with_capacity(64);
        url.push_str(&self.scheme);
        url.push_str("://");
        url.push_str(&self.host);
        url.push('/');
        if !self.path.is_empty() {
            url.push_str(&self.path);
            url.push('/');
        }
        url.push_str("api/");
        url.push_str(&self.project_id);
        url.push_str("/events?key=");
        url.push_str(&self.public_key);
        url
    }
}

fn trim_slashes(mut s: &str) -> &str {
    while let Some(inner) = s.strip_prefix('/') {
        s = inner;
    }
    while let Some(inner) = s.strip_suffix('/') {
        s = inner;
    }
    s
}

/// Splits `host:port`, leaving IPv6 literals such as `[::1]` whole.
fn split_port(host: &str) -> Option<(&str, &str)> {
    let (h, port) = rsplit_once(host, ":")?;
    if host.starts_with('[') && !h.ends_with(']') {
        return None;
    }
    Some((h, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> &'static str {
        match Dsn::parse(s) {
            Ok(_) => "ok",
            Err(e) => e.message(),
        }
    }

    #[test]
    fn parses_full_dsn() {
        let dsn = Dsn::parse("https://abc123@monitor.example.com:8443/42").ok();
        let dsn = dsn.as_ref();
        assert_eq!(dsn.map(|d| d.public_key.as_str()), Some("abc123"));
        assert_eq!(
            dsn.map(|d| d.host.as_str()),
            Some("monitor.example.com:8443")
        );
        assert_eq!(dsn.map(|d| d.project_id.as_str()), Some("42"));
        assert_eq!(
            dsn.map(|d| d.ingest_url()).as_deref(),
            Some("https://monitor.example.com:8443/api/42/events?key=abc123")
        );
    }

    #[test]
    fn keeps_path_prefix_and_ipv6() {
        let dsn = Dsn::parse("http://k_1@[::1]:8787/monitor/7/").ok();
        assert_eq!(
            dsn.map(|d| d.ingest_url()).as_deref(),
            Some("http://[::1]:8787/monitor/api/7/events?key=k_1")
        );
        let dsn = Dsn::parse("HTTP://key:secret@host/1").ok();
        assert_eq!(
            dsn.map(|d| d.ingest_url()).as_deref(),
            Some("http://host/api/1/events?key=key")
        );
    }

    #[test]
    fn malformed_dsns_give_readable_errors() {
        assert_eq!(err(""), DsnError::Empty.message());
        assert_eq!(err("   "), DsnError::Empty.message());
        assert_eq!(err("ftp://k@h/1"), DsnError::BadScheme.message());
        assert_eq!(err("k@h/1"), DsnError::BadScheme.message());
        assert_eq!(err("http://h/1"), DsnError::MissingKey.message());
        assert_eq!(err("http://@h/1"), DsnError::MissingKey.message());
        assert_eq!(err("http://k y@h/1"), DsnError::BadKey.message());
        assert_eq!(err("http://k@/1"), DsnError::MissingHost.message());
        assert_eq!(err("http://k@:80/1"), DsnError::MissingHost.message());
        assert_eq!(err("http://k@h:99999/1"), DsnError::BadPort.message());
        assert_eq!(err("http://k@h:x/1"), DsnError::BadPort.message());
        assert_eq!(err("http://k@h"), DsnError::MissingProjectId.message());
        assert_eq!(err("http://k@h/"), DsnError::MissingProjectId.message());
        assert_eq!(err("http://k@h/abc"), DsnError::BadProjectId.message());
        assert_eq!(err("http://k@h/0"), DsnError::BadProjectId.message());
        assert_eq!(
            err("http://k@h/1234567890123456789"),
            DsnError::BadProjectId.message()
        );
        assert_eq!(err("http://k@h/é"), DsnError::BadProjectId.message());
    }
}
