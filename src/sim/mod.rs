//! An in-repo Qlik Engine simulator: a peer that speaks the protocol (mutual TLS, the
//! `X-Qlik-User` header, the greeting, JSON-RPC with schema-true result keys), serving the demo
//! site from `assets/demo-site.json` or a generated large one. Tests, `--demo` and
//! `qlik-tui demo-engine` run it. It shares wire types with `engine` and certificates with
//! `tls`, and never imports the front ends or the domain.
//!
//! Modules: `server` (accept, TLS, HTTP routing) → `auth` (route table, who the user is) →
//! `upgrade` (101 or refusal) → `socket` (greeting, concurrent requests) → `dispatch` (schema,
//! params) → `global` / `doc` / `object` (the classes) over `data` (the site), `layout` and
//! `lists` (computed parts), `model` (data model). `behaviour` holds the fault knobs (`faults`
//! sends the broken replies); `qrs`
//! the repository's about route; `scale` the generated site; `hostile` and `variant` edited demo sites. `authmodes` (with `vproxy` and
//! `tenant`) adds the modes beyond certificates: virtual proxies and a Qlik Cloud tenant.

pub mod auth;
pub mod authmodes;
pub mod behaviour;
pub mod cube;
pub mod data;
pub mod dispatch;
#[cfg(test)]
mod dispatch_tests;
pub mod doc;
pub mod expr;
pub mod faults;
pub mod global;
pub mod hostile;
pub mod layout;
pub mod lists;
pub mod model;
pub mod object;
pub mod params;
pub mod qrs;
pub mod replies;
pub mod scale;
pub mod server;
pub mod session;
pub mod socket;
pub mod table;
pub mod tenant;
pub mod upgrade;
pub mod variant;
pub mod vproxy;
pub mod writes;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

pub use authmodes::{AuthModes, Handshake};
pub use behaviour::Behaviour;
pub use data::Site;

use crate::tls::ClientTls;
use crate::tls::pki::DemoPki;

/// How to run a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Every reply waits this long (before jitter).
    pub latency: Duration,
    /// Serve a generated site of this many apps instead of the demo site.
    pub scale: Option<u32>,
    pub behaviour: Behaviour,
    /// Auth modes beyond certificates (virtual proxies, a Qlik Cloud tenant); none by default.
    pub auth: AuthModes,
    /// Serve the demo site with hostile titles (`hostile`): escape sequences, bidi overrides,
    /// spreadsheet formulas.
    pub hostile_titles: bool,
    /// Serve the demo site with `variant`'s edits (a production copy drifted from the demo).
    pub variant: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
            scale: None,
            behaviour: Behaviour::default(),
            auth: AuthModes::default(),
            hostile_titles: false,
            variant: false,
        }
    }
}

/// A running simulator. Dropping it stops it (like `kill`).
pub struct SimServer {
    addr: SocketAddr,
    pki: DemoPki,
    shared: Arc<server::Shared>,
}

impl SimServer {
    /// Starts listening with a fresh PKI (a CA, a server certificate for the loopback names, a
    /// client certificate).
    pub async fn start(cfg: SimConfig) -> anyhow::Result<SimServer> {
        crate::tls::ensure_crypto_provider();
        let site = match cfg.scale {
            Some(n) => Site::scaled(n)?,
            None if cfg.hostile_titles => Site::from_json(&hostile::site_json())?,
            None if cfg.variant => Site::from_json(&variant::site_json()?)?,
            None => Site::demo()?,
        };
        let pki = DemoPki::generate().context("cannot make the simulator's certificates")?;
        // A proxy or tenant lets clients in without a certificate; the engine port's route
        // still refuses them (server::route).
        let tls = crate::tls::server_config_with(
            &pki.root_cert_pem,
            &pki.server.cert_pem,
            &pki.server.key_pem,
            !cfg.auth.any(),
        )
        .context("cannot configure the simulator's TLS")?;
        let listener = TcpListener::bind(cfg.listen).await.with_context(|| {
            format!(
                "cannot listen on {}: is the port in use? pick another with --listen",
                cfg.listen
            )
        })?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(server::Shared {
            site: Arc::new(site),
            behaviour: cfg.behaviour,
            latency: cfg.latency,
            served: AtomicU64::new(0),
            reply_log: Mutex::new(Vec::new()),
            method_log: Mutex::new(Vec::new()),
            cancel: CancellationToken::new(),
            restart: Mutex::new(CancellationToken::new()),
            sessions: Mutex::new(Default::default()),
            auth: cfg.auth,
            auth_state: Default::default(),
        });
        tokio::spawn(server::serve(
            listener,
            TlsAcceptor::from(Arc::new(tls)),
            shared.clone(),
        ));
        Ok(SimServer { addr, pki, shared })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `wss://localhost:PORT` (the server certificate names localhost).
    pub fn engine_url(&self) -> String {
        format!("wss://localhost:{}", self.addr.port())
    }

    pub fn pki(&self) -> &DemoPki {
        &self.pki
    }

    /// Client TLS material for this server, host-name verification on.
    pub fn client_tls(&self) -> ClientTls {
        ClientTls {
            root_pem: Some(self.pki.root_cert_pem.clone()),
            cert_pem: Some(self.pki.client_cert_pem.clone()),
            key_pem: Some(self.pki.client_key_pem.clone().into()),
            verify_hostname: true,
        }
    }

    /// Requests received on every socket so far.
    pub fn requests_served(&self) -> u64 {
        self.shared.served.load(Ordering::Relaxed)
    }

    /// Requests received on every socket so far, by method.
    pub fn requests_by_method(&self) -> std::collections::BTreeMap<String, u64> {
        let mut by = std::collections::BTreeMap::new();
        for m in self
            .shared
            .method_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            *by.entry(m.clone()).or_default() += 1;
        }
        by
    }

    /// Request ids (numeric ones) in the order their replies were written, over all sockets.
    pub fn reply_log(&self) -> Vec<u64> {
        self.shared
            .reply_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The methods received so far, in arrival order over all sockets: tests check that a
    /// command sent nothing modifying and destroyed every session object it created.
    pub fn methods_received(&self) -> Vec<String> {
        self.shared
            .method_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The site being served (app ids, titles...).
    pub fn site(&self) -> &Site {
        &self.shared.site
    }

    /// The socket handshakes an auth mode judged (proxy or tenant), in order: what each carried
    /// and the status it got. Tests check the CSRF flow on the server's side with it.
    pub fn handshakes(&self) -> Vec<Handshake> {
        self.shared.auth_state.handshakes()
    }

    /// How many REST calls the Qlik Cloud tenant answered HTTP 429 (its rate limit).
    pub fn rate_limited_calls(&self) -> u32 {
        self.shared.auth_state.rate_limited_calls()
    }

    /// Ends every proxy and tenant session (their cookies stop working), as a timeout would.
    pub fn expire_auth_sessions(&self) {
        self.shared.auth_state.expire_all();
    }

    /// Every session cookie value and CSRF token the proxies and the tenant handed out.
    pub fn issued_credentials(&self) -> Vec<(String, String)> {
        self.shared.auth_state.issued()
    }

    /// Drops every connection (no close frames) and stops listening.
    pub fn kill(&self) {
        self.shared.cancel.cancel();
    }

    /// The engine restarts: every open socket is dropped without a close frame (as a crashed
    /// or restarted engine's are) and its sessions end, while the server keeps listening, so
    /// the next connection gets a fresh session.
    pub fn restart_engine(&self) {
        let fresh = CancellationToken::new();
        let old = std::mem::replace(
            &mut *self
                .shared
                .restart
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
            fresh,
        );
        old.cancel();
        self.shared
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Resolves when the server has been killed.
    pub async fn killed(&self) {
        self.shared.cancel.cancelled().await
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.kill();
    }
}
