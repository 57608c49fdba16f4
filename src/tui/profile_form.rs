//! The profile form (`a` adds, `E` edits the selected profile): one row per profile-file key,
//! certificate intake by folder, by path or by pasted PEM through the same intake the CLI uses.
//! Enter checks everything and shows the certificate facts; a second Enter saves (through
//! `profile::manage`, like `qlik-tui profile add|edit`). Esc cancels and writes nothing.
//! Secrets are never shown: a pasted PEM or a passphrase appears as its size only.

use zeroize::Zeroizing;

use crate::engine::conn::Deployment;
use crate::profile::manage;
use crate::profile::secrets::{SecretKind, Secrets};
use crate::profile::store::{AuthMode, Profile};
use crate::tls::intake::{
    self, AskSecret, CannotAsk, Given, IntakeError, Material, Origin, PemInput,
};
use crate::tls::pem::PemRole;

mod field;
pub use field::Field;

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
            Field::new("pfx", "a .pfx/.p12 file (the QMC's Windows format)", ""),
            Field::new(
                "jwt_private_key",
                "signs a JWT at connect: path, or paste the PEM",
                "",
            ),
            Field::new("jwt_token", "a ready JWT: path, or paste it", ""),
            Field::new(
                "jwt_key_id",
                "the JWT header's kid (Qlik Cloud)",
                opt(&p.jwt_key_id),
            ),
            Field::new("jwt_issuer", "the iss claim", opt(&p.jwt_issuer)),
            Field::new("jwt_audience", "the aud claim", opt(&p.jwt_audience)),
            Field::new("api_key", "the Qlik Cloud API key: path, or paste it", ""),
            Field::new(
                "header_name",
                "the virtual proxy's header, e.g. hdr-usr",
                opt(&p.header_name),
            ),
            Field::new(
                "header_user",
                "the header's value (default DIRECTORY\\USER)",
                opt(&p.header_user),
            ),
            Field::new("passphrase", "of an encrypted key, or the PFX password", ""),
        ];
        for f in fields.iter_mut() {
            f.secret = matches!(f.key, "passphrase" | "jwt_token" | "api_key");
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

    /// The auth mode the `auth` field names (None while it names none).
    fn auth(&self) -> Option<AuthMode> {
        match self.value("auth") {
            "" | "cert" => Some(AuthMode::Cert),
            "jwt" => Some(AuthMode::Jwt),
            "cloud-key" | "api-key" => Some(AuthMode::CloudKey),
            "cloud-jwt" => Some(AuthMode::CloudJwt),
            "header" => Some(AuthMode::Header),
            _ => None,
        }
    }

    /// Whether a field applies to the auth mode chosen (the form shows and checks only those).
    pub fn applies(&self, key: &str) -> bool {
        let auth = self.auth();
        let jwt = matches!(auth, Some(AuthMode::Jwt | AuthMode::CloudJwt));
        match key {
            "cert_dir" | "client_cert" | "client_key" | "pfx" => auth == Some(AuthMode::Cert),
            "passphrase" => auth == Some(AuthMode::Cert) || jwt,
            "jwt_private_key" | "jwt_token" | "jwt_key_id" | "jwt_issuer" | "jwt_audience" => jwt,
            "api_key" => auth == Some(AuthMode::CloudKey),
            "header_name" | "header_user" => auth == Some(AuthMode::Header),
            _ => true,
        }
    }

    /// Moves the focus to the next (or previous) field that applies.
    pub fn next(&mut self, step: isize) {
        let n = self.fields.len() as isize;
        for _ in 0..n {
            self.focus = ((self.focus as isize + step) % n + n) as usize % self.fields.len();
            if self.applies(self.fields[self.focus].key) {
                return;
            }
        }
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
        p.auth = self.auth().ok_or_else(|| {
            err(
                "auth",
                format!(
                    "'{}' is not one of cert, jwt, cloud-key, cloud-jwt, header",
                    self.value("auth")
                ),
            )
        })?;
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
        for (key, dst) in [
            ("jwt_key_id", &mut p.jwt_key_id),
            ("jwt_issuer", &mut p.jwt_issuer),
            ("jwt_audience", &mut p.jwt_audience),
            ("header_name", &mut p.header_name),
            ("header_user", &mut p.header_user),
        ] {
            if self.applies(key) {
                *dst = some(self.value(key));
            }
        }
        if p.auth == AuthMode::Header {
            match p.header_name.as_deref() {
                None => {
                    return Err(err(
                        "header_name",
                        "header auth needs the virtual proxy's header name (e.g. hdr-usr)",
                    ));
                }
                Some(h) if h.to_ascii_lowercase().contains("x-qlik-user") => {
                    return Err(err(
                        "header_name",
                        "Qlik refuses X-Qlik-User for header authentication: use the name set on the virtual proxy",
                    ));
                }
                Some(_) => {}
            }
            if p.header_user.is_none() && p.user_id.is_none() {
                return Err(err(
                    "header_user",
                    "give the header's value, or a user_id (with user_directory for DIRECTORY\\USER)",
                ));
            }
        }
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
            Box::new(Given(Zeroizing::new(pass.to_string())))
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

    /// A secret given as a path to a file holding it, or as the text itself (typed or pasted).
    fn secret_text(
        &self,
        key: &'static str,
        what: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, FieldError> {
        let v = self.value(key);
        if v.is_empty() {
            return Ok(None);
        }
        let text = if v.contains('/') {
            Zeroizing::new(std::fs::read_to_string(v).map_err(|e| {
                err(key, format!("cannot read the {what} at {v}: {e}; give the file holding it, or paste the {what}"))
            })?)
        } else {
            Zeroizing::new(v.to_string())
        };
        let t = text.trim();
        if t.is_empty() {
            return Err(err(key, format!("the {what} is empty")));
        }
        Ok(Some(Zeroizing::new(t.as_bytes().to_vec())))
    }

    /// The secrets of the JWT, API-key and header modes (and their server root certificate),
    /// checked as `profile add` checks them.
    fn other_secrets(&self, auth: AuthMode) -> Result<Secrets, FieldError> {
        let mut s = Secrets::default();
        if let Some(root) = self.pem_input("root_cert", PemRole::RootCert)? {
            let roots = intake::parse_cert_input(&root, PemRole::RootCert)
                .map_err(|e| err("root_cert", e.to_string()))?;
            let pem: String = roots
                .iter()
                .map(|c| intake::to_pem("CERTIFICATE", c.as_ref()))
                .collect();
            s.insert(SecretKind::RootCert, Zeroizing::new(pem.into_bytes()));
        }
        if self.applies("jwt_private_key")
            && let Some(k) = self.pem_input("jwt_private_key", PemRole::ClientKey)?
        {
            let der = intake::parse_key_input(&k, self.passphrase().as_mut())
                .map_err(|e| err("jwt_private_key", e.to_string()))?;
            let pem = intake::key_pem(&der);
            s.insert(
                SecretKind::JwtPrivateKey,
                Zeroizing::new(pem.as_bytes().to_vec()),
            );
        }
        if self.applies("jwt_token")
            && let Some(t) = self.secret_text("jwt_token", "JWT")?
        {
            s.insert(SecretKind::JwtToken, t);
        }
        if self.applies("api_key")
            && let Some(k) = self.secret_text("api_key", "API key")?
        {
            s.insert(SecretKind::ApiKey, k);
        }
        if self.mode == FormMode::Add {
            let missing = match auth {
                AuthMode::Jwt | AuthMode::CloudJwt
                    if s.get(SecretKind::JwtPrivateKey).is_none()
                        && s.get(SecretKind::JwtToken).is_none() =>
                {
                    Some((
                        "jwt_private_key",
                        "JWT auth needs the signing key (a JWT is minted at connect) or a ready jwt_token",
                    ))
                }
                AuthMode::CloudKey if s.get(SecretKind::ApiKey).is_none() => Some((
                    "api_key",
                    "cloud-key auth needs the API key (Qlik Cloud: Settings, API keys)",
                )),
                _ => None,
            };
            if let Some((key, why)) = missing {
                return Err(err(key, why));
            }
        }
        Ok(s)
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
        let new = self.mode == FormMode::Add;
        if profile.auth != AuthMode::Cert {
            return Ok(Stage::Confirm {
                secrets: self.other_secrets(profile.auth)?,
                profile: Box::new(profile),
                drop: vec![],
                facts: vec![],
            });
        }
        let certs = self.certificates()?;
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
    use crate::tui::secret_input::SecretInput;

    fn set(form: &mut ProfileForm, key: &str, value: &str) -> usize {
        let i = form.fields.iter().position(|f| f.key == key).unwrap();
        form.fields[i].input = SecretInput::new(value);
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
        // A passphrase with a '/' is still a passphrase, never shown as a path.
        set(&mut form, "passphrase", "a/b/c-pass");
        assert_eq!(form.fields[p].shown(), "••••••••••");
        assert!(!format!("{:?}", form.fields[p]).contains("c-pass"));
        // A token with a '/' is masked too; a path to one is shown.
        let t = set(&mut form, "api_key", "eyJ0/x+y=");
        assert_eq!(form.fields[t].shown(), "•••••••••");
        set(&mut form, "api_key", "/keys/api.txt");
        assert_eq!(form.fields[t].shown(), "/keys/api.txt");
        let k = set(&mut form, "client_key", key);
        assert!(!format!("{:?}", form.fields[k]).contains("MIG"));
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

    /// The other auth modes: only their fields show and count, their secrets are required
    /// (on add) and checked, and each refusal names its field.
    #[test]
    fn jwt_api_key_and_header_modes_take_their_own_fields() {
        let pki = crate::tls::pki::DemoPki::generate().unwrap();
        let mut form = filled(&[("auth", "jwt"), ("client_cert", "/ignored/when/jwt")]);
        assert!(!form.applies("client_cert") && form.applies("jwt_private_key"));
        form.check(&[]);
        assert_eq!(form.error.as_ref().map(|e| e.key), Some("jwt_private_key"));
        set(&mut form, "jwt_private_key", &pki.client_key_pem);
        form.check(&[]);
        let Stage::Confirm { secrets, facts, .. } = &form.stage else {
            panic!("checked: {:?}", form.error);
        };
        assert!(facts.is_empty());
        assert_eq!(
            secrets.kinds().collect::<Vec<_>>(),
            vec![SecretKind::JwtPrivateKey]
        );

        let mut form = filled(&[("auth", "cloud-key"), ("deployment", "cloud")]);
        form.check(&[]);
        assert_eq!(form.error.as_ref().map(|e| e.key), Some("api_key"));
        let i = set(&mut form, "api_key", "eyJhbGciOi.eyJzdWIi.c2ln");
        assert!(!form.fields[i].shown().contains("eyJ"), "the key is masked");
        form.check(&[]);
        assert!(
            matches!(form.stage, Stage::Confirm { .. }),
            "{:?}",
            form.error
        );

        let mut form = filled(&[("auth", "header"), ("header_name", "X-Qlik-User")]);
        form.check(&[]);
        let e = form.error.clone().expect("X-Qlik-User refused");
        assert_eq!(e.key, "header_name");
        set(&mut form, "header_name", "hdr-usr");
        form.check(&[]);
        let Stage::Confirm { profile, .. } = &form.stage else {
            panic!("checked: {:?}", form.error);
        };
        assert_eq!(profile.header_name.as_deref(), Some("hdr-usr"));
        // Tab skips what does not apply.
        form.stage = Stage::Editing;
        form.focus = 0;
        for _ in 0..form.fields.len() {
            form.next(1);
            assert!(form.applies(form.fields[form.focus].key));
        }
    }
}
