//! Who may send and who may read: public keys per project, allowed page origins, and the
//! bearer token of the query API.
//!
//! The public key is not a secret (it ships in every page), so it only routes events to the
//! right project and stops accidental cross-project sends; the origin list is what keeps other
//! sites' pages out, and the api token is what guards the stored data. Reads are closed
//! unless a token is configured: an operator who forgot it gets a refusal, not an open
//! database. The one exception is a collector that listens on loopback only and was told so
//! explicitly (`api_open_on_loopback`), which is what the demo runs with.

use std::collections::HashMap;
use std::fmt;

use axum::http::HeaderValue;

use crate::config::Config;

/// Why a request was refused before its body was looked at.
#[derive(Debug, PartialEq)]
pub enum AuthError {
    /// No `key` in the query string.
    MissingKey,
    /// The key belongs to no project.
    UnknownKey,
    /// The key belongs to a project other than the one in the URL.
    WrongProject { project_id: u64 },
    /// The URL names a project this collector does not know.
    UnknownProject { project_id: u64 },
    /// The page's `Origin` is not in the project's `allowed_origins`.
    OriginNotAllowed { origin: String },
    /// The read API needs `Authorization: Bearer <token>` and got none or a wrong one.
    BadToken,
    /// No api token is configured, so no request may read (and none could authenticate).
    ReadsDisabled,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::MissingKey => write!(f, "missing key: add ?key=<public key> to the URL"),
            AuthError::UnknownKey => write!(f, "unknown key"),
            AuthError::WrongProject { project_id } => {
                write!(f, "the key does not belong to project {project_id}")
            }
            AuthError::UnknownProject { project_id } => write!(f, "unknown project {project_id}"),
            AuthError::OriginNotAllowed { origin } => {
                write!(f, "origin {origin:?} is not allowed for this project")
            }
            AuthError::BadToken => {
                write!(
                    f,
                    "missing or wrong api token: send Authorization: Bearer <token>"
                )
            }
            AuthError::ReadsDisabled => write!(
                f,
                "reads are disabled: the collector has no api_token (MONITOR_API_TOKEN) \
                 configured; on a loopback listener api_open_on_loopback opens them"
            ),
        }
    }
}

impl std::error::Error for AuthError {}

/// Who may use the query API.
#[derive(Debug, PartialEq)]
enum ReadAccess {
    /// Requests must carry `Authorization: Bearer <token>`.
    Token(String),
    /// No token needed: the listener is loopback-only and the operator opted in.
    OpenOnLoopback,
    /// No token configured: every read is refused.
    Closed,
}

/// The access rules, indexed once at startup so a request costs two hash lookups.
#[derive(Debug)]
pub struct Access {
    project_of_key: HashMap<String, u64>,
    origins: HashMap<u64, Vec<String>>,
    reads: ReadAccess,
}

impl Access {
    pub fn from_config(config: &Config) -> Access {
        let mut project_of_key = HashMap::new();
        let mut origins = HashMap::new();
        for project in &config.projects {
            for key in &project.keys {
                project_of_key.insert(key.clone(), project.id);
            }
            origins.insert(project.id, project.allowed_origins.clone());
        }
        let reads = match &config.api_token {
            Some(token) => ReadAccess::Token(token.clone()),
            // Checked again here, not only in `Config::validate`, because this is what stands
            // between the network and the data.
            None if config.api_open_on_loopback && config.listen.ip().is_loopback() => {
                ReadAccess::OpenOnLoopback
            }
            None => ReadAccess::Closed,
        };
        Access {
            project_of_key,
            origins,
            reads,
        }
    }

    pub fn has_project(&self, project_id: u64) -> bool {
        self.origins.contains_key(&project_id)
    }

    /// Checks an ingest key against the project in the URL.
    pub fn check_key(&self, project_id: u64, key: Option<&str>) -> Result<(), AuthError> {
        let key = key.filter(|k| !k.is_empty()).ok_or(AuthError::MissingKey)?;
        match self.project_of_key.get(key) {
            None => Err(AuthError::UnknownKey),
            Some(&owner) if owner != project_id => Err(AuthError::WrongProject { project_id }),
            Some(_) => Ok(()),
        }
    }

    /// Whether a page on `origin` may talk to the project. Browsers send lowercase scheme and
    /// host, but configuration is typed by people, so the comparison ignores ASCII case.
    pub fn origin_allowed(&self, project_id: u64, origin: &str) -> bool {
        self.origins.get(&project_id).is_some_and(|allowed| {
            allowed
                .iter()
                .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
        })
    }

    /// Refuses a request whose `Origin` header is present and not allowed. Requests without
    /// one come from servers or tools, which the origin list is not meant to stop.
    pub fn check_origin(
        &self,
        project_id: u64,
        origin: Option<&HeaderValue>,
    ) -> Result<(), AuthError> {
        let Some(origin) = origin else {
            return Ok(());
        };
        match origin.to_str() {
            Ok(origin) if self.origin_allowed(project_id, origin) => Ok(()),
            _ => Err(AuthError::OriginNotAllowed {
                origin: String::from_utf8_lossy(origin.as_bytes()).into_owned(),
            }),
        }
    }

    /// Checks a query API request: the bearer token when one is configured; refused when
    /// none is, unless the loopback opt-in applies.
    pub fn check_token(&self, authorization: Option<&HeaderValue>) -> Result<(), AuthError> {
        let expected = match &self.reads {
            ReadAccess::Token(token) => token,
            ReadAccess::OpenOnLoopback => return Ok(()),
            ReadAccess::Closed => return Err(AuthError::ReadsDisabled),
        };
        let given = authorization
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match given {
            Some(given) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(AuthError::BadToken),
        }
    }
}

/// Compares without stopping at the first difference, so response timing does not reveal how
/// much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProjectConfig;

    fn access() -> Access {
        let config = Config {
            api_token: Some("t0ken".into()),
            projects: vec![
                ProjectConfig {
                    id: 1,
                    keys: vec!["one".into()],
                    allowed_origins: vec!["*".into()],
                },
                ProjectConfig {
                    id: 2,
                    keys: vec!["two".into()],
                    allowed_origins: vec!["http://localhost:5173".into()],
                },
            ],
            ..Config::default()
        };
        Access::from_config(&config)
    }

    #[test]
    fn keys() {
        let access = access();
        assert_eq!(access.check_key(1, Some("one")), Ok(()));
        assert_eq!(access.check_key(1, None), Err(AuthError::MissingKey));
        assert_eq!(
            access.check_key(1, Some("nope")),
            Err(AuthError::UnknownKey)
        );
        assert_eq!(
            access.check_key(1, Some("two")),
            Err(AuthError::WrongProject { project_id: 1 })
        );
    }

    #[test]
    fn origins() {
        let access = access();
        let header = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(access.check_origin(2, None), Ok(()));
        assert_eq!(
            access.check_origin(1, Some(&header("https://x.example"))),
            Ok(())
        );
        assert_eq!(
            access.check_origin(2, Some(&header("http://LOCALHOST:5173"))),
            Ok(())
        );
        assert!(access
            .check_origin(2, Some(&header("http://localhost:5174")))
            .is_err());
        assert!(access
            .check_origin(3, Some(&header("http://localhost:5173")))
            .is_err());
    }

    #[test]
    fn token() {
        let access = access();
        let header = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(access.check_token(Some(&header("Bearer t0ken"))), Ok(()));
        assert_eq!(
            access.check_token(Some(&header("Bearer t0ke"))),
            Err(AuthError::BadToken)
        );
        assert_eq!(
            access.check_token(Some(&header("t0ken"))),
            Err(AuthError::BadToken)
        );
        assert_eq!(access.check_token(None), Err(AuthError::BadToken));
    }

    #[test]
    fn without_a_token_reads_are_closed_unless_opened_on_loopback() {
        let closed = Access::from_config(&Config::default());
        assert_eq!(closed.check_token(None), Err(AuthError::ReadsDisabled));
        let header = HeaderValue::from_static("Bearer anything");
        assert_eq!(
            closed.check_token(Some(&header)),
            Err(AuthError::ReadsDisabled)
        );
        let open = Access::from_config(&Config {
            api_open_on_loopback: true,
            ..Config::default()
        });
        assert_eq!(open.check_token(None), Ok(()));
        // Not loopback: the switch is ignored even if validation was skipped.
        let public = Access::from_config(&Config {
            api_open_on_loopback: true,
            listen: "0.0.0.0:8787".parse().unwrap(),
            ..Config::default()
        });
        assert_eq!(public.check_token(None), Err(AuthError::ReadsDisabled));
        // A token, once configured, is required on loopback too.
        let both = Access::from_config(&Config {
            api_open_on_loopback: true,
            api_token: Some("t".into()),
            ..Config::default()
        });
        assert_eq!(both.check_token(None), Err(AuthError::BadToken));
    }
}
