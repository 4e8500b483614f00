//! The scope: user, tags, extra and the breadcrumb trail that every event carries.
//!
//! The page sets these through `setUser`, `setTag`, `setExtra`, `addBreadcrumb`; `Event::to_json` writes
//! them into each event as it is encoded.

use alloc::string::String;
use alloc::vec::Vec;

use crate::event::{truncate, Level};
use crate::json::{write_key, write_number, write_string, Map, Value};

// Limits in bytes, so that the scope stays a fraction of a request (batch::MAX_EVENT_BYTES)
// whatever the script: 30 user fields and 50 tags at their limits are about 21 KB.
/// Hard upper bound on `maxBreadcrumbs`; a trail that does not fit is left off an event.
pub const MAX_BREADCRUMBS: usize = 100;
const MAX_TAGS: usize = 50;
const MAX_TAG_KEY_BYTES: usize = 32;
const MAX_TAG_VALUE_BYTES: usize = 200;
/// User fields kept, the SDK's `session_id` included.
const MAX_USER_FIELDS: usize = 30;
const MAX_USER_KEY_BYTES: usize = 64;
const MAX_USER_VALUE_BYTES: usize = 256;
const MAX_EXTRAS: usize = 30;
const MAX_EXTRA_KEY_BYTES: usize = 64;
const MAX_BREADCRUMB_MESSAGE_BYTES: usize = 1_024;
const MAX_BREADCRUMB_CATEGORY_BYTES: usize = 64;

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
    /// Arbitrary JSON per key (`setExtra`), as the page's `JSON.stringify` wrote it.
    pub extra: Map,
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

    /// Replaces the user's fields but keeps the SDK's own `session_id` and `visitor_id`.
    pub fn set_user(&mut self, user: Map) {
        let own = [
            ("visitor_id", self.user.get("visitor_id").cloned()),
            ("session_id", self.user.get("session_id").cloned()),
        ];
        self.user = user;
        for (key, value) in own {
            if let Some(value) = value {
                self.user.insert(key, value);
            }
        }
    }

    /// Sets one user field; the SDK's own `session_id` and `visitor_id` cannot be replaced.
    pub fn set_user_field(&mut self, key: &str, value: &str) {
        if key != "session_id" && key != "visitor_id" {
            let key = truncate(key, MAX_USER_KEY_BYTES);
            let value = truncate(value, MAX_USER_VALUE_BYTES).into();
            insert_capped(&mut self.user, MAX_USER_FIELDS, &key, value);
        }
    }

    pub fn set_tag(&mut self, key: &str, value: &str) {
        let key = truncate(key, MAX_TAG_KEY_BYTES);
        let value = truncate(value, MAX_TAG_VALUE_BYTES).into();
        insert_capped(&mut self.tags, MAX_TAGS, &key, value);
    }

    /// Sets one extra to `json` (valid JSON text; the caller limits its size), or removes it.
    pub fn set_extra(&mut self, key: &str, json: Option<String>) {
        let key = truncate(key, MAX_EXTRA_KEY_BYTES);
        match json {
            Some(json) => insert_capped(&mut self.extra, MAX_EXTRAS, &key, Value::Raw(json)),
            None => {
                self.extra.remove(&key);
            }
        }
    }

    pub fn add_breadcrumb(&mut self, mut crumb: Breadcrumb) {
        if self.max_breadcrumbs == 0 {
            return;
        }
        crumb.message = truncate(&crumb.message, MAX_BREADCRUMB_MESSAGE_BYTES);
        crumb.category = truncate(&crumb.category, MAX_BREADCRUMB_CATEGORY_BYTES);
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

/// Inserts `key` (non-empty) unless the map already holds `max` other keys.
fn insert_capped(map: &mut Map, max: usize, key: &str, value: Value) {
    if key.is_empty() || (map.len() >= max && map.get(key).is_none()) {
        return;
    }
    map.insert(key, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
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
        let json = Event::new("custom", 1.0).to_json(&Options::default(), &scope, 0);
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
            scope.set_extra(&key, Some("1".into()));
        }
        assert_eq!(scope.user.len(), MAX_USER_FIELDS);
        assert_eq!(scope.tags.len(), MAX_TAGS);
        assert_eq!(scope.extra.len(), MAX_EXTRAS);
        scope.set_extra("0", None);
        assert_eq!(scope.extra.len(), MAX_EXTRAS - 1);
        scope.set_tag("0", "changed");
        assert_eq!(scope.tags.get("0"), Some(&Value::from("changed")));
        scope.set_user_field("id", &"x".repeat(70_000));
        assert!(scope.user.get("id").is_none(), "full: new keys are refused");
        let mut fresh = Scope::new(0);
        fresh.set_user_field("id", &"x".repeat(70_000));
        assert!(
            matches!(fresh.user.get("id"), Some(Value::String(s)) if s.len() == MAX_USER_VALUE_BYTES + '…'.len_utf8())
        );
        // Multibyte text is cut by bytes: the limits bound the request size.
        fresh.set_tag("cjk", &"語".repeat(1_000));
        assert!(
            matches!(fresh.tags.get("cjk"), Some(Value::String(s)) if s.len() <= MAX_TAG_VALUE_BYTES + 3)
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
        assert_eq!(k.len(), MAX_TAG_KEY_BYTES + '…'.len_utf8());
        assert!(matches!(v, Value::String(s) if s.len() == MAX_TAG_VALUE_BYTES + '…'.len_utf8()));
    }
}
