//! One row of the profile form and what it shows.

use crate::tui::secret_input::SecretInput;

/// One row of the form: a profile-file key (or an intake input) and its text. Debug shows what
/// the form shows (`shown`), so a secret cannot reach a log through `{:?}`.
#[derive(Clone)]
pub struct Field {
    pub key: &'static str,
    pub hint: &'static str,
    /// Every field's text is wiped on drop: a path field may hold a pasted key too.
    pub input: SecretInput,
    /// Shown as its size only (a passphrase; a pasted key).
    pub secret: bool,
}

impl Field {
    pub(super) fn new(key: &'static str, hint: &'static str, value: &str) -> Field {
        Field {
            key,
            hint,
            input: SecretInput::new(value),
            secret: false,
        }
    }

    /// What the form shows for this field: pasted PEM and secrets by size, never the text.
    pub fn shown(&self) -> String {
        let v = self.input.value();
        if v.contains("-----BEGIN") {
            let what = if v.contains("PRIVATE KEY") {
                "key"
            } else {
                "certificate"
            };
            return format!("(pasted {what}, {} bytes, hidden)", v.len());
        }
        // A secret is masked; a path to a token or key file is not. A passphrase is never a
        // path, whatever characters it holds.
        if self.secret && !v.is_empty() && (self.key == "passphrase" || !looks_like_path(v)) {
            return "•".repeat(v.chars().count().min(24));
        }
        v.to_string()
    }
}

/// A path as people type one (`/…`, `~/…`, `./…`, `../…`). Tokens and API keys never start so.
fn looks_like_path(v: &str) -> bool {
    ["/", "~/", "./", "../"].iter().any(|p| v.starts_with(p))
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field")
            .field("key", &self.key)
            .field("shown", &self.shown())
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}
