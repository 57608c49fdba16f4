//! `qlik-tui demo-engine`: the engine simulator in the foreground, for trying the tool (or
//! another Qlik client) without a Qlik server. Writes the client's certificates to a folder and
//! prints the wss URL as the first line of stdout, so scripts can read it. `--vproxy` and
//! `--cloud` add the other auth modes (a JWT or header virtual proxy, a Qlik Cloud tenant).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::sim::authmodes::{
    AuthModes, CloudJwtIdp, CloudTenant, ProxyAuth, RateLimit, VirtualProxy,
};
use crate::sim::{SimConfig, SimServer};

#[derive(Debug, Clone, Args)]
pub struct DemoEngineArgs {
    /// Address to listen on. The default port 0 picks a free one; the URL printed says which
    /// (use e.g. 127.0.0.1:4747 for the engine's usual port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Folder for root.pem, client.pem and client_key.pem (the key is written with mode 0600).
    #[arg(long, default_value = "demo-certs")]
    pub certs_dir: PathBuf,
    /// Delay every reply by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Serve a generated site of N apps × 100 sheets × 20 objects instead of the demo site.
    #[arg(long, value_name = "N")]
    pub scale: Option<u32>,
    /// Serve the demo site with hostile titles (terminal escape sequences, bidi overrides,
    /// spreadsheet formulas), to see how a client shows them.
    #[arg(long, conflicts_with = "scale")]
    pub hostile_titles: bool,
    /// Serve the demo site with fixed edits to its richest app (a sheet renamed, one removed,
    /// an object replaced, a measure, a variable, a field and the script changed): the other
    /// side of a `qlik-tui diff` against a plain demo engine.
    #[arg(long, conflicts_with_all = ["scale", "hostile_titles"])]
    pub variant: bool,
    /// Also serve a virtual proxy (repeatable): `jwt` at /jwt (JWT with the November 2024 CSRF
    /// check; needs --jwt-public-key) or `header` at /hdr (header hdr-usr: DIRECTORY\USER).
    #[arg(long = "vproxy", value_enum, value_name = "KIND")]
    pub vproxies: Vec<VproxyKind>,
    /// Serve a Qlik Cloud tenant on the root path instead of the engine port: an API key
    /// (written to CERTS_DIR/api_key.txt) and, with --jwt-public-key, JWT sessions.
    #[arg(long)]
    pub cloud: bool,
    /// The public key (PEM: PUBLIC KEY, RSA PUBLIC KEY or a certificate) JWTs are verified
    /// with. Make a pair with `openssl genrsa -out jwt.pem 2048 && openssl rsa -in jwt.pem
    /// -pubout -out jwt.pub`.
    #[arg(long, value_name = "PATH")]
    pub jwt_public_key: Option<PathBuf>,
    /// The issuer the Qlik Cloud JWT login requires (`iss`).
    #[arg(long, default_value = "qlik-tui-demo")]
    pub jwt_issuer: String,
    /// With --cloud: the tenant's rate limit. Answer the first N REST calls (or `always`, every
    /// one) with HTTP 429 Too Many Requests and `Retry-After: 1`.
    #[arg(long, value_name = "N|always", requires = "cloud", value_parser = rate_limit)]
    pub cloud_rate_limit: Option<RateLimit>,
}

/// `--cloud-rate-limit`: a number of calls, or `always`.
fn rate_limit(v: &str) -> Result<RateLimit, String> {
    if v.eq_ignore_ascii_case("always") {
        return Ok(RateLimit::always());
    }
    v.parse::<u32>()
        .map(RateLimit::first)
        .map_err(|_| format!("'{v}' is neither a number of calls nor 'always'"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VproxyKind {
    Jwt,
    Header,
}

/// The auth modes the flags ask for, and the lines telling the user how to try each.
fn auth_modes(args: &DemoEngineArgs) -> anyhow::Result<(AuthModes, Vec<String>)> {
    let public_key = match &args.jwt_public_key {
        Some(p) => {
            let pem = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the JWT public key {}", p.display()))?;
            crate::engine::jwt::rsa_public_key_der(&pem)
                .with_context(|| format!("{} is not a usable JWT public key", p.display()))?;
            Some(pem)
        }
        None => None,
    };
    let need_key = || {
        public_key.clone().ok_or_else(|| {
            anyhow::anyhow!(
                "JWT modes need --jwt-public-key PATH (make a pair with: openssl genrsa -out jwt.pem 2048 && openssl rsa -in jwt.pem -pubout -out jwt.pub)"
            )
        })
    };
    let d = args.certs_dir.display();
    let mut modes = AuthModes::default();
    let mut tries = Vec::new();
    for kind in &args.vproxies {
        let (prefix, auth, try_flags) = match kind {
            VproxyKind::Jwt => (
                "jwt",
                ProxyAuth::Jwt {
                    public_key_pem: need_key()?,
                    claim_user: crate::engine::jwt::DEFAULT_CLAIM_USER.into(),
                    claim_directory: crate::engine::jwt::DEFAULT_CLAIM_DIRECTORY.into(),
                    audience: None,
                },
                "--auth jwt-key --jwt-key-file jwt.pem --user-directory INTERNAL --user-id sa_engine",
            ),
            VproxyKind::Header => (
                "hdr",
                ProxyAuth::Header {
                    header_name: "hdr-usr".into(),
                    default_directory: "INTERNAL".into(),
                },
                "--auth header --header-name hdr-usr --header-user INTERNAL\\sa_engine",
            ),
        };
        modes.proxies.push(VirtualProxy {
            prefix: prefix.into(),
            auth,
            csrf: true,
        });
        tries.push(format!(
            "PREFIX/{prefix} --root-cert {d}/root.pem {try_flags}"
        ));
    }
    if args.cloud {
        let api_key = crate::sim::authmodes::random_token();
        crate::fsutil::write_atomic(
            &args.certs_dir.join("api_key.txt"),
            api_key.as_bytes(),
            true,
        )
        .with_context(|| format!("cannot write the API key to {d}"))?;
        tries.push(format!(
            "URL --root-cert {d}/root.pem --auth cloud-key --api-key-file {d}/api_key.txt"
        ));
        let jwt = public_key.clone().map(|public_key_pem| CloudJwtIdp {
            public_key_pem,
            issuer: Some(args.jwt_issuer.clone()),
        });
        if jwt.is_some() {
            tries.push(format!(
                "URL --root-cert {d}/root.pem --auth cloud-jwt --jwt-key-file jwt.pem --user-id auth0|demo --jwt-issuer {}",
                args.jwt_issuer
            ));
        }
        modes.cloud = Some(CloudTenant {
            api_keys: vec![(api_key, "auth0|demo".into())],
            jwt,
            rate_limit: args.cloud_rate_limit,
            ..Default::default()
        });
    }
    Ok((modes, tries))
}

pub async fn run(args: DemoEngineArgs) -> anyhow::Result<i32> {
    std::fs::create_dir_all(&args.certs_dir)
        .with_context(|| format!("cannot create {}", args.certs_dir.display()))?;
    let (auth, tries) = auth_modes(&args)?;
    let sim = SimServer::start(SimConfig {
        listen: args.listen,
        latency: Duration::from_millis(args.latency_ms),
        scale: args.scale,
        hostile_titles: args.hostile_titles,
        variant: args.variant,
        auth,
        ..Default::default()
    })
    .await?;
    sim.pki()
        .write_client_files(&args.certs_dir)
        .with_context(|| {
            format!(
                "cannot write the certificates to {}",
                args.certs_dir.display()
            )
        })?;
    crate::outln!("{}", sim.engine_url());
    let d = args.certs_dir.display();
    let url = sim.engine_url();
    let mut how = if args.cloud {
        String::new()
    } else {
        format!(
            "try: qlik-tui apps --engine-url {url} --client-cert {d}/client.pem --client-key {d}/client_key.pem \
             --root-cert {d}/root.pem --user-directory INTERNAL --user-id sa_engine\n"
        )
    };
    for t in &tries {
        let t = t.replace("PREFIX", &url).replace("URL", &url);
        how.push_str(&format!("try: qlik-tui apps --engine-url {t}\n"));
    }
    eprintln!(
        "demo engine listening on {} ({} apps); certificates in {d}\n{how}Ctrl-C stops it.",
        sim.addr(),
        sim.site().apps.len(),
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sim.kill();
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(certs: &std::path::Path) -> DemoEngineArgs {
        DemoEngineArgs {
            listen: "127.0.0.1:0".parse().unwrap(),
            certs_dir: certs.to_path_buf(),
            latency_ms: 0,
            scale: None,
            hostile_titles: false,
            variant: false,
            vproxies: vec![],
            cloud: false,
            jwt_public_key: None,
            jwt_issuer: "qlik-tui-demo".into(),
            cloud_rate_limit: None,
        }
    }

    #[test]
    fn the_flags_pick_the_auth_modes() {
        let dir = tempfile::tempdir().unwrap();
        let (modes, tries) = auth_modes(&args(dir.path())).unwrap();
        assert!(
            !modes.any() && tries.is_empty(),
            "certificates only by default"
        );

        let mut a = args(dir.path());
        a.vproxies = vec![VproxyKind::Jwt];
        let e = auth_modes(&a).unwrap_err().to_string();
        assert!(
            e.contains("--jwt-public-key") && e.contains("openssl"),
            "{e}"
        );

        a.vproxies = vec![VproxyKind::Header];
        a.cloud = true;
        let (modes, tries) = auth_modes(&a).unwrap();
        assert_eq!(modes.proxies[0].prefix, "hdr");
        let cloud = modes.cloud.expect("a tenant");
        assert!(cloud.jwt.is_none(), "no JWT sessions without a public key");
        let key = std::fs::read_to_string(dir.path().join("api_key.txt")).unwrap();
        assert_eq!(cloud.api_keys[0].0, key);
        assert!(
            tries.iter().all(|t| !t.contains(&key)),
            "the key is named by its file"
        );
        assert!(tries.iter().any(|t| t.contains("--api-key-file")));
        assert_eq!(cloud.rate_limit, None, "no rate limit unless asked");

        a.cloud_rate_limit = Some(rate_limit("2").unwrap());
        let (modes, _) = auth_modes(&a).unwrap();
        assert_eq!(modes.cloud.unwrap().rate_limit, Some(RateLimit::first(2)));
    }

    #[test]
    fn the_rate_limit_flag_takes_a_count_or_always() {
        assert_eq!(rate_limit("3"), Ok(RateLimit::first(3)));
        assert_eq!(rate_limit("always"), Ok(RateLimit::always()));
        let e = rate_limit("lots").unwrap_err();
        assert!(e.contains("'lots'") && e.contains("always"), "{e}");
    }
}
