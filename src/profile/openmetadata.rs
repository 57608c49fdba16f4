//! OpenMetadata's QlikSense connection (YAML or JSON) → the settings and certificates of a
//! profile. Accepted shapes: the bare connection object, `serviceConnection: {config: ..}`, or a
//! whole ingestion workflow (`source: {serviceConnection: {config: ..}}`).
//!
//! Keys read: `hostPort`, `displayUrl`, `userDirectory`, `userId`, `validateHostName`, and
//! `certificates` with either paths (`clientCertificate`, `clientKeyCertificate`,
//! `rootCertificate`) or pasted values (`clientCertificateData`, `clientKeyCertificateData`,
//! `rootCertificateData`; `stagingDir` is OpenMetadata's own temp folder and is ignored — the
//! keyring replaces it).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::bounded_yaml;
use crate::tls::intake::{self, AskSecret, Material, Origin, PemInput};
use crate::tls::pem::PemRole;

/// Pasted PEM text from the file, wiped when dropped.
#[derive(Deserialize)]
#[serde(transparent)]
struct SecretText(String);
impl Drop for SecretText {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Certificates {
    client_certificate: Option<PathBuf>,
    client_key_certificate: Option<PathBuf>,
    root_certificate: Option<PathBuf>,
    client_certificate_data: Option<SecretText>,
    client_key_certificate_data: Option<SecretText>,
    root_certificate_data: Option<SecretText>,
    #[allow(dead_code)]
    staging_dir: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    #[serde(rename = "type")]
    kind: Option<String>,
    host_port: Option<String>,
    display_url: Option<String>,
    user_directory: Option<String>,
    user_id: Option<String>,
    validate_host_name: Option<bool>,
    certificates: Option<Certificates>,
}

/// A connection read from an OpenMetadata file. PEM text is held zeroized.
pub struct OpenMetadataConnection {
    pub file: PathBuf,
    pub engine_url: String,
    pub display_url: Option<String>,
    pub user_directory: Option<String>,
    pub user_id: Option<String>,
    pub verify_hostname: bool,
    cert: PemInput,
    key: PemInput,
    root: Option<PemInput>,
}

/// A connection file is a few KB even with pasted certificates; anything much larger is not one.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Values (aliases expanded) and nesting a connection file may have.
pub const LIMITS: bounded_yaml::Limits = bounded_yaml::Limits {
    max_values: 10_000,
    max_depth: 64,
};

/// Reads and checks the file (no certificate validation yet: see [`OpenMetadataConnection::material`]).
pub fn read(path: &Path) -> anyhow::Result<OpenMetadataConnection> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        anyhow!(
            "cannot read the OpenMetadata connection at {}: {e}; check the path",
            path.display()
        )
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let too_big = || {
        anyhow!(
            "{}: the file is larger than {} KB; an OpenMetadata connection is a few KB: give the connection file itself",
            path.display(),
            MAX_FILE_BYTES >> 10
        )
    };
    if file.metadata().map_err(cannot)?.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    // Bounded read too: the size may change (or lie, for a pipe) after the check.
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        anyhow!(
            "{}: not text (UTF-8); give the OpenMetadata connection file (YAML or JSON)",
            path.display()
        )
    })?;
    parse(path, text)
}

/// Finds the connection object inside whichever wrapper the file uses.
fn connection_value(v: serde_json::Value) -> serde_json::Value {
    let get = |v: &serde_json::Value, k: &str| v.get(k).cloned();
    if v.get("hostPort").is_some() {
        return v;
    }
    for path in [
        &["source", "serviceConnection", "config"][..],
        &["serviceConnection", "config"][..],
        &["config"][..],
    ] {
        let mut cur = Some(v.clone());
        for k in path {
            cur = cur.and_then(|c| get(&c, k));
        }
        if let Some(c) = cur
            && c.get("hostPort").is_some()
        {
            return c;
        }
    }
    v
}

pub fn parse(path: &Path, text: &str) -> anyhow::Result<OpenMetadataConnection> {
    let file = path.display();
    // YAML is a superset of JSON: one parser reads both, within a budget (aliases, nesting).
    let value = bounded_yaml::parse(text, LIMITS).map_err(|r| match r {
        bounded_yaml::Refusal::Syntax { .. } => {
            anyhow!("{file}: {r}; fix the file (an OpenMetadata QlikSense connection)")
        }
        _ => anyhow!("{file}: refused: {r}"),
    })?;
    let raw: Raw = serde_json::from_value(connection_value(value)).map_err(|e| {
        anyhow!(
            "{file}: not an OpenMetadata QlikSense connection ({}); expected hostPort, certificates, userDirectory, userId",
            redact(&e.to_string())
        )
    })?;
    if let Some(k) = &raw.kind
        && !k.eq_ignore_ascii_case("qliksense")
    {
        bail!(
            "{file}: the connection's type is '{k}', not QlikSense; only QlikSense connections (certificate auth) can be imported"
        );
    }
    let host = raw.host_port.ok_or_else(|| {
        anyhow!("{file}: no hostPort; add the engine URL, e.g. hostPort: wss://qlik.corp:4747")
    })?;
    let engine_url = engine_url(&host);
    let certs = raw.certificates.unwrap_or_default();
    let dir = path.parent().unwrap_or(Path::new("."));
    let by_path = |p: &Option<PathBuf>, role: PemRole| -> anyhow::Result<Option<PemInput>> {
        p.as_ref()
            .map(|p| {
                // Relative paths are relative to the file, as a user would expect.
                let full = if p.is_relative() {
                    dir.join(p)
                } else {
                    p.clone()
                };
                PemInput::read(&full, role).map_err(|e| anyhow!("{file}: {e}"))
            })
            .transpose()
    };
    let by_value = |v: &Option<SecretText>| {
        v.as_ref()
            .map(|t| PemInput::new(Origin::File(path.to_path_buf()), t.0.as_str()))
    };
    let pick = |data: &Option<SecretText>,
                p: &Option<PathBuf>,
                role: PemRole|
     -> anyhow::Result<Option<PemInput>> {
        match by_value(data) {
            Some(v) => Ok(Some(v)),
            None => by_path(p, role),
        }
    };
    let cert = pick(
        &certs.client_certificate_data,
        &certs.client_certificate,
        PemRole::ClientCert,
    )?;
    let key = pick(
        &certs.client_key_certificate_data,
        &certs.client_key_certificate,
        PemRole::ClientKey,
    )?;
    let root = pick(
        &certs.root_certificate_data,
        &certs.root_certificate,
        PemRole::RootCert,
    )?;
    let (Some(cert), Some(key)) = (cert, key) else {
        bail!(
            "{file}: the certificates section needs the client certificate and key: clientCertificate and clientKeyCertificate (paths) or clientCertificateData and clientKeyCertificateData (PEM text)"
        );
    };
    Ok(OpenMetadataConnection {
        file: path.to_path_buf(),
        engine_url,
        display_url: raw.display_url,
        user_directory: raw.user_directory,
        user_id: raw.user_id,
        // OpenMetadata's own default skips the host-name check; ours keeps it unless the file
        // turns it off by name (`validateHostName: false`): the import says which it is.
        verify_hostname: raw.validate_host_name.unwrap_or(true),
        cert,
        key,
        root,
    })
}

impl OpenMetadataConnection {
    /// Parses the certificates (asking for a passphrase if the key is encrypted).
    pub fn material(&self, ask: &mut dyn AskSecret) -> Result<Material, intake::IntakeError> {
        intake::from_pem_inputs(&self.cert, &self.key, self.root.as_ref(), ask)
    }
}

/// `host:4747` / `https://host` → `wss://...`.
fn engine_url(host: &str) -> String {
    let h = host.trim().trim_end_matches('/');
    if let Some(rest) = h.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = h.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if h.starts_with("wss://") || h.starts_with("ws://") {
        h.to_string()
    } else {
        format!("wss://{h}")
    }
}

/// serde_yaml quotes values in type errors; a value may be a key.
fn redact(msg: &str) -> String {
    msg.split(" at line")
        .next()
        .unwrap_or(msg)
        .chars()
        .take(120)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::intake::CannotAsk;
    use crate::tls::pki::DemoPki;

    #[test]
    fn workflow_yaml_with_pasted_one_line_values() {
        crate::tls::ensure_crypto_provider();
        let pki = DemoPki::generate().unwrap();
        let one = |s: &str| s.replace('\n', "\\n");
        let yaml = format!(
            "source:\n  type: qliksense\n  serviceName: q\n  serviceConnection:\n    config:\n      type: QlikSense\n      hostPort: wss://localhost:4747\n      displayUrl: https://localhost\n      certificates:\n        clientCertificateData: \"{}\"\n        clientKeyCertificateData: \"{}\"\n        rootCertificateData: \"{}\"\n        stagingDir: /tmp/stage\n      userId: sa_engine\n      userDirectory: INTERNAL\n      validateHostName: true\n",
            one(&pki.client_cert_pem),
            one(&pki.client_key_pem),
            one(&pki.root_cert_pem)
        );
        // YAML double quotes turn \n into newlines; single-line form is also what users paste.
        let c = parse(Path::new("om.yaml"), &yaml).unwrap();
        assert_eq!(c.engine_url, "wss://localhost:4747");
        assert_eq!(c.user_directory.as_deref(), Some("INTERNAL"));
        assert!(c.verify_hostname);
        let m = c.material(&mut CannotAsk("")).unwrap();
        assert!(intake::validate(&m, false).unwrap().key_matches);
    }

    #[test]
    fn json_with_paths_relative_to_the_file() {
        crate::tls::ensure_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let pki = DemoPki::generate().unwrap();
        pki.write_client_files(&dir.path().join("certs")).unwrap();
        let json = r#"{"type":"QlikSense","hostPort":"qlik.corp:4747","certificates":{"clientCertificate":"certs/client.pem","clientKeyCertificate":"certs/client_key.pem","rootCertificate":"certs/root.pem"},"userDirectory":"D","userId":"u"}"#;
        let file = dir.path().join("om.json");
        std::fs::write(&file, json).unwrap();
        let c = read(&file).unwrap();
        assert_eq!(c.engine_url, "wss://qlik.corp:4747");
        // No validateHostName in the file: the name check stays on.
        assert!(c.verify_hostname);
        std::fs::write(
            &file,
            json.replace(r#""userId""#, r#""validateHostName":false,"userId""#),
        )
        .unwrap();
        assert!(!read(&file).unwrap().verify_hostname);
        c.material(&mut CannotAsk("")).unwrap();
    }

    #[test]
    fn bad_files_say_what_is_missing() {
        let e = parse(Path::new("x.yaml"), "a: [")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("x.yaml") && e.contains("YAML"), "{e}");
        let e = parse(Path::new("x.yaml"), "hostPort: wss://h:4747\n")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("clientCertificate"), "{e}");
        let e = parse(Path::new("x.yaml"), "type: Tableau\nhostPort: h\n")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not QlikSense"), "{e}");
        let e = parse(
            Path::new("x.yaml"),
            "hostPort: h\ncertificates:\n  clientCertificate: /nope/c.pem\n  clientKeyCertificate: /nope/k.pem\n",
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.contains("/nope/c.pem") && e.contains("no such file"),
            "{e}"
        );
    }

    #[test]
    fn alias_bombs_deep_nesting_and_huge_files_are_refused() {
        let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            y.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        y.push_str("hostPort: h\n");
        let e = parse(Path::new("bomb.yaml"), &y).err().unwrap().to_string();
        assert!(e.contains("bomb.yaml") && e.contains("aliases"), "{e}");
        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        let e = parse(Path::new("deep.json"), &deep)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("deep.json") && e.contains("nested"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "#".repeat(MAX_FILE_BYTES as usize + 1)).unwrap();
        let e = read(&big).err().unwrap().to_string();
        assert!(e.contains("larger than 1024 KB"), "{e}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const VALID: &str = "source:\n  serviceConnection:\n    config:\n      type: QlikSense\n      hostPort: wss://localhost:4747\n      certificates:\n        clientCertificate: /nope/c.pem\n        clientKeyCertificate: /nope/k.pem\n      userDirectory: INTERNAL\n      userId: sa_engine\n      validateHostName: false\n";

        /// `VALID` with some characters replaced, inserted or removed.
        fn mutated() -> impl Strategy<Value = String> {
            let edit = (any::<prop::sample::Index>(), 0u8..3, any::<char>());
            prop::collection::vec(edit, 1..8).prop_map(|edits| {
                let mut cs: Vec<char> = VALID.chars().collect();
                for (at, kind, c) in edits {
                    let i = at.index(cs.len() + 1);
                    match kind {
                        0 => cs.insert(i, c),
                        1 if i < cs.len() => cs[i] = c,
                        _ if i < cs.len() => {
                            cs.remove(i);
                        }
                        _ => {}
                    }
                }
                cs.into_iter().collect()
            })
        }

        /// Any outcome is fine but a panic or an error that does not name the file.
        fn names_the_file(text: &str) -> Result<(), TestCaseError> {
            if let Err(e) = parse(Path::new("om.yaml"), text) {
                let e = e.to_string();
                prop_assert!(e.starts_with("om.yaml"), "{}", e);
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

            #[test]
            fn arbitrary_text_never_panics(text in ".{0,200}") {
                names_the_file(&text)?;
            }

            #[test]
            fn mutated_yaml_and_json_never_panic(yaml in mutated(), json_cut in 0usize..400) {
                names_the_file(&yaml)?;
                let json = r#"{"type":"QlikSense","hostPort":"h:4747","certificates":{"clientCertificate":"c.pem","clientKeyCertificate":"k.pem"},"userDirectory":"D","userId":"u"}"#;
                let cut: String = json.chars().take(json_cut).collect();
                names_the_file(&cut)?;
            }

            #[test]
            fn deep_nesting_is_refused_clearly(depth in 65usize..2000, flow in any::<bool>()) {
                let text = if flow {
                    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
                } else {
                    (0..depth).map(|i| format!("{}a:\n", " ".repeat(i))).collect()
                };
                let e = parse(Path::new("om.yaml"), &text).err().unwrap().to_string();
                prop_assert!(e.contains("om.yaml") && e.contains("nested"), "{}", e);
            }

            #[test]
            fn alias_bombs_are_refused_clearly(levels in 5usize..12, width in 8usize..16) {
                let mut y = format!("a0: &a0 [{}]\n", vec!["x"; width].join(", "));
                for i in 1..levels {
                    let refs = vec![format!("*a{}", i - 1); width].join(", ");
                    y.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
                }
                let e = parse(Path::new("om.yaml"), &y).err().unwrap().to_string();
                prop_assert!(e.contains("om.yaml") && e.contains("aliases"), "{}", e);
            }
        }
    }
}
