//! The layers of ARCHITECTURE.md, enforced: reads every file under `src/` and fails when a module
//! names a layer it must not import (`crate::tui::…`, `use crate::{cli, …}`, or a `super::` chain
//! that climbs out of its layer into a forbidden one). Doc comments and line comments are skipped;
//! the rules are the table below.

use std::path::{Path, PathBuf};

/// Layer → the layers it must not reach. A layer is a top-level module of the crate.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "tls",
        &["engine", "explore", "profile", "sim", "tui", "cli"],
    ),
    ("engine", &["explore", "profile", "sim", "tui", "cli"]),
    ("profile", &["explore", "sim", "tui", "cli"]),
    ("explore", &["profile", "sim", "tui", "cli"]),
    ("sim", &["explore", "profile", "tui", "cli"]),
    ("tui", &["cli"]),
    // The helpers beside the layers (text, paths, fsutil, logging, secret) import no layer.
    ("text", LAYERS),
    ("paths", LAYERS),
    ("fsutil", LAYERS),
    ("logging", LAYERS),
    ("secret", LAYERS),
];

const LAYERS: &[&str] = &["tls", "engine", "profile", "explore", "sim", "tui", "cli"];

/// One import that breaks the table.
#[derive(Debug, PartialEq)]
struct Breach {
    file: String,
    line: usize,
    from: String,
    to: String,
}

/// The module path of a file under `src/`: `engine/conn/mod.rs` → [engine, conn].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" && stem != "lib" && stem != "main" {
            parts.push(stem.to_string());
        }
    }
    parts
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules named by a path that starts right after `crate::`: one ident, or each
/// first ident of a `{a::b, c}` group.
fn roots_after_crate(rest: &str) -> Vec<String> {
    let Some(group) = rest.strip_prefix('{') else {
        return vec![ident_at(rest).to_string()];
    };
    let mut roots = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                roots.push(ident_at(group[start..].trim_start()).to_string());
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                roots.push(ident_at(group[start..].trim_start()).to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    roots.retain(|r| !r.is_empty());
    roots
}

/// The layers one file's code reaches, with line numbers. `source` is the whole file; a `use`
/// group spanning lines is read from where it starts.
fn reached(module: &[String], source: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut inline_mods = 0usize;
    let lines: Vec<&str> = source.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let code = code.split(" //").next().unwrap_or(code);
        // The rest of the file from here, so a `use crate::{…}` over several lines is whole.
        let tail: String = std::iter::once(code)
            .chain(lines[n + 1..].iter().take(40).copied())
            .collect::<Vec<_>>()
            .join(" ");
        let mut at = 0;
        while let Some(i) = code[at..].find("crate::") {
            let from = at + i;
            let before = code[..from].chars().last();
            at = from + "crate::".len();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue; // `qlik_crate::`, `$crate::`
            }
            for root in roots_after_crate(&tail[at..]) {
                out.push((n + 1, root));
            }
        }
        // `super::super::x` from deep enough climbs to the crate root and names layer `x`.
        let mut at = 0;
        while let Some(i) = code[at..].find("super::") {
            let from = at + i;
            let mut rest = &code[from..];
            let mut ups = 0;
            while let Some(r) = rest.strip_prefix("super::") {
                ups += 1;
                rest = r;
            }
            at = code.len() - rest.len();
            if ups >= module.len() + inline_mods {
                out.push((n + 1, ident_at(rest).to_string()));
            }
        }
        let is_inline_mod = code
            .trim_start_matches("pub ")
            .strip_prefix("mod ")
            .is_some_and(|m| m.trim_end().ends_with('{'));
        if is_inline_mod {
            inline_mods += 1;
        }
    }
    out
}

fn breaches_in(rel: &Path, source: &str) -> Vec<Breach> {
    let module = module_path(rel);
    let Some(layer) = module.first() else {
        return vec![];
    };
    let Some((_, forbidden)) = FORBIDDEN.iter().find(|(l, _)| l == layer) else {
        return vec![];
    };
    reached(&module, source)
        .into_iter()
        .filter(|(_, to)| forbidden.contains(&to.as_str()))
        .map(|(line, to)| Breach {
            file: rel.display().to_string(),
            line,
            from: layer.clone(),
            to,
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "src/ was not found: {}", src.display());
    let breaches: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let rel = f.strip_prefix(&src).unwrap();
            breaches_in(rel, &std::fs::read_to_string(f).unwrap())
        })
        .map(|b| {
            format!(
                "src/{}:{}: {} must not import {} (ARCHITECTURE.md, Layers)",
                b.file, b.line, b.from, b.to
            )
        })
        .collect();
    assert!(breaches.is_empty(), "{}", breaches.join("\n"));
}

#[test]
fn the_checker_sees_every_spelling_of_a_wrong_import() {
    let file = Path::new("engine/conn/spec.rs");
    let cases = [
        "use crate::tui::App;",
        "use crate::{engine::wire, profile::store};",
        "use crate::{\n    text,\n    explore::Site,\n};",
        "fn f() { let x = crate::cli::run(); }",
        "use super::super::super::sim::server;",
    ];
    for case in cases {
        assert_eq!(breaches_in(file, case).len(), 1, "{case}");
    }
    let fine = [
        "use crate::engine::wire;",
        "use crate::tls::ClientTls;",
        "/// see crate::tui::App",
        "// crate::cli is above",
        "use super::super::wire;",
        "use $crate::tui;",
    ];
    for case in fine {
        assert!(breaches_in(file, case).is_empty(), "{case}");
    }
    // The same import is fine one layer up.
    assert!(breaches_in(Path::new("cli/mod.rs"), "use crate::tui::App;").is_empty());
}
