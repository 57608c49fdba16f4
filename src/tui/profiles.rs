//! The explorer's profiles: where they come from (the profile file and its keyring, as the CLI
//! reads them), and the work on them that needs I/O (connect, test), run off the UI thread and
//! answered with a `Reply` like every other domain request.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::app::Profiles;
use super::domain::Reply;
use super::profile_form::FormMode;
use super::tree::NodeId;
use crate::engine::conn::ConnectionSpec;
use crate::explore::Site;
use crate::explore::diff::source::LiveSide;
use crate::explore::doctor::{self, DoctorOptions};
use crate::profile::manage;
use crate::profile::resolve;
use crate::profile::secrets::{SecretKind, SecretStore, Secrets, StoreChoice};
use crate::profile::store::{Profile, ProfileStore};

/// Which keyring holds the profiles' secrets.
#[derive(Debug, Clone)]
pub enum Keyring {
    /// Each profile's own backend, unless `--secret-store` names one.
    Open(Option<StoreChoice>),
    /// One opened store for every profile (tests: a mock or a private service name).
    Fixed(Arc<SecretStore>),
}

/// The profile file the explorer shows and the keyring its secrets are in.
#[derive(Debug, Clone)]
pub struct ProfileSource {
    pub path: PathBuf,
    pub keyring: Keyring,
}

impl ProfileSource {
    /// The default file (`QLIK_TUI_CONFIG_DIR` or the platform's config dir).
    pub fn default_file(secret_store: Option<StoreChoice>) -> ProfileSource {
        ProfileSource {
            path: crate::paths::profiles_path(),
            keyring: Keyring::Open(secret_store),
        }
    }

    pub fn open(&self) -> anyhow::Result<ProfileStore> {
        Ok(ProfileStore::open(&self.path)?)
    }

    /// The keyring holding `profile`'s secrets (for a new profile: the override, else auto).
    pub fn keyring_of(&self, profile: Option<&Profile>) -> anyhow::Result<Arc<SecretStore>> {
        match &self.keyring {
            Keyring::Fixed(k) => Ok(k.clone()),
            Keyring::Open(choice) => {
                let c = choice.unwrap_or_else(|| match profile {
                    Some(p) => resolve::store_for(p, StoreChoice::Auto),
                    None => StoreChoice::Auto,
                });
                Ok(Arc::new(SecretStore::open(c)?))
            }
        }
    }

    /// The profile's settings plus its secrets, as `-p NAME` resolves them on the CLI.
    pub fn resolve(&self, name: &str) -> anyhow::Result<ConnectionSpec> {
        resolve::resolve_with(&self.open()?, name, |p| {
            Ok(self.keyring_of(Some(p))?.load(name)?)
        })
    }
}

/// The profiles to show and the one to connect at start: `preselect` (`-p`,
/// `QLIK_TUI_PROFILE`; it must exist) or the file's `default`.
pub fn load(source: &ProfileSource, preselect: Option<String>) -> anyhow::Result<Profiles> {
    let store = source.open()?;
    let active = match preselect {
        Some(name) => {
            store.require(&name)?;
            Some(name)
        }
        None => store.default_name().map(str::to_string),
    };
    Ok(Profiles {
        names: store.names(),
        settings: store.profiles().cloned().collect(),
        active,
        file: Some(source.path.clone()),
    })
}

/// The connected site, handed to profile work; Debug shows its engine URL, redacted.
#[derive(Clone)]
pub struct ConnectedSite(pub Arc<Site>);

impl std::fmt::Debug for ConnectedSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = crate::engine::url::redact(&self.0.spec().engine_url);
        write!(f, "ConnectedSite({url})")
    }
}

/// Profile work the app asks for; each names the profile node that shows the outcome.
#[derive(Debug)]
pub enum ProfileRequest {
    /// Resolve the profile (file + keyring) into a connection.
    Connect { node: NodeId, name: String },
    /// The quick connect of `qlik-tui profile test`: engine version and authenticated user.
    Test { node: NodeId, name: String },
    /// The stored settings of a profile, for the edit form.
    Load { node: NodeId, name: String },
    /// Saves a checked profile form (settings in the file, secrets in the keyring).
    Save {
        node: Option<NodeId>,
        mode: FormMode,
        profile: Box<Profile>,
        secrets: Secrets,
        drop: Vec<SecretKind>,
    },
    /// Removes a profile and its keyring entries.
    Delete { node: NodeId, name: String },
    /// The connection doctor on a profile, resolved afresh (it need not be connected): each
    /// step as a `DoctorStep` reply, then `DoctorDone`.
    Doctor { name: String },
    /// `:diff` of `app_a` on the connected `site` against `app_b` on profile `other`.
    Diff {
        site: ConnectedSite,
        source: String,
        app_a: String,
        other: String,
        app_b: String,
    },
}

/// What `profile add` / `profile edit` do, for a checked form.
fn save(
    source: &ProfileSource,
    mode: &FormMode,
    profile: Profile,
    secrets: &Secrets,
    drop: &[SecretKind],
) -> anyhow::Result<()> {
    let mut store = source.open()?;
    match mode {
        FormMode::Add => {
            if secrets.is_empty() && !resolve::needs_keyring(&profile) {
                store.insert(profile)?;
                store.save()?;
                return Ok(());
            }
            let keyring = source.keyring_of(None)?;
            manage::add(&mut store, &keyring, profile, secrets)
        }
        FormMode::Edit(old) => {
            let keyring = source.keyring_of(Some(store.require(old)?))?;
            if *old != profile.name {
                manage::rename(&mut store, &keyring, old, &profile.name)?;
            }
            manage::update(&mut store, &keyring, profile, secrets, drop)
        }
    }
}

/// What `profile remove` does.
fn delete(source: &ProfileSource, name: &str) -> anyhow::Result<()> {
    let mut store = source.open()?;
    let keyring = source.keyring_of(Some(store.require(name)?))?;
    manage::remove(&mut store, &keyring, name)?;
    Ok(())
}

/// Runs blocking profile work (the keyring may block) off the async threads.
async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<R> + Send + 'static,
) -> Result<R, String> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(anyhow::anyhow!("the profile task failed: {e}")))
        .map_err(|e| chain(&e))
}

/// A failure's whole cause chain on one line: the outer context and the fix it names.
fn chain(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

/// Runs one profile request; resolving reads the keyring, which may block, so it runs on the
/// blocking pool.
pub async fn execute<T: From<Reply> + Send + 'static>(
    source: ProfileSource,
    req: ProfileRequest,
    tx: UnboundedSender<T>,
) {
    let resolve = |name: String| {
        let source = source.clone();
        blocking(move || source.resolve(&name))
    };
    let reply = match req {
        ProfileRequest::Connect { node, name } => Reply::Connected {
            node,
            result: resolve(name).await.map(Box::new),
        },
        ProfileRequest::Test { node, name } => {
            let result = match resolve(name).await {
                Ok(spec) => {
                    let site = Site::new(spec);
                    let info = site.info().await.map_err(|e| e.to_string());
                    site.close_all().await;
                    info
                }
                Err(e) => Err(e),
            };
            Reply::Tested { node, result }
        }
        ProfileRequest::Load { node, name } => {
            let result = blocking(move || Ok(source.open()?.require(&name)?.clone())).await;
            Reply::Loaded {
                node,
                result: result.map(Box::new),
            }
        }
        ProfileRequest::Save {
            node,
            mode,
            profile,
            secrets,
            drop,
        } => {
            let saved = profile.clone();
            let result = blocking(move || save(&source, &mode, *profile, &secrets, &drop)).await;
            Reply::Saved {
                node,
                profile: saved,
                result,
            }
        }
        ProfileRequest::Doctor { name } => {
            let report = match resolve(name.clone()).await {
                Ok(spec) => {
                    let steps = tx.clone();
                    doctor::run(&spec, &DoctorOptions::default(), move |s| {
                        let _ = steps.send(Reply::DoctorStep(s.clone()).into());
                    })
                    .await
                }
                Err(e) => doctor::unusable_config(
                    e,
                    format!(
                        "complete the profile: select it and press E, or run `qlik-tui profile edit {name}`"
                    ),
                ),
            };
            Reply::DoctorDone(report)
        }
        ProfileRequest::Diff {
            site,
            source,
            app_a,
            other,
            app_b,
        } => Reply::DiffDone(match resolve(other.clone()).await {
            Ok(spec) => {
                let other_site = Site::new(spec);
                let result = super::domain::run_diff(
                    LiveSide {
                        site: &site.0,
                        source,
                        app_id: &app_a,
                    },
                    LiveSide {
                        site: &other_site,
                        source: format!("profile '{other}'"),
                        app_id: &app_b,
                    },
                )
                .await;
                other_site.close_all().await;
                result
            }
            Err(e) => Err(e),
        }),
        ProfileRequest::Delete { node, name } => {
            let n = name.clone();
            let result = blocking(move || delete(&source, &n)).await;
            Reply::Deleted { node, name, result }
        }
    };
    let _ = tx.send(reply.into());
}
