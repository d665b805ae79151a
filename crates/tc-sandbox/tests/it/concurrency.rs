//! Database work never holds up the server: heavy requests run on the blocking
//! pool, so a cheap request sent while they run is answered at once, even when
//! there are more heavy requests than runtime threads (2 on the project's machine).
//! Over TCP: what is checked is how the HTTP server takes up concurrent connections.
use crate::common::*;
use std::time::{Duration, Instant};

#[test]
fn heavy_database_requests_do_not_hold_up_a_cheap_one() {
    let sb = Sandbox::start(Seed::Demo);
    let port = sb.port();
    // The Campaign's 10,001 indicators, 5,000 a page: each takes a while in SQLite and
    // rendering, and they queue one after another on the database.
    const HEAVY: usize = 6;
    let target = "/api/v2/groups/campaigns/1/indicators?resultLimit=5000";
    let go = std::sync::Arc::new(std::sync::Barrier::new(HEAVY + 1));
    let t = Instant::now();
    let heavy: Vec<_> = (0..HEAVY)
        .map(|_| {
            let go = go.clone();
            let headers = sb.hmac_headers("GET", target);
            std::thread::spawn(move || {
                go.wait();
                let r = tcp(port, "GET", target, &headers, b"");
                (r.status, Instant::now())
            })
        })
        .collect();
    go.wait();
    std::thread::sleep(Duration::from_millis(100));
    let sent = Instant::now();
    let r = tcp(port, "GET", "/_sandbox/faults", &[], b"");
    let cheap = sent.elapsed();
    let done: Vec<_> = heavy.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(r.status, 200);
    assert!(done.iter().all(|(s, _)| *s == 200));
    let last = done.iter().map(|(_, at)| *at).max().unwrap();
    let heavy_total = last - t;
    // Meaningful only if the heavy ones were still running when the cheap one was sent.
    assert!(last > sent + Duration::from_millis(300), "the heavy requests ended too soon ({heavy_total:?}) to tell");
    assert!(cheap < Duration::from_millis(250), "a cheap request waited {cheap:?} behind database work ({heavy_total:?} in all)");
}
