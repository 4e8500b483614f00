//! The query API's one test suite, run against both stores: the same fixture events go
//! through the ingest API into the embedded store (a collector process) and into Kafka mode
//! (a collector, the `consume` role, ClickHouse), and every question is asked of both over
//! HTTP. The answers must be the same (exact for counts and groups, within a tolerance for
//! percentiles; see query/compare.rs) and right (checked against query/oracle.rs, which
//! computes them from the fixture alone).
//!
//! Needs the shared broker and ClickHouse (started by scripts/services.sh when missing);
//! topic, group and database are this run's own. `MONITOR_SKIP_SERVICES=1` skips it loudly,
//! except under `CI`.

mod query;
mod services;

use query::backend::Backend;
use query::compare::same;
use query::fixture::{Fixture, HOUR};
use query::schema::Spec;
use query::{behaviour, events, issues, overview, vitals};
use services::ensure_services;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn both_stores_give_the_same_answers() {
    if !ensure_services(&["kafka", "clickhouse"]) {
        return;
    }
    // Whole hours, so that hour buckets line up with the range; recent, so that the
    // default range (the last 24 h) holds it too.
    let base = (now_ms() / HOUR) * HOUR - 3 * HOUR;
    let fixture = Fixture::new(base);
    let stores = [Backend::embedded(), Backend::kafka()];
    for store in &stores {
        store.ingest(1, &fixture.events);
        store.ingest(2, &fixture.other_project);
        // A retried batch: the same events again, which must not count twice.
        store.ingest(1, &fixture.events[..40]);
    }
    for store in &stores {
        store.wait_for_events(1, 0, now_ms() + HOUR, fixture.events.len());
    }
    let [sqlite, clickhouse] = &stores;
    events::check(sqlite, clickhouse, &fixture);
    overview::check(sqlite, clickhouse, &fixture);
    issues::check(sqlite, clickhouse, &fixture);
    vitals::check(sqlite, clickhouse, &fixture);
    behaviour::check(sqlite, clickhouse, &fixture);
    behaviour::check_sessions(sqlite, clickhouse, &fixture);
    // Last: it changes statuses and adds events.
    issues::statuses(sqlite, clickhouse, &fixture);

    // Every answer either store gave, errors included, is what the OpenAPI document says.
    let (status, document) = sqlite.call("GET", "/api/openapi.json", None, "");
    assert_eq!(status, 200, "the document needs no token");
    same(
        "openapi.json",
        &document,
        &clickhouse.call("GET", "/api/openapi.json", None, "").1,
    );
    let spec = Spec::new(document);
    for store in &stores {
        let answers = store.answers.borrow();
        assert!(
            answers.len() > 50,
            "{}: {} answers",
            store.name,
            answers.len()
        );
        for (method, path, status, body) in answers.iter() {
            spec.check(method, path, *status, body);
        }
    }
}
