//! The native transport against a local HTTP server: the v2 fallback's
//! requests really overlap in time (measured on the server), non-2xx answers
//! are responses, timeouts and refused connections are transport errors.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use threatconnect::native::{system_clock, NativeTransport};
use threatconnect::*;

#[derive(Clone, Debug)]
struct Seen {
    target: String,
    start: Instant,
    end: Instant,
}

/// A tiny HTTP/1.1 server: one thread per connection, `delay` before each answer.
fn serve(delay: Duration, route: fn(&str) -> (u16, String)) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let log = log.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let mut len = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                        break;
                    }
                    if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                std::thread::sleep(delay);
                let (status, body) = route(&target);
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                // Logged before the answer is written: the client may return (and
                // the test read the log) as soon as the last byte arrives.
                log.lock().unwrap().push(Seen { target, start, end: Instant::now() });
                let _ = stream.write_all(resp.as_bytes());
            });
        }
    });
    (origin, seen)
}

fn tc_route(target: &str) -> (u16, String) {
    let path = target.split('?').next().unwrap_or("");
    if path.starts_with("/api/v3/") {
        return (404, r#"{"status":"Error","errCode":"0x1004","message":"Not Found"}"#.into());
    }
    let body = match path {
        "/api/v2/indicators/addresses/10.0.0.1" => {
            r#"{"status":"Success","data":{"address":{"id":"42","ownerName":"Org","ip":"10.0.0.1","threatAssessRating":"2.50","observationCount":"3"}}}"#
        }
        "/api/v2/indicators/addresses/10.0.0.1/groups" => {
            r#"{"status":"Success","data":{"resultCount":1,"group":[{"id":9,"name":"Op X","type":"Incident","ownerName":"Org"}]}}"#
        }
        _ => r#"{"status":"Success","data":{"resultCount":0}}"#,
    };
    (200, body.into())
}

fn client(origin: &str) -> Client<NativeTransport> {
    Client::new(NativeTransport::new(origin), "/api", Credentials::hmac("id", "key"), Box::new(system_clock))
}

#[test]
fn v2_fallback_requests_overlap_in_time() {
    let delay = Duration::from_millis(300);
    let (origin, seen_log) = serve(delay, tc_route);
    let c = client(&origin);
    let r = IndicatorRef::new(IndicatorType::Address, "10.0.0.1", Some("Org"));
    let t0 = Instant::now();
    let p = futures::executor::block_on(load_indicator_panel(&c, &r)).unwrap();
    let elapsed = t0.elapsed();
    assert_eq!(p.source, ApiVersion::V2);
    assert_eq!((p.indicator.id, p.indicator.summary.as_str()), (42, "10.0.0.1"));
    // Only ThreatAssess here: the owner gave no rating of its own.
    assert_eq!((p.indicator.rating, p.indicator.threat_assess_rating), (None, Some(2.5)));
    assert_eq!(p.indicator.associated_groups[0].name, "Op X");
    assert_eq!(p.indicator.observation_count, Some(3));

    let seen = seen_log.lock().unwrap().clone();
    let v2: Vec<&Seen> = seen.iter().filter(|s| s.target.starts_with("/api/v2/")).collect();
    // The item with includes, groups, indicators, DNS resolutions.
    assert_eq!(v2.len(), 4, "{seen:#?}");
    // Every v2 request arrived before any of them was answered: they overlap.
    let last_start = v2.iter().map(|s| s.start).max().unwrap();
    let first_end = v2.iter().map(|s| s.end).min().unwrap();
    assert!(last_start < first_end, "v2 requests did not overlap: {v2:#?}");
    // One v3 round trip + one v2 round trip, not five.
    assert!(elapsed < delay * 4, "took {elapsed:?}");

    // v3 answered 404 and v2 had the item: the next panel goes to v2 at once.
    assert!(c.v3_missing());
    let before = seen.len();
    futures::executor::block_on(load_indicator_panel(&c, &r)).unwrap();
    let all = seen_log.lock().unwrap().clone();
    let again: Vec<&str> = all[before..].iter().map(|s| s.target.as_str()).collect();
    assert_eq!(again.len(), 4, "{again:#?}");
    assert!(again.iter().all(|t| t.starts_with("/api/v2/")), "{again:#?}");
}

#[test]
fn a_missing_item_does_not_switch_the_client_to_v2() {
    fn route(_: &str) -> (u16, String) {
        (404, r#"{"status":"Failure","message":"Not found"}"#.into())
    }
    let (origin, _) = serve(Duration::from_millis(0), route);
    let c = client(&origin);
    let r = IndicatorRef::new(IndicatorType::Address, "10.9.9.9", None);
    let e = futures::executor::block_on(load_indicator_panel(&c, &r)).unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(!c.v3_missing(), "404 from v3 and v2 alike: the item is missing, not v3");
}

#[test]
fn group_panel_core_and_association_pages_overlap() {
    fn route(target: &str) -> (u16, String) {
        let path = target.split('?').next().unwrap_or("");
        let body = match path {
            "/api/v3/groups/5" => r#"{"data":{"id":5,"ownerName":"O","type":"Report","name":"R"},"status":"Success"}"#,
            _ => r#"{"data":[],"count":0,"status":"Success"}"#,
        };
        (200, body.into())
    }
    let (origin, seen) = serve(Duration::from_millis(250), route);
    let c = client(&origin);
    let p = futures::executor::block_on(load_group_panel(&c, GroupType::Report, 5)).unwrap();
    assert_eq!(p.group.name, "R");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let last_start = seen.iter().map(|s| s.start).max().unwrap();
    let first_end = seen.iter().map(|s| s.end).min().unwrap();
    assert!(last_start < first_end, "{seen:#?}");
}

#[test]
fn native_transport_statuses_timeouts_and_refusals() {
    fn route(_: &str) -> (u16, String) {
        (403, r#"{"status":"Failure","message":"Owner not allowed"}"#.into())
    }
    let (origin, _) = serve(Duration::from_millis(0), route);
    let c = client(&origin);
    let e = futures::executor::block_on(c.json(HttpRequest::get("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::Http { status: 403, code: None, message: "Owner not allowed".into() });

    let (slow, _) = serve(Duration::from_secs(3), route);
    let t = NativeTransport::with_timeout(&slow, Duration::from_millis(200));
    let r = futures::executor::block_on(t.send(HttpRequest::get("/api/v2/owners")));
    assert_eq!(r, Err(TransportError::Timeout));

    // A port nobody listens on.
    let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let t = NativeTransport::new(&format!("http://{free}"));
    let r = futures::executor::block_on(t.send(HttpRequest::get("/api/v2/owners")));
    assert!(matches!(r, Err(TransportError::Network(_))), "{r:?}");
}
