//! Issue 16 acceptance "no change of output": the export documents of the real binary are
//! byte-identical to committed ones, so a performance change cannot alter a single byte.
//!
//! - The demo site: json, ndjson, csv and md, plain and with `--include-properties
//!   --include-script`, each equal to its file in `tests/golden/`.
//! - A generated site (`SimConfig { scale: Some(5) }`): the SHA-256 of each of the same eight
//!   documents equals the value in `tests/golden/scale5.sha256` (the documents themselves are
//!   too big to commit).
//!
//! The simulator's port is the only thing that differs between runs (it is in the engine and
//! display URLs): it is replaced by `PORT` before comparing.
//!
//! After a deliberate format change, regenerate with
//! `QLIK_TUI_BLESS=1 cargo test --test export_golden` and review the diff of `tests/golden/`.
#![allow(clippy::disallowed_macros)] // the test prints what it blessed

mod common;

use std::path::{Path, PathBuf};

use qlik_tui::sim::{SimConfig, SimServer};
use sha2::{Digest, Sha256};

/// The eight documents: every format, without and with the optional sections.
const FORMATS: [&str; 4] = ["json", "ndjson", "csv", "md"];
const VARIANTS: [(&str, &[&str]); 2] = [
    ("plain", &[]),
    ("full", &["--include-properties", "--include-script"]),
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn blessing() -> bool {
    std::env::var_os("QLIK_TUI_BLESS").is_some_and(|v| v == "1")
}

/// `doc` with every `:PORT` of the simulator's address (`:PORT` not followed by another digit)
/// replaced; fails if the port is not in it at all (then the masking would hide nothing and
/// the test could not notice).
fn mask_port(doc: &[u8], port: u16, name: &str) -> Vec<u8> {
    let text = std::str::from_utf8(doc).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"));
    let needle = format!(":{port}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut found = false;
    while let Some(at) = rest.find(&needle) {
        let after = &rest[at + needle.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(&needle);
        } else {
            out.push_str(":PORT");
            found = true;
        }
        rest = after;
    }
    out.push_str(rest);
    assert!(
        found,
        "{name} should name the simulator's address (…{needle})"
    );
    out.into_bytes()
}

/// Runs `qlik-tui export --all --format FORMAT EXTRA -o FILE` against `sim` and returns the
/// masked document.
async fn export(sim: &SimServer, work: &Path, format: &str, extra: &[&str], name: &str) -> Vec<u8> {
    let certs = work.join("certs");
    if !certs.exists() {
        common::write_cert_dir(sim, work);
    }
    let file = work.join(name);
    let mut args: Vec<String> = ["export", "--all", "--format", format]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    args.extend(["-o".to_string(), file.display().to_string()]);
    args.extend(common::conn_args(sim, &certs));
    let out = common::cli::qlik_tui(args, vec![], work.to_path_buf()).await;
    assert!(
        out.status.success(),
        "export {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = std::fs::read(&file).unwrap_or_else(|e| panic!("{name} was not written: {e}"));
    mask_port(&doc, sim.addr().port(), name)
}

/// The first line where `got` differs from `want` (1-based), with both lines, or None.
fn first_difference(want: &[u8], got: &[u8]) -> Option<String> {
    if want == got {
        return None;
    }
    let want = String::from_utf8_lossy(want);
    let got = String::from_utf8_lossy(got);
    let (mut w, mut g) = (want.split('\n'), got.split('\n'));
    for n in 1.. {
        match (w.next(), g.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (a, b) => {
                let show = |l: Option<&str>| match l {
                    Some(l) => format!("{:?}", l.chars().take(300).collect::<String>()),
                    None => "(end of document)".into(),
                };
                return Some(format!(
                    "first difference at line {n}:\n  golden: {}\n  now:    {}",
                    show(a),
                    show(b)
                ));
            }
        }
    }
    unreachable!("the loop returns at the first difference or the end")
}

/// Compares `got` with `tests/golden/NAME` and returns the first difference; with
/// `QLIK_TUI_BLESS=1` writes `got` there instead.
fn compare_or_bless(name: &str, got: &[u8]) -> Option<String> {
    let path = golden_dir().join(name);
    if blessing() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, got).unwrap();
        println!("blessed {}", path.display());
        return None;
    }
    let want = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}); create it with QLIK_TUI_BLESS=1",
            path.display()
        )
    });
    first_difference(&want, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_site_exports_equal_the_golden_files() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for format in FORMATS {
        for (variant, extra) in VARIANTS {
            let name = format!("demo-{variant}.{format}");
            let got = export(&sim, work.path(), format, extra, &name).await;
            if let Some(diff) = compare_or_bless(&name, &got) {
                failures.push(format!("{name}: {diff}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "the export changed (if on purpose, regenerate with QLIK_TUI_BLESS=1 and review the diff):\n{}",
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_5_exports_hash_to_the_committed_values() {
    let sim = SimServer::start(SimConfig {
        scale: Some(5),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for format in FORMATS {
        for (variant, extra) in VARIANTS {
            let name = format!("scale5-{variant}.{format}");
            let got = export(&sim, work.path(), format, extra, &name).await;
            // Each document is only read once: free the disk as we go.
            std::fs::remove_file(work.path().join(&name)).unwrap();
            let hash: String = Sha256::digest(&got)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            lines.push(format!("{hash}  {name}\n"));
        }
    }
    if let Some(diff) = compare_or_bless("scale5.sha256", lines.concat().as_bytes()) {
        panic!(
            "a scale-5 export changed (if on purpose, regenerate with QLIK_TUI_BLESS=1 and review the diff):\n{diff}"
        );
    }
}

#[test]
fn a_changed_byte_is_reported_with_its_line() {
    let want = b"a\nb\nc\n";
    assert_eq!(first_difference(want, want), None);
    let diff = first_difference(want, b"a\nB\nc\n").expect("a difference");
    assert!(diff.contains("line 2") && diff.contains("\"b\"") && diff.contains("\"B\""));
    let diff = first_difference(want, b"a\nb").expect("a shorter document differs");
    assert!(diff.contains("line 3") && diff.contains("end of document"));
}

#[test]
fn the_port_is_masked_everywhere_and_must_be_present() {
    let doc =
        b"{\"engine_url\":\"wss://localhost:4747\",\"link\":\"https://localhost:4747/x:47470\"}";
    let masked = String::from_utf8(mask_port(doc, 4747, "doc")).unwrap();
    assert_eq!(
        masked,
        "{\"engine_url\":\"wss://localhost:PORT\",\"link\":\"https://localhost:PORT/x:47470\"}"
    );
    let missing = std::panic::catch_unwind(|| mask_port(b"{}", 4747, "doc"));
    assert!(
        missing.is_err(),
        "a document without the address is refused"
    );
}
