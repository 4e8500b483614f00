//! Visitors and sessions, as web analytics tools count them.
//!
//! - A **visitor** is one browser: an anonymous random id kept across visits, so the platform
//!   can count unique visitors without knowing who anyone is.
//! - A **session** is one visit: it ends after [`IDLE_MS`] (30 minutes) without activity, or
//!   at the latest [`MAX_MS`] (24 hours) after it began, whatever the activity. All tabs of
//!   the site share it, because the record lives in the site's storage, which all tabs see.
//!
//! The browser crate stores the record as text (`id.started.last_active`, times in ms since
//! the epoch) and hands it back here; what is stored and when is decided here, so the rules
//! are tested without a browser.

use alloc::string::String;

use crate::json::write_u64;
use crate::text::{parse_u32, split};

/// A session ends after this long without activity.
pub const IDLE_MS: f64 = 30.0 * 60.0 * 1000.0;
/// A session ends this long after it began, however active.
pub const MAX_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;
/// Activity is written back at most this often: every event would be a storage write, and
/// the idle rule does not need millisecond precision.
pub const TOUCH_EVERY_MS: f64 = 5_000.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// 32 lowercase hex characters.
    pub id: String,
    pub started: f64,
    pub last_active: f64,
}

impl Session {
    /// Parses a stored record; `None` for anything that is not one.
    pub fn parse(text: &str) -> Option<Session> {
        let mut parts = split(text, ".");
        let id = parts.next().filter(|id| is_id(id))?;
        let started = parse_ms(parts.next()?)?;
        let last_active = parse_ms(parts.next()?)?;
        if parts.next().is_some() || last_active < started {
            return None;
        }
        Some(Session {
            id: String::from(id),
            started,
            last_active,
        })
    }

    /// The record as stored.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(64);
        out.push_str(&self.id);
        out.push('.');
        write_u64(&mut out, self.started as u64);
        out.push('.');
        write_u64(&mut out, self.last_active as u64);
        out
    }

    /// Whether the session is still running at `now`. A clock that went backwards (a session
    /// that seems to start in the future) counts as ended rather than as eternal.
    pub fn is_live(&self, now: f64) -> bool {
        now >= self.started && now - self.last_active < IDLE_MS && now - self.started < MAX_MS
    }
}

/// What [`touch`] decided.
#[derive(Debug, PartialEq)]
pub struct Touched {
    pub session: Session,
    /// A new session began (none was stored, or the stored one had ended).
    pub started: bool,
    /// The record should be written back.
    pub write: bool,
}

/// Activity at `now`: continues the `stored` session when it is live (writing the new
/// activity time back when it is [`TOUCH_EVERY_MS`] old), or starts one with `fresh_id`.
pub fn touch(stored: Option<&str>, now: f64, fresh_id: &str) -> Touched {
    match stored.and_then(Session::parse) {
        Some(mut session) if session.is_live(now) => {
            let write = now - session.last_active >= TOUCH_EVERY_MS;
            if write {
                session.last_active = now;
            }
            Touched {
                session,
                started: false,
                write,
            }
        }
        _ => Touched {
            session: Session {
                id: String::from(fresh_id),
                started: now,
                last_active: now,
            },
            started: true,
            write: true,
        },
    }
}

/// A stored visitor id, if it is one; else the caller stores a fresh one.
pub fn visitor_id(stored: Option<&str>) -> Option<&str> {
    stored.filter(|id| is_id(id))
}

/// Whether a session is sampled in for behaviour events at `rate` (0..=1): decided by the id,
/// so every page and tab of the session decides the same way.
pub fn sampled_in(session_id: &str, rate: f64) -> bool {
    if rate >= 1.0 {
        return true;
    }
    if rate <= 0.0 || rate.is_nan() {
        return false;
    }
    // The first 8 hex digits of a random id are uniform over 0..2^32.
    let Some(head) = session_id.get(..8) else {
        return false;
    };
    let mut n: u32 = 0;
    for b in head.bytes() {
        // (No `from_str_radix`: its radix check carries a formatted panic.)
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return false,
        };
        n = (n << 4) | u32::from(digit);
    }
    f64::from(n) < rate * 4_294_967_296.0
}

fn is_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Milliseconds since the epoch as stored (decimal digits, at most 15 of them).
fn parse_ms(s: &str) -> Option<f64> {
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Split so each half fits `parse_u32`: the high digits and the last 9.
    let split = s.len().saturating_sub(9);
    let high = if split == 0 {
        0
    } else {
        parse_u32(s.get(..split)?)?
    };
    let low = parse_u32(s.get(split..)?)?;
    Some(f64::from(high) * 1e9 + f64::from(low))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789abcdef0123456789abcdef";
    const B: &str = "fedcba9876543210fedcba9876543210";
    const T0: f64 = 1_764_000_000_000.0;

    #[test]
    fn records_round_trip_and_junk_is_refused() {
        let session = Session {
            id: A.into(),
            started: T0,
            last_active: T0 + 1234.0,
        };
        assert_eq!(Session::parse(&session.to_text()), Some(session));
        for junk in [
            "",
            "x.1.2",
            "0123456789abcdef0123456789abcdeF.1.2",
            &[A, "1"].join("."),
            &[A, "2", "1"].join("."),
            &[A, "1", "2", "3"].join("."),
            &[A, "-1", "2"].join("."),
            &[A, "1234567890123456", "1234567890123457"].join("."),
        ] {
            assert_eq!(Session::parse(junk), None, "{junk}");
        }
    }

    #[test]
    fn a_session_continues_while_active_and_ends_after_30_idle_minutes() {
        let first = touch(None, T0, A);
        assert!(first.started && first.write);
        let stored = first.session.to_text();
        let soon = touch(Some(&stored), T0 + 1000.0, B);
        assert_eq!(
            (soon.session.id.as_str(), soon.started, soon.write),
            (A, false, false)
        );
        let later = touch(Some(&stored), T0 + 29.0 * 60_000.0, B);
        assert_eq!((later.session.id.as_str(), later.write), (A, true));
        assert_eq!(later.session.last_active, T0 + 29.0 * 60_000.0);
        let idle = touch(Some(&stored), T0 + IDLE_MS, B);
        assert_eq!((idle.session.id.as_str(), idle.started), (B, true));
    }

    #[test]
    fn a_session_ends_after_24_hours_however_active() {
        let stored = Session {
            id: A.into(),
            started: T0,
            last_active: T0 + MAX_MS - 60_000.0,
        }
        .to_text();
        let still = touch(Some(&stored), T0 + MAX_MS - 1.0, B);
        assert_eq!(still.session.id, A);
        let capped = touch(Some(&stored), T0 + MAX_MS, B);
        assert_eq!((capped.session.id.as_str(), capped.started), (B, true));
    }

    #[test]
    fn a_clock_gone_backwards_starts_a_new_session() {
        let stored = touch(None, T0, A).session.to_text();
        assert!(touch(Some(&stored), T0 - 1.0, B).started);
    }

    #[test]
    fn visitor_ids_must_look_like_ours() {
        assert_eq!(visitor_id(Some(A)), Some(A));
        assert_eq!(visitor_id(Some("abc")), None);
        assert_eq!(visitor_id(None), None);
    }

    #[test]
    fn sampling_is_decided_by_the_session_id() {
        assert!(sampled_in(A, 1.0));
        assert!(!sampled_in(A, 0.0));
        assert!(!sampled_in(A, f64::NAN));
        // 0x01234567 / 2^32 ≈ 0.0044; 0xfedcba98 / 2^32 ≈ 0.995.
        assert!(sampled_in(A, 0.01));
        assert!(!sampled_in(B, 0.99));
        assert!(sampled_in(B, 0.999));
        assert!(!sampled_in("zz", 0.5), "not an id: out");
    }
}
