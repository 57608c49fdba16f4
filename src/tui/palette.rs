//! The `:` command palette: parsing a command line and completing it. The commands are the
//! rows of `bindings::BINDINGS`: every key action is one, so the palette teaches the keys.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::action::Action;
use super::bindings::{self, BINDINGS, Binding};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A key action, run as its key would.
    Run(Action),
    Profile(String),
    App(String),
    /// Search the selected app, or the selected profile's or stream's apps.
    Search(String),
    /// Evaluate an expression in the selected app (EvaluateEx).
    Eval(String),
    /// Diff the selected app against the same app (or `app`) on `profile`.
    Diff {
        profile: String,
        app: Option<String>,
    },
}

/// One line the palette offers: the full command line Enter would run, and the row it comes
/// from (None for an argument completion such as `app Sales`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub line: String,
    pub binding: Option<&'static Binding>,
}

fn command_names() -> String {
    BINDINGS
        .iter()
        .map(|b| b.command)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim().trim_start_matches(':');
    let (cmd, arg) = match line.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    if cmd.is_empty() {
        return Err(format!(
            "type a command: {} (Tab completes)",
            command_names()
        ));
    }
    let Some(b) = bindings::named(cmd) else {
        return Err(format!(
            "unknown command ':{cmd}': try one of {}",
            command_names()
        ));
    };
    match (b.arg, b.action) {
        (Some(what), _) if arg.is_empty() => Err(match b.command {
            "search" => ":search needs the text to look for, e.g. :search Sales".into(),
            "eval" => ":eval needs an expression, e.g. :eval Sum(Sales)".into(),
            "diff" => ":diff needs the profile to compare with: :diff PROFILE [APP_ID] (the same app id unless APP_ID)".into(),
            _ => format!(":{cmd} needs a {} (Tab completes)", what.to_lowercase()),
        }),
        (Some(_), _) => Ok(match b.command {
            "profile" => Command::Profile(arg.to_string()),
            "app" => Command::App(arg.to_string()),
            "search" => Command::Search(arg.to_string()),
            "eval" => Command::Eval(arg.to_string()),
            "diff" => {
                let mut words = arg.split_whitespace();
                Command::Diff {
                    profile: words.next().unwrap_or_default().to_string(),
                    app: words.next().map(str::to_string),
                }
            }
            other => return Err(format!(":{other} takes no argument")),
        }),
        (None, Some(action)) if arg.is_empty() => Ok(Command::Run(action)),
        (None, Some(_)) => Err(format!(":{cmd} takes no argument (got '{arg}')")),
        (None, None) => Err(format!("unknown command ':{cmd}'")),
    }
}

/// Whether `typed` names a command exactly (its name or an alias, with nothing after it).
pub fn names_a_command(typed: &str) -> bool {
    let typed = typed.trim().trim_start_matches(':');
    !typed.contains(char::is_whitespace) && bindings::named(typed).is_some()
}

/// What completes `text`: commands fuzzy-matched on their name and what they do (best first,
/// table order among equals; every command when nothing is typed), then, after a command and a
/// space, the profile or app names (case-insensitive prefix matches first, then substring
/// matches).
pub fn complete(text: &str, profiles: &[String], apps: &[String]) -> Vec<Candidate> {
    let text = text.trim_start_matches(':');
    match text.split_once(' ') {
        None => commands_matching(text)
            .into_iter()
            .map(|b| Candidate {
                line: match b.arg {
                    Some(_) => format!("{} ", b.command),
                    None => b.command.to_string(),
                },
                binding: Some(b),
            })
            .collect(),
        Some((cmd, arg)) => {
            let pool = match bindings::named(cmd).map(|b| b.command) {
                Some("profile" | "diff") => profiles,
                Some("app") => apps,
                _ => return Vec::new(),
            };
            let arg_l = arg.to_lowercase();
            let mut starts: Vec<&String> = pool
                .iter()
                .filter(|n| n.to_lowercase().starts_with(&arg_l))
                .collect();
            let contains = pool.iter().filter(|n| {
                !n.to_lowercase().starts_with(&arg_l) && n.to_lowercase().contains(&arg_l)
            });
            starts.extend(contains);
            starts
                .into_iter()
                .map(|n| Candidate {
                    line: format!("{cmd} {n}"),
                    binding: None,
                })
                .collect()
        }
    }
}

/// The rows whose name (or, less, whose description) fuzzy-matches `query`, best first.
fn commands_matching(query: &str) -> Vec<&'static Binding> {
    if query.trim().is_empty() {
        return BINDINGS.iter().collect();
    }
    let pattern = Pattern::new(
        query,
        CaseMatching::Ignore,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut score = |text: &str| pattern.score(Utf32Str::new(text, &mut buf), &mut matcher);
    let mut scored: Vec<(u32, usize, &'static Binding)> = BINDINGS
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            // A match in the name counts above any match in the description.
            let by_name = std::iter::once(b.command)
                .chain(b.aliases.iter().copied())
                .filter_map(&mut score)
                .max()
                .map(|s| s + 10_000);
            by_name.or_else(|| score(b.about)).map(|s| (s, i, b))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, b)| b).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_with_clear_errors() {
        assert_eq!(parse(":app Sales").unwrap(), Command::App("Sales".into()));
        assert_eq!(parse("quit").unwrap(), Command::Run(Action::Quit));
        assert_eq!(parse("q").unwrap(), Command::Run(Action::Quit));
        assert_eq!(parse("yank-id").unwrap(), Command::Run(Action::YankId));
        assert!(
            parse("export now")
                .unwrap_err()
                .contains("takes no argument")
        );
        assert!(parse("app").unwrap_err().contains(":app needs a name"));
        assert!(parse("fly").unwrap_err().contains("unknown command ':fly'"));
        assert_eq!(
            parse(":eval Sum(Sales) / 2").unwrap(),
            Command::Eval("Sum(Sales) / 2".into())
        );
        assert!(parse("eval").unwrap_err().contains("needs an expression"));
        assert_eq!(
            parse(":diff dev a-2").unwrap(),
            Command::Diff {
                profile: "dev".into(),
                app: Some("a-2".into())
            }
        );
        assert!(
            parse("diff")
                .unwrap_err()
                .contains(":diff PROFILE [APP_ID]")
        );
        assert_eq!(
            parse(":diff prod").unwrap(),
            Command::Diff {
                profile: "prod".into(),
                app: None
            }
        );
    }

    #[test]
    fn completes_commands_then_arguments() {
        let apps = vec![
            "Sales Overview".to_string(),
            "HR".to_string(),
            "Big sales".to_string(),
        ];
        let lines = |text: &str| -> Vec<String> {
            complete(text, &[], &apps)
                .into_iter()
                .map(|c| c.line)
                .collect()
        };
        assert_eq!(
            lines("").len(),
            BINDINGS.len(),
            "every command when nothing is typed"
        );
        assert_eq!(lines("doc").first().map(String::as_str), Some("doctor"));
        assert_eq!(lines("ap").first().map(String::as_str), Some("app "));
        // Fuzzy: letters in order, not adjacent.
        assert_eq!(lines("yid").first().map(String::as_str), Some("yank-id"));
        // The description matches too: "copy" finds the yank commands.
        assert!(
            lines("copy").iter().any(|l| l == "yank"),
            "{:?}",
            lines("copy")
        );
        assert_eq!(lines("app sa"), vec!["app Sales Overview", "app Big sales"]);
    }
}
