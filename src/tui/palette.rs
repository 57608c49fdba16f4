//! The `:` command palette: parsing a command line and completing it.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Profile(String),
    App(String),
    Export,
    Doctor,
    /// The Traffic pane.
    Traffic,
    /// Search the selected app, or the selected profile's or stream's apps.
    Search(String),
    Reload,
    Quit,
    /// Evaluate an expression in the selected app (EvaluateEx).
    Eval(String),
    /// Diff the selected app against the same app (or `app`) on `profile`.
    Diff {
        profile: String,
        app: Option<String>,
    },
}

/// Command names with whether they take an argument.
pub const COMMANDS: [(&str, bool); 10] = [
    ("profile", true),
    ("app", true),
    ("search", true),
    ("export", false),
    ("doctor", false),
    ("traffic", false),
    ("diff", true),
    ("reload", false),
    ("quit", false),
    ("eval", true),
];

pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim().trim_start_matches(':');
    let (cmd, arg) = match line.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    let need = |what: &str| -> Result<String, String> {
        if arg.is_empty() {
            Err(format!(":{cmd} needs the name of a{what} (Tab completes)"))
        } else {
            Ok(arg.to_string())
        }
    };
    match cmd {
        "profile" | "p" => Ok(Command::Profile(need(" profile")?)),
        "app" | "a" => Ok(Command::App(need("n app")?)),
        "export" => Ok(Command::Export),
        "doctor" => Ok(Command::Doctor),
        "traffic" => Ok(Command::Traffic),
        "search" | "s" if arg.is_empty() => {
            Err(":search needs the text to look for, e.g. :search Sales".into())
        }
        "search" | "s" => Ok(Command::Search(arg.to_string())),
        "reload" => Ok(Command::Reload),
        "quit" | "q" => Ok(Command::Quit),
        "eval" | "e" if arg.is_empty() => {
            Err(":eval needs an expression, e.g. :eval Sum(Sales)".into())
        }
        "eval" | "e" => Ok(Command::Eval(arg.to_string())),
        "diff" if arg.is_empty() => Err(
            ":diff needs the profile to compare with: :diff PROFILE [APP_ID] (the same app id unless APP_ID)"
                .into(),
        ),
        "diff" => {
            let mut words = arg.split_whitespace();
            Ok(Command::Diff {
                profile: words.next().unwrap_or_default().to_string(),
                app: words.next().map(str::to_string),
            })
        }
        "" => Err(
            "type a command: profile, app, search, export, doctor, diff, traffic, reload, quit, eval"
                .into(),
        ),
        other => Err(format!(
            "unknown command ':{other}': try profile, app, search, export, doctor, diff, traffic, reload, quit or eval"
        )),
    }
}

/// Full command lines that complete `text`: command names first, then arguments (case-
/// insensitive prefix matches first, then substring matches).
pub fn complete(text: &str, profiles: &[String], apps: &[String]) -> Vec<String> {
    let text = text.trim_start_matches(':');
    match text.split_once(' ') {
        None => COMMANDS
            .iter()
            .filter(|(c, _)| c.starts_with(text))
            .map(|(c, arg)| if *arg { format!("{c} ") } else { c.to_string() })
            .collect(),
        Some((cmd, arg)) => {
            let pool = match cmd {
                "profile" | "p" | "diff" => profiles,
                "app" | "a" => apps,
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
            starts.into_iter().map(|n| format!("{cmd} {n}")).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_with_clear_errors() {
        assert_eq!(parse(":app Sales").unwrap(), Command::App("Sales".into()));
        assert_eq!(parse("quit").unwrap(), Command::Quit);
        assert!(
            parse("app")
                .unwrap_err()
                .contains("needs the name of an app")
        );
        assert!(parse("fly").unwrap_err().contains("unknown command ':fly'"));
        assert_eq!(
            parse(":eval Sum(Sales) / 2").unwrap(),
            Command::Eval("Sum(Sales) / 2".into())
        );
        assert!(parse("eval").unwrap_err().contains("needs an expression"));
        assert_eq!(
            parse(":diff prod").unwrap(),
            Command::Diff {
                profile: "prod".into(),
                app: None
            }
        );
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
    }

    #[test]
    fn completes_commands_then_arguments() {
        let apps = vec![
            "Sales Overview".to_string(),
            "HR".to_string(),
            "Big sales".to_string(),
        ];
        assert_eq!(complete("a", &[], &apps), vec!["app "]);
        assert_eq!(complete("d", &[], &apps), vec!["doctor", "diff "]);
        assert_eq!(
            complete("diff pr", &["dev".into(), "prod".into()], &apps),
            vec!["diff prod"]
        );
        assert_eq!(
            complete("app sa", &[], &apps),
            vec!["app Sales Overview", "app Big sales"]
        );
    }
}
