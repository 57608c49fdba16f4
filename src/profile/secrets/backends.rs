use super::*;

pub(super) fn open(
    choice: StoreChoice,
) -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
    match choice {
        StoreChoice::Auto => auto(),
        StoreChoice::SecretService => secret_service().map(|s| (s, choice)),
        StoreChoice::Keyutils => keyutils().map(|s| (s, choice)),
        StoreChoice::Keychain => keychain().map(|s| (s, choice)),
        StoreChoice::Credman => credman().map(|s| (s, choice)),
    }
}

fn not_here(backend: StoreChoice, os: &str) -> BackendError {
    BackendError {
        backend,
        why: format!("it exists only on {os}"),
        fix: format!(
            "pick another with --secret-store (here: {})",
            if cfg!(target_os = "linux") {
                "secret-service or keyutils"
            } else if cfg!(target_os = "macos") {
                "keychain"
            } else {
                "credman"
            }
        ),
    }
}

#[cfg(target_os = "linux")]
fn auto() -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
    match secret_service() {
        Ok(s) => Ok((s, StoreChoice::SecretService)),
        Err(ss) => match keyutils() {
            Ok(k) => Ok((k, StoreChoice::Keyutils)),
            Err(ku) => Err(BackendError {
                backend: StoreChoice::Auto,
                why: format!(
                    "the Secret Service failed ({}) and keyutils failed ({})",
                    ss.why, ku.why
                ),
                fix: "run qlik-tui in a desktop session, or start a keyring for it: `keyctl session - qlik-tui ...` (kernel keyring) or `dbus-run-session -- sh -c 'printf PASSWORD | gnome-keyring-daemon --unlock --components=secrets; qlik-tui ...'`".into(),
            }),
        },
    }
}
#[cfg(target_os = "macos")]
fn auto() -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
    keychain().map(|s| (s, StoreChoice::Keychain))
}
#[cfg(target_os = "windows")]
fn auto() -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
    credman().map(|s| (s, StoreChoice::Credman))
}
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn auto() -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
    Err(BackendError {
        backend: StoreChoice::Auto,
        why: "this platform has no supported keyring".into(),
        fix: "use Linux, macOS or Windows".into(),
    })
}

#[cfg(target_os = "linux")]
fn secret_service() -> Result<Arc<CredentialStore>, BackendError> {
    let b = StoreChoice::SecretService;
    let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty())
        || std::path::Path::new(&format!("/run/user/{}/bus", unsafe_uid())).exists();
    if !has_bus {
        return Err(BackendError {
            backend: b,
            why: "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".into(),
            fix: "run qlik-tui in a desktop session, or headless under `dbus-run-session -- sh -c 'printf PASSWORD | gnome-keyring-daemon --unlock --components=secrets; qlik-tui ...'`, or use --secret-store keyutils".into(),
        });
    }
    match zbus_secret_service_keyring_store::Store::new() {
        Ok(s) => Ok(s as Arc<CredentialStore>),
        Err(e) => Err(BackendError {
            backend: b,
            why: format!(
                "the D-Bus session bus or the Secret Service does not answer ({})",
                short(&e.to_string())
            ),
            fix: "start a keyring daemon (gnome-keyring-daemon --unlock --components=secrets, or KWallet), or use --secret-store keyutils".into(),
        }),
    }
}
#[cfg(not(target_os = "linux"))]
fn secret_service() -> Result<Arc<CredentialStore>, BackendError> {
    Err(not_here(StoreChoice::SecretService, "Linux"))
}

#[cfg(target_os = "linux")]
fn keyutils() -> Result<Arc<CredentialStore>, BackendError> {
    if !has_session_keyring() {
        return Err(no_session_keyring());
    }
    linux_keyutils_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| BackendError {
            backend: StoreChoice::Keyutils,
            why: short(&e.to_string()),
            fix: "use --secret-store secret-service".into(),
        })
}
#[cfg(not(target_os = "linux"))]
fn keyutils() -> Result<Arc<CredentialStore>, BackendError> {
    Err(not_here(StoreChoice::Keyutils, "Linux"))
}

fn no_session_keyring() -> BackendError {
    BackendError {
        backend: StoreChoice::Keyutils,
        why: "this process has no session keyring (only a login through PAM, or `keyctl session`, makes one)".into(),
        fix: "run it as `keyctl session - qlik-tui ...`, log in through a PAM session, or use --secret-store secret-service".into(),
    }
}

/// A process outside any session keyring falls back to the user-session keyring
/// (`_uid_ses.<uid>`), where storing is denied; a real one is described `_ses...`.
#[cfg(target_os = "linux")]
pub fn has_session_keyring() -> bool {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    match KeyRing::from_special_id(KeyRingIdentifier::Session, false).and_then(|k| k.metadata()) {
        Ok(m) => !m.get_description().starts_with("_uid_ses."),
        Err(_) => false,
    }
}

#[cfg(target_os = "linux")]
fn unsafe_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(target_os = "macos")]
fn keychain() -> Result<Arc<CredentialStore>, BackendError> {
    apple_native_keyring_store::keychain::Store::new()
        .map_err(|e| BackendError {
            backend: StoreChoice::Keychain,
            why: short(&e.to_string()),
            fix: "unlock the login keychain (Keychain Access), then try again".into(),
        })
        .map(|s| s as Arc<CredentialStore>)
}
#[cfg(not(target_os = "macos"))]
fn keychain() -> Result<Arc<CredentialStore>, BackendError> {
    Err(not_here(StoreChoice::Keychain, "macOS"))
}

#[cfg(target_os = "windows")]
fn credman() -> Result<Arc<CredentialStore>, BackendError> {
    windows_native_keyring_store::Store::new()
        .map_err(|e| BackendError {
            backend: StoreChoice::Credman,
            why: short(&e.to_string()),
            fix: "check that the Credential Manager service runs (services.msc: VaultSvc)".into(),
        })
        .map(|s| s as Arc<CredentialStore>)
}
#[cfg(not(target_os = "windows"))]
fn credman() -> Result<Arc<CredentialStore>, BackendError> {
    Err(not_here(StoreChoice::Credman, "Windows"))
}

fn short(s: &str) -> String {
    s.chars().take(160).collect()
}

/// Errors at set/get time that mean "this backend cannot be used right now".
pub(super) fn unavailable(backend: StoreChoice, e: &keyring_core::Error) -> Option<BackendError> {
    let keyring_core::Error::NoStorageAccess(inner) = e else {
        return None;
    };
    let detail = inner.to_string();
    Some(match backend {
        StoreChoice::SecretService => BackendError {
            backend,
            why: if detail.contains("rompt") || detail.to_lowercase().contains("lock") {
                "the keyring (collection) is locked and no unlock prompt can be shown".into()
            } else {
                format!("access was refused ({})", short(&detail))
            },
            fix: "unlock it (desktop: log in or open Seahorse; headless: `printf PASSWORD | gnome-keyring-daemon --unlock --replace --components=secrets`), or use --secret-store keyutils".into(),
        },
        StoreChoice::Keyutils => no_session_keyring(),
        _ => BackendError {
            backend,
            why: format!("access was refused ({})", short(&detail)),
            fix: "unlock the keyring, then try again".into(),
        },
    })
}
