//! The advisory check `cargo audit` would make, offline: CI reaches only the package registries,
//! not GitHub, so the RustSec advisory database is vendored in `.ci/advisory-db` (its `crates/`
//! tree; refresh with `.ci/refresh-advisory-db`) and matched against `Cargo.lock` here with the
//! `rustsec` crate, the library `cargo audit` is built on (without its `git` feature).
//!
//! - A vulnerability advisory for any crate version in `Cargo.lock` fails the check, unless its
//!   id is in `ACCEPTED` with the reason it does not apply.
//! - Informational advisories (unmaintained, unsound, notices) are listed; they fail the check
//!   only for the kinds in `DENIED_INFORMATIONAL` (a decision), again unless accepted.
//!
//! CI runs this file with `--nocapture` too (`.ci/run`), so its log shows the snapshot's date and
//! every informational advisory.

use std::path::{Path, PathBuf};

use rustsec::advisory::Informational;
use rustsec::report::{self, Settings};
use rustsec::{Database, Lockfile};

/// Advisories looked at and accepted: (id, why it does not affect qlik-tui). An entry that no
/// longer matches anything in `Cargo.lock` fails the check, so the list cannot go stale.
const ACCEPTED: &[(&str, &str)] = &[(
    "RUSTSEC-2023-0071",
    "rsa (Marvin attack: RSA decryption timing) is a dev-dependency only: tests make throwaway \
     RSA keys with it on the local machine and never decrypt with it; the binary signs JWTs with \
     ring. No fixed rsa release exists (patched = []).",
)];

/// Informational kinds that fail the check like a vulnerability. Unsound: undefined behaviour
/// reachable from a dependency's safe API is a memory-safety bug in our binary. Unmaintained and
/// notices are listed only: they call for a replacement in time, not for blocking a change.
const DENIED_INFORMATIONAL: &[Informational] = &[Informational::Unsound];

/// The vendored snapshot must hold at least this many advisories: a misplaced or emptied folder
/// would otherwise let every lockfile pass.
const MIN_ADVISORIES: usize = 500;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn database() -> Database {
    let dir = repo().join(".ci/advisory-db");
    let db = Database::open(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot open the vendored advisory database at {}: {e}; run .ci/refresh-advisory-db",
            dir.display()
        )
    });
    let count = db.iter().count();
    assert!(
        count >= MIN_ADVISORIES,
        "the advisory database at {} holds only {count} advisories: run .ci/refresh-advisory-db",
        dir.display()
    );
    db
}

/// `commit` and `date` from `.ci/advisory-db/SNAPSHOT`.
fn snapshot() -> (String, String) {
    let path = repo().join(".ci/advisory-db/SNAPSHOT");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let table: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()));
    let field = |k: &str| {
        table
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{} has no {k}", path.display()))
            .to_string()
    };
    (field("commit"), field("date"))
}

/// What the check found in one lockfile.
#[derive(Debug, Default)]
struct Findings {
    /// Advisories that fail the check: "ID crate version: title".
    failing: Vec<String>,
    /// Informational advisories that are listed only.
    listed: Vec<String>,
    /// Accepted ids that matched.
    accepted_seen: Vec<String>,
}

fn line(id: &str, name: &str, version: &str, title: &str) -> String {
    format!("{id} {name} {version}: {title}")
}

fn audit(db: &Database, lockfile_path: &Path) -> Findings {
    let lockfile = Lockfile::load(lockfile_path)
        .unwrap_or_else(|e| panic!("cannot parse {}: {e}", lockfile_path.display()));
    let settings = Settings {
        informational_warnings: vec![
            Informational::Notice,
            Informational::Unmaintained,
            Informational::Unsound,
        ],
        ..Settings::default()
    };
    let report = report::Report::generate(db, &lockfile, &settings);
    let accepted = |id: &str| ACCEPTED.iter().any(|(a, _)| *a == id);
    let mut found = Findings::default();
    for v in &report.vulnerabilities.list {
        let (id, p) = (v.advisory.id.as_str(), &v.package);
        let text = line(
            id,
            p.name.as_str(),
            &p.version.to_string(),
            &v.advisory.title,
        );
        if accepted(id) {
            found.accepted_seen.push(id.to_string());
        } else {
            found.failing.push(text);
        }
    }
    for warnings in report.warnings.values() {
        for w in warnings {
            let Some(adv) = &w.advisory else { continue };
            let id = adv.id.as_str();
            let kind = adv.informational.as_ref().map_or("?", |i| i.as_str());
            let text = format!(
                "[{kind}] {}",
                line(
                    id,
                    w.package.name.as_str(),
                    &w.package.version.to_string(),
                    &adv.title
                )
            );
            let denied = adv
                .informational
                .as_ref()
                .is_some_and(|i| DENIED_INFORMATIONAL.contains(i));
            if accepted(id) {
                found.accepted_seen.push(id.to_string());
                found.listed.push(format!("{text} (accepted)"));
            } else if denied {
                found.failing.push(text);
            } else {
                found.listed.push(text);
            }
        }
    }
    found
}

#[test]
fn cargo_lock_has_no_known_vulnerability() {
    let (commit, date) = snapshot();
    let db = database();
    eprintln!(
        "advisory database snapshot of {date} (rustsec/advisory-db {commit}), {} advisories",
        db.iter().count()
    );
    let found = audit(&db, &repo().join("Cargo.lock"));
    if found.listed.is_empty() {
        eprintln!("no informational advisory for Cargo.lock");
    }
    for l in &found.listed {
        eprintln!("informational: {l}");
    }
    assert!(
        found.failing.is_empty(),
        "Cargo.lock has crate versions with advisories (snapshot of {date}):\n  {}\nupdate them (`cargo update -p CRATE`), or add the id to ACCEPTED in tests/advisories.rs with the reason it does not apply",
        found.failing.join("\n  ")
    );
    let stale: Vec<&str> = ACCEPTED
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !found.accepted_seen.iter().any(|s| s == id))
        .collect();
    assert!(
        stale.is_empty(),
        "ACCEPTED in tests/advisories.rs lists advisories Cargo.lock no longer matches: {stale:?}; remove them"
    );
}

/// A lockfile for a `fixture` crate depending on `packages` (name, version) from crates.io.
fn fixture_lock(dir: &Path, file: &str, packages: &[(&str, &str)]) -> PathBuf {
    let names: Vec<String> = packages.iter().map(|(n, _)| format!("{n:?}")).collect();
    let mut text = format!(
        "version = 3\n\n[[package]]\nname = \"fixture\"\nversion = \"0.1.0\"\ndependencies = [{}]\n",
        names.join(", ")
    );
    for (name, version) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ));
    }
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

/// The check can fail: a lockfile naming smallvec 1.6.0 (RUSTSEC-2021-0003, a heap overflow in
/// `insert_many`, fixed in 1.6.1) or an unsound crate (abomonation, RUSTSEC-2021-0120) is
/// flagged; an unmaintained crate (ansi_term, RUSTSEC-2021-0139) is listed without failing; the
/// patched smallvec is clean.
#[test]
fn a_known_vulnerable_version_is_flagged() {
    let db = database();
    let dir = tempfile::tempdir().unwrap();
    let found = audit(
        &db,
        &fixture_lock(
            dir.path(),
            "vulnerable.lock",
            &[
                ("smallvec", "1.6.0"),
                ("abomonation", "0.7.3"),
                ("ansi_term", "0.12.1"),
            ],
        ),
    );
    let failing = |prefix: &str| found.failing.iter().any(|f| f.starts_with(prefix));
    assert!(failing("RUSTSEC-2021-0003 smallvec 1.6.0"), "{found:?}");
    assert!(
        failing("[unsound] RUSTSEC-2021-0120 abomonation"),
        "{found:?}"
    );
    assert!(
        found
            .listed
            .iter()
            .any(|l| l.starts_with("[unmaintained] RUSTSEC-2021-0139 ansi_term 0.12.1")),
        "{found:?}"
    );
    assert_eq!(found.failing.len(), 2, "{found:?}");

    let clean = fixture_lock(dir.path(), "patched.lock", &[("smallvec", "1.6.1")]);
    let found = audit(&db, &clean);
    assert!(
        found.failing.is_empty() && found.listed.is_empty(),
        "{found:?}"
    );
}
