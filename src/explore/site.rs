//! A site: one connection spec, a session for site-wide calls (doc list, versions), and one
//! session per open app (Qlik allows one open app per socket). Sessions are opened lazily,
//! reused while open, reopened when the socket went away, and closed when no longer needed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex, Weak};

use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use super::app::AppSession;
use super::links::Links;
use super::model::{AppEntry, SiteCheck, SiteInfo, Stream};
use crate::engine::cloud;
use crate::engine::conn::{AuthCache, ConnectionSpec};
use crate::engine::rpc::RpcClient;
use crate::engine::{EngineError, Session};

pub struct Site {
    spec: ConnectionSpec,
    /// The auth pre-flight (proxy or tenant session) shared by every socket and REST call.
    auth: AuthCache,
    global: Mutex<Option<Arc<Session>>>,
    apps: Mutex<HashMap<String, Arc<AppSession>>>,
    /// Every socket opened, for the requests-in-flight gauge.
    sockets: StdMutex<Vec<Weak<RpcClient>>>,
    /// Cancelled by `close_all`: a connect or OpenDoc in progress (which holds `global` or
    /// `apps` while it waits, up to its timeouts) gives up at once, so closing never waits on it.
    /// Replaced by a fresh token once closed: a request made after `close_all` connects again.
    closing: StdMutex<CancellationToken>,
}

/// How long `close_all` waits for the locks once the connects in progress were told to stop.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

impl Site {
    pub fn new(spec: ConnectionSpec) -> Arc<Site> {
        Arc::new(Site {
            spec,
            auth: AuthCache::default(),
            global: Mutex::new(None),
            apps: Mutex::new(HashMap::new()),
            sockets: StdMutex::new(Vec::new()),
            closing: StdMutex::new(CancellationToken::new()),
        })
    }

    /// `fut`, unless the site is closed first.
    async fn unless_closing<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, EngineError>>,
    ) -> Result<T, EngineError> {
        // Boxed: a connect's future is large, and nesting it inline in every caller's future
        // overflows a test thread's stack in debug builds.
        let fut = Box::pin(fut);
        let closing = self.closing_token();
        tokio::select! {
            biased;
            _ = closing.cancelled() => Err(EngineError::Closed {
                reason: "the connection was closed by the user (quit or another profile)".into(),
            }),
            r = fut => r,
        }
    }

    pub fn spec(&self) -> &ConnectionSpec {
        &self.spec
    }

    pub fn links(&self) -> Links {
        Links::new(&self.spec.display_base())
    }

    async fn connect(&self, app_id: Option<&str>) -> Result<Session, EngineError> {
        self.connect_as(&self.spec, app_id).await
    }

    /// Connects with `spec` (this site's, or a variant of it with another identity), sharing
    /// the site's auth pre-flight: the auth is the same whatever the identity.
    async fn connect_as(
        &self,
        spec: &ConnectionSpec,
        app_id: Option<&str>,
    ) -> Result<Session, EngineError> {
        let (pre, cached) = self.auth.get(spec).await?;
        let connected = match Session::connect(&spec.socket_options(app_id, &pre)).await {
            // A cached proxy or tenant session may have expired: fetch a fresh one, once.
            Err(EngineError::UpgradeRejected {
                status: 401 | 403, ..
            }) if cached => {
                self.auth.clear().await;
                let (pre, _) = self.auth.get(spec).await?;
                Session::connect(&spec.socket_options(app_id, &pre)).await
            }
            other => other,
        };
        // Qlik Cloud has no virtual proxy: a refused socket there is the credential's problem.
        let session = connected.map_err(|e| spec.socket_error(e))?;
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        sockets.retain(|w| w.strong_count() > 0);
        sockets.push(Arc::downgrade(session.rpc()));
        Ok(session)
    }

    /// The site-wide session (no app), connected on first use and again after a drop.
    pub async fn global(&self) -> Result<Arc<Session>, EngineError> {
        let mut g = self.global.lock().await;
        if let Some(s) = g.as_ref()
            && !s.rpc().is_closed()
        {
            return Ok(s.clone());
        }
        let s = Arc::new(self.unless_closing(self.connect(None)).await?);
        *g = Some(s.clone());
        Ok(s)
    }

    pub async fn info(&self) -> Result<SiteInfo, EngineError> {
        let g = self.global().await?.global();
        let (engine_version, user) =
            tokio::try_join!(g.engine_version(), g.get_authenticated_user())?;
        Ok(SiteInfo {
            engine_version,
            user,
        })
    }

    /// Qlik Cloud: apps come from the items API, and every socket names an app.
    pub fn is_cloud(&self) -> bool {
        self.spec.is_cloud()
    }

    /// A quick connect (`profile test`): the engine version and user, and how many apps the
    /// user sees. On Qlik Cloud the engine is asked on the first app's socket.
    pub async fn check(&self) -> Result<SiteCheck, EngineError> {
        let apps = self.apps().await?;
        let info = match apps.first() {
            Some(first) if self.is_cloud() => {
                let session = self.connect(Some(&first.id)).await?;
                let g = session.global();
                let r = tokio::try_join!(g.engine_version(), g.get_authenticated_user());
                session.close();
                let (engine_version, user) = r?;
                SiteInfo {
                    engine_version,
                    user,
                }
            }
            _ => self.info().await?,
        };
        Ok(SiteCheck {
            info,
            apps: apps.len(),
        })
    }

    /// The apps this user may open, sorted by stream (published first) then name. Qlik Cloud
    /// lists them over REST (the items API); QSEoW with GetDocList.
    pub async fn apps(&self) -> Result<Vec<AppEntry>, EngineError> {
        let mut apps = if self.is_cloud() {
            self.cloud_apps().await?
        } else {
            self.doc_list_apps().await?
        };
        apps.sort_by(|a, b| {
            (
                a.stream.is_none(),
                a.stream.as_ref().map(|s| s.name.as_str()),
                a.name.as_str(),
            )
                .cmp(&(
                    b.stream.is_none(),
                    b.stream.as_ref().map(|s| s.name.as_str()),
                    b.name.as_str(),
                ))
        });
        Ok(apps)
    }

    /// Qlik Cloud: every app item over all pages; a space stands in for the stream.
    async fn cloud_apps(&self) -> Result<Vec<AppEntry>, EngineError> {
        let credential = self.spec.cloud_credential();
        let (pre, cached) = self.auth.get(&self.spec).await?;
        let mut opts = self.spec.rest_options(&pre);
        let base = opts.url.clone();
        let items = match cloud::list_apps(&opts, &base, credential).await {
            // A cached tenant session may have expired: log in afresh, once.
            Err(EngineError::HttpRefused {
                status: 401 | 403, ..
            }) if cached => {
                self.auth.clear().await;
                let (pre, _) = self.auth.get(&self.spec).await?;
                opts = self.spec.rest_options(&pre);
                cloud::list_apps(&opts, &base, credential).await?
            }
            other => other?,
        };
        // Space names are a nicety: an app list without them beats no app list.
        let spaces: HashMap<String, String> =
            match cloud::list_spaces(&opts, &base, credential).await {
                Ok(s) => s.into_iter().collect(),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot list Qlik Cloud spaces; showing space ids");
                    HashMap::new()
                }
            };
        Ok(items
            .into_iter()
            .map(|i| AppEntry {
                stream: (!i.space_id.is_empty()).then(|| Stream {
                    name: spaces
                        .get(&i.space_id)
                        .cloned()
                        .unwrap_or_else(|| i.space_id.clone()),
                    id: i.space_id.clone(),
                }),
                published: i.published,
                description: i.description,
                name: i.name,
                last_reload_time: i.last_reload_time,
                owner: (!i.owner_id.is_empty()).then_some(i.owner_id),
                id: i.resource_id,
                raw: i.raw,
            })
            .collect())
    }

    async fn doc_list_apps(&self) -> Result<Vec<AppEntry>, EngineError> {
        let docs = self.global().await?.global().get_doc_list().await?;
        let apps: Vec<AppEntry> = docs
            .into_iter()
            .map(|d| AppEntry {
                stream: d.stream().map(|(id, name)| Stream { id, name }),
                published: d.published(),
                description: d.description().to_string(),
                name: d.name().to_string(),
                last_reload_time: d.last_reload_time.clone(),
                owner: d
                    .meta
                    .pointer("/owner/userId")
                    .or_else(|| d.meta.get("owner"))
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                id: d.doc_id.clone(),
                raw: serde_json::to_value(&d).unwrap_or_default(),
            })
            .collect();
        Ok(apps)
    }

    /// The open session of `app_id`, opening it (its own socket) when needed.
    pub async fn app(&self, app_id: &str) -> Result<Arc<AppSession>, EngineError> {
        let mut apps = self.apps.lock().await;
        if let Some(a) = apps.get(app_id)
            && !a.session.rpc().is_closed()
        {
            return Ok(a.clone());
        }
        let app = Arc::new(self.unless_closing(self.open_app_uncached(app_id)).await?);
        apps.insert(app_id.to_string(), app.clone());
        Ok(app)
    }

    /// Opens an app on a new socket that the caller owns (the exporter's pool).
    pub async fn open_app_uncached(&self, app_id: &str) -> Result<AppSession, EngineError> {
        let session = self.connect(Some(app_id)).await?;
        AppSession::open(session, app_id).await
    }

    /// Opens an app for the exporter on a socket the caller owns, under an identity of its own
    /// (`/identity/qlik-tui-export`), so it never attaches to a session the explorer (or the
    /// hub) has on the same app, and without a TTL, so the engine ends it at close. The app is
    /// opened with its data.
    pub async fn open_app_for_export(&self, app_id: &str) -> Result<AppSession, EngineError> {
        let mut spec = self.spec.clone();
        spec.identity = Some(match &self.spec.identity {
            Some(i) => format!("{i}-qlik-tui-export"),
            None => "qlik-tui-export".to_string(),
        });
        spec.ttl = None;
        let session = self.connect_as(&spec, Some(app_id)).await?;
        // With data: the export's data model needs the tables' row counts.
        AppSession::open_with(session, app_id, false).await
    }

    /// Closes every app session except those in `keep`.
    pub async fn keep_only(&self, keep: &[&str]) {
        let mut apps = self.apps.lock().await;
        apps.retain(|id, a| {
            let k = keep.contains(&id.as_str());
            if !k {
                a.close();
            }
            k
        });
    }

    /// Closes every socket. Never stalls: a connect or OpenDoc in progress is told to stop
    /// first, and the locks it held are waited for at most `CLOSE_WAIT` (the process may be
    /// quitting; a socket still opening then is dropped with it).
    pub async fn close_all(&self) {
        self.closing_token().cancel();
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            self.keep_only(&[]).await;
            if let Some(g) = self.global.lock().await.take() {
                g.close();
            }
        })
        .await;
        *self.closing.lock().unwrap_or_else(|e| e.into_inner()) = CancellationToken::new();
    }

    /// The token that the next `close_all` cancels.
    fn closing_token(&self) -> CancellationToken {
        self.closing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Requests sent and not yet answered, over all sockets.
    pub fn requests_in_flight(&self) -> usize {
        self.live_sockets().iter().map(|s| s.in_flight()).sum()
    }

    /// Why the connection was lost: every socket the site holds has ended, and one of them
    /// ended on its own (the engine went away), not closed by qlik-tui. None while a socket is
    /// open. The next request connects again (`global`, `app`).
    pub fn lost(&self) -> Option<String> {
        let sockets = self.live_sockets();
        if sockets.iter().any(|s| !s.is_closed()) {
            return None;
        }
        sockets
            .iter()
            .filter_map(|s| s.closed_reason())
            .find(|r| r != crate::engine::rpc::CLOSED_BY_US)
    }

    /// Sockets currently open.
    pub fn open_sockets(&self) -> usize {
        self.live_sockets()
            .iter()
            .filter(|s| !s.is_closed())
            .count()
    }

    fn live_sockets(&self) -> Vec<Arc<RpcClient>> {
        self.sockets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// A server that accepts TCP and never answers the TLS handshake: a connect to it holds the
    /// site's lock until its timeout.
    #[tokio::test]
    async fn closing_never_waits_on_a_connect_in_progress() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = tokio::spawn(async move {
            let mut open = vec![];
            while let Ok((s, _)) = listener.accept().await {
                open.push(s);
            }
        });
        let mut spec = ConnectionSpec::certificate(
            format!("wss://127.0.0.1:{port}"),
            crate::tls::ClientTls::default(),
            "INTERNAL",
            "sa_engine",
        );
        spec.timeouts.connect = Duration::from_secs(30);
        let site = Site::new(spec);
        let connecting = tokio::spawn({
            let site = site.clone();
            async move { site.global().await.map(|_| ()) }
        });
        let app = tokio::spawn({
            let site = site.clone();
            async move { site.app("a").await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            !connecting.is_finished(),
            "the connect waits for the TLS answer"
        );
        let t = Instant::now();
        site.close_all().await;
        let (g, a) = (connecting.await.unwrap(), app.await.unwrap());
        // Well under the 30 s the connects would otherwise wait.
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "took {:?}",
            t.elapsed()
        );
        for r in [g, a] {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("closed by the user"), "{e}");
        }
        held.abort();
    }
}
