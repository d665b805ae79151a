//! Request plumbing: dot segments, request log, latency and faults, auth, dispatch.

use crate::app::{App, Req, Resp};
use crate::auth;
use crate::faults::FaultAction;
use crate::http::{Request, Response};
use crate::util::{now_ms, parse_query, redact_query, remove_dot_segments, ApiErr};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Answers one request, whether it came over HTTP (`http::serve`) or in process
/// (`Server::handle`): dot segments, the request log, latency and faults, auth, routing.
pub async fn handle(app: App, rq: Request) -> Response {
    let start = now_ms();
    let method = rq.method.to_ascii_uppercase();
    let (raw_path, query) = match rq.target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (rq.target.clone(), String::new()),
    };
    let path = remove_dot_segments(&raw_path);
    let req = Arc::new(Req { method, params: parse_query(&query), path, raw_path, query, headers: rq.headers, body: rq.body });

    if req.path.starts_with("/_sandbox") {
        return response(blocking(&app, &req, false, control).await);
    }
    let resp = process(&app, &req).await;
    let status = resp.status;
    let end = now_ms();
    let query = if req.query.is_empty() { String::new() } else { format!("?{}", redact_query(&req.query)) };
    // Both spellings when they differ: what was sent, and what it resolved to.
    let sent = if req.raw_path == req.path { String::new() } else { format!(" sent={}", req.raw_path) };
    eprintln!("{} {}{} {} start={} end={}{}", req.method, req.path, query, status, start, end, sent);
    {
        let mut log = app.log();
        log.push(json!({"method": req.method, "path": req.path, "rawPath": req.raw_path, "query": redact_query(&req.query),
                        "status": status, "startMs": start, "endMs": end}));
        if log.len() > 100_000 {
            log.drain(..50_000);
        }
    }
    response(resp)
}

/// Runs a handler on tokio's blocking pool: handlers use SQLite and mutexes, and a
/// burst must not wait for one of them on a runtime thread. A bug in a handler
/// answers 500 with an error body and never takes the server down.
async fn blocking(app: &App, req: &Arc<Req>, v3: bool, f: fn(&App, &Req) -> Resp) -> Resp {
    let (app, req) = (app.clone(), req.clone());
    tokio::task::spawn_blocking(move || f(&app, &req)).await.unwrap_or_else(|_| Resp::err(v3, &ApiErr::new(500, "Internal server error")))
}

fn response(r: Resp) -> Response {
    crate::http::finish(Response { status: r.status, headers: r.headers, body: r.body })
}

fn is_v3(path: &str) -> bool {
    path.starts_with("/api/v3/") || path == "/api/v3"
}

async fn process(app: &App, req: &Arc<Req>) -> Resp {
    let is_api = req.path.starts_with("/api/") || req.path == "/api" || req.path == "/appAuth";
    if !is_api {
        return Resp::err(false, &ApiErr::new(404, format!("Not found: {}", req.path)));
    }
    let v3 = is_v3(&req.path);
    // Latency and faults (only /api).
    let (delay, action, v3_enabled) = {
        let mut f = app.faults();
        let d = f.delay_ms();
        let a = f.take(&req.method, &req.path);
        (d, a, f.v3)
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let mut body_fault = None;
    match action {
        Some(FaultAction::Status { status, retry_after }) => {
            let msg = match status {
                400 => "Bad request (injected fault)",
                401 => "The token is invalid (injected fault)",
                403 => "Access denied (injected fault)",
                404 => "Not found (injected fault)",
                429 => "Too many requests (injected fault)",
                502 => "Bad gateway (injected fault)",
                503 => "Service unavailable (injected fault)",
                _ => "Internal server error (injected fault)",
            };
            let mut r = Resp::err(v3, &ApiErr::new(status, msg));
            if let Some(s) = retry_after {
                r.headers.push(("Retry-After".into(), s.to_string()));
            }
            return r;
        }
        Some(FaultAction::Body(kind, slow_ms)) => body_fault = Some((kind, slow_ms)),
        Some(FaultAction::Delay(ms)) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(FaultAction::Redirect(location)) => {
            let mut r = Resp::json(302, json!({"status": "Success", "message": "Moved (injected fault)"}));
            r.headers.push(("Location".into(), location));
            return r;
        }
        None => {}
    }
    if v3 && !v3_enabled {
        return Resp::err(false, &ApiErr::new(404, "HTTP 404 Not Found"));
    }
    let mut resp = blocking(app, req, v3, if v3 { dispatch_v3 } else { dispatch_v2 }).await;
    if let Some((kind, slow_ms)) = body_fault {
        match kind.as_str() {
            "truncated" => {
                let n = resp.body.len() / 2;
                resp.body.truncate(n);
            }
            "malformed" => {
                resp.body = b"{\"status\":\"Success\",\"data\":<html>Gateway hiccup</html>".to_vec();
            }
            _ => tokio::time::sleep(Duration::from_millis(slow_ms)).await,
        }
    }
    resp
}

fn dispatch_v3(app: &App, req: &Req) -> Resp {
    dispatch(app, req, true)
}

fn dispatch_v2(app: &App, req: &Req) -> Resp {
    dispatch(app, req, false)
}

fn dispatch(app: &App, req: &Req, v3: bool) -> Resp {
    // Token renewal: authenticated by the token itself.
    if req.path == "/api/appAuth" || req.path == "/appAuth" {
        if req.method != "GET" && req.method != "POST" {
            return Resp::err(false, &ApiErr::new(405, "Method not allowed"));
        }
        let Some(tok) = req.param("expiredToken") else {
            return Resp::json(
                401,
                json!({"success": false, "apiToken": null, "apiTokenExpires": null, "message": "expiredToken is required", "status": "Failure"}),
            );
        };
        return match auth::renew(app, tok) {
            Ok((t, exp)) => Resp::json(200, json!({"success": true, "apiToken": t, "apiTokenExpires": exp, "message": null})),
            Err(e) => {
                Resp::json(e.status, json!({"success": false, "apiToken": null, "apiTokenExpires": null, "message": e.message, "status": "Failure"}))
            }
        };
    }
    let kind = match auth::authenticate(app, req) {
        Ok(k) => k,
        Err(e) => return Resp::err(v3, &e),
    };
    let r = if v3 {
        if req.path == "/api/v3/token/api" {
            if req.method != "POST" {
                Err(ApiErr::new(405, "Method not allowed"))
            } else if kind != auth::Kind::Hmac {
                Err(ApiErr::new(401, "Token issuance requires HMAC authentication"))
            } else {
                let conn = app.db();
                auth::issue(app, &conn).map(|(t, _)| Resp::json(200, json!({"status": "Success", "data": t})))
            }
        } else {
            crate::v3::route(app, req)
        }
    } else if req.path.starts_with("/api/v2/") {
        crate::v2::route(app, req)
    } else {
        Err(ApiErr::new(404, format!("No endpoint {} {}", req.method, req.path)))
    };
    match r {
        Ok(r) => r,
        Err(e) => Resp::err(v3, &e),
    }
}

fn control(app: &App, req: &Req) -> Resp {
    match (req.method.as_str(), req.path.trim_end_matches('/')) {
        ("POST", "/_sandbox/faults") => {
            let v = match req.json() {
                Ok(v) => v,
                Err(e) => return Resp::err(false, &e),
            };
            match app.configure_faults(&v) {
                Ok(d) => Resp::json(200, json!({"status": "Success", "data": d})),
                Err(e) => Resp::err(false, &ApiErr::new(400, e)),
            }
        }
        ("DELETE", "/_sandbox/faults") => {
            app.clear_faults();
            Resp::json(200, json!({"status": "Success"}))
        }
        ("GET", "/_sandbox/faults") => Resp::json(200, json!({"status": "Success", "data": app.describe_faults()})),
        ("GET", "/_sandbox/requests") => {
            let log = app.log();
            Resp::json(200, json!({"status": "Success", "data": *log}))
        }
        ("DELETE", "/_sandbox/requests") => {
            app.clear_requests();
            Resp::json(200, json!({"status": "Success"}))
        }
        _ => Resp::err(false, &ApiErr::new(404, format!("No sandbox endpoint {} {}", req.method, req.path))),
    }
}
