//! A profile plus its secrets → the `ConnectionSpec` every other layer receives.

use std::time::Duration;

use anyhow::{anyhow, bail};

use super::secrets::{SecretKind, SecretStore, Secrets, StoreChoice};
use super::store::{AuthMode, JwtSource as StoredJwt, Profile, ProfileStore};
use crate::engine::conn::spec::{Auth, ConnectionSpec, JwtSource, JwtTemplate, SecretString};
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
        key_pem: secrets.text(SecretKind::ClientKey).map(SecretString::from),
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
        AuthMode::Jwt => Auth::Jwt {
            jwt: jwt_source(p, secrets, false)?,
        },
        AuthMode::CloudJwt => Auth::CloudJwt {
            jwt: jwt_source(p, secrets, true)?,
        },
        AuthMode::CloudKey => Auth::CloudApiKey {
            api_key: secret(secrets, SecretKind::ApiKey).ok_or_else(|| {
                missing_secret(p, SecretKind::ApiKey, "--api-key PATH (or - for stdin)")
            })?,
        },
        AuthMode::Header => Auth::Header {
            header_name: header_name(p)?,
            user: header_user(p)?,
        },
    };
    // Only certificate auth presents a client certificate; the other modes keep the root.
    let tls = if matches!(auth, Auth::Certificate { .. }) {
        tls
    } else {
        ClientTls {
            cert_pem: None,
            key_pem: None,
            ..tls
        }
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
        allow_insecure_transport: p.allow_insecure_transport,
        max_message_bytes: p
            .max_message_mb
            .map_or(crate::engine::transport::DEFAULT_MAX_MESSAGE_BYTES, |mb| {
                mb << 20
            }),
        trace: None,
    })
}

fn secret(secrets: &Secrets, kind: SecretKind) -> Option<SecretString> {
    secrets
        .text(kind)
        .map(|s| SecretString::new(s.trim()))
        .filter(|s| !s.is_empty())
}

fn missing_secret(p: &Profile, kind: SecretKind, flag: &str) -> anyhow::Error {
    anyhow!(
        "profile '{}' uses {} auth but the keyring holds no {} ({}): store it with `qlik-tui profile edit {} {flag}`",
        p.name,
        p.auth.as_str(),
        kind.label(),
        kind.as_str(),
        p.name
    )
}

/// The JWT of a `jwt` or `cloud-jwt` profile: the stored token, or a template and the stored
/// key to mint one at connect time (`jwt_source`, default: the key when one is stored).
fn jwt_source(p: &Profile, secrets: &Secrets, cloud: bool) -> anyhow::Result<JwtSource> {
    let key = secret(secrets, SecretKind::JwtPrivateKey);
    let source = p.jwt_source.unwrap_or(if key.is_some() {
        StoredJwt::Key
    } else {
        StoredJwt::Token
    });
    if source == StoredJwt::Token {
        return Ok(JwtSource::Token(
            secret(secrets, SecretKind::JwtToken).ok_or_else(|| {
                missing_secret(
                    p,
                    SecretKind::JwtToken,
                    "--jwt-token PATH (or --jwt-private-key PATH to mint tokens)",
                )
            })?,
        ));
    }
    let key = key.ok_or_else(|| {
        missing_secret(
            p,
            SecretKind::JwtPrivateKey,
            "--jwt-private-key PATH (or --jwt-token PATH with jwt_source = \"token\")",
        )
    })?;
    crate::engine::jwt::check_signing_key(&key).map_err(|e| {
        anyhow!(
            "profile '{}': the stored jwt_private_key cannot sign: {e}; store another with `qlik-tui profile edit {} --jwt-private-key PATH`",
            p.name,
            p.name
        )
    })?;
    let user_id = p.user_id.clone().ok_or_else(|| {
        anyhow!(
            "profile '{}' mints its JWT but has no user_id (the user the token speaks for): set it with `qlik-tui profile edit {} --user-id ID`",
            p.name,
            p.name
        )
    })?;
    let mut t = JwtTemplate::for_user(&user_id, cloud);
    t.user_directory = p.user_directory.clone();
    if let Some(c) = &p.jwt_user_id_claim {
        t.claim_user = c.clone();
    }
    if let Some(c) = &p.jwt_user_directory_claim {
        t.claim_directory = c.clone();
    }
    if p.jwt_audience.is_some() {
        t.audience = p.jwt_audience.clone();
    }
    t.issuer = p.jwt_issuer.clone();
    t.key_id = p.jwt_key_id.clone();
    if let Some(secs) = p.jwt_expiry_secs {
        if secs == 0 || secs > 86_400 {
            bail!(
                "profile '{}': jwt_expiry_secs must be between 1 and 86400: fix it with `qlik-tui profile edit {} --jwt-expiry-secs 300`",
                p.name,
                p.name
            );
        }
        t.lifetime = Duration::from_secs(secs);
    }
    for (name, value) in p.jwt_claims.iter().flatten() {
        let v = serde_json::to_value(value).map_err(|e| {
            anyhow!(
                "profile '{}': jwt_claims.{name} cannot be a JSON claim: {e}",
                p.name
            )
        })?;
        t.extra.retain(|(n, _)| n != name);
        t.extra.push((name.clone(), v));
    }
    Ok(JwtSource::Key {
        private_key_pem: key,
        template: t,
    })
}

/// The header a header-auth profile sends; Qlik refuses names containing X-Qlik-User.
fn header_name(p: &Profile) -> anyhow::Result<String> {
    let name = p.header_name.clone().ok_or_else(|| {
        anyhow!(
            "profile '{}' uses header auth but has no header_name: set it with `qlik-tui profile edit {} --header-name NAME` (the virtual proxy's 'Header authentication header name')",
            p.name,
            p.name
        )
    })?;
    if name.to_ascii_lowercase().contains("x-qlik-user") {
        bail!(
            "profile '{}': header_name may not contain X-Qlik-User (Qlik refuses it for header authentication): set the virtual proxy's header name with `qlik-tui profile edit {} --header-name NAME`",
            p.name,
            p.name
        );
    }
    Ok(name)
}

/// The value a header-auth profile sends: `header_user`, else `directory\user`, else the user.
fn header_user(p: &Profile) -> anyhow::Result<String> {
    Ok(match (&p.header_user, &p.user_directory, &p.user_id) {
        (Some(u), _, _) => u.clone(),
        (None, Some(d), Some(i)) => format!("{d}\\{i}"),
        (None, None, Some(i)) => i.clone(),
        _ => bail!(
            "profile '{}' uses header auth but names no user: set it with `qlik-tui profile edit {} --header-user VALUE` (or --user-id, with --user-directory for DIRECTORY\\USER)",
            p.name,
            p.name
        ),
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
    let secrets = match load(p) {
        Ok(s) => s,
        // Header auth has no secret of its own (at most a root certificate): without a
        // keyring it goes on with the system roots.
        Err(e) if !needs_keyring(p) => {
            tracing::warn!(profile = %name, "no keyring ({e}); using the system roots");
            Secrets::default()
        }
        Err(e) => return Err(e),
    };
    to_spec(p, &secrets)
}

/// Whether a profile cannot connect without the keyring (every mode but header auth, whose
/// only possible secret is a root certificate).
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

    fn with(kind: SecretKind, value: &str) -> Secrets {
        let mut s = Secrets::default();
        s.insert(kind, Zeroizing::new(value.as_bytes().to_vec()));
        s
    }

    #[test]
    fn a_jwt_profile_mints_with_its_claim_names_or_sends_its_token() {
        let (private, _) = crate::engine::jwt::tests::test_rsa_key();
        let mut p = Profile::new("proxy", "wss://h/jwt");
        p.auth = AuthMode::Jwt;
        p.user_id = Some("jdoe".into());
        p.user_directory = Some("CORP".into());
        p.jwt_user_id_claim = Some("uid".into());
        p.jwt_audience = Some("qlik-sense".into());
        p.jwt_expiry_secs = Some(60);
        p.jwt_claims = Some([("email".to_string(), toml::Value::from("j@x"))].into());
        let mut s = with(SecretKind::JwtPrivateKey, &private);
        s.insert(SecretKind::RootCert, Zeroizing::new(b"ROOT".to_vec()));
        s.insert(SecretKind::ClientKey, Zeroizing::new(b"KEY".to_vec()));
        let spec = to_spec(&p, &s).unwrap();
        assert!(
            spec.tls.key_pem.is_none(),
            "no client key outside cert auth"
        );
        assert_eq!(spec.tls.root_pem.as_deref(), Some("ROOT"));
        let Auth::Jwt {
            jwt: JwtSource::Key { template: t, .. },
        } = &spec.auth
        else {
            panic!("{:?}", spec.auth)
        };
        assert_eq!(
            (t.claim_user.as_str(), t.claim_directory.as_str()),
            ("uid", "directory")
        );
        assert_eq!(t.user_directory.as_deref(), Some("CORP"));
        assert_eq!(t.audience.as_deref(), Some("qlik-sense"));
        assert_eq!(t.lifetime, Duration::from_secs(60));
        assert_eq!(t.extra, vec![("email".into(), serde_json::json!("j@x"))]);

        p.jwt_source = Some(StoredJwt::Token);
        let e = to_spec(&p, &s).unwrap_err().to_string();
        assert!(
            e.contains("jwt_token") && e.contains("profile edit proxy --jwt-token"),
            "{e}"
        );
        let spec = to_spec(&p, &with(SecretKind::JwtToken, "a.b.c\n")).unwrap();
        assert!(
            matches!(&spec.auth, Auth::Jwt { jwt: JwtSource::Token(t) } if t.expose() == "a.b.c")
        );
    }

    #[test]
    fn a_cloud_jwt_profile_gets_qlik_clouds_claims() {
        let (private, _) = crate::engine::jwt::tests::test_rsa_key();
        let mut p = Profile::new("cloud", "wss://t.eu.qlikcloud.com");
        p.auth = AuthMode::CloudJwt;
        p.deployment = crate::engine::conn::Deployment::Cloud;
        p.user_id = Some("auth0|jane".into());
        p.jwt_issuer = Some("idp".into());
        p.jwt_key_id = Some("kid".into());
        let spec = to_spec(&p, &with(SecretKind::JwtPrivateKey, &private)).unwrap();
        let Auth::CloudJwt {
            jwt: JwtSource::Key { template: t, .. },
        } = &spec.auth
        else {
            panic!("{:?}", spec.auth)
        };
        assert_eq!(t.claim_user, "sub");
        assert_eq!(t.audience.as_deref(), Some("qlik.api/login/jwt-session"));
        assert_eq!(
            (t.issuer.as_deref(), t.key_id.as_deref()),
            (Some("idp"), Some("kid"))
        );
        // Without a user id nothing can be minted: the error names the key and the fix.
        p.user_id = None;
        let e = to_spec(&p, &with(SecretKind::JwtPrivateKey, &private))
            .unwrap_err()
            .to_string();
        assert!(e.contains("user_id") && e.contains("--user-id"), "{e}");
        // A key that cannot sign is refused before any connection, without its text.
        let e = to_spec(&p, &with(SecretKind::JwtPrivateKey, "not a key"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("jwt_private_key") && !e.contains("not a key"),
            "{e}"
        );
    }

    #[test]
    fn api_key_and_header_profiles_need_their_pieces() {
        let mut p = Profile::new("c", "wss://t.us.qlikcloud.com");
        p.auth = AuthMode::CloudKey;
        let e = to_spec(&p, &Secrets::default()).unwrap_err().to_string();
        assert!(
            e.contains("api_key") && e.contains("profile edit c --api-key"),
            "{e}"
        );
        let spec = to_spec(&p, &with(SecretKind::ApiKey, " k3y \n")).unwrap();
        assert!(matches!(&spec.auth, Auth::CloudApiKey { api_key } if api_key.expose() == "k3y"));

        let mut p = Profile::new("h", "wss://h/hdr");
        p.auth = AuthMode::Header;
        p.user_id = Some("sa_engine".into());
        let e = to_spec(&p, &Secrets::default()).unwrap_err().to_string();
        assert!(
            e.contains("header_name") && e.contains("--header-name"),
            "{e}"
        );
        p.header_name = Some("X-Qlik-User-Name".into());
        let e = to_spec(&p, &Secrets::default()).unwrap_err().to_string();
        assert!(e.contains("may not contain X-Qlik-User"), "{e}");
        p.header_name = Some("hdr-usr".into());
        p.user_directory = Some("INTERNAL".into());
        let spec = to_spec(&p, &Secrets::default()).unwrap();
        assert!(
            matches!(&spec.auth, Auth::Header { header_name, user } if header_name == "hdr-usr" && user == "INTERNAL\\sa_engine")
        );
        p.user_id = None;
        p.user_directory = None;
        let e = to_spec(&p, &Secrets::default()).unwrap_err().to_string();
        assert!(e.contains("--header-user"), "{e}");
    }
}
