//! The replay task: sends what the spool holds into Kafka, oldest segment first.
//!
//! It sleeps until the sink spools something (or starts with what an earlier run left),
//! then takes the oldest segment, reads its records (one segment in memory at a time),
//! produces them and waits for every acknowledgement before deleting the segment. If Kafka
//! fails, the whole segment is tried again after a pause: records it had already taken
//! arrive twice, which ClickHouse deduplicates. A crash between acknowledgement and delete
//! does the same after the restart.

use std::sync::Arc;
use std::time::Duration;

use crate::spool::{record, Segment};

use super::shared::Shared;

/// Pause after a failed attempt; the attempt itself already waited the delivery timeout.
const RETRY_DELAY: Duration = Duration::from_millis(500);

/// Records handed to Kafka at once. A segment holds up to 4 MiB (thousands of records), and
/// librdkafka times a message out `message.timeout.ms` after it was enqueued: enqueued all at
/// once, a segment that the broker cannot take within one delivery timeout would fail every
/// attempt, and never drain. In chunks of about an ingest batch, each chunk gets the whole
/// timeout, as a batch does at ingest.
const CHUNK_RECORDS: usize = 500;

/// Runs for the life of the process.
pub(super) async fn run(shared: Arc<Shared>) {
    let mut failing = false;
    loop {
        // The spool's lock may be held through an fsync: taken off the async workers.
        let owner = shared.clone();
        let oldest = tokio::task::spawn_blocking(move || owner.spool().oldest()).await;
        let Ok(Some(segment)) = oldest else {
            shared.wake.notified().await;
            continue;
        };
        match replay(&shared, &segment).await {
            Ok((records, left)) => {
                if failing {
                    tracing::info!("kafka takes events again: replaying the spool");
                    failing = false;
                }
                if left == 0 {
                    tracing::info!("spool drained into kafka");
                }
                tracing::debug!(
                    segment = segment.seq,
                    records,
                    left,
                    "spool segment replayed"
                );
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, segment = segment.seq,
                        "cannot replay the spool yet; retrying");
                    failing = true;
                }
                tokio::time::sleep(RETRY_DELAY).await;
            }
        }
    }
}

/// Sends one segment and deletes it once Kafka has all of it; the number of records sent
/// and the bytes left in the spool.
async fn replay(shared: &Arc<Shared>, segment: &Segment) -> Result<(usize, u64), String> {
    let path = segment.path.clone();
    let records = tokio::task::spawn_blocking(move || record::read_all(&path))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot read {}: {e}", segment.path.display()))?;
    for chunk in records.chunks(CHUNK_RECORDS) {
        if let Err((e, old_producer)) = shared.send(chunk).await {
            // Dropping a producer blocks for a moment; not on this worker thread.
            tokio::task::spawn_blocking(move || drop(old_producer));
            return Err(e);
        }
    }
    let (owner, done) = (shared.clone(), segment.clone());
    let left = tokio::task::spawn_blocking(move || {
        let mut spool = owner.spool();
        spool.remove(&done).map(|()| spool.bytes())
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot delete {}: {e}", segment.path.display()))?;
    Ok((records.len(), left))
}
