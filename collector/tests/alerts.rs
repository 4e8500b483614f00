//! Alerts end to end: the real binary with rules in its configuration file, events sent
//! through the ingest API, the live aggregates in a real Redis (so that they outlive a
//! restart of the collector), and a local webhook receiver. An error-count rule fires once
//! when crossed (its first delivery refused: retried), not again within its interval, not
//! again after a restart, and resolves when the errors leave its window; a new-issue rule
//! notifies once, as a Slack-compatible payload; the history keeps every delivery.

mod pipeline;
mod services;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use services::{ensure_services, http, listening_addr, unique_run, wait_until, Running, REDIS};

const KEY: &str = "alert-key";
const TOKEN: &str = "alert-token";

/// Collects the bodies POSTed to it; refuses the first `refuse` requests with 500.
fn receiver(refuse: usize) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let received = Arc::new(Mutex::new(Vec::new()));
    let bodies = received.clone();
    std::thread::spawn(move || {
        let mut seen = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            seen += 1;
            let status = if seen <= refuse {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            if seen > refuse {
                bodies
                    .lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (addr, received)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn call(addr: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    services::api_json(addr, method, path, TOKEN, body)
}

fn get(addr: &str, path: &str) -> Value {
    let (status, body) = call(addr, "GET", path, None);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn error_event(n: u32, at: i64) -> Value {
    json!({"event_id": format!("{n:032x}"), "type": "error", "timestamp": at,
           "user": {"visitor_id": format!("v{n}")},
           "exception": {"values": [{"type": "TypeError", "value": "checkout total is undefined"}]}})
}

#[test]
fn rules_fire_once_survive_a_restart_and_resolve() {
    if !ensure_services(&["redis"]) {
        return;
    }
    let (hook, received) = receiver(1);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "[alerts]\nevaluate_every_secs = 1\n\
             [[alerts.rules]]\nname = \"errors\"\nproject = 1\nkind = \"error_count\"\n\
             threshold = 2\nwindow_minutes = 1\naction_interval_secs = 3600\n\
             webhook = \"http://{hook}/hook\"\n\
             [[alerts.rules]]\nname = \"new issues\"\nproject = 1\nkind = \"new_issue\"\n\
             window_minutes = 60\nformat = \"slack\"\nwebhook = \"http://{hook}/slack\"\n\
             [[alerts.rules]]\nname = \"many users\"\nproject = 1\nkind = \"users_affected\"\n\
             threshold = 2\nwindow_minutes = 60\nwebhook = \"http://{hook}/hook\"\n\
             [[alerts.rules]]\nname = \"slow lcp\"\nproject = 1\nkind = \"vital_p75\"\n\
             vital = \"LCP\"\nthreshold = 2500\nwindow_minutes = 60\nwebhook = \"http://{hook}/hook\"\n"
        ),
    )
    .unwrap();
    let env = vec![
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "MONITOR_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("MONITOR_PROJECTS", format!("1:{KEY}")),
        ("MONITOR_API_TOKEN", TOKEN.to_owned()),
        ("MONITOR_REDIS_URL", format!("redis://{REDIS}")),
        (
            "MONITOR_REDIS_KEY_PREFIX",
            format!("alerts-{}", unique_run()),
        ),
    ];
    let path = config.display().to_string();
    let start = || {
        let (running, line) = Running::start(&["--config", &path], &env);
        (running, listening_addr(&line))
    };
    let (server, addr) = start();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(received.lock().unwrap().is_empty(), "nothing crossed yet");

    // Late in a minute the errors would leave the one-minute window before they are seen.
    if now_ms() % 60_000 > 40_000 {
        std::thread::sleep(Duration::from_millis(
            (60_000 - now_ms() % 60_000 + 500) as u64,
        ));
    }
    let at = now_ms();
    let body = json!({"sdk": {"name": "t", "version": "1"}, "sent_at": at,
                      "events": [error_event(1, at), error_event(2, at), error_event(3, at),
                                 {"event_id": format!("{:032x}", 9), "type": "web_vital", "timestamp": at,
                                  "name": "LCP", "value": 3200.0, "rating": "poor", "id": "v1-lcp",
                                  "page": {"url": "https://shop.example/checkout"}}]});
    let (status, answer) = http(
        &addr,
        &format!("POST /api/1/events?key={KEY}"),
        "text/plain",
        &body.to_string(),
    );
    assert_eq!(status, 200, "{answer}");

    let firing = |bodies: &[Value]| {
        bodies
            .iter()
            .filter(|b| b["state"] == "firing" && b["rule"] == "errors")
            .count()
    };
    let fired = |bodies: &[Value], rule: &str| {
        bodies
            .iter()
            .find(|b| b["state"] == "firing" && b["rule"] == rule)
            .cloned()
    };
    wait_until(
        "every rule to fire and the new issue to be told",
        Duration::from_secs(15),
        || {
            let bodies = received.lock().unwrap();
            firing(&bodies) == 1
                && bodies.iter().any(|b| b["text"].is_string())
                && fired(&bodies, "many users").is_some()
                && fired(&bodies, "slow lcp").is_some()
        },
    );
    {
        let bodies = received.lock().unwrap();
        assert_eq!(
            fired(&bodies, "many users").unwrap()["value"],
            3.0,
            "three users"
        );
        assert_eq!(
            fired(&bodies, "slow lcp").unwrap()["value"],
            3200.0,
            "the P75 of one report"
        );
        let fired = fired(&bodies, "errors").unwrap();
        assert_eq!(
            (
                fired["rule"].as_str(),
                fired["value"].as_f64(),
                fired["threshold"].as_f64()
            ),
            (Some("errors"), Some(3.0), Some(2.0))
        );
        assert_eq!(fired["kind"], "error_count");
        assert_eq!(fired["link"], "/dashboard/#/issues?project=1");
        let slack = bodies.iter().find(|b| b["text"].is_string()).unwrap();
        assert!(
            slack["text"]
                .as_str()
                .unwrap()
                .contains("checkout total is undefined"),
            "{slack}"
        );
    }
    // Not again within the interval, nor after a restart.
    std::thread::sleep(Duration::from_millis(2500));
    drop(server);
    let (_server, addr) = start();
    std::thread::sleep(Duration::from_millis(2500));
    {
        let bodies = received.lock().unwrap();
        let resolved = bodies
            .iter()
            .any(|b| b["state"] == "resolved" && b["rule"] == "errors");
        if !resolved {
            assert_eq!(get(&addr, "/api/1/alerts")["rules"][0]["state"], "firing");
        }
        assert_eq!(firing(&bodies), 1, "fired once: {bodies:?}");
        assert_eq!(
            bodies.iter().filter(|b| b["text"].is_string()).count(),
            1,
            "one new issue, told once"
        );
    }
    wait_until(
        "the errors to leave the window and the rule to resolve",
        Duration::from_secs(75),
        || {
            received
                .lock()
                .unwrap()
                .iter()
                .any(|b| b["state"] == "resolved")
        },
    );
    let history = get(&addr, "/api/1/alerts/history")["history"].clone();
    let events: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["rule"] == "errors" || h["rule"] == "new issues")
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events.iter().filter(|e| **e == "firing").count(),
        1,
        "{history}"
    );
    assert!(
        events.contains(&"resolved") && events.contains(&"new_issue"),
        "{history}"
    );
    let first = history.as_array().unwrap().last().unwrap();
    assert_eq!(first["rule"], "errors", "the first notification: {history}");
    assert_eq!(
        (first["delivered"].as_bool(), first["attempts"].as_u64()),
        (Some(true), Some(2)),
        "the refused first delivery was retried: {first}"
    );
    let rules = get(&addr, "/api/1/alerts")["rules"].clone();
    assert_eq!(rules[0]["state"], "ok");
    assert_eq!(
        rules[2]["state"], "firing",
        "still three users within the hour: {rules}"
    );
}

fn collector_env(data: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        ("MONITOR_DATA_DIR", data.display().to_string()),
        ("MONITOR_PROJECTS", format!("1:{KEY},2:other-key")),
        ("MONITOR_API_TOKEN", TOKEN.to_owned()),
    ]
}

#[test]
fn rules_created_through_the_api_fire_change_outlive_a_restart_and_go() {
    let (hook, received) = receiver(0);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "[alerts]\nevaluate_every_secs = 1\npublic_url = \"https://monitor.example\"\n\
             [[alerts.rules]]\nname = \"from the file\"\nproject = 1\nkind = \"new_issue\"\n\
             webhook = \"http://{hook}/file\"\n"
        ),
    )
    .unwrap();
    let env = collector_env(&dir.path().join("data"));
    let path = config.display().to_string();
    let start = || {
        let (running, line) = Running::start(&["--config", &path], &env);
        (running, listening_addr(&line))
    };
    let (server, addr) = start();
    let rule = json!({"name": "checkout errors", "kind": "error_count", "threshold": 1,
                      "window_minutes": 5, "webhook": format!("http://{hook}/api")});

    // Refused, each with its reason, and nothing of them kept.
    let refusals = [
        (
            json!({"name": "x", "kind": "cpu", "webhook": "http://h/"}),
            400,
            "unknown variant",
        ),
        (
            json!({"name": "x", "kind": "error_count", "webhook": "ftp://h/"}),
            400,
            "http(s) URL",
        ),
        (
            json!({"name": "x", "kind": "error_count", "webhook": "http://h/", "window_minutes": 0}),
            400,
            "window_minutes",
        ),
        (
            json!({"name": "x", "kind": "vital_p75", "webhook": "http://h/"}),
            400,
            "names its vital",
        ),
        (
            json!({"name": "x", "kind": "consumer_lag", "webhook": "http://h/"}),
            400,
            "Kafka mode",
        ),
        (
            json!({"name": "x", "kind": "error_count", "webhook": "http://h/", "project": 2}),
            400,
            "not the project of the URL",
        ),
        (
            json!({"name": "x", "kind": "error_count", "webhook": "http://h/", "colour": "red"}),
            400,
            "unknown field",
        ),
        (
            json!({"name": "from the file", "kind": "error_count", "webhook": "http://h/"}),
            409,
            "exists already",
        ),
        (json!(["not", "a", "rule"]), 400, "JSON object"),
    ];
    for (body, status, reason) in refusals {
        let (got, answer) = call(&addr, "POST", "/api/1/alerts/rules", Some(&body));
        assert_eq!(got, status, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains(reason),
            "{reason}: {answer}"
        );
    }
    let (status, answer) = call(&addr, "POST", "/api/1/alerts/rules", Some(&rule));
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        (answer["source"].as_str(), answer["project"].as_u64()),
        (Some("api"), Some(1))
    );
    assert_eq!(answer["action_interval_secs"], 3600, "defaults filled in");
    assert_eq!(
        call(&addr, "POST", "/api/1/alerts/rules", Some(&rule)).0,
        409
    );
    let (status, answer) = call(
        &addr,
        "PUT",
        "/api/1/alerts/rules/from%20the%20file",
        Some(&rule),
    );
    assert_eq!(
        status, 409,
        "the file's rules are changed in the file: {answer}"
    );
    assert_eq!(
        call(
            &addr,
            "DELETE",
            "/api/2/alerts/rules/checkout%20errors",
            None
        )
        .0,
        404,
        "another project's"
    );
    let listed = get(&addr, "/api/1/alerts")["rules"].clone();
    let sources: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sources,
        [("from the file", "config"), ("checkout errors", "api")]
    );
    assert!(get(&addr, "/api/2/alerts")["rules"]
        .as_array()
        .unwrap()
        .is_empty());

    // A test notification: to the file's rule (delivered, told as "test"), and to a rule
    // whose webhook answers nothing (tried three times, the error kept).
    let (status, delivery) = call(
        &addr,
        "POST",
        "/api/1/alerts/rules/from%20the%20file/test",
        None,
    );
    assert_eq!(
        (status, delivery["delivered"].as_bool()),
        (200, Some(true)),
        "{delivery}"
    );
    assert!(received
        .lock()
        .unwrap()
        .iter()
        .any(|b| b["rule"] == "from the file" && b["state"] == "test"));
    let nowhere =
        json!({"name": "nowhere", "kind": "events_below", "webhook": "http://127.0.0.1:1/"});
    assert_eq!(
        call(&addr, "POST", "/api/1/alerts/rules", Some(&nowhere)).0,
        201
    );
    let (status, delivery) = call(&addr, "POST", "/api/1/alerts/rules/nowhere/test", None);
    assert_eq!(status, 200);
    assert_eq!(
        (
            delivery["delivered"].as_bool(),
            delivery["attempts"].as_u64()
        ),
        (Some(false), Some(3)),
        "{delivery}"
    );
    assert!(delivery["error"].is_string(), "{delivery}");
    assert_eq!(
        call(&addr, "POST", "/api/1/alerts/rules/missing/test", None).0,
        404
    );
    assert_eq!(
        call(&addr, "DELETE", "/api/1/alerts/rules/nowhere", None).0,
        204
    );

    // It fires like a rule of the file.
    let at = now_ms();
    let body = json!({"sdk": {"name": "t", "version": "1"}, "sent_at": at,
                      "events": [error_event(1, at), error_event(2, at)]});
    let (status, answer) = http(
        &addr,
        &format!("POST /api/1/events?key={KEY}"),
        "text/plain",
        &body.to_string(),
    );
    assert_eq!(status, 200, "{answer}");
    let told = |rule: &str, state: &str| {
        received
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["rule"] == rule && b["state"] == state)
            .count()
    };
    wait_until("the API's rule to fire", Duration::from_secs(15), || {
        told("checkout errors", "firing") == 1
    });
    let link = received
        .lock()
        .unwrap()
        .iter()
        .find(|b| b["rule"] == "checkout errors")
        .map(|b| b["link"].clone());
    assert_eq!(
        link,
        Some(json!(
            "https://monitor.example/dashboard/#/issues?project=1"
        )),
        "links start with alerts.public_url"
    );

    // Raised above the errors, through PUT: it resolves instead of firing again.
    let raised = json!({"kind": "error_count", "threshold": 10, "window_minutes": 5,
                        "webhook": format!("http://{hook}/api")});
    let (status, answer) = call(
        &addr,
        "PUT",
        "/api/1/alerts/rules/checkout%20errors",
        Some(&raised),
    );
    assert_eq!(
        (status, answer["threshold"].as_f64()),
        (200, Some(10.0)),
        "{answer}"
    );
    wait_until(
        "the raised rule to resolve",
        Duration::from_secs(15),
        || told("checkout errors", "resolved") == 1,
    );
    // The notification goes out before the state is saved: wait for the save too.
    wait_until(
        "the resolved state to be saved",
        Duration::from_secs(5),
        || {
            get(&addr, "/api/1/alerts")["rules"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["name"] == "checkout errors" && r["state"] == "ok")
        },
    );

    drop(server);
    let (_server, addr) = start();
    let listed = get(&addr, "/api/1/alerts")["rules"].clone();
    let kept = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "checkout errors");
    let kept = kept.expect("the API's rule outlived the restart");
    assert_eq!(
        (kept["threshold"].as_f64(), kept["state"].as_str()),
        (Some(10.0), Some("ok"))
    );

    assert_eq!(
        call(
            &addr,
            "DELETE",
            "/api/1/alerts/rules/checkout%20errors",
            None
        )
        .0,
        204
    );
    assert_eq!(
        call(
            &addr,
            "DELETE",
            "/api/1/alerts/rules/checkout%20errors",
            None
        )
        .0,
        404
    );
    assert_eq!(
        call(
            &addr,
            "DELETE",
            "/api/1/alerts/rules/from%20the%20file",
            None
        )
        .0,
        409
    );
    assert_eq!(
        get(&addr, "/api/1/alerts")["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let history = get(&addr, "/api/1/alerts/history")["history"].clone();
    let events: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["rule"] == "checkout errors")
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["resolved", "firing"],
        "the history outlives the rule"
    );
    let tests: Vec<(&str, bool)> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"] == "test")
        .map(|h| {
            (
                h["rule"].as_str().unwrap(),
                h["delivered"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tests,
        [("nowhere", false), ("from the file", true)],
        "tests are kept, newest first"
    );
    let (status, _) = http(
        &addr,
        "POST /api/1/alerts/rules",
        "application/json",
        &rule.to_string(),
    );
    assert_eq!(status, 401, "no token, no rule");
}

#[test]
fn consumer_lag_fires_while_nothing_consumes_and_resolves_once_the_consumer_catches_up() {
    let Some((_turn, broker)) = pipeline::scenario() else {
        return;
    };
    let (hook, received) = receiver(0);
    let mut setup = pipeline::Setup::new(&broker.addr(), "", "");
    setup.env.push(("MONITOR_API_TOKEN", TOKEN.to_owned()));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&setup.config)
        .unwrap();
    writeln!(file, "[alerts]\nevaluate_every_secs = 1").unwrap();
    let (_server, addr) = setup.serve();
    let rule = json!({"name": "lagging", "kind": "consumer_lag", "threshold": 0,
                      "webhook": format!("http://{hook}/lag")});
    let (status, answer) = call(&addr, "POST", "/api/1/alerts/rules", Some(&rule));
    assert_eq!(
        status, 201,
        "Kafka mode takes a consumer_lag rule: {answer}"
    );

    let (status, answer) = pipeline::post(&addr, &pipeline::batch_body(0, 20)).unwrap();
    assert_eq!(status, 200, "{answer}");
    let told = |state: &str| {
        received
            .lock()
            .unwrap()
            .iter()
            .find(|b| b["rule"] == "lagging" && b["state"] == state)
            .cloned()
    };
    wait_until("the lag to fire the rule", Duration::from_secs(30), || {
        told("firing").is_some()
    });
    let fired = told("firing").unwrap();
    assert!(
        fired["value"].as_f64().unwrap() >= 1.0,
        "messages wait: {fired}"
    );

    let _consumer = setup.consume();
    wait_until(
        "the consumer to catch up and the rule to resolve",
        Duration::from_secs(90),
        || told("resolved").is_some(),
    );
    assert_eq!(setup.count_final(), 20, "everything reached ClickHouse");
    assert_eq!(told("resolved").unwrap()["value"], 0.0);
}
