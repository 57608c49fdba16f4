//! The doctor's report: steps with a status, a detail and a hint, one cause code, and the three
//! renderings (human checklist, JSON, Markdown).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepName {
    Config,
    Dns,
    Tcp,
    Tls,
    Websocket,
    Greeting,
    Engine,
    Repository,
}

impl StepName {
    pub const ALL: [StepName; 8] = [
        StepName::Config,
        StepName::Dns,
        StepName::Tcp,
        StepName::Tls,
        StepName::Websocket,
        StepName::Greeting,
        StepName::Engine,
        StepName::Repository,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Config => "config",
            StepName::Dns => "dns",
            StepName::Tcp => "tcp",
            StepName::Tls => "tls",
            StepName::Websocket => "websocket",
            StepName::Greeting => "greeting",
            StepName::Engine => "engine",
            StepName::Repository => "repository",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Fail,
    Warn,
    Skip,
}

impl Status {
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Ok => "✓",
            Status::Fail => "✗",
            Status::Warn => "!",
            Status::Skip => "-",
        }
    }
}

/// Why a connection failed, as a stable code for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The profile or flags are incomplete or malformed (no URL, no user, a bad URL).
    InvalidConfig,
    InvalidPem,
    KeyMismatch,
    CertExpired,
    DnsFailed,
    ConnectionRefused,
    Timeout,
    NotTls,
    UnknownCa,
    HostnameMismatch,
    ClientCertRejected,
    UpgradeRejected,
    SessionRefused,
    MaxSessions,
    ProtocolError,
    /// The proxy or engine answered HTTP 503: the service is down or starting.
    ServiceUnavailable,
    /// The engine answered but the repository (QRS) check failed.
    RepositoryFailed,
    /// The proxy no longer knows the session (HTTP 500 "Authentication error", or a socket
    /// closed without a greeting): an expired JWT/ticket or session cookie.
    SessionExpired,
    /// `--soak`: the idle session was cut.
    IdleCut,
    /// Qlik Cloud kept answering HTTP 429: the tenant's API rate limit.
    RateLimited,
}

impl Cause {
    pub fn code(self) -> &'static str {
        match self {
            Cause::InvalidConfig => "invalid_config",
            Cause::InvalidPem => "invalid_pem",
            Cause::KeyMismatch => "key_mismatch",
            Cause::CertExpired => "cert_expired",
            Cause::DnsFailed => "dns_failed",
            Cause::ConnectionRefused => "connection_refused",
            Cause::Timeout => "timeout",
            Cause::NotTls => "not_tls",
            Cause::UnknownCa => "unknown_ca",
            Cause::HostnameMismatch => "hostname_mismatch",
            Cause::ClientCertRejected => "client_cert_rejected",
            Cause::UpgradeRejected => "upgrade_rejected",
            Cause::SessionRefused => "session_refused",
            Cause::MaxSessions => "max_sessions",
            Cause::ProtocolError => "protocol_error",
            Cause::ServiceUnavailable => "service_unavailable",
            Cause::RepositoryFailed => "repository_failed",
            Cause::SessionExpired => "session_expired",
            Cause::IdleCut => "idle_cut",
            Cause::RateLimited => "rate_limited",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepResult {
    pub step: StepName,
    pub status: Status,
    pub millis: u64,
    pub detail: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub ok: bool,
    pub steps: Vec<StepResult>,
    pub cause: Option<Cause>,
    /// `--soak`: what became of a session held idle.
    pub soak: Option<super::soak::Soak>,
}

impl Report {
    pub fn step(&self, name: StepName) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.step == name)
    }

    /// The first failing step.
    pub fn failed_step(&self) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.status == Status::Fail)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "ok": self.ok,
            "steps": self.steps.iter().map(|s| serde_json::json!({
                "step": s.step.as_str(),
                "status": s.status,
                "millis": s.millis,
                "detail": s.detail,
                "hint": s.hint,
            })).collect::<Vec<_>>(),
            "cause": self.cause.map(Cause::code),
        });
        if let Some(s) = &self.soak {
            v["soak"] = serde_json::to_value(s).unwrap_or_default();
        }
        v
    }

    /// The soak's outcome in one line, when there was one.
    fn soak_line(&self) -> Option<String> {
        self.soak.as_ref().map(|s| match (&s.hint, s.cut) {
            (Some(h), true) => format!("Soak: {}", one_line(h)),
            _ => format!(
                "Soak: the session stayed open and answered after {:.1} s idle.",
                s.held_ms as f64 / 1000.0
            ),
        })
    }

    /// The human checklist.
    pub fn to_text(&self, target: &str) -> String {
        let mut out = format!("qlik-tui doctor: {}\n\n", one_line(target));
        for s in &self.steps {
            out.push_str(&format!(
                "  {} {:<10} {:>6}  {}\n",
                s.status.symbol(),
                s.step.as_str(),
                if s.status == Status::Skip {
                    String::new()
                } else {
                    format!("{} ms", s.millis)
                },
                one_line(&s.detail)
            ));
            if let Some(h) = &s.hint
                && s.status != Status::Ok
            {
                out.push_str(&format!("                       fix: {}\n", one_line(h)));
            }
        }
        out.push('\n');
        match (self.ok, self.failed_step(), self.cause) {
            (true, _, _) => out.push_str("Result: the connection works.\n"),
            (false, Some(f), Some(c)) => out.push_str(&format!(
                "Result: failed at {} (cause: {}).\n  cause: {}\n  fix:   {}\n",
                f.step.as_str(),
                c.code(),
                one_line(&f.detail),
                f.hint.as_deref().map(one_line).unwrap_or_default()
            )),
            (false, _, Some(Cause::IdleCut)) => {
                out.push_str("Result: the connection works, but an idle session is cut.\n")
            }
            _ => out.push_str("Result: failed.\n"),
        }
        if let Some(l) = self.soak_line() {
            out.push_str(&format!("{l}\n"));
        }
        out
    }

    /// A Markdown table for a ticket.
    pub fn to_markdown(&self, target: &str) -> String {
        let mut out = format!(
            "### qlik-tui doctor: `{}`\n\n",
            one_line(&target.replace('`', "'"))
        );
        out.push_str("| | step | ms | detail | fix |\n|---|---|---:|---|---|\n");
        for s in &self.steps {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                s.status.symbol(),
                s.step.as_str(),
                if s.status == Status::Skip {
                    String::new()
                } else {
                    s.millis.to_string()
                },
                md_cell(&s.detail),
                if s.status == Status::Ok {
                    String::new()
                } else {
                    s.hint.as_deref().map(md_cell).unwrap_or_default()
                }
            ));
        }
        out.push_str(&match self.cause {
            None if self.ok => "\n**Result:** the connection works.\n".to_string(),
            Some(c) => format!("\n**Result:** failed, cause `{}`.\n", c.code()),
            None => "\n**Result:** failed.\n".to_string(),
        });
        if let Some(l) = self.soak_line() {
            out.push_str(&format!("\n{}\n", md_cell(&l)));
        }
        out
    }
}

/// A detail or hint on one line for a terminal or a report: runs of whitespace become one space and
/// the rest of what the engine or the certificate said is escaped (`\x1b`, `\u202e`), never raw.
pub fn one_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::text::escape_for_terminal(&joined).into_owned()
}

fn md_cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}
