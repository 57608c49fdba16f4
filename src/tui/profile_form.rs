//! The profile form (`a` adds, `E` edits the selected profile): one row per profile-file key,
//! certificate intake by folder, by path or by pasted PEM through the same intake the CLI uses.
//! Enter checks everything and shows the certificate facts; a second Enter saves (through
//! `profile::manage`, like `qlik-tui profile add|edit`). Esc cancels and writes nothing.
//! Secrets are never shown: a pasted PEM or a passphrase appears as its size only.

use tui_input::Input;

use crate::profile::Deployment;
use crate::profile::manage;
use crate::profile::secrets::{SecretKind, Secrets};
use crate::profile::store::{AuthMode, Profile};
use crate::tls::intake::{
    self, AskSecret, CannotAsk, Given, IntakeError, Material, Origin, PemInput,
};
use crate::tls::pem::PemRole;

/// One row of the form: a profile-file key (or an intake input) and its text.
#[derive(Debug, Clone)]
pub struct Field {
    pub key: &'static str,
    pub hint: &'static str,
    pub input: Input,
    /// Shown as its size only (a passphrase; a pasted key).
    pub secret: bool,
}

impl Field {
    fn new(key: &'static str, hint: &'static str, value: &str) -> Field {
        Field {
            key,
            hint,
            input: Input::new(value.to_string()),
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
        if self.secret && !v.is_empty() {
            return "•".repeat(v.chars().count().min(24));
        }
        v.to_string()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FormMode {
    Add,
    /// Editing the named profile.
    Edit(String),
}

/// Certificate facts as the form shows them (`intake::Facts::rows`).
pub type FactRows = Vec<(&'static str, String)>;

/// Where the form is: being filled in, or checked and waiting for the confirming Enter.
pub enum Stage {
    Editing,
    /// Checked: these settings and secrets are saved on Enter; `facts` are shown first.
    Confirm {
        profile: Box<Profile>,
        secrets: Secrets,
        drop: Vec<SecretKind>,
        facts: FactRows,
    },
    /// Handed to the keyring and the profile file; waiting for the outcome.
    Saving,
}

/// An error shown inline, under the field it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub key: &'static str,
    pub message: String,
}

pub struct ProfileForm {
    pub mode: FormMode,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<FieldError>,
    pub stage: Stage,
    /// The profile being edited, as stored (keys the form has no row for are kept).
    base: Option<Profile>,
}

/// A profile's user as Qlik writes it: `DIRECTORY\USER` (or the part that is set).
pub fn user_of(p: &Profile) -> String {
    [&p.user_directory, &p.user_id]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join("\\")
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn err(key: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        key,
        message: message.into(),
    }
}

impl ProfileForm {
    /// An empty form for a new profile (certificate auth on QSEoW, as `profile add`).
    pub fn add() -> ProfileForm {
        ProfileForm::with(FormMode::Add, None)
    }

    /// A form holding `p`'s settings; certificates are only replaced when new ones are given.
    pub fn edit(p: &Profile) -> ProfileForm {
        ProfileForm::with(FormMode::Edit(p.name.clone()), Some(p.clone()))
    }

    fn with(mode: FormMode, base: Option<Profile>) -> ProfileForm {
        let p = base
            .clone()
            .unwrap_or_else(|| Profile::new("", "wss://qlik.example.com:4747"));
        let name = if base.is_some() { p.name.as_str() } else { "" };
        let engine_url = if base.is_some() {
            p.engine_url.as_str()
        } else {
            ""
        };
        let mut fields = vec![
            Field::new("name", "letters, digits, - _ .", name),
            Field::new(
                "deployment",
                "qseow | cloud",
                match p.deployment {
                    Deployment::Qseow => "qseow",
                    Deployment::Cloud => "cloud",
                },
            ),
            Field::new(
                "engine_url",
                "wss://host[:port][/virtual-proxy-prefix]",
                engine_url,
            ),
            Field::new(
                "display_url",
                "https://host[/prefix] (optional)",
                opt(&p.display_url),
            ),
            Field::new(
                "auth",
                "cert | jwt | cloud-key | cloud-jwt | header",
                p.auth.as_str(),
            ),
            Field::new("user_directory", "e.g. INTERNAL", opt(&p.user_directory)),
            Field::new("user_id", "e.g. sa_engine", opt(&p.user_id)),
            Field::new(
                "verify_hostname",
                "yes | no",
                if p.verify_hostname { "yes" } else { "no" },
            ),
            Field::new(
                "cert_dir",
                "folder with client.pem, client_key.pem, root.pem",
                "",
            ),
            Field::new("client_cert", "path, or paste the PEM", ""),
            Field::new("client_key", "path, or paste the PEM", ""),
            Field::new("root_cert", "path, or paste the PEM", ""),
            Field::new(
                "pfx",
                "a .pfx/.p12 file (the QMC's Windows format) instead of the PEM files",
                "",
            ),
            Field::new("passphrase", "of an encrypted key, or the PFX password", ""),
        ];
        if let Some(f) = fields.iter_mut().find(|f| f.key == "passphrase") {
            f.secret = true;
        }
        ProfileForm {
            mode,
            fields,
            focus: 0,
            error: None,
            stage: Stage::Editing,
            base,
        }
    }

    pub fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or("", |f| f.input.value().trim())
    }

    pub fn focused_mut(&mut self) -> &mut Field {
        &mut self.fields[self.focus]
    }

    pub fn next(&mut self, step: isize) {
        let n = self.fields.len() as isize;
        self.focus = ((self.focus as isize + step) % n + n) as usize % self.fields.len();
    }

    /// The profile the fields describe (validated as the profile file requires).
    fn profile(&self) -> Result<Profile, FieldError> {
        let mut p = self.base.clone().unwrap_or_else(|| Profile::new("", ""));
        p.name = self.value("name").to_string();
        p.engine_url = self.value("engine_url").to_string();
        p.deployment = match self.value("deployment") {
            "" | "qseow" => Deployment::Qseow,
            "cloud" => Deployment::Cloud,
            other => {
                return Err(err(
                    "deployment",
                    format!("'{other}' is not qseow or cloud"),
                ));
            }
        };
        p.auth = match self.value("auth") {
            "" | "cert" => AuthMode::Cert,
            "jwt" => AuthMode::Jwt,
            "cloud-key" | "api-key" => AuthMode::CloudKey,
            "cloud-jwt" => AuthMode::CloudJwt,
            "header" => AuthMode::Header,
            other => {
                return Err(err(
                    "auth",
                    format!("'{other}' is not one of cert, jwt, cloud-key, cloud-jwt, header"),
                ));
            }
        };
        p.verify_hostname = match self.value("verify_hostname").to_ascii_lowercase().as_str() {
            "" | "yes" | "true" => true,
            "no" | "false" => false,
            other => {
                return Err(err(
                    "verify_hostname",
                    format!("'{other}' is not yes or no"),
                ));
            }
        };
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        p.display_url = some(self.value("display_url"));
        p.user_directory = some(self.value("user_directory"));
        p.user_id = some(self.value("user_id"));
        p.validate().map_err(|(key, message)| err(key, message))?;
        if p.auth == AuthMode::Cert {
            for key in ["user_directory", "user_id"] {
                if self.value(key).is_empty() {
                    return Err(err(
                        key,
                        "certificate auth sends X-Qlik-User: give the user directory and id (e.g. INTERNAL and sa_engine)",
                    ));
                }
            }
        }
        Ok(p)
    }

    /// A path or pasted PEM from a field, as the CLI's `--client-cert PATH|PEM` reads it.
    fn pem_input(&self, key: &'static str, role: PemRole) -> Result<Option<PemInput>, FieldError> {
        let v = self.value(key);
        if v.is_empty() {
            return Ok(None);
        }
        if v.contains("-----BEGIN") {
            return Ok(Some(PemInput::new(Origin::Pasted, v)));
        }
        PemInput::read(std::path::Path::new(v), role)
            .map(Some)
            .map_err(|e| err(key, e.to_string()))
    }

    /// The passphrase field as the intake asks for it.
    fn passphrase(&self) -> Box<dyn AskSecret> {
        let pass = self.value("passphrase");
        if pass.is_empty() {
            Box::new(CannotAsk(
                "it is encrypted: type its passphrase (or the PFX password) in the passphrase field",
            ))
        } else {
            Box::new(Given(zeroize::Zeroizing::new(pass.to_string())))
        }
    }

    /// Certificate material from a PFX bundle, with `root_cert` when given.
    fn pfx_material(&self, path: &str) -> Result<Material, FieldError> {
        let m = intake::from_pfx(std::path::Path::new(path), self.passphrase().as_mut());
        let mut m = m.map_err(|e| match e {
            IntakeError::WrongPfxPassword { .. } | IntakeError::NoPassphrase { .. } => {
                err("passphrase", e.to_string())
            }
            _ => err("pfx", e.to_string()),
        })?;
        if let Some(root) = self.pem_input("root_cert", PemRole::RootCert)? {
            m.roots = intake::parse_cert_input(&root, PemRole::RootCert)
                .map_err(|e| err("root_cert", e.to_string()))?;
            m.root_origin = Some(root.origin);
        }
        Ok(m)
    }

    /// Certificate material from the intake fields, validated; None when none were given.
    fn certificates(&self) -> Result<Option<(Secrets, FactRows)>, FieldError> {
        let pfx = self.value("pfx");
        let (m, cert_key, key_key) = if !pfx.is_empty() {
            (self.pfx_material(pfx)?, "pfx", "pfx")
        } else {
            match self.pem_material()? {
                Some(found) => found,
                None => return Ok(None),
            }
        };
        let field_of = |e: &IntakeError| match e {
            IntakeError::KeyMismatch { .. } | IntakeError::UnsupportedKey { .. } => key_key,
            _ => cert_key,
        };
        let facts = intake::validate(&m, false).map_err(|e| err(field_of(&e), e.to_string()))?;
        Ok(Some((manage::certificate_secrets(&m), facts.rows())))
    }

    /// Certificate material from a cert_dir or the PEM fields (paths or pasted), with the
    /// fields its errors belong to; None when none were given.
    fn pem_material(&self) -> Result<Option<(Material, &'static str, &'static str)>, FieldError> {
        let dir = self.value("cert_dir");
        let (cert, key, root, cert_key, key_key) = if !dir.is_empty() {
            let f = intake::read_cert_dir(std::path::Path::new(dir))
                .map_err(|e| err("cert_dir", e.to_string()))?;
            let root = match self.pem_input("root_cert", PemRole::RootCert)? {
                Some(r) => Some(r),
                None => f.root,
            };
            (Some(f.cert), Some(f.key), root, "cert_dir", "cert_dir")
        } else {
            (
                self.pem_input("client_cert", PemRole::ClientCert)?,
                self.pem_input("client_key", PemRole::ClientKey)?,
                self.pem_input("root_cert", PemRole::RootCert)?,
                "client_cert",
                "client_key",
            )
        };
        let (cert, key) = match (cert, key) {
            (None, None) if root.is_none() => return Ok(None),
            (Some(c), Some(k)) => (c, k),
            (None, _) => {
                return Err(err(
                    cert_key,
                    "give the client certificate (client.pem), or a cert_dir holding it",
                ));
            }
            (_, None) => {
                return Err(err(
                    key_key,
                    "give the client key (client_key.pem) exported with the certificate",
                ));
            }
        };
        let field_of = |e: &IntakeError| match e {
            IntakeError::WrongPassphrase { .. } | IntakeError::NoPassphrase { .. } => "passphrase",
            IntakeError::KeyMismatch { .. }
            | IntakeError::UnsupportedKey { .. }
            | IntakeError::UndecryptableKey { .. } => key_key,
            _ => cert_key,
        };
        let m = intake::from_pem_inputs(&cert, &key, root.as_ref(), self.passphrase().as_mut())
            .map_err(|e| err(field_of(&e), e.to_string()))?;
        Ok(Some((m, cert_key, key_key)))
    }

    /// Checks the form: on success it waits for the confirming Enter, showing the facts.
    pub fn check(&mut self, taken: &[String]) {
        self.error = None;
        match self.checked(taken) {
            Ok(stage) => self.stage = stage,
            Err(e) => {
                if let Some(i) = self.fields.iter().position(|f| f.key == e.key) {
                    self.focus = i;
                }
                self.error = Some(e);
            }
        }
    }

    fn checked(&self, taken: &[String]) -> Result<Stage, FieldError> {
        let profile = self.profile()?;
        let renamed = match &self.mode {
            FormMode::Add => true,
            FormMode::Edit(old) => *old != profile.name,
        };
        if renamed && taken.contains(&profile.name) {
            return Err(err(
                "name",
                format!(
                    "a profile named '{}' exists already: pick another name",
                    profile.name
                ),
            ));
        }
        let certs = self.certificates()?;
        let new = self.mode == FormMode::Add;
        if new && profile.auth == AuthMode::Cert && certs.is_none() {
            return Err(err(
                "cert_dir",
                "certificate auth needs the client certificate and key: a cert_dir, client_cert and client_key, or a pfx",
            ));
        }
        let (secrets, facts) = certs.unwrap_or_default();
        // New certificates replace the old set whole: no stale root from a previous CA.
        let drop = if !new && !facts.is_empty() && secrets.get(SecretKind::RootCert).is_none() {
            vec![SecretKind::RootCert]
        } else {
            vec![]
        };
        Ok(Stage::Confirm {
            profile: Box::new(profile),
            secrets,
            drop,
            facts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(form: &mut ProfileForm, key: &str, value: &str) -> usize {
        let i = form.fields.iter().position(|f| f.key == key).unwrap();
        form.fields[i].input = Input::new(value.into());
        i
    }

    /// A new-profile form for INTERNAL\sa_engine on a valid URL, plus `more` fields.
    fn filled(more: &[(&str, &str)]) -> ProfileForm {
        let mut form = ProfileForm::add();
        let base = [
            ("name", "dev"),
            ("engine_url", "wss://qlik.example.com:4747"),
            ("user_directory", "INTERNAL"),
            ("user_id", "sa_engine"),
        ];
        for (key, value) in base.iter().chain(more) {
            set(&mut form, key, value);
        }
        form
    }

    #[test]
    fn secrets_and_pasted_pem_are_never_shown() {
        let mut form = ProfileForm::add();
        let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n";
        let i = set(&mut form, "client_key", key);
        let shown = form.fields[i].shown();
        assert!(
            shown.starts_with("(pasted key,") && !shown.contains("MIG"),
            "{shown}"
        );
        let p = set(&mut form, "passphrase", "s3cret");
        assert_eq!(form.fields[p].shown(), "••••••");
        // A path is not a secret: it is shown as typed.
        let c = set(&mut form, "client_cert", "/certs/client.pem");
        assert_eq!(form.fields[c].shown(), "/certs/client.pem");
    }

    #[test]
    fn a_pasted_key_that_is_not_pem_names_the_field() {
        let mut form = filled(&[
            (
                "client_cert",
                "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----",
            ),
            ("client_key", "/nonexistent/client_key.pem"),
        ]);
        form.check(&[]);
        let e = form.error.clone().expect("refused");
        assert!(
            matches!(e.key, "client_cert" | "client_key"),
            "the error names an intake field: {e:?}"
        );
        assert!(matches!(form.stage, Stage::Editing));
        assert!(
            !e.message.contains("garbage"),
            "never quotes the input: {e:?}"
        );
    }

    /// A PFX made by openssl from demo certificates: a wrong password is refused under the
    /// passphrase field, the right one shows the facts.
    #[test]
    fn a_pfx_bundle_with_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let pki = crate::tls::pki::DemoPki::generate().unwrap();
        pki.write_client_files(dir.path()).unwrap();
        let pfx = dir.path().join("client.pfx");
        let made = std::process::Command::new("openssl")
            .args([
                "pkcs12",
                "-export",
                "-passout",
                "pass:right horse",
                "-inkey",
            ])
            .arg(dir.path().join("client_key.pem"))
            .arg("-in")
            .arg(dir.path().join("client.pem"))
            .arg("-out")
            .arg(&pfx)
            .output();
        if !made.is_ok_and(|o| o.status.success()) {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0");
            assert!(!ci, "openssl is needed under CI to make a PFX");
            eprintln!("SKIPPED: openssl cannot make a PFX here");
            return;
        }
        let mut form = filled(&[("pfx", pfx.to_str().unwrap()), ("passphrase", "wrong")]);
        form.check(&[]);
        let e = form.error.clone().expect("a wrong password is refused");
        assert_eq!(e.key, "passphrase", "{e:?}");
        assert!(e.message.contains("PFX password is wrong"), "{e:?}");
        set(&mut form, "passphrase", "right horse");
        form.check(&[]);
        assert_eq!(form.error, None);
        let Stage::Confirm { facts, secrets, .. } = &form.stage else {
            panic!("checked");
        };
        assert!(facts.iter().any(|(l, v)| *l == "key matches" && v == "yes"));
        assert!(secrets.get(SecretKind::ClientKey).is_some());
    }
}
