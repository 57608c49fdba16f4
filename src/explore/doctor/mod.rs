//! The connection doctor: walks the connection layer by layer (config → dns → tcp → tls →
//! websocket → greeting → engine → repository), times each step, and says which layer failed,
//! why, and what to do. Steps after a failure are `skip`. Both front ends call `run`.

mod classify;
pub mod report;
pub mod soak;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio_tungstenite::MaybeTlsStream;

pub use classify::classify;
use classify::redirect_hint;
pub use report::{Cause, Report, Status, StepName, StepResult, one_line};

use crate::engine::conn::preflight::{self, Preflight};
use crate::engine::conn::{Auth, ConnectionSpec, JwtSource};
use crate::engine::error::{COLD_START, EngineError, TlsFailure};
use crate::engine::jwt;
use crate::engine::transport::{
    ConnectInfo, ConnectOptions, Resolver, Target, parse_target, resolve, tcp_connect,
    tls_handshake_with, upgrade,
};
use crate::engine::{Session, http};
use crate::engine::{cloud, proxy};
use crate::tls::pem::{PemError, PemRole, parse_certs, parse_key};
use crate::tls::x509::{CertSummary, now_unix};
use crate::tls::{TlsConfigError, client_config, config::client_config_recording};

/// A client certificate expiring within this many days is a warning.
const EXPIRY_WARNING_DAYS: i64 = 30;

#[derive(Clone, Default)]
pub struct DoctorOptions {
    /// `https://host:4242` for the repository (QRS) check; skipped when None.
    pub qrs_url: Option<String>,
    /// Overrides the system resolver (tests resolve `*.invalid` without a query).
    pub resolver: Option<Arc<dyn Resolver>>,
    /// A session start (upgrade and greeting) at least this slow is a warning about a cold
    /// proxy; None: SLOW_SESSION_START.
    pub slow_session_start: Option<Duration>,
    /// After a good walk, hold one idle session this long and report if and how it was cut.
    pub soak: Option<Duration>,
}

/// A session start slower than this is worth a word: a warm proxy answers in well under a
/// second, a cold one in 15–21 s.
const SLOW_SESSION_START: Duration = Duration::from_secs(5);

struct Walk<'a, F: FnMut(&StepResult)> {
    steps: Vec<StepResult>,
    cause: Option<Cause>,
    on_step: &'a mut F,
    soak: Option<soak::Soak>,
}

impl<F: FnMut(&StepResult)> Walk<'_, F> {
    fn push(
        &mut self,
        step: StepName,
        status: Status,
        started: Instant,
        detail: String,
        hint: Option<String>,
    ) {
        let r = StepResult {
            step,
            status,
            millis: started.elapsed().as_millis() as u64,
            detail,
            hint,
        };
        (self.on_step)(&r);
        self.steps.push(r);
    }

    fn ok(&mut self, step: StepName, started: Instant, detail: String) {
        self.push(step, Status::Ok, started, detail, None);
    }

    fn fail(
        &mut self,
        step: StepName,
        started: Instant,
        cause: Cause,
        detail: String,
        hint: String,
    ) {
        self.cause.get_or_insert(cause);
        self.push(step, Status::Fail, started, detail, Some(hint));
    }

    fn skip_rest(&mut self) {
        let done: Vec<StepName> = self.steps.iter().map(|s| s.step).collect();
        for name in StepName::ALL {
            if !done.contains(&name) {
                let r = StepResult {
                    step: name,
                    status: Status::Skip,
                    millis: 0,
                    detail: "skipped after an earlier failure".into(),
                    hint: None,
                };
                (self.on_step)(&r);
                self.steps.push(r);
            }
        }
    }

    fn finish(self) -> Report {
        let mut cause = self.cause;
        if self.soak.as_ref().is_some_and(|s| s.cut) {
            cause.get_or_insert(Cause::IdleCut);
        }
        Report {
            ok: cause.is_none(),
            steps: self.steps,
            cause,
            soak: self.soak,
        }
    }
}

/// The report for a profile that cannot become a connection at all (a setting or a keyring
/// entry missing, a keyring that cannot be opened): `config` fails with the reason and every
/// later step is skipped, as in a walk.
pub fn unusable_config(detail: String, hint: String) -> Report {
    let mut ignore = |_: &StepResult| {};
    let mut w = Walk {
        steps: Vec::new(),
        cause: None,
        on_step: &mut ignore,
        soak: None,
    };
    w.fail(
        StepName::Config,
        Instant::now(),
        Cause::InvalidConfig,
        detail,
        hint,
    );
    w.skip_rest();
    w.finish()
}

/// Runs the doctor; `on_step` sees each step as it completes (the TUI shows them live).
pub async fn run<F: FnMut(&StepResult)>(
    spec: &ConnectionSpec,
    opts: &DoctorOptions,
    mut on_step: F,
) -> Report {
    crate::tls::ensure_crypto_provider();
    let mut w = Walk {
        steps: Vec::new(),
        cause: None,
        on_step: &mut on_step,
        soak: None,
    };
    if walk(spec, opts, &mut w).await.is_none() {
        w.skip_rest();
    }
    w.finish()
}

/// The steps in order; None after the first failure.
async fn walk<F: FnMut(&StepResult)>(
    spec: &ConnectionSpec,
    opts: &DoctorOptions,
    w: &mut Walk<'_, F>,
) -> Option<()> {
    // config
    let t = Instant::now();
    let (mut copts, target, client_cert) = match check_config(spec, opts).await {
        Ok(v) => v,
        Err((cause, detail, hint)) => {
            w.fail(StepName::Config, t, cause, detail, hint);
            return None;
        }
    };
    let mut config_detail = format!("{} auth, engine {}", spec.auth.mode(), spec.engine_url);
    if let Some(c) = credential_text(spec) {
        config_detail.push_str(&format!("; {c}"));
    }
    let mut config_warn = None;
    if let Some(c) = &client_cert {
        let days = c.days_left(now_unix());
        config_detail.push_str(&format!(
            "; client certificate {} ({}) valid until {} ({days} days left)",
            c.subject,
            c.key_text(),
            c.not_after_text()
        ));
        if days < EXPIRY_WARNING_DAYS {
            config_warn = Some(format!(
                "the client certificate expires in {days} days: export a new one from the QMC (Certificates) soon"
            ));
        }
    }
    if !spec.tls.verify_hostname {
        config_detail.push_str("; host-name check off for this profile (chain still verified)");
    }
    match config_warn {
        Some(h) => w.push(StepName::Config, Status::Warn, t, config_detail, Some(h)),
        None => w.ok(StepName::Config, t, config_detail),
    }

    // dns
    let t = Instant::now();
    let addrs = match resolve(&copts, &target).await {
        Ok(a) => a,
        Err(e) => {
            let (cause, hint) = classify(&e, &target);
            w.fail(StepName::Dns, t, cause, e.to_string(), hint);
            return None;
        }
    };
    let shown: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
    let dns_detail = if target.host.parse::<std::net::IpAddr>().is_ok() {
        format!("{} is an IP address: no lookup needed", target.host)
    } else {
        format!("{} → {}", target.host, shown.join(", "))
    };
    w.ok(StepName::Dns, t, dns_detail);

    // tcp
    let t = Instant::now();
    let tcp = match tcp_connect(&copts, &addrs).await {
        Ok(s) => s,
        Err(e) => {
            let (cause, hint) = classify(&e, &target);
            w.fail(StepName::Tcp, t, cause, e.to_string(), hint);
            return None;
        }
    };
    let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    w.ok(StepName::Tcp, t, format!("connected to {peer}"));

    // tls
    let stream = if target.secure {
        let t = Instant::now();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let config = match client_config_recording(&copts.tls, seen.clone()) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                w.fail(
                    StepName::Tls,
                    t,
                    Cause::InvalidPem,
                    e.to_string(),
                    "check the PEM files of this profile".into(),
                );
                return None;
            }
        };
        let chain_text = |seen: &Arc<Mutex<Vec<_>>>| -> String {
            let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.iter()
                .filter_map(CertSummary::parse)
                .enumerate()
                .map(|(i, c)| {
                    format!(
                        "[{i}] subject {}, issuer {}, names [{}], not after {}",
                        c.subject,
                        c.issuer,
                        c.names.join(", "),
                        c.not_after_text()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut tls = match tls_handshake_with(&copts, &target, tcp, config).await {
            Ok(s) => s,
            Err(e) => {
                let (cause, hint) = classify(&e, &target);
                let chain = chain_text(&seen);
                let detail = if chain.is_empty() {
                    e.to_string()
                } else {
                    format!("{e}; server chain: {chain}")
                };
                w.fail(StepName::Tls, t, cause, detail, hint);
                return None;
            }
        };
        // TLS 1.3 tells the client its certificate was refused only after the handshake: give
        // the server a moment to send that alert before calling the step good.
        let mut probe = [0u8; 1];
        if let Ok(Err(e)) =
            tokio::time::timeout(Duration::from_millis(300), tls.read(&mut probe)).await
        {
            let err = EngineError::Tls {
                host: target.host.clone(),
                failure: crate::engine::transport::classify_tls_io(&e, &target.host)
                    .unwrap_or(TlsFailure::Other(e.to_string())),
            };
            let (cause, hint) = classify(&err, &target);
            w.fail(StepName::Tls, t, cause, err.to_string(), hint);
            return None;
        }
        let conn = tls.get_ref().1;
        let version = conn
            .protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default();
        let chain = chain_text(&seen);
        let leaf = seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .first()
            .and_then(CertSummary::parse);
        let mut detail = format!(
            "{version}; verified against {}; server chain: {chain}",
            if spec.tls.root_pem.is_some() {
                "root.pem"
            } else {
                "the system roots"
            }
        );
        if spec.auth_uses_client_cert() {
            detail.push_str("; client certificate accepted");
        }
        match leaf {
            Some(l) if !spec.tls.verify_hostname && !l.names_host(&target.host) => {
                detail.push_str("; host name NOT checked");
                w.push(
                    StepName::Tls,
                    Status::Warn,
                    t,
                    detail,
                    Some(format!(
                        "the server's certificate is issued for {} but you connected to {}; it works because verify_hostname = false for this profile. Connect by one of those names to turn the check back on",
                        if l.names.is_empty() { "no host name".to_string() } else { l.names.join(", ") },
                        target.host
                    )),
                );
            }
            _ => w.ok(StepName::Tls, t, detail),
        }
        MaybeTlsStream::Rustls(tls)
    } else {
        let t = Instant::now();
        w.push(
            StepName::Tls,
            Status::Warn,
            t,
            "ws:// — no TLS: traffic and credentials travel in clear text".into(),
            Some("use wss:// unless this is Qlik Sense Desktop on localhost".into()),
        );
        MaybeTlsStream::Plain(tcp)
    };

    // websocket: the auth pre-flight first (a proxy's CSRF token and cookie, a Qlik Cloud
    // session, the Cloud app list that names the socket's app), then the upgrade.
    let t = Instant::now();
    let session_start = t;
    let authorized = match authorize(spec, &mut copts).await {
        Ok(a) => a,
        Err(e) => {
            let (cause, hint) = classify(&e, &target);
            w.fail(StepName::Websocket, t, cause, e.to_string(), hint);
            return None;
        }
    };
    let (socket, status, trace) = match upgrade(&copts, &target, stream).await {
        Ok(v) => v,
        Err(e) => {
            let e = spec.socket_error(e);
            let (cause, hint) = classify(&e, &target);
            let hint = match &e {
                EngineError::UpgradeRejected {
                    status: 300..=399,
                    location,
                    ..
                } => redirect_hint(spec, location.as_deref()),
                _ => hint,
            };
            w.fail(StepName::Websocket, t, cause, e.to_string(), hint);
            return None;
        }
    };
    w.ok(
        StepName::Websocket,
        t,
        format!(
            "HTTP {status}: upgraded to WebSocket at {}{}",
            crate::engine::url::redact(&copts.url),
            if authorized.notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", authorized.notes.join(", "))
            }
        ),
    );

    // greeting
    let t = Instant::now();
    let info = ConnectInfo {
        trace,
        ..ConnectInfo::default()
    };
    let session = match Session::greet(socket, info, &copts).await {
        Ok(s) => s,
        Err(e) => {
            let e = spec.socket_error(e);
            let (cause, hint) = classify(&e, &target);
            w.fail(StepName::Greeting, t, cause, e.to_string(), hint);
            return None;
        }
    };
    let mut gdetail = format!("OnConnected: {}", session.greeting.session_state);
    if let Some(a) = &session.greeting.auth_info {
        gdetail.push_str(&format!(
            "; the proxy authenticated {}\\{}",
            a.user_directory, a.user_id
        ));
    }
    for n in &session.greeting.notices {
        gdetail.push_str(&format!("; notice {}", n.method));
    }
    let took = session_start.elapsed();
    if took >= opts.slow_session_start.unwrap_or(SLOW_SESSION_START) {
        w.push(
            StepName::Greeting,
            Status::Warn,
            t,
            gdetail,
            Some(format!(
                "the session took {:.1} s to start (upgrade and greeting): {COLD_START}. Later connections are quicker while the proxy keeps the engine warm",
                took.as_secs_f64()
            )),
        );
    } else {
        w.ok(StepName::Greeting, t, gdetail);
    }

    // engine
    let t = Instant::now();
    let g = session.global();
    let probe = async {
        let (version, user) = tokio::try_join!(g.engine_version(), g.get_authenticated_user())?;
        let apps = match authorized.cloud_apps {
            Some(n) => format!("{n} apps in the Qlik Cloud items list"),
            None => format!("{} apps visible", g.get_doc_list().await?.len()),
        };
        Ok::<_, EngineError>(format!("engine {version}; authenticated as {user}; {apps}"))
    };
    let outcome = probe.await;
    session.close();
    match outcome {
        Ok(detail) => w.ok(StepName::Engine, t, detail),
        Err(e) => {
            let (cause, hint) = classify(&e, &target);
            w.fail(StepName::Engine, t, cause, e.to_string(), hint);
            return None;
        }
    }

    // repository
    let t = Instant::now();
    match &opts.qrs_url {
        None => w.push(
            StepName::Repository,
            Status::Skip,
            t,
            "not configured (give --qrs-url https://host:4242 to check the repository)".into(),
            None,
        ),
        Some(base) => match repository(spec, &copts, base).await {
            Ok(detail) => w.ok(StepName::Repository, t, detail),
            Err((detail, hint)) => {
                w.fail(
                    StepName::Repository,
                    t,
                    Cause::RepositoryFailed,
                    detail,
                    hint,
                );
                return None;
            }
        },
    }

    // soak: only after every step worked, on a session of its own.
    if let Some(hold) = opts.soak {
        w.soak = Some(soak::soak(&copts, hold).await);
    }
    Some(())
}

type ConfigFailure = (Cause, String, String);

async fn check_config(
    spec: &ConnectionSpec,
    opts: &DoctorOptions,
) -> Result<(ConnectOptions, Target, Option<CertSummary>), ConfigFailure> {
    let target = parse_target(&spec.engine_url).map_err(|e| {
        (
            Cause::InvalidConfig,
            e.to_string(),
            "give the engine URL as wss://host:4747 (direct) or wss://host/prefix (virtual proxy)"
                .to_string(),
        )
    })?;
    let pem_fail = |e: PemError| {
        let hint = match &e {
            PemError::EncryptedKey(_) => "the key is encrypted: a passphrase is needed; import it with `qlik-tui profile add` (asks once) or decrypt it with openssl".to_string(),
            _ => "export client.pem, client_key.pem and root.pem again from the QMC (Certificates, PEM format)".to_string(),
        };
        (Cause::InvalidPem, e.to_string(), hint)
    };
    let mut client_cert = None;
    if let Some(root) = &spec.tls.root_pem {
        parse_certs(root, PemRole::RootCert).map_err(pem_fail)?;
    }
    if spec.auth_uses_client_cert() {
        let cert = spec
            .tls
            .cert_pem
            .as_deref()
            .ok_or_else(|| pem_fail(PemError::Empty(PemRole::ClientCert)))?;
        let key = spec
            .tls
            .key_pem
            .as_deref()
            .ok_or_else(|| pem_fail(PemError::Empty(PemRole::ClientKey)))?;
        let chain = parse_certs(cert, PemRole::ClientCert).map_err(pem_fail)?;
        parse_key(key, PemRole::ClientKey).map_err(pem_fail)?;
        let summary = CertSummary::parse(&chain[0]).ok_or_else(|| {
            (
                Cause::InvalidPem,
                "the client certificate cannot be read as X.509".to_string(),
                "export client.pem again from the QMC".to_string(),
            )
        })?;
        let now = now_unix();
        if summary.not_after < now {
            return Err((
                Cause::CertExpired,
                format!("the client certificate {} expired on {}", summary.subject, summary.not_after_text()),
                "export a new client certificate from the QMC (Certificates) and update the profile".into(),
            ));
        }
        if summary.not_before > now {
            return Err((
                Cause::CertExpired,
                format!(
                    "the client certificate {} is not valid yet",
                    summary.subject
                ),
                "check this machine's clock, or export the certificate again".into(),
            ));
        }
        client_cert = Some(summary);
    }
    check_credential(spec)?;
    match client_config(&spec.socket_tls()) {
        Ok(_) => {}
        Err(TlsConfigError::KeyMismatch(d)) => {
            return Err((
                Cause::KeyMismatch,
                format!("the client key does not belong to the client certificate ({d})"),
                "client.pem and client_key.pem must come from the same QMC export; export both again".into(),
            ));
        }
        Err(TlsConfigError::Pem(e)) => return Err(pem_fail(e)),
        Err(e @ TlsConfigError::NameCheckOffWithoutRoot) => {
            return Err((
                Cause::InvalidConfig,
                e.to_string(),
                "give the server's root certificate (--root-cert, root.pem), or set verify_hostname = true".into(),
            ));
        }
        Err(e) => {
            return Err((
                Cause::InvalidPem,
                e.to_string(),
                "check the PEM files".into(),
            ));
        }
    }
    if let Auth::Certificate {
        user_directory,
        user_id,
    } = &spec.auth
        && (user_directory.is_empty() || user_id.is_empty())
    {
        return Err((
            Cause::InvalidConfig,
            "certificate auth needs a user directory and a user id for X-Qlik-User".into(),
            "set user_directory and user_id (e.g. INTERNAL and sa_engine)".into(),
        ));
    }
    // No request yet: the websocket step runs the auth pre-flight, so its refusals show there.
    let mut copts = spec.socket_options(None, &Preflight::default());
    if let Some(r) = &opts.resolver {
        copts.resolver = r.clone();
    }
    Ok((copts, target, client_cert))
}

/// What the config step says about the credential, never the credential itself.
fn credential_text(spec: &ConnectionSpec) -> Option<String> {
    let jwt = |j: &JwtSource| match j {
        JwtSource::Token(_) => "a stored JWT".to_string(),
        JwtSource::Key { template: t, .. } => format!(
            "a JWT minted per connection from the stored RS256 key (user claim '{}'{}{})",
            t.claim_user,
            t.user_directory
                .as_ref()
                .map(|_| format!(", directory claim '{}'", t.claim_directory))
                .unwrap_or_default(),
            t.audience
                .as_ref()
                .map(|a| format!(", audience {a}"))
                .unwrap_or_default()
        ),
    };
    match &spec.auth {
        Auth::Certificate { .. } => None,
        Auth::Jwt { jwt: j } | Auth::CloudJwt { jwt: j } => Some(jwt(j)),
        Auth::CloudApiKey { .. } => Some("an API key is set".into()),
        Auth::Header { header_name, user } => Some(format!("header {header_name}: {user}")),
    }
}

/// The non-certificate credential is usable: a JWT key that signs, a token that is a JWT and
/// not expired, an API key, a header name.
fn check_credential(spec: &ConnectionSpec) -> Result<(), ConfigFailure> {
    let bad = |detail: String, hint: &str| Err((Cause::InvalidConfig, detail, hint.to_string()));
    let jwt = |j: &JwtSource| -> Result<(), ConfigFailure> {
        match j {
            JwtSource::Key {
                private_key_pem, ..
            } => jwt::check_signing_key(private_key_pem).or_else(|e| {
                bad(
                    e.to_string(),
                    "store the RSA private key whose certificate the virtual proxy (or the Qlik Cloud identity provider) holds: `qlik-tui profile edit NAME --jwt-private-key PATH`",
                )
            }),
            JwtSource::Token(t) => match jwt::expiry(t) {
                Err(e) => bad(
                    e.to_string(),
                    "store the token again: `qlik-tui profile edit NAME --jwt-token PATH`",
                ),
                Ok(Some(exp)) if i64::try_from(exp).unwrap_or(i64::MAX) < now_unix() => bad(
                    "the stored JWT has expired".into(),
                    "store a new token (`qlik-tui profile edit NAME --jwt-token PATH`), or store the signing key instead so qlik-tui mints one per connection (--jwt-private-key)",
                ),
                Ok(_) => Ok(()),
            },
        }
    };
    match &spec.auth {
        Auth::Certificate { .. } => Ok(()),
        Auth::Jwt { jwt: j } | Auth::CloudJwt { jwt: j } => jwt(j),
        Auth::CloudApiKey { api_key } if api_key.trim().is_empty() => bad(
            "no API key".into(),
            "create an API key in Qlik Cloud (Profile settings → API keys) and store it: `qlik-tui profile edit NAME --api-key PATH`",
        ),
        Auth::Header { header_name, user } if header_name.is_empty() || user.is_empty() => bad(
            "header auth needs a header name and a user".into(),
            "set header_name (the virtual proxy's 'Header authentication header name') and header_user or user_id",
        ),
        _ => Ok(()),
    }
}

/// Runs the auth pre-flight and puts its credentials on `copts`; on Qlik Cloud also lists the
/// apps (every Cloud socket names one: the first app's) and returns how many there are.
async fn authorize(
    spec: &ConnectionSpec,
    copts: &mut ConnectOptions,
) -> Result<Authorized, EngineError> {
    // Certificate auth makes no request here: its pre-flight is the X-Qlik-User header.
    let pre = preflight::run(spec).await?;
    let mut done = Authorized::default();
    let names = |hs: &[crate::engine::Header]| -> Vec<String> {
        hs.iter().map(|h| h.name.to_ascii_lowercase()).collect()
    };
    let socket_headers = names(&pre.socket_headers);
    if pre.socket_query.iter().any(|(k, _)| k == proxy::CSRF_QUERY) {
        done.notes
            .push("with the CSRF token (qlik-csrf-token)".into());
    }
    if socket_headers.iter().any(|h| h == "cookie") {
        done.notes.push("the session cookie".into());
    }
    if !spec.auth_uses_client_cert() && !socket_headers.iter().any(|h| h == "authorization") {
        done.notes.push("no Authorization header".into());
    }
    let mut app = None;
    if spec.is_cloud() {
        let rest = spec.rest_options(&pre);
        let items = cloud::list_apps(&rest, &rest.url.clone(), spec.cloud_credential()).await?;
        done.cloud_apps = Some(items.len());
        app = items.into_iter().next().map(|i| i.resource_id);
    }
    let fresh = spec.socket_options(app.as_deref(), &pre);
    copts.url = fresh.url;
    copts.headers = fresh.headers;
    Ok(done)
}

/// What the pre-flight did: the Cloud app count, and what the handshake carries (names only).
#[derive(Default)]
struct Authorized {
    cloud_apps: Option<usize>,
    notes: Vec<String>,
}

/// `GET {base}/qrs/about` with Xrfkey and `X-Qlik-User` over the same mutual TLS.
async fn repository(
    spec: &ConnectionSpec,
    copts: &ConnectOptions,
    base: &str,
) -> Result<String, (String, String)> {
    let key = http::xrfkey();
    let mut opts = copts.clone();
    opts.url = format!("{}/qrs/about?xrfkey={key}", base.trim_end_matches('/'));
    opts.headers
        .retain(|h| !h.name.eq_ignore_ascii_case("x-qlik-user"));
    opts = opts.header("X-Qlik-Xrfkey", key);
    // Direct (port 4242) as the repository's service user; through a proxy the session's
    // own credentials (cookie, header) are already in `copts`.
    if let Auth::Certificate { .. } = &spec.auth {
        opts = opts.header(
            "X-Qlik-User",
            crate::engine::url::qlik_user_header("INTERNAL", "sa_repository"),
        );
    }
    let resp = http::request(&opts, "GET", None).await.map_err(|e| {
        (
            e.to_string(),
            "check the repository URL (port 4242) and that the Qlik Sense Repository Service runs"
                .to_string(),
        )
    })?;
    match resp.status {
        200 => {
            let v = resp.json().map_err(|e| (e.to_string(), "the repository answered something else than JSON".into()))?;
            let build = v.get("buildVersion").and_then(|b| b.as_str()).unwrap_or("?");
            Ok(format!("QRS build {build}"))
        }
        403 => Err((
            "the repository answered HTTP 403".into(),
            "the Xrfkey query parameter and X-Qlik-Xrfkey header must match, and the user must be allowed (INTERNAL\\sa_repository with the QMC's client certificate)".into(),
        )),
        s => Err((format!("the repository answered HTTP {s}"), "check the repository URL and service".into())),
    }
}
