use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use keyring_core::api::{Credential, CredentialApi, CredentialStore, CredentialStoreApi};
use keyring_core::{Entry, Error, Result};

pub struct CappedStore {
    pub inner: Arc<CredentialStore>,
    pub cap: usize,
}

impl CappedStore {
    pub fn new(inner: Arc<CredentialStore>, cap: usize) -> Arc<CappedStore> {
        Arc::new(CappedStore { inner, cap })
    }
}

impl std::fmt::Debug for CappedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CappedStore({})", self.cap)
    }
}

struct CappedCred {
    inner: Entry,
    cap: usize,
}

impl CredentialApi for CappedCred {
    fn set_secret(&self, secret: &[u8]) -> Result<()> {
        if secret.len() > self.cap {
            return Err(Error::TooLong("secret".into(), self.cap as u32));
        }
        self.inner.set_secret(secret)
    }
    fn get_secret(&self) -> Result<Vec<u8>> {
        self.inner.get_secret()
    }
    fn delete_credential(&self) -> Result<()> {
        self.inner.delete_credential()
    }
    fn get_credential(&self) -> Result<Option<Arc<Credential>>> {
        Ok(None)
    }
    fn get_specifiers(&self) -> Option<(String, String)> {
        self.inner.get_specifiers()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn debug_fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CappedCred({:?})", self.inner.get_specifiers())
    }
}

impl CredentialStoreApi for CappedStore {
    fn vendor(&self) -> String {
        "qlik-tui capped test store".into()
    }
    fn id(&self) -> String {
        format!("capped-{}", self.cap)
    }
    fn build(
        &self,
        service: &str,
        user: &str,
        modifiers: Option<&HashMap<&str, &str>>,
    ) -> Result<Entry> {
        let inner = self.inner.build(service, user, modifiers)?;
        Ok(Entry::new_with_credential(Arc::new(CappedCred {
            inner,
            cap: self.cap,
        })))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
