//! A ClickHouse server's version, and which schema features it has: what decides which of
//! the version-gated migrations a server gets.

use std::fmt;

/// A server's version, from `SELECT version()` (e.g. `18.16.1`, `24.8.4.13`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl ServerVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> ServerVersion {
        ServerVersion {
            major,
            minor,
            patch,
        }
    }

    /// Parses `MAJOR.MINOR[.PATCH[.BUILD]]`, ignoring anything after the numbers (a
    /// `-testing` suffix, a build after the patch). `None` when there is no `MAJOR.MINOR`.
    pub fn parse(text: &str) -> Option<ServerVersion> {
        let mut parts = text.trim().split('.').map(|part| {
            let digits = part.len() - part.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            part[..digits].parse::<u32>().ok()
        });
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = parts.next().flatten().unwrap_or(0);
        Some(ServerVersion::new(major, minor, patch))
    }

    /// `LowCardinality` without the experimental setting (18.16 needs
    /// `allow_experimental_low_cardinality_type=1`; we skip it there).
    pub fn has_low_cardinality(self) -> bool {
        self >= ServerVersion::new(19, 0, 0)
    }

    /// Table `TTL` expressions.
    pub fn has_ttl(self) -> bool {
        self >= ServerVersion::new(19, 6, 0)
    }

    /// Column compression codecs, `CODEC(ZSTD)`.
    pub fn has_codecs(self) -> bool {
        self >= ServerVersion::new(19, 11, 0)
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        let v = ServerVersion::new;
        assert_eq!(ServerVersion::parse("18.16.1"), Some(v(18, 16, 1)));
        assert_eq!(ServerVersion::parse("24.8.4.13"), Some(v(24, 8, 4)));
        assert_eq!(ServerVersion::parse(" 26.9\n"), Some(v(26, 9, 0)));
        assert_eq!(
            ServerVersion::parse("19.11.3.11-stable"),
            Some(v(19, 11, 3))
        );
        assert_eq!(ServerVersion::parse("23.3.1-testing"), Some(v(23, 3, 1)));
        assert_eq!(ServerVersion::parse("19"), None);
        assert_eq!(ServerVersion::parse("x.y"), None);
        assert_eq!(ServerVersion::parse(""), None);
        assert!(v(19, 10, 0) < v(19, 11, 0) && v(19, 11, 0) < v(20, 1, 0));
        assert_eq!(v(18, 16, 1).to_string(), "18.16.1");
    }

    #[test]
    fn features_by_version() {
        let v = ServerVersion::new;
        let features = |s: ServerVersion| (s.has_low_cardinality(), s.has_ttl(), s.has_codecs());
        assert_eq!(features(v(18, 16, 1)), (false, false, false));
        assert_eq!(features(v(19, 5, 9)), (true, false, false));
        assert_eq!(features(v(19, 6, 0)), (true, true, false));
        assert_eq!(features(v(19, 11, 0)), (true, true, true));
        assert_eq!(features(v(26, 9, 0)), (true, true, true));
    }
}
