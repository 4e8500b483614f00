//! The in-flight limit, with the real binary: while one ingest request holds the only permit
//! (its body still arriving), another is refused at once with 503 and `Retry-After`, and is
//! accepted again once the first is done.

mod services;

use std::io::{Read, Write};
use std::net::TcpStream;

use services::{http, Running};

/// One complete ingest POST; the raw answer, headers included.
fn post_raw(addr: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /api/1/events?key=limit-key HTTP/1.0\r\nHost: {addr}\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn requests_over_the_limit_get_503_and_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("collector.toml");
    std::fs::write(&config, "max_in_flight_requests = 1\n").unwrap();
    let env = [
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "MONITOR_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("MONITOR_PROJECTS", "1:limit-key".to_owned()),
    ];
    let (running, line) = Running::start(&["--config", &config.display().to_string()], &env);
    let addr = services::listening_addr(&line);
    let body = format!(
        r#"{{"events":[{{"event_id":"{}","type":"custom","timestamp":1763870000000,"name":"x"}}]}}"#,
        "e".repeat(32)
    );

    // A request whose body is still on its way holds the only permit. It must get there
    // first: on a busy machine the probe can overtake it, take the permit for a moment and
    // have the slow one refused instead; then both are dropped and it is tried again, each
    // time giving the slow one longer to arrive.
    let (mut slow, refused) = (0..20u64)
        .find_map(|attempt| {
            let mut slow = TcpStream::connect(&addr).unwrap();
            write!(
                slow,
                "POST /api/1/events?key=limit-key HTTP/1.0\r\nHost: {addr}\r\n\
                 Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{}",
                body.len(),
                &body[..10]
            )
            .unwrap();
            slow.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20 * attempt));
            let answer = post_raw(&addr, &body);
            answer.starts_with("HTTP/1.0 503").then_some((slow, answer))
        })
        .expect("the slow request never held the permit");
    assert!(
        refused.to_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    assert!(refused.contains("too many requests"), "{refused}");

    // Once it completes, the permit is free again.
    slow.write_all(&body.as_bytes()[10..]).unwrap();
    drop(slow);
    let (status, answer) = {
        let mut last = (0, String::new());
        for _ in 0..50 {
            last = http(
                &addr,
                "POST /api/1/events?key=limit-key",
                "text/plain",
                &body,
            );
            if last.0 == 200 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        last
    };
    assert_eq!(status, 200, "{answer}");
    running.stop_cleanly();
}
