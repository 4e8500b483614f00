//! Gathering one batch from the consumer: the rows to insert (with, for each, what the live
//! aggregates count and where in the topic it came from), the messages for the dead-letter
//! topic and, per partition, the offset to commit after them; then cleaning it
//! ([`Batch::clean`]). While it waits for a batch's first message it also watches whether
//! the consumer should re-join its group.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{ConsumerContext, StreamConsumer};
use rdkafka::message::Message;
use tokio::time::{sleep, timeout, timeout_at};

use crate::clickhouse::EventRow;
use crate::kafka::{message, DeadLetter};
use crate::realtime::clean::Cleaner;
use crate::realtime::LiveEvent;

/// How often the wait for a first message looks up from the consumer to ask whether it
/// should re-join.
const IDLE_TICK: Duration = Duration::from_millis(500);

/// One batch.
#[derive(Default)]
pub struct Batch {
    pub messages: usize,
    pub rows: Vec<EventRow>,
    /// One per row, in the same order.
    pub live: Vec<Placed>,
    pub dead: Vec<DeadLetter>,
    pub next_offsets: BTreeMap<(String, i32), i64>,
}

/// An event as the live aggregates see it, and its place in the topic (for the watermark).
pub struct Placed {
    pub partition: i32,
    pub offset: i64,
    pub event: LiveEvent,
}

impl Batch {
    /// Drops the rows the cleaning stage does not keep (each drop is counted in `/metrics`);
    /// their offsets are still committed with the batch's.
    pub fn clean(&mut self, cleaner: &mut Cleaner) {
        let keep: Vec<bool> = self
            .live
            .iter()
            .map(|placed| cleaner.judge(&placed.event).is_ok())
            .collect();
        let mut verdicts = keep.iter();
        self.rows
            .retain(|_| verdicts.next().copied().unwrap_or(true));
        let mut verdicts = keep.iter();
        self.live
            .retain(|_| verdicts.next().copied().unwrap_or(true));
    }
}

/// What [`next_batch`] gives back.
pub enum Next {
    Batch(Batch),
    /// This consumer has received nothing for too long while messages wait: leave the group
    /// and join again.
    Rejoin,
}

/// The waiting side of [`next_batch`].
pub struct Wait<'a> {
    /// Since when this consumer has received nothing; moved on by every message.
    pub idle_since: &'a mut Instant,
    /// Fault injection: throw received messages away as if none came.
    pub discard: bool,
    /// Asked with the idle time: is it time to re-join?
    pub should_rejoin: &'a (dyn Fn(Duration) -> bool + Sync),
}

/// Waits for a first message, then gathers more until the batch is full or its time is up.
pub async fn next_batch<C: ConsumerContext + 'static>(
    consumer: &StreamConsumer<C>,
    max_rows: usize,
    max_wait: Duration,
    wait: Wait<'_>,
) -> Next {
    let mut batch = Batch::default();
    loop {
        if (wait.should_rejoin)(wait.idle_since.elapsed()) {
            return Next::Rejoin;
        }
        match timeout(IDLE_TICK, consumer.recv()).await {
            Err(_) => {}
            Ok(Ok(_)) if wait.discard => {}
            Ok(Ok(m)) => {
                *wait.idle_since = Instant::now();
                add(&mut batch, &m);
                break;
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "kafka receive failed");
                sleep(Duration::from_secs(1)).await;
            }
        }
    }
    let deadline = tokio::time::Instant::now() + max_wait;
    while batch.messages < max_rows {
        match timeout_at(deadline, consumer.recv()).await {
            Ok(Ok(m)) => {
                *wait.idle_since = Instant::now();
                add(&mut batch, &m);
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "kafka receive failed");
                break;
            }
            Err(_) => break,
        }
    }
    Next::Batch(batch)
}

fn add(batch: &mut Batch, m: &impl Message) {
    batch.messages += 1;
    batch
        .next_offsets
        .insert((m.topic().to_owned(), m.partition()), m.offset() + 1);
    match message::decode(m.payload().unwrap_or_default()) {
        Ok(event) => {
            let row = EventRow::from_message(&event);
            batch.live.push(Placed {
                partition: m.partition(),
                offset: m.offset(),
                event: LiveEvent::from_row(&row, event.event_type, &event.event),
            });
            batch.rows.push(row);
        }
        // A message that cannot be read now never will be: dead-letter it, then move on.
        Err(reason) => {
            tracing::warn!(
                partition = m.partition(),
                offset = m.offset(),
                %reason,
                "message does not decode; dead-lettering it"
            );
            batch.dead.push(DeadLetter::new(m, &reason));
        }
    }
}
