//! Changing a profile and its keyring entries together, so neither is left half done: secrets
//! are written before the file names them, and removed before the file forgets them.
//!
//! The CLI's `profile add|edit|remove|rename` and the TUI's profile pane both call these.

use super::secrets::{SecretKind, SecretStore, Secrets};
use super::store::{Profile, ProfileStore};
use crate::tls::intake::Material;
use zeroize::Zeroizing;

/// The keyring entries for validated certificate material: the client chain, its key and the
/// root certificates when given.
pub fn certificate_secrets(m: &Material) -> Secrets {
    let mut s = Secrets::default();
    s.insert(
        SecretKind::ClientCert,
        Zeroizing::new(m.cert_pem().into_bytes()),
    );
    s.insert(
        SecretKind::ClientKey,
        Zeroizing::new(m.key_pem().as_bytes().to_vec()),
    );
    if let Some(r) = m.root_pem() {
        s.insert(SecretKind::RootCert, Zeroizing::new(r.into_bytes()));
    }
    s
}

/// Adds `profile` with `values` in `keyring`. The profile records the backend used, so later
/// commands look in the same keyring. Leftover entries under the same name (from a profile
/// removed without its keyring) are cleared first.
pub fn add(
    store: &mut ProfileStore,
    keyring: &SecretStore,
    mut profile: Profile,
    values: &Secrets,
) -> anyhow::Result<()> {
    profile.secret_store = Some(keyring.backend());
    let name = profile.name.clone();
    store.insert(profile)?;
    keyring.delete_all(&name)?;
    keyring.store_all(&name, values)?;
    if let Err(e) = store.save() {
        let _ = keyring.delete_all(&name);
        return Err(e.into());
    }
    Ok(())
}

/// Replaces a profile's settings; `values` are written over the stored ones (other kinds are
/// kept), `drop` are deleted.
pub fn update(
    store: &mut ProfileStore,
    keyring: &SecretStore,
    mut profile: Profile,
    values: &Secrets,
    drop: &[SecretKind],
) -> anyhow::Result<()> {
    profile.secret_store = Some(keyring.backend());
    let name = profile.name.clone();
    store.update(profile)?;
    keyring.store_all(&name, values)?;
    for k in drop {
        keyring.delete(&name, *k)?;
    }
    store.save()?;
    Ok(())
}

/// Removes a profile and every keyring entry it has; returns the kinds deleted.
pub fn remove(
    store: &mut ProfileStore,
    keyring: &SecretStore,
    name: &str,
) -> anyhow::Result<Vec<SecretKind>> {
    store.require(name)?;
    let gone = keyring.delete_all(name)?;
    store.remove(name)?;
    store.save()?;
    Ok(gone)
}

/// Renames a profile and moves its keyring entries.
pub fn rename(
    store: &mut ProfileStore,
    keyring: &SecretStore,
    from: &str,
    to: &str,
) -> anyhow::Result<()> {
    store.rename(from, to)?;
    keyring.delete_all(to)?;
    keyring.rename(from, to)?;
    if let Err(e) = store.save() {
        // Put the secrets back under the old name; the file still names it.
        let _ = keyring.rename(to, from);
        return Err(e.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::secrets::StoreChoice;
    use zeroize::Zeroizing;

    fn setup() -> (tempfile::TempDir, ProfileStore, SecretStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::open(&dir.path().join("profiles.toml")).unwrap();
        let keyring = SecretStore::with_store(
            keyring_core::mock::Store::new().unwrap(),
            StoreChoice::Keyutils,
        );
        (dir, store, keyring)
    }

    fn secrets() -> Secrets {
        let mut s = Secrets::default();
        s.insert(
            SecretKind::ClientCert,
            Zeroizing::new(b"-----BEGIN CERTIFICATE-----x".to_vec()),
        );
        s.insert(
            SecretKind::ClientKey,
            Zeroizing::new(b"-----BEGIN PRIVATE KEY-----y".to_vec()),
        );
        s
    }

    #[test]
    fn add_rename_remove_keep_file_and_keyring_in_step() {
        let (dir, mut store, keyring) = setup();
        add(
            &mut store,
            &keyring,
            Profile::new("dev", "wss://h:4747"),
            &secrets(),
        )
        .unwrap();
        let text = std::fs::read_to_string(dir.path().join("profiles.toml")).unwrap();
        assert!(!text.contains("BEGIN"), "{text}");
        assert!(text.contains("secret_store = \"keyutils\""), "{text}");
        assert_eq!(keyring.stored_kinds("dev").unwrap().len(), 2);

        rename(&mut store, &keyring, "dev", "test").unwrap();
        assert!(keyring.load("dev").unwrap().is_empty());
        assert_eq!(keyring.stored_kinds("test").unwrap().len(), 2);
        assert!(
            ProfileStore::open(store.path())
                .unwrap()
                .get("test")
                .is_some()
        );

        let gone = remove(&mut store, &keyring, "test").unwrap();
        assert_eq!(gone, vec![SecretKind::ClientCert, SecretKind::ClientKey]);
        assert!(keyring.load("test").unwrap().is_empty());
        assert!(
            ProfileStore::open(store.path())
                .unwrap()
                .get("test")
                .is_none()
        );
    }

    #[test]
    fn a_refused_add_stores_nothing() {
        let (dir, mut store, keyring) = setup();
        add(
            &mut store,
            &keyring,
            Profile::new("dev", "wss://h:4747"),
            &secrets(),
        )
        .unwrap();
        let e = add(
            &mut store,
            &keyring,
            Profile::new("dev", "wss://h:4747"),
            &Secrets::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("already exists"), "{e}");
        assert_eq!(
            keyring.stored_kinds("dev").unwrap().len(),
            2,
            "old secrets untouched"
        );
        let e = add(&mut store, &keyring, Profile::new("x", "nope"), &secrets()).unwrap_err();
        assert!(e.to_string().contains("engine_url"), "{e}");
        assert!(keyring.load("x").unwrap().is_empty());
        drop(dir);
    }

    #[test]
    fn update_replaces_and_drops_kinds() {
        let (_dir, mut store, keyring) = setup();
        add(
            &mut store,
            &keyring,
            Profile::new("dev", "wss://h:4747"),
            &secrets(),
        )
        .unwrap();
        let mut p = store.get("dev").unwrap().clone();
        p.notes = Some("n".into());
        let mut v = Secrets::default();
        v.insert(SecretKind::RootCert, Zeroizing::new(b"root".to_vec()));
        update(&mut store, &keyring, p, &v, &[SecretKind::ClientKey]).unwrap();
        assert_eq!(
            keyring.stored_kinds("dev").unwrap(),
            vec![SecretKind::ClientCert, SecretKind::RootCert]
        );
        assert_eq!(
            ProfileStore::open(store.path())
                .unwrap()
                .get("dev")
                .unwrap()
                .notes
                .as_deref(),
            Some("n")
        );
    }
}
