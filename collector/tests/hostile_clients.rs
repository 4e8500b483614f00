//! The HTTP layer against slow, oversized and numerous clients, with the real binary, while
//! a well-behaved sender posts batches beside them and must be served throughout:
//!
//! - a client that trickles its headers a byte at a time is disconnected after
//!   `header_read_timeout_secs` (slowloris);
//! - a request head over `max_header_bytes` gets 431;
//! - connections over `max_connections` get a readable 503 with `Retry-After`;
//! - a body over `max_body_bytes` gets a readable 413 with its JSON reason, whether the client
//!   declares its length, streams it chunked, or asks `Expect: 100-continue` first; and curl
//!   and Node's fetch, as real clients, read it too.

mod services;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use services::{http, listening_addr, Running};

const KEY: &str = "hostile-key";

fn start(config: &str) -> (Running, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("collector.toml");
    std::fs::write(&file, config).unwrap();
    let env = [
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "MONITOR_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("MONITOR_PROJECTS", format!("1:{KEY}")),
    ];
    let (running, line) = Running::start(&["--config", &file.display().to_string()], &env);
    (running, listening_addr(&line), dir)
}

/// A small valid batch with event number `n`.
fn batch(n: usize) -> String {
    format!(
        r#"{{"events":[{{"event_id":"{n:032x}","type":"custom","timestamp":1763870000000,"name":"x"}}]}}"#
    )
}

/// A well-behaved sender posting one batch after another until told to stop; it counts the
/// 200s and keeps every other outcome.
struct Sender {
    stop: Arc<AtomicBool>,
    served: Arc<AtomicUsize>,
    thread: JoinHandle<Vec<String>>,
}

impl Sender {
    fn start(addr: &str) -> Sender {
        let (stop, served) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
        );
        let (addr, stop_flag, count) = (addr.to_owned(), stop.clone(), served.clone());
        let thread = std::thread::spawn(move || {
            let mut failures = Vec::new();
            let mut n = 0;
            while !stop_flag.load(Ordering::SeqCst) {
                let started = Instant::now();
                let request = format!("POST /api/1/events?key={KEY}");
                match std::panic::catch_unwind(|| http(&addr, &request, "text/plain", &batch(n))) {
                    Ok((200, _)) if started.elapsed() < Duration::from_secs(2) => {
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok((status, body)) => {
                        failures.push(format!("{status} after {:?}: {body}", started.elapsed()))
                    }
                    Err(_) => failures.push("request failed".to_owned()),
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            failures
        });
        Sender {
            stop,
            served,
            thread,
        }
    }

    /// Lets it reach `min` requests (10 s at most), stops it, and asserts it was served
    /// every time.
    fn finish(self, min: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.served.load(Ordering::SeqCst) < min && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop.store(true, Ordering::SeqCst);
        let failures = self.thread.join().unwrap();
        let served = self.served.load(Ordering::SeqCst);
        assert!(
            failures.is_empty(),
            "the normal sender was refused: {failures:?}"
        );
        assert!(served >= min, "the normal sender was served {served} times");
    }
}

/// Reads until the peer closes; the bytes read, or the error that ended the read.
fn read_to_close(stream: &mut TcpStream) -> Result<Vec<u8>, std::io::Error> {
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map(|_| answer)
}

#[test]
fn a_client_trickling_its_headers_is_cut_off_and_others_are_served() {
    let (collector, addr, _dir) = start("header_read_timeout_secs = 1\n");
    let sender = Sender::start(&addr);
    // Four slow clients, a byte every 100 ms: at that pace their heads would take seconds.
    let head = format!(
        "POST /api/1/events?key={KEY} HTTP/1.1\r\nHost: x\r\nX-Slow: {}\r\n",
        "a".repeat(200)
    );
    let slow: Vec<JoinHandle<(Duration, usize, bool)>> = (0..4)
        .map(|_| {
            let (addr, head) = (addr.clone(), head.clone());
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&addr).unwrap();
                let started = Instant::now();
                let mut sent = 0;
                for byte in head.bytes() {
                    if stream.write_all(&[byte]).is_err() {
                        break;
                    }
                    sent += 1;
                    std::thread::sleep(Duration::from_millis(100));
                    if started.elapsed() > Duration::from_secs(8) {
                        break;
                    }
                }
                // Closed by the server: a write fails, or a read sees the end at once.
                stream
                    .set_read_timeout(Some(Duration::from_secs(1)))
                    .unwrap();
                let mut buf = [0u8; 64];
                let closed = matches!(stream.read(&mut buf), Ok(0))
                    || matches!(stream.read(&mut buf), Err(e) if e.kind() != ErrorKind::WouldBlock
                        && e.kind() != ErrorKind::TimedOut);
                (started.elapsed(), sent, closed)
            })
        })
        .collect();
    for handle in slow {
        let (elapsed, sent, closed) = handle.join().unwrap();
        assert!(closed, "the slow client's connection is closed");
        assert!(
            sent < head.len(),
            "cut off before its head was complete ({sent} of {} bytes)",
            head.len()
        );
        assert!(
            elapsed < Duration::from_secs(5),
            "cut off within the timeout, not at the client's leisure ({elapsed:?})"
        );
    }
    sender.finish(10);
    collector.stop_cleanly();
}

#[test]
fn an_oversized_head_gets_431() {
    let (collector, addr, _dir) = start("");
    let sender = Sender::start(&addr);
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let huge = "v".repeat(100 * 1024);
    // The server answers once its buffer is full, which may be before all of it is sent.
    let _ = write!(
        stream,
        "POST /api/1/events?key={KEY} HTTP/1.1\r\nHost: x\r\nX-Big: {huge}\r\n\r\n"
    );
    let answer =
        String::from_utf8_lossy(&read_to_close(&mut stream).unwrap_or_default()).into_owned();
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
    // A head just under the limit is fine.
    let fine = "v".repeat(16 * 1024);
    let request = format!("GET /healthz HTTP/1.0\r\nX-Fine: {fine}\r\n\r\n");
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let answer = String::from_utf8_lossy(&read_to_close(&mut stream).unwrap()).into_owned();
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer:?}");
    sender.finish(3);
    collector.stop_cleanly();
}

#[test]
fn connections_over_the_cap_get_a_readable_503() {
    let (collector, addr, _dir) = start("max_connections = 4\nheader_read_timeout_secs = 3\n");
    // Four idle connections hold the cap.
    let idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(&addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let (status, body) = {
        let mut stream = TcpStream::connect(&addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let body = batch(1);
        write!(
            stream,
            "POST /api/1/events?key={KEY} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let answer = String::from_utf8_lossy(&read_to_close(&mut stream).unwrap()).into_owned();
        (answer[9..12].to_owned(), answer)
    };
    assert_eq!(status, "503", "{body}");
    let lower = body.to_lowercase();
    assert!(lower.contains("\r\nretry-after: 1\r\n"), "{body}");
    assert!(
        body.contains(r#""error":"the collector has too many open connections"#),
        "{body}"
    );
    // Once the idle ones are gone (closed by them, or by the header timeout), all is normal.
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = (0, String::new());
    while Instant::now() < deadline {
        last = http(
            &addr,
            &format!("POST /api/1/events?key={KEY}"),
            "text/plain",
            &batch(2),
        );
        if last.0 == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(last.0, 200, "{}", last.1);
    let (_, metrics) = http(&addr, "GET /metrics", "text/plain", "");
    let refused = metrics
        .lines()
        .find_map(|l| l.strip_prefix("monitor_connections_refused_total "))
        .and_then(|n| n.parse::<u64>().ok());
    assert!(refused >= Some(1), "{metrics}");
    collector.stop_cleanly();
}

/// Sends `head` then `body` in pieces, as a client that writes everything before reading;
/// returns the answer, or the write or read error that stopped it.
fn send_then_read(addr: &str, head: &str, body: &[u8]) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .write_all(head.as_bytes())
        .map_err(|e| format!("writing the head: {e}"))?;
    for piece in body.chunks(64 * 1024) {
        stream
            .write_all(piece)
            .map_err(|e| format!("writing the body: {e}"))?;
    }
    let answer = read_to_close(&mut stream).map_err(|e| format!("reading: {e}"))?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

const TOO_LARGE: &str = r#"{"error":"body is larger than 1048576 bytes"}"#;

#[test]
fn an_oversized_body_gets_a_readable_413() {
    let (collector, addr, _dir) = start("");
    let sender = Sender::start(&addr);
    let body = vec![b'x'; 3 * 1024 * 1024];

    // Declared: refused before reading, then read to its end so the client sees the answer.
    let head = format!(
        "POST /api/1/events?key={KEY} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let answer = send_then_read(&addr, &head, &body).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.200}");
    assert!(answer.ends_with(TOO_LARGE), "{answer:.400}");

    // Chunked: found too large while reading; the rest is read and dropped.
    let head = format!(
        "POST /api/1/events?key={KEY} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut chunked = Vec::new();
    for piece in body.chunks(100_000) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = send_then_read(&addr, &head, &chunked).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.200}");
    assert!(answer.ends_with(TOO_LARGE), "{answer:.400}");

    // A refusal for another reason (unknown key) with a large body: the same courtesy.
    let head = format!(
        "POST /api/1/events?key=nope HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        900_000
    );
    let answer = send_then_read(&addr, &head, &body[..900_000]).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer:.200}");

    // Expect: 100-continue: the answer comes instead of the 100, and no body is needed.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /api/1/events?key={KEY} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    )
    .unwrap();
    let answer = String::from_utf8_lossy(&read_to_close(&mut stream).unwrap()).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.200}");
    assert!(answer.ends_with(TOO_LARGE), "{answer:.400}");
    sender.finish(3);
    collector.stop_cleanly();
}

/// curl (which sends `Expect: 100-continue` for large bodies unless told not to) and Node's
/// fetch, both uploading 3 MB: each reads the 413 and its reason.
#[test]
fn curl_and_node_read_the_413() {
    let (collector, addr, dir) = start("");
    let file = dir.path().join("big.json");
    std::fs::write(&file, vec![b'x'; 3 * 1024 * 1024]).unwrap();
    let url = format!("http://{addr}/api/1/events?key={KEY}");
    for expect in ["Expect: 100-continue", "Expect:"] {
        let output = Command::new("curl")
            .args([
                "-sS",
                "-o",
                "-",
                "-w",
                "\n%{http_code}",
                "-H",
                "Content-Type: text/plain",
            ])
            .args(["-H", expect, "--data-binary"])
            .arg(format!("@{}", file.display()))
            .arg(&url)
            .output()
            .expect("curl runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "curl ({expect}) failed: {}{text}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(text, format!("{TOO_LARGE}\n413"), "curl with {expect:?}");
    }
    let script = format!(
        "const body = Buffer.alloc(3 * 1024 * 1024, 120);\n\
         fetch({url:?}, {{method: 'POST', headers: {{'content-type': 'text/plain'}}, body}})\n\
           .then(async r => console.log(r.status + ' ' + await r.text()))\n\
           .catch(e => {{ console.log('failed ' + e + ' ' + (e.cause || '')); process.exit(1); }});"
    );
    let output = Command::new("node")
        .arg("-e")
        .arg(&script)
        .output()
        .expect("node runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.trim_end(), format!("413 {TOO_LARGE}"), "node fetch");
    collector.stop_cleanly();
}
