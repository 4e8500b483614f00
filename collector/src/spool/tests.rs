use std::io::Write;

use super::*;

fn batch(from: u32, n: u32) -> Vec<Record> {
    (from..from + n)
        .map(|i| Record {
            key: format!("1:{i:032}").into_bytes(),
            value: format!("{{\"v\":1,\"n\":{i}}}").into_bytes(),
        })
        .collect()
}

/// Everything the spool holds, oldest first, draining it the way the replay does.
fn drain(spool: &mut Spool) -> Vec<Record> {
    let mut all = Vec::new();
    while let Some(segment) = spool.oldest() {
        all.extend(record::read_all(&segment.path).unwrap());
        spool.remove(&segment).unwrap();
    }
    all
}

fn seg_files(dir: &Path) -> usize {
    fs::read_dir(dir).unwrap().count()
}

#[test]
fn batches_come_back_in_order_across_segments_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open_with(dir.path(), 1 << 20, 200).unwrap();
    assert!(spool.is_empty());
    for b in 0..5 {
        spool.append(&batch(b * 3, 3)).unwrap();
    }
    assert!(spool.segments() > 1, "small segments roll over");
    assert_eq!(seg_files(dir.path()), spool.segments());
    let bytes = spool.bytes();
    drop(spool);

    let mut spool = Spool::open_with(dir.path(), 1 << 20, 200).unwrap();
    assert_eq!(spool.bytes(), bytes, "a reopened spool finds everything");
    spool.append(&batch(15, 2)).unwrap();
    assert_eq!(drain(&mut spool), batch(0, 17));
    assert!(spool.is_empty());
    assert_eq!(spool.bytes(), 0);
    assert_eq!(
        seg_files(dir.path()),
        0,
        "acknowledged segments are deleted"
    );
}

#[test]
fn a_torn_last_record_is_cut_off_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), 1 << 20).unwrap();
    spool.append(&batch(0, 2)).unwrap();
    let path = spool.oldest().unwrap().path;
    let sound = fs::metadata(&path).unwrap().len();
    drop(spool);
    // A crash in the middle of the next append leaves half a record.
    let mut half = Vec::new();
    batch(2, 1)[0].encode_into(&mut half);
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(&half[..half.len() / 2]).unwrap();
    drop(file);

    let mut spool = Spool::open(dir.path(), 1 << 20).unwrap();
    assert_eq!(fs::metadata(&path).unwrap().len(), sound, "truncated");
    assert_eq!(spool.bytes(), sound);
    spool.append(&batch(3, 1)).unwrap();
    let mut expected = batch(0, 2);
    expected.extend(batch(3, 1));
    assert_eq!(drain(&mut spool), expected);

    // A segment holding nothing sound is dropped.
    fs::write(dir.path().join(format!("{:020}.seg", 9)), [1, 2, 3]).unwrap();
    let spool = Spool::open(dir.path(), 1 << 20).unwrap();
    assert!(spool.is_empty());
    assert_eq!(seg_files(dir.path()), 0);
}

#[test]
fn a_full_spool_refuses_whole_batches_until_drained() {
    let dir = tempfile::tempdir().unwrap();
    let one = batch(0, 4).iter().map(Record::encoded_len).sum::<u64>();
    let mut spool = Spool::open(dir.path(), one * 2 + 10).unwrap();
    spool.append(&batch(0, 4)).unwrap();
    spool.append(&batch(4, 4)).unwrap();
    let err = spool.append(&batch(8, 4)).unwrap_err();
    assert!(matches!(err, SpoolError::Full { .. }), "{err}");
    assert_eq!(
        spool.bytes(),
        one * 2,
        "nothing of the refused batch was written"
    );

    let oldest = spool.oldest().unwrap();
    spool.remove(&oldest).unwrap();
    spool.append(&batch(8, 4)).unwrap();
    let mut expected = batch(4, 4);
    expected.extend(batch(8, 4));
    assert_eq!(drain(&mut spool), expected);
}

#[test]
fn the_oldest_segment_is_sealed_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), 1 << 20).unwrap();
    spool.append(&batch(0, 1)).unwrap();
    let oldest = spool.oldest().unwrap();
    // Appends after the seal go to a new segment, so the one being replayed stays as read.
    spool.append(&batch(1, 1)).unwrap();
    assert_eq!(spool.segments(), 2);
    assert_eq!(record::read_all(&oldest.path).unwrap(), batch(0, 1));
    let other = Segment {
        seq: 99,
        ..oldest.clone()
    };
    assert!(spool.remove(&other).is_err(), "only the oldest goes");
    spool.remove(&oldest).unwrap();
    assert_eq!(drain(&mut spool), batch(1, 1));
}
