//! Shared test helpers: a `ConnectionSpec` for a running simulator.
#![allow(dead_code)]

pub mod auth;
pub mod cli;
pub mod doctor;
#[cfg(unix)]
pub mod rusage;

use qlik_tui::engine::conn::ConnectionSpec;
use qlik_tui::sim::SimServer;

/// Certificate auth as INTERNAL\sa_engine against `sim`, over real TLS with host-name checks.
pub fn sim_spec(sim: &SimServer) -> ConnectionSpec {
    ConnectionSpec::certificate(sim.engine_url(), sim.client_tls(), "INTERNAL", "sa_engine")
}

/// The demo site's data, as tests should read it (never hard-code ids or titles).
pub fn demo_site() -> serde_json::Value {
    serde_json::from_str(qlik_tui::sim::data::DEMO_SITE_JSON).expect("assets/demo-site.json parses")
}

/// The demo app with the most objects (the one loader tests open).
pub fn richest_demo_app() -> serde_json::Value {
    demo_site()["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .max_by_key(|a| a["objects"].as_array().map_or(0, Vec::len))
        .cloned()
        .expect("the demo site has apps")
}

/// The first sheet of the demo site holding a container with children, by the titles a user
/// sees: what the TUI tests navigate to.
pub struct ContainerPath {
    pub app: String,
    pub sheet: String,
    pub container: String,
    pub child: String,
    pub child_id: String,
}

pub fn container_path() -> ContainerPath {
    use serde_json::Value;
    let site = demo_site();
    let title = |p: &Value| -> String {
        p.pointer("/qMetaDef/title")
            .or_else(|| p.get("title"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    for app in site["apps"].as_array().expect("apps") {
        for sheet in app["objects"].as_array().into_iter().flatten() {
            if sheet.pointer("/qProperty/qInfo/qType") != Some(&Value::from("sheet")) {
                continue;
            }
            for obj in sheet["qChildren"].as_array().into_iter().flatten() {
                let kids = obj["qChildren"].as_array().cloned().unwrap_or_default();
                if obj.pointer("/qProperty/qInfo/qType") == Some(&Value::from("container"))
                    && !kids.is_empty()
                {
                    let kid = &kids[0]["qProperty"];
                    return ContainerPath {
                        app: app["title"].as_str().unwrap_or("").to_string(),
                        sheet: title(&sheet["qProperty"]),
                        container: title(&obj["qProperty"]),
                        child: title(kid),
                        child_id: kid
                            .pointer("/qInfo/qId")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    };
                }
            }
        }
    }
    panic!("the demo site has a container with children");
}

/// Writes the simulator's certificates into `dir/certs` as the QMC exports them (client.pem,
/// client_key.pem, root.pem), for the CLI's `--cert-dir`; returns that folder.
pub fn write_cert_dir(sim: &SimServer, dir: &std::path::Path) -> std::path::PathBuf {
    let pki = sim.pki();
    let certs = dir.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::write(certs.join("client.pem"), &pki.client_cert_pem).unwrap();
    std::fs::write(certs.join("client_key.pem"), &pki.client_key_pem).unwrap();
    std::fs::write(certs.join("root.pem"), &pki.root_cert_pem).unwrap();
    certs
}

/// The inline connection flags for `sim` with the certificate folder `certs` (see
/// `write_cert_dir`): `--engine-url … --cert-dir … --user-directory INTERNAL --user-id sa_engine`.
pub fn conn_args(sim: &SimServer, certs: &std::path::Path) -> Vec<String> {
    [
        "--engine-url",
        &sim.engine_url(),
        "--cert-dir",
        &certs.display().to_string(),
        "--user-directory",
        "INTERNAL",
        "--user-id",
        "sa_engine",
    ]
    .map(String::from)
    .to_vec()
}

/// A simulator and the CLI pointed at it: certificates written for `--cert-dir`, a private
/// config/state dir, the connection flags appended to every run.
pub struct SimCli {
    pub sim: SimServer,
    pub files: cli::TempFiles,
}

impl SimCli {
    pub async fn start() -> SimCli {
        SimCli::start_with(qlik_tui::sim::SimConfig::default()).await
    }

    /// The same against a simulator started with `config` (a fault, hostile titles).
    pub async fn start_with(config: qlik_tui::sim::SimConfig) -> SimCli {
        let sim = SimServer::start(config)
            .await
            .expect("the simulator starts");
        let files = cli::TempFiles::new();
        write_cert_dir(&sim, files.path());
        SimCli { sim, files }
    }

    /// `qlik-tui ARGS --engine-url … --cert-dir … --user-directory INTERNAL --user-id sa_engine`.
    pub async fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(conn_args(&self.sim, &self.files.path().join("certs")));
        cli::qlik_tui(all, vec![], self.files.path().to_path_buf()).await
    }
}
