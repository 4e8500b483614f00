//! The on-disk spool of Kafka mode: where accepted events wait while Kafka cannot take them.
//!
//! A 2xx must mean durable (docs/collector.md). When Kafka does not acknowledge a batch in
//! time, `crate::kafka::KafkaSink` appends the batch's messages (key and value, already
//! encoded) here instead and answers 2xx once they are fsynced; a replay task sends them on,
//! oldest first, when Kafka is back.
//!
//! Layout: `{data_dir}/spool/{seq:020}.seg`, append-only segment files in the format of
//! [`record`]. New records go to the newest segment until it passes `segment_bytes`; then a
//! new one is created (and the directory fsynced, so the file's name survives a crash too).
//! The replay takes the oldest segment, *sealing* it first if it is the one being written,
//! so a segment never changes while it is read; it is deleted only after Kafka acknowledged
//! every record in it. A crash in between sends those records again (at-least-once; the
//! ClickHouse table deduplicates by event).
//!
//! Bounds: the segments together never exceed `max_bytes` ([`SpoolError::Full`] instead,
//! which the ingest endpoint answers with 503 and `Retry-After`), and the replay holds one
//! segment's records in memory at a time. On open, existing segments are checked and a torn
//! last record (a crash mid-append) is cut off. Its size is the `monitor_spool_bytes` gauge.

pub mod record;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use record::Record;

/// Largest segment, unless `max_bytes` asks for smaller ones: big enough for few files and
/// fsyncs of the directory, small enough to replay from memory.
pub const SEGMENT_BYTES: u64 = 4 << 20;

#[derive(Debug)]
pub enum SpoolError {
    /// The batch would take the spool past its bound.
    Full {
        max_bytes: u64,
    },
    Io(io::Error),
}

impl fmt::Display for SpoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpoolError::Full { max_bytes } => write!(f, "spool full ({max_bytes} bytes)"),
            SpoolError::Io(e) => write!(f, "spool: {e}"),
        }
    }
}

impl std::error::Error for SpoolError {}

impl From<io::Error> for SpoolError {
    fn from(e: io::Error) -> Self {
        SpoolError::Io(e)
    }
}

/// A segment on disk, handed to the replay by [`Spool::oldest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub seq: u64,
    pub path: PathBuf,
    pub bytes: u64,
}

/// The spool directory and what is in it. Not thread-safe by itself: the sink keeps it
/// behind a mutex, which also orders appends against the replay's seal and delete.
pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    segment_bytes: u64,
    /// Oldest first.
    segments: VecDeque<Segment>,
    /// The newest segment, open for appending, unless it was sealed.
    active: Option<File>,
    total_bytes: u64,
}

impl Spool {
    /// Opens (creating) `dir`, recovers what an earlier run left there, and bounds the spool
    /// to `max_bytes` in segments of about [`SEGMENT_BYTES`].
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Spool> {
        Spool::open_with(dir, max_bytes, SEGMENT_BYTES.min(max_bytes / 4).max(1))
    }

    pub fn open_with(dir: &Path, max_bytes: u64, segment_bytes: u64) -> io::Result<Spool> {
        if !dir.exists() {
            fs::create_dir_all(dir)?;
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
        }
        let mut seqs = Vec::new();
        for entry in fs::read_dir(dir)? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if let Some(seq) = name
                .strip_suffix(".seg")
                .and_then(|s| s.parse::<u64>().ok())
            {
                seqs.push(seq);
            }
        }
        seqs.sort_unstable();
        let mut spool = Spool {
            dir: dir.to_owned(),
            max_bytes,
            segment_bytes,
            segments: VecDeque::new(),
            active: None,
            total_bytes: 0,
        };
        for seq in seqs {
            let path = spool.path(seq);
            let scanned = record::scan(&path, |_| {})?;
            if scanned.torn_len > 0 {
                tracing::warn!(path = %path.display(), bytes = scanned.torn_len,
                    "cutting a torn record off a spool segment");
                let file = OpenOptions::new().write(true).open(&path)?;
                file.set_len(scanned.valid_len)?;
                file.sync_all()?;
            }
            if scanned.valid_len == 0 {
                fs::remove_file(&path)?;
                continue;
            }
            spool.total_bytes += scanned.valid_len;
            spool.segments.push_back(Segment {
                seq,
                path,
                bytes: scanned.valid_len,
            });
        }
        crate::metrics::set_spool_bytes(spool.total_bytes);
        if !spool.segments.is_empty() {
            tracing::warn!(
                segments = spool.segments.len(),
                bytes = spool.total_bytes,
                "spool holds events from an earlier run; replaying them"
            );
        }
        Ok(spool)
    }

    /// No segment waits (those being replayed count until they are deleted).
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Bytes in all segments.
    pub fn bytes(&self) -> u64 {
        self.total_bytes
    }

    pub fn segments(&self) -> usize {
        self.segments.len()
    }

    /// Appends the records and fsyncs them before returning: on `Ok` they survive a crash.
    /// All or none: a batch that does not fit is refused whole.
    pub fn append(&mut self, records: &[Record]) -> Result<(), SpoolError> {
        let mut buf = Vec::with_capacity(records.iter().map(|r| r.encoded_len() as usize).sum());
        for record in records {
            record.encode_into(&mut buf);
        }
        let len = buf.len() as u64;
        if self.total_bytes + len > self.max_bytes {
            return Err(SpoolError::Full {
                max_bytes: self.max_bytes,
            });
        }
        let full = self
            .segments
            .back()
            .is_none_or(|s| s.bytes >= self.segment_bytes);
        if self.active.is_none() || full {
            self.start_segment()?;
        }
        let (Some(file), Some(segment)) = (self.active.as_mut(), self.segments.back_mut()) else {
            return Err(SpoolError::Io(io::Error::other("no active segment")));
        };
        let written = file.write_all(&buf).and_then(|()| file.sync_data());
        if let Err(e) = written {
            // Cut off whatever part reached the file, and write the next batch elsewhere.
            let _ = file.set_len(segment.bytes);
            self.active = None;
            return Err(SpoolError::Io(e));
        }
        segment.bytes += len;
        self.total_bytes += len;
        crate::metrics::set_spool_bytes(self.total_bytes);
        Ok(())
    }

    /// The oldest segment, sealed so that no later append changes it. `None` when empty.
    pub fn oldest(&mut self) -> Option<Segment> {
        let oldest = self.segments.front()?.clone();
        if self.segments.len() == 1 {
            self.active = None;
        }
        Some(oldest)
    }

    /// Deletes a segment [`Spool::oldest`] returned, once all its records are in Kafka.
    pub fn remove(&mut self, segment: &Segment) -> io::Result<()> {
        if self.segments.front() != Some(segment) {
            return Err(io::Error::other("only the oldest segment can be removed"));
        }
        fs::remove_file(&segment.path)?;
        self.segments.pop_front();
        self.total_bytes -= segment.bytes;
        crate::metrics::set_spool_bytes(self.total_bytes);
        sync_dir(&self.dir)
    }

    fn start_segment(&mut self) -> io::Result<()> {
        let seq = self.segments.back().map_or(1, |s| s.seq + 1);
        let path = self.path(seq);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?;
        sync_dir(&self.dir)?;
        self.segments.push_back(Segment {
            seq,
            path,
            bytes: 0,
        });
        self.active = Some(file);
        Ok(())
    }

    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}.seg"))
    }
}

/// Makes a created or deleted name in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl From<SpoolError> for crate::store::StoreError {
    fn from(e: SpoolError) -> Self {
        match e {
            SpoolError::Full { max_bytes } => crate::store::StoreError::SpoolFull(max_bytes),
            SpoolError::Io(e) => crate::store::StoreError::Io(e),
        }
    }
}
