//! When to retry, as a pure function. Only idempotent requests (GET) are
//! retried, on network errors and 429/500/502/503/504, with exponential backoff
//! and jitter; `Retry-After` is honoured. Writes are never retried blindly.

/// The retry settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff (doubling each retry, with jitter).
    pub base_ms: u32,
    /// The longest backoff.
    pub max_ms: u32,
    /// A `Retry-After` longer than this is not waited for: the error is shown.
    pub max_retry_after_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 3, base_ms: 500, max_ms: 8_000, max_retry_after_ms: 30_000 }
    }
}

/// What the last attempt produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// No answer (connection failed, timeout).
    NoAnswer,
    /// An answer with this status and `Retry-After` header, if any.
    Status(u16, Option<&'a str>),
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..Self::default() }
    }

    /// How long to wait before retry number `attempt + 1`, or `None` to stop.
    /// `attempt` counts retries already made; `jitter` is any random number.
    /// `now` (epoch seconds) is for a `Retry-After` given as an HTTP date.
    pub fn delay_ms(&self, idempotent: bool, attempt: u32, outcome: Outcome, jitter: u32, now: u64) -> Option<u32> {
        if !idempotent || attempt >= self.max_retries {
            return None;
        }
        let retry_after = match outcome {
            Outcome::NoAnswer => None,
            Outcome::Status(s, ra) => {
                if !matches!(s, 429 | 500 | 502 | 503 | 504) {
                    return None;
                }
                ra.and_then(|h| retry_after_ms(h, now))
            }
        };
        if let Some(ms) = retry_after {
            return if ms > self.max_retry_after_ms as u64 { None } else { Some(ms as u32) };
        }
        // Full jitter over the upper half: [cap/2, cap).
        let cap = self.base_ms.saturating_mul(1u32 << attempt.min(16)).min(self.max_ms).max(2);
        let half = cap / 2;
        Some(half + jitter % half.max(1))
    }
}

/// `Retry-After` as milliseconds: delta seconds, or an IMF-fixdate
/// (`Wed, 21 Oct 2015 07:28:00 GMT`) relative to `now`.
pub(crate) fn retry_after_ms(h: &str, now: u64) -> Option<u64> {
    let h = h.trim();
    if let Ok(secs) = h.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    let t = crate::time::parse_http_date(h)?;
    Some(t.saturating_sub(now).saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_gets_on_retryable_outcomes() {
        let p = RetryPolicy::default();
        assert!(p.delay_ms(false, 0, Outcome::NoAnswer, 0, 0).is_none(), "writes are never retried");
        assert!(p.delay_ms(false, 0, Outcome::Status(503, None), 0, 0).is_none());
        for s in [429, 500, 502, 503, 504] {
            assert!(p.delay_ms(true, 0, Outcome::Status(s, None), 0, 0).is_some(), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 501] {
            assert!(p.delay_ms(true, 0, Outcome::Status(s, None), 0, 0).is_none(), "{s}");
        }
        assert!(p.delay_ms(true, 0, Outcome::NoAnswer, 0, 0).is_some());
        assert!(p.delay_ms(true, 3, Outcome::NoAnswer, 0, 0).is_none(), "gives up after max_retries");
    }

    #[test]
    fn backoff_grows_with_jitter_in_range() {
        let p = RetryPolicy::default();
        for (attempt, lo, hi) in [(0, 250, 500), (1, 500, 1000), (2, 1000, 2000)] {
            for j in [0u32, 1, 77, 9999, u32::MAX] {
                let d = p.delay_ms(true, attempt, Outcome::NoAnswer, j, 0).unwrap();
                assert!((lo..hi).contains(&d), "attempt {attempt}: {d}");
            }
        }
        let p = RetryPolicy { max_retries: 40, ..p };
        assert!(p.delay_ms(true, 30, Outcome::NoAnswer, 5, 0).unwrap() < 8000);
    }

    #[test]
    fn retry_after_is_honoured() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(true, 0, Outcome::Status(429, Some("2")), 0, 0), Some(2000));
        assert_eq!(p.delay_ms(true, 0, Outcome::Status(503, Some("3600")), 0, 0), None, "too long: show the error");
        assert_eq!(p.delay_ms(true, 0, Outcome::Status(503, Some("Wed, 21 Oct 2015 07:28:00 GMT")), 0, 1445412475), Some(5000));
    }

    proptest::proptest! {
        /// Whatever a server puts in `Retry-After`: no panic.
        #[test]
        fn retry_after_never_panics(s in ".{0,40}", now in proptest::prelude::any::<u64>()) {
            let _ = crate::time::parse_http_date(&s);
            let _ = retry_after_ms(&s, 0);
            let _ = retry_after_ms(&s, now);
            let _ = RetryPolicy::default().delay_ms(true, 0, Outcome::Status(503, Some(&s)), 0, now);
        }

        /// An HTTP date of any year, day or time (ThreatConnect's or a proxy's): no panic.
        #[test]
        fn retry_after_dates_never_panic(day in proptest::prelude::any::<i64>(), year in proptest::prelude::any::<i64>(), hour in 0u64..30, now in proptest::prelude::any::<u64>()) {
            let h = format!("Wed, {} Oct {year} {hour:02}:28:00 GMT", day.rem_euclid(40));
            let _ = retry_after_ms(&h, now);
            let _ = RetryPolicy::default().delay_ms(true, 0, Outcome::Status(429, Some(&h)), 0, now);
        }
    }
}
