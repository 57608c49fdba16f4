//! A profile plus its secrets → the `ConnectionSpec` every other layer receives.

use std::time::Duration;

use anyhow::{anyhow, bail};

use super::secrets::{SecretKind, SecretStore, Secrets, StoreChoice};
use super::spec::{Auth, ConnectionSpec};
use super::store::{AuthMode, Profile, ProfileStore};
use crate::engine::transport::Timeouts;
use crate::tls::ClientTls;

/// The timeouts a profile asks for (defaults where unset).
pub fn timeouts(p: &Profile) -> Timeouts {
    let mut t = Timeouts::default();
    if let Some(c) = p.connect_timeout {
        t.connect = Duration::from_secs_f64(c);
        t.greeting = t.connect;
    }
    if let Some(r) = p.request_timeout {
        t.request = Duration::from_secs_f64(r);
    }
    t
}

/// Builds the spec from a profile and the secrets loaded for it.
pub fn to_spec(p: &Profile, secrets: &Secrets) -> anyhow::Result<ConnectionSpec> {
    let text = |k: SecretKind| secrets.text(k).map(|s| s.to_string());
    let tls = ClientTls {
        root_pem: text(SecretKind::RootCert),
        cert_pem: text(SecretKind::ClientCert),
        key_pem: text(SecretKind::ClientKey),
        verify_hostname: p.verify_hostname,
    };
    let auth = match p.auth {
        AuthMode::Cert => {
            if tls.cert_pem.is_none() || tls.key_pem.is_none() {
                bail!(
                    "profile '{}' uses certificate auth but the keyring holds no {}: add them with `qlik-tui profile edit {} --cert-dir DIR` (or --client-cert/--client-key)",
                    p.name,
                    if tls.cert_pem.is_none() {
                        "client certificate"
                    } else {
                        "client key"
                    },
                    p.name
                );
            }
            let need = |v: &Option<String>, key: &str, eg: &str| {
                v.clone().ok_or_else(|| {
                    anyhow!(
                        "profile '{}' uses certificate auth but has no {key}: set it with `qlik-tui profile edit {} --{} {eg}`",
                        p.name,
                        p.name,
                        key.replace('_', "-")
                    )
                })
            };
            Auth::Certificate {
                user_directory: need(&p.user_directory, "user_directory", "INTERNAL")?,
                user_id: need(&p.user_id, "user_id", "sa_engine")?,
            }
        }
        other => bail!(
            "profile '{}' uses auth mode '{}', which this build of qlik-tui cannot connect with yet",
            p.name,
            other.as_str()
        ),
    };
    Ok(ConnectionSpec {
        name: Some(p.name.clone()),
        deployment: p.deployment,
        engine_url: p.engine_url.clone(),
        display_url: p.display_url.clone(),
        auth,
        tls,
        timeouts: timeouts(p),
        ttl: p.ttl,
        identity: p.identity.clone(),
    })
}

/// The backend a profile's secrets are in: the profile's own setting, else `fallback`.
pub fn store_for(p: &Profile, fallback: StoreChoice) -> StoreChoice {
    match p.secret_store {
        Some(c) if c != StoreChoice::Auto => c,
        _ => fallback,
    }
}

/// Loads profile `name` from the default file and its secrets from its keyring backend.
/// `override_store` (the `--secret-store` flag) wins over the profile's setting.
pub fn resolve_named(
    name: &str,
    override_store: Option<StoreChoice>,
) -> anyhow::Result<ConnectionSpec> {
    resolve_with(&ProfileStore::open_default()?, name, |p| {
        let choice = override_store.unwrap_or_else(|| store_for(p, StoreChoice::Auto));
        Ok(SecretStore::open(choice)?.load(name)?)
    })
}

/// Loads profile `name` from `store`, with the secrets `load` reads for it from its keyring
/// (the TUI's profile pane passes its own file and keyring).
pub fn resolve_with(
    store: &ProfileStore,
    name: &str,
    load: impl FnOnce(&Profile) -> anyhow::Result<Secrets>,
) -> anyhow::Result<ConnectionSpec> {
    let p = store.require(name)?;
    let secrets = if needs_keyring(p) {
        load(p)?
    } else {
        Secrets::default()
    };
    to_spec(p, &secrets)
}

/// Whether a profile keeps anything in the keyring (every mode does today; a mode with no
/// secret, such as header auth without TLS client material, skips opening the keyring).
pub fn needs_keyring(p: &Profile) -> bool {
    !matches!(p.auth, AuthMode::Header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    #[test]
    fn certificate_profile_becomes_a_spec() {
        let mut p = Profile::new("dev", "wss://h:4747");
        p.user_directory = Some("INTERNAL".into());
        p.user_id = Some("sa_engine".into());
        p.ttl = Some(5);
        p.connect_timeout = Some(2.5);
        p.verify_hostname = false;
        let mut s = Secrets::default();
        s.insert(SecretKind::ClientCert, Zeroizing::new(b"CERT".to_vec()));
        s.insert(SecretKind::ClientKey, Zeroizing::new(b"KEY".to_vec()));
        let spec = to_spec(&p, &s).unwrap();
        assert_eq!(spec.name.as_deref(), Some("dev"));
        assert_eq!(spec.tls.cert_pem.as_deref(), Some("CERT"));
        assert!(spec.tls.root_pem.is_none());
        assert!(!spec.tls.verify_hostname);
        assert_eq!(spec.timeouts.connect, Duration::from_millis(2500));
        assert_eq!(spec.ttl, Some(5));
        assert!(
            matches!(spec.auth, Auth::Certificate { ref user_id, .. } if user_id == "sa_engine")
        );
    }

    #[test]
    fn missing_pieces_say_how_to_add_them() {
        let mut p = Profile::new("dev", "wss://h:4747");
        let e = to_spec(&p, &Secrets::default()).unwrap_err().to_string();
        assert!(
            e.contains("client certificate") && e.contains("profile edit dev"),
            "{e}"
        );
        let mut s = Secrets::default();
        s.insert(SecretKind::ClientCert, Zeroizing::new(b"C".to_vec()));
        s.insert(SecretKind::ClientKey, Zeroizing::new(b"K".to_vec()));
        let e = to_spec(&p, &s).unwrap_err().to_string();
        assert!(e.contains("--user-directory"), "{e}");
        p.secret_store = Some(StoreChoice::Keyutils);
        assert_eq!(store_for(&p, StoreChoice::Auto), StoreChoice::Keyutils);
    }
}
