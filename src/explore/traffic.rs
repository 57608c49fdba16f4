//! What a recorded trace (`--trace FILE`, NDJSON) says, for `qlik-tui trace`: requests per method
//! with latency percentiles and bytes, the slowest requests, errors by code, sessions and how
//! each closed, bytes each way, and the time from the first event to the last.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::Value;

/// How many of the slowest requests the summary lists.
pub const SLOWEST: usize = 10;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MethodStats {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    /// Bytes of the requests and their replies.
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SlowRequest {
    pub conn: u64,
    pub id: u64,
    pub method: String,
    pub handle: i64,
    /// The object id, app id or name the request names, when it names one.
    pub target: Option<String>,
    pub ms: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorCount {
    pub code: i64,
    pub count: u64,
    /// The first message seen with this code.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SessionSummary {
    pub conn: u64,
    pub url: String,
    pub status: Option<u64>,
    /// "client", "server" or "error"; None: the trace ends with the socket open.
    pub closed_by: Option<String>,
    pub close_code: Option<u64>,
    pub close_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TraceSummary {
    pub events: u64,
    /// The number of `send` events.
    pub requests: u64,
    pub replies: u64,
    pub http_calls: u64,
    pub by_method: BTreeMap<String, MethodStats>,
    pub slowest: Vec<SlowRequest>,
    pub errors: Vec<ErrorCount>,
    pub sessions: Vec<SessionSummary>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub duration_ms: f64,
}

/// Summarises the NDJSON text of a trace. A line that is not a trace event is an error naming
/// its line number.
pub fn summarize(text: &str) -> anyhow::Result<TraceSummary> {
    let mut events = 0;
    let mut requests = 0;
    let mut replies = 0;
    let mut http_calls = 0;
    let mut sends: HashMap<(u64, u64), Value> = HashMap::new();
    let mut latencies: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut by_method: BTreeMap<String, MethodStats> = BTreeMap::new();
    let mut slow: Vec<SlowRequest> = Vec::new();
    let mut errors: BTreeMap<i64, ErrorCount> = BTreeMap::new();
    let mut sessions: Vec<SessionSummary> = Vec::new();
    let (mut bytes_sent, mut bytes_received) = (0, 0);
    let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let ev: Value = serde_json::from_str(line).with_context(|| {
            format!(
                "line {} is not JSON: is this a trace written by `qlik-tui --trace FILE`?",
                n + 1
            )
        })?;
        let (Some(kind), Some(conn), Some(ts)) = (
            ev["kind"].as_str(),
            ev["conn"].as_u64(),
            ev["ts"].as_str().and_then(parse_ts_ms),
        ) else {
            bail!(
                "line {} has no kind, conn or ts: it is not a qlik-tui trace event",
                n + 1
            );
        };
        events += 1;
        first = Some(first.map_or(ts, |f| f.min(ts)));
        last = Some(last.map_or(ts, |l| l.max(ts)));
        let bytes = ev["bytes"].as_u64().unwrap_or(0);
        let method = ev["method"].as_str().unwrap_or("").to_string();
        match kind {
            "send" => {
                requests += 1;
                bytes_sent += bytes;
                let s = by_method.entry(method).or_insert_with(empty_stats);
                s.count += 1;
                s.bytes += bytes;
                if let Some(id) = ev["id"].as_u64() {
                    sends.insert((conn, id), ev);
                }
            }
            "recv" => {
                replies += 1;
                bytes_received += bytes;
                let ms = ev["ms"].as_f64().unwrap_or(0.0);
                by_method
                    .entry(method.clone())
                    .or_insert_with(empty_stats)
                    .bytes += bytes;
                latencies.entry(method.clone()).or_default().push(ms);
                if let Some(code) = ev["error"]["code"].as_i64() {
                    let e = errors.entry(code).or_insert_with(|| ErrorCount {
                        code,
                        count: 0,
                        message: ev["error"]["message"].as_str().unwrap_or("").to_string(),
                    });
                    e.count += 1;
                }
                let id = ev["id"].as_u64().unwrap_or(0);
                slow.push(SlowRequest {
                    conn,
                    id,
                    method,
                    handle: ev["handle"].as_i64().unwrap_or(0),
                    target: sends.get(&(conn, id)).and_then(named_target),
                    ms,
                });
            }
            "push" => bytes_received += bytes,
            "http" => {
                http_calls += 1;
                bytes_received += bytes;
            }
            "open" => sessions.push(SessionSummary {
                conn,
                url: ev["url"].as_str().unwrap_or("").to_string(),
                status: ev["status"].as_u64(),
                closed_by: None,
                close_code: None,
                close_reason: None,
            }),
            "close" => {
                if let Some(s) = sessions.iter_mut().rev().find(|s| s.conn == conn) {
                    s.closed_by = ev["by"].as_str().map(str::to_string);
                    s.close_code = ev["code"].as_u64();
                    s.close_reason = ev["reason"].as_str().map(str::to_string);
                }
            }
            _ => {}
        }
    }
    for (method, mut ms) in latencies {
        ms.sort_by(f64::total_cmp);
        let s = by_method.entry(method).or_insert_with(empty_stats);
        s.p50_ms = percentile(&ms, 0.50);
        s.p95_ms = percentile(&ms, 0.95);
        s.max_ms = ms.last().copied().unwrap_or(0.0);
    }
    // Slowest first; equal times in the order they were recorded.
    slow.sort_by(|a, b| b.ms.total_cmp(&a.ms));
    slow.truncate(SLOWEST);
    Ok(TraceSummary {
        events,
        requests,
        replies,
        http_calls,
        by_method,
        slowest: slow,
        errors: errors.into_values().collect(),
        sessions,
        bytes_sent,
        bytes_received,
        duration_ms: match (first, last) {
            (Some(f), Some(l)) => (l - f) as f64,
            _ => 0.0,
        },
    })
}

fn empty_stats() -> MethodStats {
    MethodStats {
        count: 0,
        p50_ms: 0.0,
        p95_ms: 0.0,
        max_ms: 0.0,
        bytes: 0,
    }
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The id, app or name a request's params name: `qId`, `qAppName` or `qName` (named params),
/// or the first string (positional params).
fn named_target(send: &Value) -> Option<String> {
    let params = &send["body"]["params"];
    if let Some(obj) = params.as_object() {
        return ["qId", "qAppName", "qName", "qDocName"]
            .iter()
            .find_map(|k| obj.get(*k).and_then(Value::as_str))
            .map(str::to_string);
    }
    params
        .as_array()?
        .iter()
        .find_map(Value::as_str)
        .map(str::to_string)
}

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS.mmmZ` (the recorder's format).
fn parse_ts_ms(ts: &str) -> Option<i64> {
    let (date, clock) = ts.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.splitn(3, '-').map(str::parse::<i32>);
    let (y, mo, da) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let date =
        time::Date::from_calendar_date(y, time::Month::try_from(mo as u8).ok()?, da as u8).ok()?;
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut t = hms.splitn(3, ':').map(str::parse::<i64>);
    let (h, mi, s) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let ms: i64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
    let days = i64::from(date.to_julian_day());
    Some(((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms)
}

/// The summary as text a person can paste into a ticket.
pub fn render_text(s: &TraceSummary) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} events over {:.3} s: {} requests, {} replies, {} HTTP calls; {} bytes sent, {} bytes received",
        s.events,
        s.duration_ms / 1000.0,
        s.requests,
        s.replies,
        s.http_calls,
        s.bytes_sent,
        s.bytes_received
    );
    let _ = writeln!(out, "\nrequests by method:");
    let _ = writeln!(
        out,
        "  {:<28} {:>7} {:>10} {:>10} {:>10} {:>12}",
        "method", "count", "p50 ms", "p95 ms", "max ms", "bytes"
    );
    for (m, st) in &s.by_method {
        let _ = writeln!(
            out,
            "  {:<28} {:>7} {:>10.3} {:>10.3} {:>10.3} {:>12}",
            m, st.count, st.p50_ms, st.p95_ms, st.max_ms, st.bytes
        );
    }
    let _ = writeln!(out, "\nslowest requests:");
    for r in &s.slowest {
        let _ = writeln!(
            out,
            "  {:>10.3} ms  {} (handle {}{}) conn {} id {}",
            r.ms,
            r.method,
            r.handle,
            r.target
                .as_deref()
                .map(|t| format!(", {t}"))
                .unwrap_or_default(),
            r.conn,
            r.id
        );
    }
    let _ = writeln!(out, "\nerrors by code:");
    if s.errors.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for e in &s.errors {
        let _ = writeln!(out, "  {:>6} × {}  {}", e.code, e.count, e.message);
    }
    let _ = writeln!(out, "\nsessions:");
    for x in &s.sessions {
        let closed = match (&x.closed_by, &x.close_reason) {
            (Some(by), reason) => format!(
                "closed by {by}{}{}",
                x.close_code.map(|c| format!(" ({c})")).unwrap_or_default(),
                reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            (None, _) => "still open at the end of the trace".into(),
        };
        let _ = writeln!(
            out,
            "  conn {} {} (HTTP {}): {closed}",
            x.conn,
            x.url,
            x.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into())
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 10.0);
        assert_eq!(percentile(&v, 0.95), 19.0);
        assert_eq!(percentile(&[3.0], 0.95), 3.0);
    }

    #[test]
    fn timestamps_parse_to_milliseconds() {
        let a = parse_ts_ms("2026-12-31T23:59:59.999Z").unwrap();
        let b = parse_ts_ms("2027-01-01T00:00:00.001Z").unwrap();
        assert_eq!(b - a, 2);
        assert!(parse_ts_ms("yesterday").is_none());
    }

    #[test]
    fn a_line_that_is_not_an_event_is_named() {
        let e =
            summarize("{\"ts\":\"2026-01-01T00:00:00.000Z\",\"conn\":1,\"kind\":\"open\"}\nnope\n")
                .unwrap_err();
        assert!(format!("{e:#}").contains("line 2"), "{e:#}");
    }
}
