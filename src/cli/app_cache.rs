//! The app ids each profile last listed, kept so the shell can complete `--app ID` without a
//! connection (a key press must never start one).
//!
//! `qlik-tui apps -p NAME` writes `<cache dir>/apps/NAME.tsv`: one app a line, its id, a tab,
//! its title (escaped: no tab, newline or terminal control survives in it). Ids and titles
//! only, never a secret. The completion scripts read it back through the hidden
//! `qlik-tui app-ids [PROFILE]`, which reads the profile file (for the default profile) and the
//! cache, and nothing else.

use std::path::PathBuf;

use clap::Args;

use crate::explore::model::AppEntry;
use crate::profile::store::validate_name;
use crate::text::{escape_for_terminal, is_unsafe_for_terminal};

/// The cache file of `profile`; `None` for a name no profile can have (so no path is built
/// from it).
fn cache_path(profile: &str) -> Option<PathBuf> {
    validate_name(profile).ok()?;
    Some(
        crate::paths::cache_dir()
            .join("apps")
            .join(format!("{profile}.tsv")),
    )
}

/// An id the shell can offer as one word: no whitespace, no control character.
fn completable_id(id: &str) -> bool {
    !id.is_empty()
        && !id
            .chars()
            .any(|c| c.is_whitespace() || is_unsafe_for_terminal(c))
}

/// The cache text for `apps`: `id<TAB>title` lines.
fn render(apps: &[AppEntry]) -> String {
    let mut out = String::new();
    for a in apps.iter().filter(|a| completable_id(&a.id)) {
        out.push_str(&a.id);
        out.push('\t');
        out.push_str(&escape_for_terminal(&a.name));
        out.push('\n');
    }
    out
}

/// Remembers what `profile` listed (the resolved connection's profile name: None for inline
/// flags, which name no profile). A cache is a convenience: a failure to write it is a warning
/// in the log, never the command's failure.
pub fn remember(profile: Option<&str>, apps: &[AppEntry]) {
    let Some(path) = profile.and_then(cache_path) else {
        return;
    };
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| crate::fsutil::write_atomic(&path, render(apps).as_bytes(), true));
    if let Err(e) = written {
        tracing::warn!(path = %path.display(), error = %e, "cannot write the app-id cache for completion");
    }
}

/// The cached `id<TAB>title` lines of `profile`; none when nothing was cached.
pub fn cached(profile: &str) -> Vec<String> {
    let Some(text) = cache_path(profile).and_then(|p| std::fs::read_to_string(p).ok()) else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| l.split('\t').next().is_some_and(completable_id))
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Clone, Args)]
pub struct AppIdsArgs {
    /// The profile (default: QLIK_TUI_PROFILE, else the profile file's `default`).
    pub profile: Option<String>,
}

/// `qlik-tui app-ids [PROFILE]` (hidden; what completion calls): the cached `id<TAB>title`
/// lines. Prints nothing, and succeeds, when the profile is unknown or nothing was cached.
pub fn run(args: AppIdsArgs) -> anyhow::Result<i32> {
    let profile = args
        .profile
        .filter(|p| !p.is_empty())
        .or_else(|| {
            std::env::var("QLIK_TUI_PROFILE")
                .ok()
                .filter(|p| !p.is_empty())
        })
        .or_else(|| super::profiles::default_profile().ok().flatten());
    for line in profile.map(|p| cached(&p)).unwrap_or_default() {
        crate::outln!("{line}");
    }
    Ok(super::exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(id: &str, name: &str) -> AppEntry {
        AppEntry {
            name: name.to_string(),
            ..AppEntry::bare(id)
        }
    }

    /// A title cannot break the line format: its tab and newline are shown escaped, and an id
    /// that could not be one shell word is left out.
    #[test]
    fn titles_are_escaped_and_unusable_ids_skipped() {
        let text = render(&[
            app("a-1", "Sales\tEU\nQ1"),
            app("bad id", "x"),
            app("", "y"),
            app("b-2", "Plain"),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("a-1\tSales"), "{text}");
        assert_eq!(lines[0].matches('\t').count(), 1, "{text}");
        assert_eq!(lines[1], "b-2\tPlain");
    }

    #[test]
    fn a_name_no_profile_can_have_builds_no_path() {
        assert!(cache_path("../etc").is_none());
        assert!(cache_path("a/b").is_none());
        assert!(cache_path("demo").is_some());
    }
}
