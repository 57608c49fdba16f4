//! Fixtures for the auth-mode tests: RSA keys made now, and the simulator's virtual proxies.

use qlik_tui::sim::authmodes::{AuthModes, ProxyAuth, VirtualProxy};
use qlik_tui::sim::{Behaviour, SimConfig, SimServer};

/// A 2048-bit RSA key pair made now: (PKCS#8 private PEM, SPKI public PEM).
pub fn rsa_pair() -> (String, String) {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA keygen");
    (
        key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        key.to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    )
}

/// A simulator serving `auth` beside the engine port, behaving as `behaviour` says.
pub async fn start_with(auth: AuthModes, behaviour: Behaviour) -> SimServer {
    SimServer::start(SimConfig {
        auth,
        behaviour,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

/// A JWT virtual proxy at `/prefix` verifying with `public`, reading the user from
/// `claim_user` and the directory from `claim_directory`; `csrf`: the November 2024 check.
pub fn jwt_proxy(
    prefix: &str,
    public: &str,
    claim_user: &str,
    claim_directory: &str,
    csrf: bool,
) -> VirtualProxy {
    VirtualProxy {
        prefix: prefix.into(),
        auth: ProxyAuth::Jwt {
            public_key_pem: public.into(),
            claim_user: claim_user.into(),
            claim_directory: claim_directory.into(),
            audience: None,
        },
        csrf,
    }
}

/// A header-authentication proxy at `/hdr` reading `hdr-usr` (a bare user lands in CORP).
pub fn header_proxy() -> VirtualProxy {
    VirtualProxy {
        prefix: "hdr".into(),
        auth: ProxyAuth::Header {
            header_name: "hdr-usr".into(),
            default_directory: "CORP".into(),
        },
        csrf: true,
    }
}

/// The sorted app ids of `qlik-tui apps --json` output.
pub fn listed_app_ids(stdout: &[u8]) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(stdout).expect("JSON on stdout");
    let mut ids: Vec<String> = v
        .as_array()
        .expect("an array of apps")
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// The sorted app ids `sim` serves.
pub fn served_app_ids(sim: &SimServer) -> Vec<String> {
    let mut ids: Vec<String> = sim.site().apps.iter().map(|a| a.meta.id.clone()).collect();
    ids.sort();
    ids
}

/// The sorted app ids of the demo site's asset.
pub fn demo_asset_app_ids() -> Vec<String> {
    let mut ids: Vec<String> = super::demo_site()["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}
