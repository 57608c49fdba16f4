//! Qlik Cloud's rate limits: a tenant answers HTTP 429 with `Retry-After` (seconds, or an
//! HTTP-date) when a user makes too many API requests. A request waits as asked, a bounded
//! number of times and for a bounded total (never past its own reply timeout), then fails
//! saying the tenant's rate limit was hit and how long the tenant asked to wait.

use std::time::{Duration, Instant, SystemTime};

use super::error::EngineError;
use super::http::{self, HttpResponse};
use super::transport::ConnectOptions;

/// The longest a request waits for the rate limit in all, whatever the tenant asks.
pub const MAX_TOTAL_WAIT: Duration = Duration::from_secs(30);
/// Retries after the first 429 (so at most this many + 1 requests).
pub const MAX_RETRIES: u32 = 3;
/// The wait when a 429 names none, or one that cannot be read.
const DEFAULT_WAIT: Duration = Duration::from_secs(1);

/// What `Retry-After` asks for at `now`: delay-seconds, or an HTTP-date (one in the past asks
/// for no wait). None when it is neither (RFC 9110 §10.2.3).
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The most a request to `opts` may spend waiting out 429s: the cap, and never more than the
/// request's own reply timeout (what `--timeout` / `--request-timeout` allow a reply).
pub fn budget(opts: &ConnectOptions) -> Duration {
    MAX_TOTAL_WAIT.min(opts.timeouts.request)
}

/// `method opts.url` (no body), retried on HTTP 429 as `Retry-After` asks while the budget
/// allows; any other reply is returned as it is. `what` names the request in the error.
pub async fn request(
    opts: &ConnectOptions,
    method: &str,
    what: impl Fn() -> String,
) -> Result<HttpResponse, EngineError> {
    let budget = budget(opts);
    let started = Instant::now();
    let mut attempts = 0;
    loop {
        let resp = http::request(opts, method, None).await?;
        attempts += 1;
        if resp.status != 429 {
            return Ok(resp);
        }
        let asked = resp
            .header("retry-after")
            .and_then(|v| retry_after(v, SystemTime::now()));
        let wait = asked.unwrap_or(DEFAULT_WAIT);
        // Time spent on the replies counts too: the whole call stays within the budget.
        if attempts > MAX_RETRIES || started.elapsed() + wait > budget {
            return Err(EngineError::RateLimited {
                what: what(),
                attempts,
                retry_after: asked,
                budget,
            });
        }
        tracing::info!(
            attempt = attempts,
            wait_ms = wait.as_millis() as u64,
            "Qlik Cloud answered HTTP 429 (rate limit); waiting as Retry-After asks"
        );
        tokio::time::sleep(wait).await;
    }
}

/// "1 s", "2.5 s": how a wait reads in a message.
pub fn seconds_text(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        // IMF-fixdate, RFC 850 and asctime all name 1994-11-06 08:49:37 UTC = 784111777.
        for date in [
            "Sun, 06 Nov 1994 08:49:40 GMT",
            "Sunday, 06-Nov-94 08:49:40 GMT",
            "Sun Nov  6 08:49:40 1994",
        ] {
            assert_eq!(
                retry_after(date, now),
                Some(Duration::from_secs(3)),
                "{date}"
            );
        }
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:30 GMT", now),
            Some(Duration::ZERO),
            "a date in the past asks for no wait"
        );
        for bad in ["", "-1", "1.5", "soon", "Sun, 32 Nov 1994 08:49:40 GMT"] {
            assert_eq!(retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn the_budget_is_the_cap_or_the_reply_timeout_whichever_is_less() {
        let mut o = ConnectOptions::new("https://t.example", Default::default());
        o.timeouts.request = Duration::from_secs(2);
        assert_eq!(budget(&o), Duration::from_secs(2));
        o.timeouts.request = Duration::from_secs(300);
        assert_eq!(budget(&o), MAX_TOTAL_WAIT);
    }

    #[test]
    fn waits_read_in_seconds() {
        assert_eq!(seconds_text(Duration::from_secs(1)), "1 s");
        assert_eq!(seconds_text(Duration::from_millis(2500)), "2.5 s");
    }
}
