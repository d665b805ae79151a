//! The native transport against a local HTTP server: the v2 fallback's
//! requests really overlap in time (measured on the server), non-2xx answers
//! are responses, timeouts and refused connections are transport errors.

use std::io::{BufRead, BufReader, Write};
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
                let Some((target, _)) = pivot_testing::read_http_request(&mut reader) else { return };
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

/// How a streaming answer says where its body ends.
#[derive(Clone, Copy)]
enum Framing {
    /// `Transfer-Encoding: chunked`, no `Content-Length`.
    Chunked,
    /// Neither: the body ends when the connection closes.
    UntilClose,
    /// A `Content-Length` of this many bytes, whatever is then sent.
    Declared(u64),
}

/// A server answering every request with a 200 whose body streams `total` bytes, 64 KiB
/// at a time, framed as `framing` says; it stops when the client hangs up. Returns the
/// origin and the bytes it managed to write.
fn stream_body(framing: Framing, total: u64) -> (String, Arc<Mutex<u64>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(Mutex::new(0u64));
    let count = written.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let count = count.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                        break;
                    }
                }
                let head = match framing {
                    Framing::Chunked => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_string(),
                    Framing::UntilClose => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_string(),
                    Framing::Declared(n) => {
                        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n")
                    }
                };
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0u64;
                while sent < total {
                    let piece: &[u8] = &chunk[..chunk.len().min((total - sent) as usize)];
                    let ok = match framing {
                        Framing::Chunked => stream
                            .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                            .and_then(|_| stream.write_all(piece))
                            .and_then(|_| stream.write_all(b"\r\n")),
                        _ => stream.write_all(piece),
                    };
                    if ok.is_err() {
                        break;
                    }
                    sent += piece.len() as u64;
                    *count.lock().unwrap() = sent;
                }
                if matches!(framing, Framing::Chunked) {
                    let _ = stream.write_all(b"0\r\n\r\n");
                }
            });
        }
    });
    (origin, written)
}

/// A body over the request's limit is refused with [`TransportError::TooLarge`], never cut
/// short: counted while it streams (chunked, or until the connection closes), and refused
/// unread when its `Content-Length` says so. A `Content-Length` under the limit followed by
/// more bytes reads no further than it says.
#[test]
fn a_body_over_the_response_limit_is_refused_while_it_streams() {
    const LIMIT: u64 = 1024 * 1024;
    const FAR_OVER: u64 = 32 * 1024 * 1024;
    let send =
        |origin: &str, limit: u64| futures::executor::block_on(NativeTransport::new(origin).send(HttpRequest::get("/api/x").response_limit(limit)));
    for framing in [Framing::Chunked, Framing::UntilClose] {
        let (origin, written) = stream_body(framing, FAR_OVER);
        assert_eq!(send(&origin, LIMIT), Err(TransportError::TooLarge { limit: LIMIT }));
        // The client hung up long before the end (the server's socket buffers hold a few MiB at most).
        std::thread::sleep(Duration::from_millis(200));
        assert!(*written.lock().unwrap() < FAR_OVER / 2, "{} bytes written", written.lock().unwrap());
        // One byte over is over; exactly the limit is read whole.
        let (origin, _) = stream_body(framing, LIMIT + 1);
        assert_eq!(send(&origin, LIMIT), Err(TransportError::TooLarge { limit: LIMIT }));
        let (origin, _) = stream_body(framing, LIMIT);
        assert_eq!(send(&origin, LIMIT).unwrap().body.len() as u64, LIMIT);
    }
    // Says 1 GiB and sends nothing: refused on what it says, before reading (a read would
    // end early, a network error).
    let (origin, _) = stream_body(Framing::Declared(1 << 30), 0);
    assert_eq!(send(&origin, LIMIT), Err(TransportError::TooLarge { limit: LIMIT }));
    // Says less than it sends: only what it says is read.
    let (origin, _) = stream_body(Framing::Declared(100), FAR_OVER);
    assert_eq!(send(&origin, LIMIT).unwrap().body.len(), 100);
    // Through the client: the analyst's error, and no second try of an answer that would be as large.
    let (origin, _) = stream_body(Framing::Chunked, FAR_OVER);
    let e = futures::executor::block_on(client(&origin).json(HttpRequest::get("/v2/owners").response_limit(LIMIT))).unwrap_err();
    assert_eq!(e, Error::TooLarge { limit: LIMIT });
    assert!(e.to_string().contains("more than 1 MiB"), "{e}");
}
