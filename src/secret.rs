//! Secret text held in memory (a key's PEM, a token, a passphrase): wiped when dropped and
//! redacted in Debug. A helper beside the layers, so the TLS layer (the client key) and the
//! engine (auth tokens) share one type.

use zeroize::{ZeroizeOnDrop, Zeroizing};

/// Secret text (a key, a token): wiped from memory when dropped, and printed by Debug as
/// `<redacted>`, so a secret cannot leak through a `{:?}` in a log line or an error.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(s: impl Into<String>) -> Self {
        SecretString(Zeroizing::new(s.into()))
    }

    /// The secret itself, for the one place that sends or stores it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        SecretString::new(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        SecretString::new(s)
    }
}

/// Takes the text out of a `Zeroizing` buffer without copying it (the emptied buffer is left).
impl From<Zeroizing<String>> for SecretString {
    fn from(mut s: Zeroizing<String>) -> Self {
        SecretString(Zeroizing::new(std::mem::take(&mut *s)))
    }
}

impl std::ops::Deref for SecretString {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The only field is a `Zeroizing<String>`, which wipes the buffer when the value is dropped.
impl ZeroizeOnDrop for SecretString {}

/// A compile-time check that `T` wipes itself when dropped: tests call it for every type that
/// holds a credential, so a field changed back to a plain `String` fails to build.
pub const fn assert_wiped_on_drop<T: ZeroizeOnDrop + ?Sized>() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_string_is_wiped_on_drop_and_redacted() {
        assert_wiped_on_drop::<SecretString>();
        let s = SecretString::new("api-key-123");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(s.expose(), "api-key-123");
        // Zeroize on the inner value is what Drop runs: it leaves an empty string.
        let mut inner = s.0.clone();
        zeroize::Zeroize::zeroize(&mut *inner);
        assert!(inner.is_empty());
    }
}
