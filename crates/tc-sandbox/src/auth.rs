//! HMAC and TC-Token authentication, token issuance and renewal.

use crate::app::{App, Req};
use crate::util::{now_s, ApiErr, Res};
use base64::Engine;
use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::Sha256;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Kind {
    Hmac,
    Token,
}

pub fn sign(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac accepts any key length");
    mac.update(message.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The string ThreatConnect signs: "<path>?<query>:<METHOD>:<timestamp>" over the request target as received.
pub fn signed_string(path: &str, query: &str, method: &str, ts: &str) -> String {
    if query.is_empty() {
        format!("{}:{}:{}", path, method, ts)
    } else {
        format!("{}?{}:{}:{}", path, query, method, ts)
    }
}

fn unauth(msg: &str) -> ApiErr {
    ApiErr::new(401, msg)
}

pub fn authenticate(app: &App, req: &Req) -> Res<Kind> {
    let Some(auth) = req.header("authorization") else {
        return Err(unauth("No authorization header provided"));
    };
    let auth = auth.trim();
    if let Some(token) = auth.strip_prefix("TC-Token ") {
        let token = token.trim();
        let conn = app.db();
        let exp: Option<i64> = conn.query_row("SELECT expires FROM tokens WHERE token=?1", [token], |r| r.get(0)).optional()?;
        return match exp {
            Some(e) if e > now_s() => Ok(Kind::Token),
            Some(_) => Err(unauth("The token has expired")),
            None => Err(unauth("The token is invalid")),
        };
    }
    if let Some(rest) = auth.strip_prefix("TC ") {
        let Some((id, sig)) = rest.trim().rsplit_once(':') else {
            return Err(unauth("Malformed authorization header"));
        };
        // The access id may itself not contain ':'; the signature is base64 (no ':').
        if id != app.cfg.access_id {
            return Err(unauth("Invalid access id"));
        }
        let Some(ts) = req.header("timestamp") else {
            return Err(unauth("Timestamp header missing"));
        };
        let Ok(tsn) = ts.trim().parse::<i64>() else {
            return Err(unauth("Invalid timestamp"));
        };
        if (now_s() - tsn).abs() > 300 {
            return Err(unauth("Request timestamp is outside the allowed window of 5 minutes"));
        }
        let Ok(given) = base64::engine::general_purpose::STANDARD.decode(sig.trim()) else {
            return Err(unauth("Invalid signature"));
        };
        let msg = signed_string(&req.raw_path, &req.query, &req.method, ts.trim());
        let mut mac = Hmac::<Sha256>::new_from_slice(app.cfg.secret_key.as_bytes()).expect("hmac key");
        mac.update(msg.as_bytes());
        return match mac.verify_slice(&given) {
            Ok(()) => Ok(Kind::Hmac),
            Err(_) => Err(unauth("Invalid signature")),
        };
    }
    Err(unauth("Unsupported authorization scheme"))
}

/// A new token valid for the configured TTL; stored in the database.
pub fn issue(app: &App, conn: &Connection) -> Res<(String, i64)> {
    let exp = now_s() + app.cfg.token_ttl;
    let (a, b) = {
        let mut rng = app.token_rng.lock().unwrap_or_else(|p| p.into_inner());
        (rng.next(), rng.next())
    };
    let tail = sign(&app.cfg.secret_key, &format!("{:016x}{:016x}", a, b));
    let token = format!("API:1:{:06x}:{}:{}", a & 0xFF_FFFF, exp * 1000, tail);
    conn.execute("INSERT OR REPLACE INTO tokens(token, expires) VALUES (?1, ?2)", params![token, exp])?;
    Ok((token, exp))
}

/// Renewal: accepts a token still valid or expired within the last hour. The old token keeps its own expiry.
pub fn renew(app: &App, expired: &str) -> Res<(String, i64)> {
    let conn = app.db();
    let exp: Option<i64> = conn.query_row("SELECT expires FROM tokens WHERE token=?1", [expired], |r| r.get(0)).optional()?;
    match exp {
        Some(e) if e > now_s() - 3600 => issue(app, &conn),
        Some(_) => Err(unauth("The token expired more than an hour ago and cannot be renewed")),
        None => Err(unauth("The token is invalid")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn documented_signed_string() {
        assert_eq!(
            super::signed_string("/api/v2/indicators/hosts/example.com", "Owner=Common%20Community", "GET", "1513703787"),
            "/api/v2/indicators/hosts/example.com?Owner=Common%20Community:GET:1513703787"
        );
        assert_eq!(super::signed_string("/api/v2/owners", "", "GET", "1"), "/api/v2/owners:GET:1");
    }
}
