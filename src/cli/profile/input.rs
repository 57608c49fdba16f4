//! Taking certificates, keys and other secrets in for `profile add`/`edit`: from paths, a
//! PFX bundle, stdin (once) or a paste at the terminal, with the facts shown before saving.

use super::*;

/// Asks on the terminal (no echo), or takes `QLIK_TUI_PASSPHRASE` for scripts.
pub(super) struct TerminalAsk;
impl AskSecret for TerminalAsk {
    fn ask(&mut self, prompt: &str) -> Result<Zeroizing<String>, String> {
        if let Some(p) = std::env::var_os("QLIK_TUI_PASSPHRASE") {
            return p
                .into_string()
                .map(Zeroizing::new)
                .map_err(|_| "QLIK_TUI_PASSPHRASE is not UTF-8".to_string());
        }
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|_| {
                "no terminal to ask on; run it in a terminal, or set QLIK_TUI_PASSPHRASE"
                    .to_string()
            })
    }
}

/// Reads stdin once for the flag that says '-'.
pub(super) struct StdinOnce(bool);
impl StdinOnce {
    fn read(&mut self, what: &str) -> anyhow::Result<Zeroizing<String>> {
        if self.0 {
            bail!("only one flag can read stdin ('-'); give the {what} as a file path");
        }
        self.0 = true;
        let mut s = Zeroizing::new(String::new());
        std::io::stdin()
            .read_to_string(&mut s)
            .with_context(|| format!("reading the {what} from stdin"))?;
        Ok(s)
    }
}

/// A PEM flag's value: a path, '-' for stdin, or (certificates only: they are public) the PEM
/// text. A key's text on the command line shows in `ps` and stays in shell history: refused, and
/// a key path that cannot be read is not repeated (it may be the key itself).
pub(super) fn pem_input(
    value: &str,
    role: PemRole,
    stdin: &mut StdinOnce,
) -> anyhow::Result<PemInput> {
    let key = matches!(role, PemRole::ClientKey);
    if key && (value.contains("-----BEGIN") || value.contains('\n')) {
        bail!(
            "the {} takes a file path or '-' (stdin), not the key's text: a value on the command line shows in `ps` and stays in shell history; save it to a file readable only by you (chmod 600), pipe it with '-', or use --paste",
            role.label()
        );
    }
    if value.contains("-----BEGIN") {
        return Ok(PemInput::new(Origin::Pasted, value));
    }
    if value == "-" {
        let text = stdin.read(role.label())?;
        return Ok(PemInput::new(Origin::Stdin, text.as_str()));
    }
    let path = std::path::Path::new(value);
    if key && !path.is_file() {
        bail!(
            "cannot read the {} from the path given (the value is not repeated, in case it is the key itself): no such file; check the path, or give '-' and pipe the key",
            role.label()
        );
    }
    Ok(PemInput::read(path, role)?)
}

/// Reads a pasted PEM block from the terminal, up to its END line.
pub(super) fn paste_pem(what: &str, optional: bool) -> anyhow::Result<Option<PemInput>> {
    let tty = std::fs::File::open("/dev/tty").map_err(|_| {
        anyhow!(
            "--paste needs a terminal; give the files with --cert-dir or --client-cert/--client-key"
        )
    })?;
    eprintln!(
        "Paste the {what} (PEM, from -----BEGIN to -----END; a one-line copy with \\n works too){}:",
        if optional {
            ", or an empty line to skip"
        } else {
            ""
        }
    );
    // Not echoed: the key would stay on screen and in the scrollback.
    #[cfg(unix)]
    let _quiet = crate::cli::no_echo::NoEcho::on(&tty);
    let mut text = Zeroizing::new(String::new());
    let mut reader = std::io::BufReader::new(tty);
    loop {
        let mut line = Zeroizing::new(String::new());
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        if text.is_empty() && line.trim().is_empty() {
            if optional {
                return Ok(None);
            }
            continue;
        }
        text.push_str(&line);
        if line.contains("-----END ") {
            break;
        }
    }
    Ok(Some(PemInput::new(Origin::Pasted, text.as_str())))
}

/// `--root-cert` given without any client certificate flag.
pub(super) fn root_only(c: &CertArgs) -> Option<&str> {
    let client = c.cert_dir.is_some()
        || c.client_cert.is_some()
        || c.client_key.is_some()
        || c.pfx.is_some()
        || c.paste;
    c.root_cert.as_deref().filter(|_| !client)
}

/// Certificate material from the intake flags, or None when none were given.
pub(super) fn intake_material(
    c: &CertArgs,
    stdin: &mut StdinOnce,
) -> anyhow::Result<Option<Material>> {
    if !c.given() {
        return Ok(None);
    }
    let mut ask = TerminalAsk;
    if let Some(pfx) = &c.pfx {
        let mut m = intake::from_pfx(pfx, &mut ask)?;
        if let Some(r) = &c.root_cert {
            let root = pem_input(r, PemRole::RootCert, stdin)?;
            m.roots = intake::parse_cert_input(&root, PemRole::RootCert)?;
            m.root_origin = Some(root.origin);
        }
        return Ok(Some(m));
    }
    let (cert, key, root) = if c.paste {
        (
            paste_pem("client certificate (client.pem)", false)?,
            paste_pem("client key (client_key.pem)", false)?,
            paste_pem("root certificate (root.pem)", true)?,
        )
    } else if let Some(dir) = &c.cert_dir {
        let f = intake::read_cert_dir(dir)?;
        let root = match &c.root_cert {
            Some(r) => Some(pem_input(r, PemRole::RootCert, stdin)?),
            None => f.root,
        };
        (Some(f.cert), Some(f.key), root)
    } else {
        (
            c.client_cert
                .as_deref()
                .map(|v| pem_input(v, PemRole::ClientCert, stdin))
                .transpose()?,
            c.client_key
                .as_deref()
                .map(|v| pem_input(v, PemRole::ClientKey, stdin))
                .transpose()?,
            c.root_cert
                .as_deref()
                .map(|v| pem_input(v, PemRole::RootCert, stdin))
                .transpose()?,
        )
    };
    let (Some(cert), Some(key)) = (cert, key) else {
        bail!(
            "give both the client certificate and its key: --cert-dir DIR (client.pem, client_key.pem, root.pem), --client-cert and --client-key, --pfx FILE, or --paste"
        );
    };
    Ok(Some(intake::from_pem_inputs(
        &cert,
        &key,
        root.as_ref(),
        &mut ask,
    )?))
}

pub(super) fn print_facts(f: &Facts) {
    eprintln!("{}", facts_text(f));
}

pub(super) fn facts_text(f: &Facts) -> String {
    f.rows()
        .into_iter()
        .map(|(label, value)| {
            // Subjects and names are whatever the certificate's issuer wrote: escaped.
            let value = escape_for_terminal(&value);
            match label {
                "warning" => format!("  warning: {value}\n"),
                _ => format!("  {label:<12} {value}\n"),
            }
        })
        .collect()
}

/// Reads a non-PEM secret (token, API key) from a path or stdin.
pub(super) fn secret_input(
    value: &str,
    what: &str,
    stdin: &mut StdinOnce,
) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let text = if value == "-" {
        stdin.read(what)?
    } else {
        // The value is not repeated: given where a path was expected, it may be the secret.
        Zeroizing::new(std::fs::read_to_string(value).map_err(|e| {
            anyhow!(
                "cannot read the {what} from the path given: {e}; give a file path holding it, or '-' and type or pipe it (the value itself is not accepted on the command line, where ps and shell history would keep it)"
            )
        })?)
    };
    let t = text.trim();
    if t.is_empty() {
        bail!("the {what} is empty: give a file holding it, or '-' and type or pipe it");
    }
    Ok(Zeroizing::new(t.as_bytes().to_vec()))
}

/// Collects every secret the flags give (validated), for add and edit.
pub(super) fn collect_secrets(a: &AddArgs) -> anyhow::Result<(Secrets, Option<Facts>)> {
    let mut stdin = StdinOnce(false);
    let mut s = Secrets::default();
    let mut facts = None;
    if let Some(root) = root_only(&a.certs) {
        // The proxy and Qlik Cloud modes use server-authenticated TLS: a root alone is enough.
        let input = pem_input(root, PemRole::RootCert, &mut stdin)?;
        let roots = intake::parse_cert_input(&input, PemRole::RootCert)?;
        let pem: String = roots
            .iter()
            .map(|c| intake::to_pem("CERTIFICATE", c.as_ref()))
            .collect();
        s.insert(SecretKind::RootCert, Zeroizing::new(pem.into_bytes()));
    } else if let Some(m) = intake_material(&a.certs, &mut stdin)? {
        let f = intake::validate(&m, a.certs.force)?;
        s = manage::certificate_secrets(&m);
        facts = Some(f);
    }
    if let Some(v) = &a.jwt_private_key {
        let k = pem_input(v, PemRole::ClientKey, &mut stdin)?;
        // Check it parses (and decrypt it) before it is stored.
        let der = intake::parse_key_input(&k, &mut TerminalAsk)?;
        let pem = intake::key_pem(&der);
        s.insert(
            SecretKind::JwtPrivateKey,
            Zeroizing::new(pem.as_bytes().to_vec()),
        );
    }
    if let Some(v) = &a.jwt_token {
        s.insert(SecretKind::JwtToken, secret_input(v, "JWT", &mut stdin)?);
    }
    if let Some(v) = &a.api_key {
        s.insert(SecretKind::ApiKey, secret_input(v, "API key", &mut stdin)?);
    }
    Ok((s, facts))
}
