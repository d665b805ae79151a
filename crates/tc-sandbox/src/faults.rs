//! Injected faults: latency, jitter, per-rule statuses and broken bodies, "no v3".

use crate::util::Rng;
use serde_json::{json, Value};

pub enum FaultAction {
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// "truncated" | "malformed" | "slow", with the delay for "slow".
    Body(String, u64),
    /// 302 Found to this location (a client must not follow it).
    Redirect(String),
    /// Wait this long before handling the request (the write lands late), then answer normally.
    Delay(u64),
}

#[derive(Clone)]
struct Rule {
    method: Option<String>,
    prefix: String,
    status: Option<u16>,
    retry_after: Option<u64>,
    times: Option<u64>,
    probability: Option<f64>,
    body: Option<String>,
    slow_ms: u64,
    redirect: Option<String>,
    delay_ms: Option<u64>,
    delay_jitter_ms: u64,
}

pub struct Faults {
    pub latency_ms: u64,
    pub jitter_ms: u64,
    pub v3: bool,
    rules: Vec<Rule>,
    rng: Rng,
    seed: u64,
}

const STATUSES: &[u16] = &[400, 401, 403, 404, 429, 500, 502, 503];
/// Upper bound for any injected delay (ms).
const MAX_DELAY: u64 = 600_000;

impl Faults {
    pub fn new(latency_ms: u64, jitter_ms: u64, seed: u64) -> Self {
        Faults { latency_ms, jitter_ms, v3: true, rules: vec![], rng: Rng(seed), seed }
    }

    pub fn clear(&mut self, latency_ms: u64, jitter_ms: u64) {
        *self = Faults::new(latency_ms, jitter_ms, self.seed);
    }

    pub fn delay_ms(&mut self) -> u64 {
        let j = if self.jitter_ms > 0 { self.rng.below(self.jitter_ms + 1) } else { 0 };
        self.latency_ms.saturating_add(j)
    }

    /// Replaces the configuration (fields not given keep their values; `rules` replaces the rules).
    pub fn configure(&mut self, v: &Value) -> Result<(), String> {
        if !v.is_object() {
            return Err("fault configuration must be a JSON object".into());
        }
        let mut rules = vec![];
        if let Some(rs) = v.get("rules") {
            let Some(arr) = rs.as_array() else { return Err("rules must be an array".into()) };
            for r in arr {
                let prefix = r.get("pathPrefix").and_then(|p| p.as_str()).unwrap_or("/api/").to_string();
                let status = match r.get("status") {
                    None | Some(Value::Null) => None,
                    Some(s) => {
                        let n = s.as_u64().ok_or("status must be a number")? as u16;
                        if !STATUSES.contains(&n) {
                            return Err(format!("status {} not supported (use one of {:?})", n, STATUSES));
                        }
                        Some(n)
                    }
                };
                let body = match r.get("body").and_then(|b| b.as_str()) {
                    None => None,
                    Some(b @ ("truncated" | "malformed" | "slow")) => Some(b.to_string()),
                    Some(b) => return Err(format!("body {:?} not supported (truncated, malformed, slow)", b)),
                };
                let redirect = r.get("redirect").and_then(|l| l.as_str()).map(str::to_string);
                if redirect.as_deref().is_some_and(|l| l.contains(['\r', '\n'])) {
                    return Err("redirect must be one line".into());
                }
                let delay_ms = r.get("delayMs").and_then(|d| d.as_u64()).map(|d| d.min(MAX_DELAY));
                if status.is_none() && body.is_none() && redirect.is_none() && delay_ms.is_none() {
                    return Err("a rule needs a status, a body, a redirect or a delayMs".into());
                }
                let probability = r.get("probability").and_then(|p| p.as_f64());
                if let Some(p) = probability {
                    if !(0.0..=1.0).contains(&p) {
                        return Err("probability must be between 0 and 1".into());
                    }
                }
                let retry_after = r.get("retryAfter").and_then(|x| x.as_u64()).or(if status == Some(429) { Some(1) } else { None });
                rules.push(Rule {
                    method: r.get("method").and_then(|m| m.as_str()).map(|m| m.to_ascii_uppercase()),
                    prefix,
                    status,
                    retry_after,
                    times: r.get("times").and_then(|t| t.as_u64()),
                    probability,
                    body,
                    slow_ms: r.get("slowMs").and_then(|t| t.as_u64()).unwrap_or(2000).min(MAX_DELAY),
                    redirect,
                    delay_ms,
                    delay_jitter_ms: r.get("jitterMs").and_then(|j| j.as_u64()).unwrap_or(0).min(MAX_DELAY),
                });
            }
        }
        if let Some(l) = v.get("latencyMs") {
            self.latency_ms = l.as_u64().filter(|n| *n <= MAX_DELAY).ok_or("latencyMs must be a number from 0 to 600000")?;
        }
        if let Some(j) = v.get("jitterMs") {
            self.jitter_ms = j.as_u64().filter(|n| *n <= MAX_DELAY).ok_or("jitterMs must be a number from 0 to 600000")?;
        }
        if let Some(b) = v.get("v3") {
            self.v3 = b.as_bool().ok_or("v3 must be a boolean")?;
        }
        if v.get("rules").is_some() {
            self.rules = rules;
        }
        if let Some(s) = v.get("seed").and_then(|s| s.as_u64()) {
            self.seed = s;
            self.rng = Rng(s);
        }
        Ok(())
    }

    pub fn describe(&self) -> Value {
        json!({
            "latencyMs": self.latency_ms,
            "jitterMs": self.jitter_ms,
            "v3": self.v3,
            "rules": self.rules.iter().map(|r| json!({
                "method": r.method, "pathPrefix": r.prefix, "status": r.status, "retryAfter": r.retry_after,
                "times": r.times, "probability": r.probability, "body": r.body, "slowMs": r.slow_ms, "redirect": r.redirect,
                "delayMs": r.delay_ms, "jitterMs": r.delay_jitter_ms,
            })).collect::<Vec<_>>(),
        })
    }

    /// The fault for this request, if a rule matches (first matching rule wins).
    pub fn take(&mut self, method: &str, path: &str) -> Option<FaultAction> {
        let idx = self
            .rules
            .iter()
            .position(|r| r.method.as_deref().map(|m| m == method).unwrap_or(true) && path.starts_with(&r.prefix) && r.times != Some(0))?;
        let hit = match self.rules[idx].probability {
            Some(p) => self.rng.unit() < p,
            None => true,
        };
        if !hit {
            return None;
        }
        let r = &mut self.rules[idx];
        if let Some(t) = r.times.as_mut() {
            *t -= 1;
        }
        let r = r.clone();
        if r.times == Some(0) {
            self.rules.remove(idx);
        }
        match (r.status, r.body, r.redirect, r.delay_ms) {
            (Some(status), ..) => Some(FaultAction::Status { status, retry_after: r.retry_after }),
            (None, Some(b), ..) => Some(FaultAction::Body(b, r.slow_ms)),
            (None, None, Some(location), _) => Some(FaultAction::Redirect(location)),
            (None, None, None, Some(ms)) => {
                let jitter = if r.delay_jitter_ms > 0 { self.rng.below(r.delay_jitter_ms + 1) } else { 0 };
                Some(FaultAction::Delay(ms + jitter))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn times_and_probability_are_deterministic() {
        let mut f = Faults::new(0, 0, 7);
        f.configure(&json!({"rules": [{"method": "GET", "pathPrefix": "/api/v3/", "status": 503, "times": 2}]})).unwrap();
        assert!(f.take("GET", "/api/v3/indicators").is_some());
        assert!(f.take("POST", "/api/v3/indicators").is_none());
        assert!(f.take("GET", "/api/v3/indicators").is_some());
        assert!(f.take("GET", "/api/v3/indicators").is_none());
        let run = |seed| {
            let mut f = Faults::new(0, 0, seed);
            f.configure(&json!({"rules": [{"pathPrefix": "/api/v2/", "body": "truncated", "probability": 0.3}]})).unwrap();
            (0..200).map(|_| f.take("GET", "/api/v2/x").is_some()).collect::<Vec<_>>()
        };
        let a = run(5);
        assert_eq!(a, run(5));
        let hits = a.iter().filter(|h| **h).count();
        assert!((30..90).contains(&hits), "{}", hits);
        assert!(f.configure(&json!({"rules": [{"status": 418}]})).is_err());
        assert!(f.configure(&json!({"latencyMs": u64::MAX})).is_err());
    }
}
