//! Issue 4's promises under failure, with the real binaries and the real services: nothing
//! the collector acknowledged is lost, and nothing shows twice in ClickHouse, when
//!
//! 1. the broker goes away in the middle of the load and comes back (the spool takes the
//!    batches meanwhile),
//! 2. the collector is SIGKILLed in the middle of the load (every 2xx'd batch still arrives),
//! 3. the consumer is SIGKILLed after inserting a batch and before committing it (held there
//!    by its fault-injection pause, `MONITOR_CONSUMER_PAUSE_AFTER_INSERT_MS`): the batch is
//!    delivered again, and `FINAL` deduplicates it.
//!
//! Every scenario has its own topic, consumer group, ClickHouse database and data dir, and its
//! own tansu broker (`scripts/services.sh` with a temporary `MONITOR_SERVICES_DIR` on a free
//! port): some stop it, a killed consumer lingers in its group state until its session times
//! out, and a tansu that panicked stops answering (docs/services.md), none of which may reach
//! another test. Before a consumer starts, the broker's log is checked for a panic, so that
//! such a broker fails the test with tansu's message rather than with a consumer timing out.
//! ClickHouse is the shared one, started when missing, and is queried over HTTP, a path the
//! consumer does not use. `MONITOR_SKIP_SERVICES=1` skips the tests loudly when the services
//! cannot be started, except under `CI`.

mod pipeline;
mod services;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pipeline::{event_id, join, scenario, wait_for_line, Load, Setup};
use services::{clickhouse, wait_until, Broker};

/// 20,000 events in 40 batches from 4 clients; the broker is stopped after the first ones
/// and started again while the clients keep posting. Every batch must be acknowledged (from
/// Kafka or from the spool; 503s are retried), and ClickHouse must end with exactly the
/// 20,000 events.
#[test]
fn broker_outage_during_load_loses_nothing() {
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    let started = Instant::now();
    // Not shorter than the default 5 s: while the broker is up no delivery may time out (see
    // `sigkill_mid_load`). At the stop tansu fails the requests in flight, so the spool takes
    // over at once.
    let setup = Setup::new(
        &broker.addr(),
        "delivery_timeout_ms = 5000\npartitions = 3",
        "batch_rows = 5000\nbatch_ms = 300",
    );
    let (collector, addr) = setup.serve();
    let (batches, size) = (40, 500);
    let load = Load::new(&addr, batches, size, 15);
    let clients = load.spawn(4);

    wait_until(
        "8 batches acknowledged with the broker up",
        Duration::from_secs(30),
        || load.acknowledged() >= 8,
    );
    broker.run("stop"); // the clients keep posting meanwhile
    let down = Instant::now();
    load.set_limit(30);
    wait_until("30 batches acknowledged", Duration::from_secs(30), || {
        load.acknowledged() + load.failed.lock().unwrap().len() >= 30
    });
    let spooled = setup.spool_segments();
    assert!(
        spooled > 0,
        "batches taken while the broker is down are spooled"
    );
    broker.run("start");
    let outage = down.elapsed();
    load.set_limit(batches);
    join(clients);
    let failed = load.failed.lock().unwrap().clone();
    assert!(failed.is_empty(), "every batch is acknowledged: {failed:?}");
    assert_eq!(load.acknowledged(), batches);
    let posted = started.elapsed();

    broker.assert_no_panic("after its restart");
    let consumer = setup.consume();
    setup.wait_for_table();
    let expected = (batches * size) as u64;
    wait_until(
        "20,000 events in ClickHouse",
        Duration::from_secs(60),
        || setup.count_final() >= expected,
    );
    wait_until("the spool is drained", Duration::from_secs(30), || {
        setup.spool_segments() == 0
    });
    assert_eq!(setup.count_final(), expected, "count() FINAL");
    assert_eq!(setup.distinct_ids(), expected, "distinct event_id");
    let ids = setup.event_ids();
    assert!(
        (0..batches * size).all(|n| ids.contains(&event_id(n))),
        "every posted event is there"
    );
    let raw = setup.count_raw();
    consumer.stop_cleanly();
    collector.stop_cleanly();
    eprintln!(
        "broker outage: broker down for {outage:?}, {spooled} spool segment(s), {} 503s \
         retried, all posted after {posted:?}, {raw} rows before merges, {} tansu panic(s) \
         before its restart, {:?} in all",
        load.retried_503.load(Ordering::SeqCst),
        broker.panics(),
        started.elapsed()
    );
}

/// Batches posted by 4 clients while the collector is SIGKILLed; it is restarted on the same
/// data dir and takes the remaining batches. Every event of every 2xx'd batch must reach
/// ClickHouse; events of requests that failed may or may not.
#[test]
fn collector_sigkill_mid_load_keeps_every_acknowledged_event() {
    // shared broker down for the other test binaries.
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    sigkill_mid_load(&broker, false);
}

/// The same with the broker down at the kill: the acknowledged batches are only in the
/// fsync'd spool (requests in flight may leave a torn record), which the restarted collector
/// replays once the broker is back.
#[test]
fn collector_sigkill_while_spooling_keeps_every_acknowledged_event() {
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    sigkill_mid_load(&broker, true);
}

/// `stop_broker`: the broker is stopped after the first acknowledgements, the collector
/// killed once the spool holds some, and the broker started again before the collector.
/// Otherwise the broker stays up and the batches go to Kafka.
///
/// With the broker up, no delivery may time out: an idempotent producer whose messages time
/// out bumps its epoch itself and goes on sending its queued messages with it, and tansu 0.6
/// panics on those and stops answering (docs/services.md). A fresh producer needs up to ~1 s
/// for its producer id, which a 1 s timeout did not cover: the first batches timed out and
/// took the broker down in 5 of 8 runs, a second after start, long before the kill; the
/// consumer then found no broker. Hence 10 s there. When the broker is stopped, the default
/// 5 s: tansu answers the requests in flight at its stop with an error, so the spool takes
/// over at once anyway, and a broker that panicked before the stop would be cured by the
/// restart (the summary line counts such panics).
fn sigkill_mid_load(broker: &Broker, stop_broker: bool) {
    let started = Instant::now();
    let timeout = if stop_broker { 5000 } else { 10_000 };
    let setup = Setup::new(
        &broker.addr(),
        &format!("delivery_timeout_ms = {timeout}"),
        "batch_ms = 300",
    );
    let (collector, addr) = setup.serve();
    let (batches, size) = (40, 250);
    let load = Load::new(&addr, batches, size, if stop_broker { 8 } else { 24 });
    let clients = load.spawn(4);
    wait_until("6 batches acknowledged", Duration::from_secs(30), || {
        load.acknowledged() >= 6
    });
    let mut spooled = 0;
    if stop_broker {
        broker.run("stop");
        let before = load.acknowledged();
        load.set_limit(24);
        // Killed at the first acknowledgement from the spool, while others are appending.
        wait_until(
            "a batch acknowledged from the spool",
            Duration::from_secs(30),
            || {
                spooled = setup.spool_segments();
                load.acknowledged() > before && spooled > 0
            },
        );
    } else {
        wait_until("10 batches acknowledged", Duration::from_secs(30), || {
            load.acknowledged() >= 10
        });
        spooled = setup.spool_segments();
        broker.assert_no_panic("before the collector was killed");
    }
    collector.kill(); // SIGKILL, with requests in flight
    let acknowledged_before_kill = load.acknowledged();
    wait_until(
        "the clients noticed the kill",
        Duration::from_secs(30),
        || load.next.load(Ordering::SeqCst) >= 24,
    );
    if stop_broker {
        broker.run("start");
    }
    let (collector, addr) = setup.serve(); // same data dir: its spool replays
    *load.addr.lock().unwrap() = addr;
    load.set_limit(batches);
    join(clients);
    let acknowledged: BTreeSet<usize> = load.acknowledged.lock().unwrap().iter().copied().collect();
    let failed = load.failed.lock().unwrap().clone();
    let failed_batches: BTreeSet<usize> = failed.iter().map(|(batch, _)| *batch).collect();
    assert!(
        failed_batches.iter().all(|batch| *batch < 24),
        "after the restart every batch is acknowledged: {failed:?}"
    );
    assert!(acknowledged.len() >= acknowledged_before_kill + (batches - 24));
    assert!(
        acknowledged.is_disjoint(&failed_batches)
            && acknowledged.len() + failed_batches.len() == batches,
        "each batch was either acknowledged or failed, once"
    );

    broker.assert_no_panic("before the consumer started");
    let consumer = setup.consume();
    setup.wait_for_table();
    let events = |batches: &BTreeSet<usize>| -> BTreeSet<String> {
        batches
            .iter()
            .flat_map(|batch| (batch * size..(batch + 1) * size).map(event_id))
            .collect()
    };
    let wanted = events(&acknowledged);
    let mut missing = wanted.len();
    let deadline = Instant::now() + Duration::from_secs(60);
    while missing > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        missing = wanted.difference(&setup.event_ids()).count();
    }
    assert_eq!(missing, 0, "acknowledged events missing from ClickHouse");
    // Exactly: the acknowledged events, plus possibly some of the batches whose request the
    // kill broke (their events may have reached Kafka or the spool before the answer).
    let ids = setup.event_ids();
    let unexpected: Vec<&String> = ids.difference(&wanted).collect();
    let may_be_there = events(&failed_batches);
    assert!(
        unexpected.iter().all(|id| may_be_there.contains(*id)),
        "events in ClickHouse from no acknowledged or broken request: {:?}",
        unexpected
            .iter()
            .filter(|id| !may_be_there.contains(**id))
            .take(5)
            .collect::<Vec<_>>()
    );
    assert_eq!(setup.count_final(), ids.len() as u64, "one row per event");
    consumer.stop_cleanly();
    collector.stop_cleanly();
    eprintln!(
        "collector SIGKILL (broker down: {stop_broker}, {spooled} spool segment(s) at the \
         kill): {} of {batches} batches acknowledged ({acknowledged_before_kill} before the \
         kill), {} failed with the kill, {} events in ClickHouse ({} of broken requests), {} \
         tansu panic(s) before a restart, {:?} in all",
        acknowledged.len(),
        failed.len(),
        ids.len(),
        unexpected.len(),
        broker.panics(),
        started.elapsed()
    );
}

/// The first consumer's `MONITOR_CONSUMER_PAUSE_AFTER_INSERT_MS`: the pause between its
/// first insert and that batch's commit, in which the test kills it. Far longer than the test
/// needs to see the log line and kill, so the kill cannot miss the window; well below
/// librdkafka's `max.poll.interval.ms` (300 s), so the group keeps the consumer meanwhile.
const PAUSE_BEFORE_COMMIT_MS: u64 = 120_000;

/// N events through the collector, then a consumer with big batches that pauses after its
/// first insert and before that batch's commit (the consumer's fault-injection pause) and is
/// SIGKILLed in that pause: ClickHouse holds the batch, the group has no offset for it. The
/// next consumer reads it again, so `events` holds those rows twice until a merge (merges are
/// stopped on the table to count them), while `count() FINAL` and the distinct ids are N, the
/// exact ids sent. Finally a merge (`OPTIMIZE ... FINAL`) removes the copies on disk too.
#[test]
fn consumer_killed_mid_batch_no_loss_no_duplicates() {
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    let started = Instant::now();
    let setup = Setup::new(
        &broker.addr(),
        "partitions = 3",
        "batch_rows = 1000\nbatch_ms = 3000",
    );
    let (collector, addr) = setup.serve();
    let (batches, size) = (20, 500);
    let load = Load::new(&addr, batches, size, batches);
    join(load.spawn(4));
    assert_eq!(
        load.acknowledged(),
        batches,
        "{:?}",
        load.failed.lock().unwrap()
    );
    collector.stop_cleanly();
    let expected = (batches * size) as u64;
    let produced = started.elapsed();

    broker.assert_no_panic("before the consumer started");
    let (consumer, stderr) = setup.consume_pausing_before_commit(PAUSE_BEFORE_COMMIT_MS);
    setup.wait_for_table();
    // Background merges would remove the redelivered copies at unknown times; stopped, the
    // copies stay on disk to be counted. `FINAL` deduplicates at read time regardless.
    clickhouse(&format!("SYSTEM STOP MERGES {}.events", setup.db));
    let paused = wait_for_line(&stderr, "pausing", Duration::from_secs(60));
    let inserted: u64 = paused
        .split("inserted ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no row count in {paused:?}"));
    let at_kill = setup.count_raw();
    assert!(
        inserted > 0 && inserted < expected,
        "the paused batch is a part of the events: {paused:?}"
    );
    assert_eq!(
        at_kill, inserted,
        "ClickHouse holds exactly the paused batch: it was inserted, nothing after it"
    );
    consumer.kill(); // in the pause: inserted, not committed
    let killed = started.elapsed();
    // The new consumer has the same static identity (the host name): it takes the killed
    // one's partitions at once and reads from the start of each, since nothing was committed.

    let consumer = setup.consume();
    wait_until("N events in ClickHouse", Duration::from_secs(60), || {
        setup.count_final() >= expected
    });
    // A partition's redelivered messages come before its others, but a partition the paused
    // batch read to its end has nothing after them: give their insert a moment.
    let deadline = Instant::now() + Duration::from_secs(15);
    while setup.count_raw() < expected + at_kill && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let raw = setup.count_raw();
    let distinct = setup.distinct_ids();
    let redelivered = raw - distinct;
    assert_eq!(setup.count_final(), expected, "count() FINAL");
    assert_eq!(distinct, expected, "distinct event_id");
    let sent: BTreeSet<String> = (0..batches * size).map(event_id).collect();
    assert!(setup.event_ids() == sent, "exactly the ids sent are there");
    assert!(
        raw > distinct && redelivered >= at_kill,
        "the killed consumer's batch was delivered again: {raw} rows, {distinct} events, \
         {at_kill} rows at the kill"
    );
    consumer.stop_cleanly();

    // The copies are ReplacingMergeTree's to remove: a forced merge leaves one row per event.
    clickhouse(&format!("SYSTEM START MERGES {}.events", setup.db));
    let partitions = clickhouse(&format!(
        "SELECT DISTINCT partition FROM system.parts WHERE database = '{}' AND table = 'events' \
         AND active FORMAT TSV",
        setup.db
    ));
    for partition in partitions.lines() {
        clickhouse(&format!(
            "OPTIMIZE TABLE {}.events PARTITION {partition} FINAL",
            setup.db
        ));
    }
    assert_eq!(setup.count_raw(), expected, "rows on disk after the merge");
    eprintln!(
        "consumer SIGKILL: produced in {produced:?}, killed after {killed:?} in the pause \
         after inserting {inserted} rows, {raw} rows without FINAL after the restart \
         ({redelivered} redelivered), {expected} after the merge, {:?} in all",
        started.elapsed()
    );
}
