//! The scope: user, tags and the breadcrumb trail that every event carries.
//!
//! The page sets these through `setUser`, `setTag`, `addBreadcrumb`; `Event::to_json` writes
//! them into each event as it is encoded.

use alloc::string::String;
use alloc::vec::Vec;

use crate::event::{truncate, Level};
use crate::json::{write_key, write_number, write_string, Map};

/// Hard upper bound on `maxBreadcrumbs`, so a trail cannot dominate the request size.
pub const MAX_BREADCRUMBS: usize = 100;
const MAX_TAG_KEY_CHARS: usize = 32;
const MAX_TAG_VALUE_CHARS: usize = 200;
/// Most tags and user fields kept, so a loop in the page cannot grow every event.
const MAX_FIELDS: usize = 50;
const MAX_USER_KEY_CHARS: usize = 64;
const MAX_USER_VALUE_CHARS: usize = 256;
const MAX_BREADCRUMB_MESSAGE_CHARS: usize = 1_024;

#[derive(Clone, PartialEq)]
pub struct Breadcrumb {
    pub timestamp: f64,
    pub category: String,
    pub message: String,
    pub level: Level,
    /// JSON text from the page, or `None`.
    pub data: Option<String>,
}

impl Breadcrumb {
    pub fn write_json(&self, out: &mut String) {
        out.push('{');
        write_key(out, "timestamp");
        write_number(out, self.timestamp);
        write_key(out, "category");
        write_string(out, &self.category);
        write_key(out, "message");
        write_string(out, &self.message);
        write_key(out, "level");
        write_string(out, self.level.as_str());
        if let Some(data) = &self.data {
            write_key(out, "data");
            out.push_str(data);
        }
        out.push('}');
    }
}

#[derive(Clone, Default)]
pub struct Scope {
    pub user: Map,
    pub tags: Map,
    breadcrumbs: Vec<Breadcrumb>,
    max_breadcrumbs: usize,
}

impl Scope {
    pub fn new(max_breadcrumbs: usize) -> Scope {
        Scope {
            max_breadcrumbs: max_breadcrumbs.min(MAX_BREADCRUMBS),
            ..Scope::default()
        }
    }

    /// Replaces the user's fields but keeps the SDK's own `session_id`.
    pub fn set_user(&mut self, user: Map) {
        let session = self.user.remove("session_id");
        self.user = user;
        if let Some(session) = session {
            self.user.insert("session_id", session);
        }
    }

    /// Sets one user field; the SDK's own `session_id` cannot be replaced.
    pub fn set_user_field(&mut self, key: &str, value: &str) {
        if key != "session_id" {
            insert_capped(
                &mut self.user,
                &truncate(key, MAX_USER_KEY_CHARS),
                value,
                MAX_USER_VALUE_CHARS,
            );
        }
    }

    pub fn set_tag(&mut self, key: &str, value: &str) {
        insert_capped(
            &mut self.tags,
            &truncate(key, MAX_TAG_KEY_CHARS),
            value,
            MAX_TAG_VALUE_CHARS,
        );
    }

    pub fn add_breadcrumb(&mut self, mut crumb: Breadcrumb) {
        if self.max_breadcrumbs == 0 {
            return;
        }
        crumb.message = truncate(&crumb.message, MAX_BREADCRUMB_MESSAGE_CHARS);
        if self.breadcrumbs.len() >= self.max_breadcrumbs {
            let excess = self.breadcrumbs.len() + 1 - self.max_breadcrumbs;
            let kept = core::mem::take(&mut self.breadcrumbs);
            self.breadcrumbs = kept.into_iter().skip(excess).collect();
        }
        self.breadcrumbs.push(crumb);
    }

    pub fn breadcrumbs(&self) -> impl Iterator<Item = &Breadcrumb> {
        self.breadcrumbs.iter()
    }
}

/// Inserts `key` (non-empty) unless the map is full of other keys; cuts the value.
fn insert_capped(map: &mut Map, key: &str, value: &str, max_value_chars: usize) {
    if key.is_empty() || (map.len() >= MAX_FIELDS && map.get(key).is_none()) {
        return;
    }
    map.insert(key, truncate(value, max_value_chars).into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::json::Value;
    use crate::options::Options;

    fn crumb(msg: &str) -> Breadcrumb {
        Breadcrumb {
            timestamp: 1.0,
            category: "test".into(),
            message: msg.into(),
            level: Level::Info,
            data: None,
        }
    }

    #[test]
    fn breadcrumbs_are_a_ring_buffer() {
        let mut scope = Scope::new(3);
        for m in ["a", "b", "c", "d"] {
            scope.add_breadcrumb(crumb(m));
        }
        let msgs: Vec<&str> = scope.breadcrumbs().map(|c| c.message.as_str()).collect();
        assert_eq!(msgs, ["b", "c", "d"]);
        let mut none = Scope::new(0);
        none.add_breadcrumb(crumb("x"));
        assert_eq!(none.breadcrumbs().count(), 0);
        assert_eq!(Scope::new(10_000).max_breadcrumbs, MAX_BREADCRUMBS);
    }

    #[test]
    fn events_carry_the_scope_and_keep_the_session() {
        let mut scope = Scope::new(10);
        scope.user.insert("session_id", "s1".into());
        scope.set_user(Map::new().with("id", "u1".into()));
        scope.set_tag("a", "x");
        scope.set_tag("a", "y");
        scope.set_tag("", "ignored");
        scope.add_breadcrumb(Breadcrumb {
            data: Some("{\"k\":1}".into()),
            ..crumb("clicked \"ok\"")
        });
        let json = Event::new("custom", 1.0).to_json(&Options::default(), &scope, true);
        assert!(
            json.contains(r#""user":{"id":"u1","session_id":"s1"},"tags":{"a":"y"}"#),
            "{json}"
        );
        assert!(json.contains(
            r#""breadcrumbs":[{"timestamp":1,"category":"test","message":"clicked \"ok\"","level":"info","data":{"k":1}}]"#
        ), "{json}");
        let mut cleared = scope.clone();
        cleared.set_user(Map::new());
        assert_eq!(cleared.user.get("session_id"), Some(&Value::from("s1")));
        assert_eq!(cleared.user.len(), 1);
    }

    #[test]
    fn user_fields_and_tags_are_capped() {
        let mut scope = Scope::new(0);
        scope.user.insert("session_id", "s".into());
        scope.set_user_field("session_id", "forged");
        assert_eq!(scope.user.get("session_id"), Some(&Value::from("s")));
        for i in 0..200 {
            let key = i.to_string();
            scope.set_user_field(&key, "v");
            scope.set_tag(&key, "v");
        }
        assert_eq!(scope.user.len(), MAX_FIELDS);
        assert_eq!(scope.tags.len(), MAX_FIELDS);
        scope.set_tag("0", "changed");
        assert_eq!(scope.tags.get("0"), Some(&Value::from("changed")));
        scope.set_user_field("id", &"x".repeat(70_000));
        assert!(scope.user.get("id").is_none(), "full: new keys are refused");
        let mut fresh = Scope::new(0);
        fresh.set_user_field("id", &"x".repeat(70_000));
        assert!(
            matches!(fresh.user.get("id"), Some(Value::String(s)) if s.chars().count() == MAX_USER_VALUE_CHARS + 1)
        );
    }

    #[test]
    fn long_tags_are_cut() {
        let mut scope = Scope::new(1);
        scope.set_tag(&"k".repeat(100), &"v".repeat(1000));
        let (k, v) = match scope.tags.iter().next() {
            Some((k, v)) => (k.to_string(), v.clone()),
            None => panic!("tag not set"),
        };
        assert_eq!(k.chars().count(), MAX_TAG_KEY_CHARS + 1);
        assert!(matches!(v, Value::String(s) if s.chars().count() == MAX_TAG_VALUE_CHARS + 1));
    }
}
