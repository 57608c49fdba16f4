//! `qlik-tui completions SHELL` (clap_complete) and `qlik-tui man` (clap_mangen).
//!
//! Profile names and app ids complete dynamically in bash and fish: the static script
//! clap_complete writes is followed by a few lines that ask `qlik-tui profile list --names`
//! (the profile file) and the hidden `qlik-tui app-ids [PROFILE]` (the ids that profile's last
//! `qlik-tui apps` listed, kept by [`super::app_cache`]). Neither ever connects: a key press must
//! never start a connection. The profile of `--app` is the `-p/--profile` on the line being
//! completed, else QLIK_TUI_PROFILE, else the file's default. (clap_complete's own dynamic
//! completion is behind its `unstable-dynamic` feature, whose interface still changes between
//! releases, and its value completer sees only the current word, not the `-p` before it; a
//! script calling a stable command of ours keeps working and sees the whole line.)

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

const BIN: &str = "qlik-tui";

/// Bash: completes `-p/--profile NAME`, the NAME of `profile show|edit|remove|rename|test` and
/// `--app ID` (bash shows no descriptions: the ids only), then hands everything else to
/// clap_complete's function.
const BASH_PROFILES: &str = r#"
_qlik_tui_profile_names() {
    COMPREPLY=( $(compgen -W "$(command qlik-tui profile list --names 2>/dev/null)" -- "$1") )
}
_qlik_tui_line_profile() {
    local i w profile=""
    for (( i = 1; i < COMP_CWORD; i++ )); do
        w="${COMP_WORDS[i]}"
        case "$w" in
            -p|--profile) profile="${COMP_WORDS[i+1]}" ;;
            --profile=*) profile="${w#--profile=}" ;;
        esac
    done
    printf '%s' "$profile"
}
_qlik_tui_app_ids() {
    COMPREPLY=( $(compgen -W "$(command qlik-tui app-ids "$(_qlik_tui_line_profile)" 2>/dev/null | cut -f1)" -- "$1") )
}
_qlik_tui_dynamic() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    case "$prev" in
        -p|--profile) _qlik_tui_profile_names "$cur"; return 0 ;;
        --app) _qlik_tui_app_ids "$cur"; return 0 ;;
    esac
    if [[ "${COMP_WORDS[1]}" == profile && $COMP_CWORD -eq 3 ]]; then
        case "${COMP_WORDS[2]}" in
            show|edit|remove|rename|test) _qlik_tui_profile_names "$cur"; return 0 ;;
        esac
    fi
    _qlik__tui "$@"
}
complete -F _qlik_tui_dynamic -o bashdefault -o default qlik-tui
"#;

/// Fish shows each id with its title (the tab-separated description fish reads).
const FISH_PROFILES: &str = r#"
function __qlik_tui_app_ids
    set -l words (commandline -opc)
    set -l profile ""
    for i in (seq (count $words))
        switch $words[$i]
            case -p --profile
                if test $i -lt (count $words)
                    set profile $words[(math $i + 1)]
                end
            case '--profile=*'
                set profile (string replace -- --profile= '' $words[$i])
        end
    end
    command qlik-tui app-ids $profile 2>/dev/null
end
complete -c qlik-tui -s p -l profile -x -a "(command qlik-tui profile list --names 2>/dev/null)"
complete -c qlik-tui -l app -x -a "(__qlik_tui_app_ids)"
complete -c qlik-tui -n "__fish_seen_subcommand_from show edit remove rename test" -x -a "(command qlik-tui profile list --names 2>/dev/null)"
"#;

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut out);
    match shell {
        Shell::Bash => out.extend_from_slice(BASH_PROFILES.as_bytes()),
        Shell::Fish => out.extend_from_slice(FISH_PROFILES.as_bytes()),
        _ => {}
    }
    out
}

pub fn run(args: CompletionsArgs) -> anyhow::Result<i32> {
    std::io::stdout().lock().write_all(&script(args.shell))?;
    Ok(super::exit::OK)
}

/// `qlik-tui man`: the manual page (roff) on stdout.
pub fn man() -> anyhow::Result<i32> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(super::exit::OK)
}
