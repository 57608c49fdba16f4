//! The real binary: `qlik-tui demo-engine --certs-dir d` prints its URL and writes the client
//! certificates; `qlik-tui apps` with those files then lists exactly the demo site's apps.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_qlik-tui");

/// Kills the demo engine even when an assertion fails.
struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `qlik-tui demo-engine --certs-dir CERTS EXTRA..` and waits (bounded) for the URL it
/// prints first.
fn demo_engine(certs: &std::path::Path, extra: &[&str]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(["demo-engine", "--certs-dir"])
        .arg(certs)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let engine = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("demo-engine printed its URL")
        .trim()
        .to_string();
    assert!(url.starts_with("wss://localhost:"), "{url}");
    (engine, url)
}

#[test]
fn apps_lists_the_demo_site_served_by_demo_engine() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("d");
    let (engine, url) = demo_engine(&certs, &[]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(certs.join("client_key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is private");
    }

    let out = Command::new(BIN)
        .args(["apps", "--engine-url", &url, "--client-cert"])
        .arg(certs.join("client.pem"))
        .arg("--client-key")
        .arg(certs.join("client_key.pem"))
        .arg("--root-cert")
        .arg(certs.join("root.pem"))
        .args([
            "--user-directory",
            "INTERNAL",
            "--user-id",
            "sa_engine",
            "--json",
        ])
        .args(["--timeout", "20", "--request-timeout", "20"])
        .output()
        .unwrap();
    drop(engine);
    assert!(
        out.status.success(),
        "apps failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let listed = listed.as_array().expect("an array of apps");

    let site = common::demo_site();
    let streams = site["streams"].as_array().unwrap();
    let mut expected: Vec<(String, String, Option<String>)> = site["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let stream = a["stream"].as_str().map(|id| {
                streams.iter().find(|s| s["id"] == id).unwrap()["name"]
                    .as_str()
                    .unwrap()
                    .to_string()
            });
            (
                a["id"].as_str().unwrap().to_string(),
                a["title"].as_str().unwrap().to_string(),
                stream,
            )
        })
        .collect();
    let mut got: Vec<(String, String, Option<String>)> = listed
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default().to_string(),
                a["name"].as_str().unwrap_or_default().to_string(),
                a["stream"]["name"].as_str().map(str::to_string),
            )
        })
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

/// `demo-engine --cloud --vproxy jwt --vproxy header`: each mode, tried by hand the way the
/// banner says, lists the demo apps.
#[test]
fn demo_engine_serves_the_other_auth_modes() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("d");
    let (private, public) = common::auth::rsa_pair();
    let key = dir.path().join("jwt.pem");
    let public_key = dir.path().join("jwt.pub");
    std::fs::write(&key, &private).unwrap();
    std::fs::write(&public_key, &public).unwrap();
    let (engine, url) = demo_engine(
        &certs,
        &[
            "--cloud",
            "--vproxy",
            "jwt",
            "--vproxy",
            "header",
            "--jwt-public-key",
            public_key.to_str().unwrap(),
        ],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(certs.join("api_key.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the API key file is private");
    }
    let root = certs.join("root.pem");
    let api_key = certs.join("api_key.txt");
    let (jwt_url, hdr_url) = (format!("{url}/jwt"), format!("{url}/hdr"));
    let modes: Vec<Vec<&str>> = vec![
        vec![
            "--engine-url",
            &url,
            "--auth",
            "cloud-key",
            "--api-key-file",
            api_key.to_str().unwrap(),
        ],
        vec![
            "--engine-url",
            &url,
            "--auth",
            "cloud-jwt",
            "--jwt-key-file",
            key.to_str().unwrap(),
            "--user-id",
            "auth0|demo",
            "--jwt-issuer",
            "qlik-tui-demo",
        ],
        vec![
            "--engine-url",
            &jwt_url,
            "--auth",
            "jwt-key",
            "--jwt-key-file",
            key.to_str().unwrap(),
            "--user-directory",
            "INTERNAL",
            "--user-id",
            "sa_engine",
        ],
        vec![
            "--engine-url",
            &hdr_url,
            "--auth",
            "header",
            "--header-name",
            "hdr-usr",
            "--header-user",
            "INTERNAL\\sa_engine",
        ],
    ];
    let outs: Vec<_> = modes
        .iter()
        .map(|m| {
            Command::new(BIN)
                .arg("apps")
                .args(m)
                .arg("--root-cert")
                .arg(&root)
                .args(["--json", "--timeout", "20", "--request-timeout", "20"])
                .output()
                .unwrap()
        })
        .collect();
    drop(engine);
    let expected = common::auth::demo_asset_app_ids();
    for (m, out) in modes.iter().zip(outs) {
        assert!(
            out.status.success(),
            "apps {m:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(common::auth::listed_app_ids(&out.stdout), expected, "{m:?}");
    }
}
