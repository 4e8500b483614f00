//! The bytes of a spool segment: a sequence of records, each
//! `[len: u32 LE][crc32(body): u32 LE][body]` with `body = [key_len: u32 LE][key][value]`.
//!
//! A segment is only ever appended to, and each append is fsynced before the ingest answer,
//! so after a crash the only damage is a torn last record: a length running past the end of
//! the file, or a body whose CRC does not match. [`scan`] stops at the first such record and
//! reports how many bytes before it are sound; opening the spool truncates the file there.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// Bytes before the body: its length and its CRC.
const HEADER: usize = 8;
/// Largest body a record may claim. Bigger claims are taken as garbage rather than allocated.
const MAX_BODY: u32 = 64 << 20;

/// One Kafka message: key and value exactly as they will be produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
}

impl Record {
    /// Bytes this record takes in a segment.
    pub fn encoded_len(&self) -> u64 {
        (HEADER + 4 + self.key.len() + self.value.len()) as u64
    }

    /// Appends the encoded record to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let body_len = 4 + self.key.len() + self.value.len();
        let start = out.len();
        out.extend_from_slice(&(body_len as u32).to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(self.key.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&self.value);
        let crc = crc32fast::hash(&out[start + HEADER..]);
        out[start + 4..start + HEADER].copy_from_slice(&crc.to_le_bytes());
    }

    fn decode(body: &[u8]) -> Option<Record> {
        let key_len = u32::from_le_bytes(body.get(..4)?.try_into().ok()?) as usize;
        let key = body.get(4..4 + key_len)?.to_vec();
        let value = body.get(4 + key_len..)?.to_vec();
        Some(Record { key, value })
    }
}

/// What [`scan`] found in a segment.
#[derive(Debug, PartialEq, Eq)]
pub struct Scanned {
    /// Bytes of sound records from the start of the file.
    pub valid_len: u64,
    /// Bytes after them: a torn or corrupt tail, 0 when the file is whole.
    pub torn_len: u64,
}

/// Reads a segment record by record, handing each sound one to `each`, and stops at the end
/// or at the first torn or corrupt record. Holds one record in memory at a time.
pub fn scan(path: &Path, mut each: impl FnMut(Record)) -> io::Result<Scanned> {
    let file = File::open(path)?;
    let file_len = file.metadata()?.len();
    let mut reader = BufReader::new(file);
    let mut valid_len = 0u64;
    let mut body = Vec::new();
    loop {
        let mut header = [0u8; HEADER];
        if !read_full(&mut reader, &mut header)? {
            break;
        }
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if !(4..=MAX_BODY).contains(&len) || valid_len + (HEADER as u64) + u64::from(len) > file_len
        {
            break;
        }
        body.resize(len as usize, 0);
        if !read_full(&mut reader, &mut body)? || crc32fast::hash(&body) != crc {
            break;
        }
        let Some(record) = Record::decode(&body) else {
            break;
        };
        each(record);
        valid_len += (HEADER as u64) + u64::from(len);
    }
    Ok(Scanned {
        valid_len,
        torn_len: file_len - valid_len,
    })
}

/// All sound records of a segment, in order.
pub fn read_all(path: &Path) -> io::Result<Vec<Record>> {
    let mut records = Vec::new();
    scan(path, |record| records.push(record))?;
    Ok(records)
}

/// Fills `buf`; `false` when the file ends first.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match reader.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn record(i: u32) -> Record {
        Record {
            key: format!("1:{i}").into_bytes(),
            value: format!("{{\"n\":{i}}}").into_bytes(),
        }
    }

    #[test]
    fn records_read_back_in_order_and_a_torn_tail_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.seg");
        let mut bytes = Vec::new();
        for i in 0..3 {
            record(i).encode_into(&mut bytes);
        }
        let whole = bytes.len() as u64;
        assert_eq!(whole, (0..3).map(|i| record(i).encoded_len()).sum::<u64>());
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_all(&path).unwrap(), [record(0), record(1), record(2)]);

        // A fourth record cut short: the first three survive, the tail is reported.
        let mut fourth = Vec::new();
        record(3).encode_into(&mut fourth);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(&fourth[..fourth.len() - 2]).unwrap();
        let mut seen = 0;
        let scanned = scan(&path, |_| seen += 1).unwrap();
        assert_eq!(seen, 3);
        assert_eq!(scanned.valid_len, whole);
        assert_eq!(scanned.torn_len, fourth.len() as u64 - 2);
    }

    #[test]
    fn a_flipped_byte_ends_the_sound_part() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.seg");
        let mut bytes = Vec::new();
        record(0).encode_into(&mut bytes);
        let first = bytes.len();
        record(1).encode_into(&mut bytes);
        *bytes.last_mut().unwrap() ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_all(&path).unwrap(), [record(0)]);
        let scanned = scan(&path, |_| {}).unwrap();
        assert_eq!(scanned.valid_len, first as u64);
        // A header claiming an absurd length is garbage, not an allocation.
        std::fs::write(&path, [0xff; 12]).unwrap();
        assert_eq!(scan(&path, |_| {}).unwrap().valid_len, 0);
    }
}
