//! The visitor and the session every event carries (`user.visitor_id`, `user.session_id`),
//! with the rules of `monitor_sdk_core::session`. The records are kept in the site's storage
//! through the loader's `host.load(key)` / `host.save(key, value)` (localStorage, else a
//! first-party cookie), so all tabs share one session. With `storage: false` (consent not
//! given) nothing is read or written: each page load is a visitor and a session of its own.

use alloc::string::String;
use monitor_sdk_browser_utils::js::call;
use monitor_sdk_core::session::{touch, visitor_id, Session};
use monitor_sdk_core::Client;
use wasm_bindgen::JsValue;

const VISITOR_KEY: &str = "__monitor_vid";
const SESSION_KEY: &str = "__monitor_sess";

pub struct Identity {
    host: JsValue,
    persist: bool,
    pub visitor: String,
    session: Option<Session>,
}

impl Identity {
    pub fn new(host: JsValue, persist: bool, client: &mut Client) -> Identity {
        let mut identity = Identity {
            host,
            persist,
            visitor: String::new(),
            session: None,
        };
        let stored = identity.load(VISITOR_KEY);
        identity.visitor = match visitor_id(stored.as_deref()) {
            Some(id) => String::from(id),
            None => {
                let fresh = client.fresh_id().to_hex();
                identity.save(VISITOR_KEY, &fresh);
                fresh
            }
        };
        identity
    }

    /// Activity at `now`: the session it belongs to (a new one after 30 idle minutes or at
    /// 24 hours), written back when due.
    pub fn session_at(&mut self, now: f64, client: &mut Client) -> &str {
        // The page's own copy when storage has none (off, blocked, or not written yet).
        let stored = self
            .load(SESSION_KEY)
            .or_else(|| self.session.as_ref().map(Session::to_text));
        let fresh = client.fresh_id().to_hex();
        let touched = touch(stored.as_deref(), now, &fresh);
        if touched.write {
            self.save(SESSION_KEY, &touched.session.to_text());
        }
        &self.session.insert(touched.session).id
    }

    fn load(&self, key: &str) -> Option<String> {
        if !self.persist {
            return None;
        }
        call(&self.host, "load", &[&JsValue::from_str(key)])?.as_string()
    }

    fn save(&self, key: &str, value: &str) {
        if self.persist {
            let _ = call(
                &self.host,
                "save",
                &[&JsValue::from_str(key), &JsValue::from_str(value)],
            );
        }
    }
}
