//! Whether the CLI colors its output: `--color auto|always|never` and the `NO_COLOR` convention
//! (no-color.org). `auto` colors only a terminal, so output to a pipe or a file is never colored
//! or decorated. Decided once at start; read by the table header and the error line.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always color (a flag given on the command line beats NO_COLOR).
    Always,
    /// Never color.
    Never,
}

static STDOUT: AtomicBool = AtomicBool::new(false);
static STDERR: AtomicBool = AtomicBool::new(false);

/// NO_COLOR counts when it is set to anything but the empty string.
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether a stream that is (or is not) a terminal gets color under `choice`.
pub fn enabled(choice: ColorChoice, is_terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color,
    }
}

/// Decides for stdout and stderr; returns whether the terminal (stdout) gets color, which is
/// what the explorer follows.
pub fn init(choice: ColorChoice) -> bool {
    let no_color = no_color_env();
    let out = enabled(choice, std::io::stdout().is_terminal(), no_color);
    // The explorer draws through crossterm, which on its own drops every color when NO_COLOR
    // is set: tell it the decision, so `--color always` beats NO_COLOR there as it does here.
    crossterm::style::Colored::set_ansi_color_disabled(!out);
    STDOUT.store(out, Ordering::Relaxed);
    STDERR.store(
        enabled(choice, std::io::stderr().is_terminal(), no_color),
        Ordering::Relaxed,
    );
    out
}

/// `text` in bold when stdout is colored.
pub fn bold_stdout(text: &str) -> String {
    if STDOUT.load(Ordering::Relaxed) {
        format!("\x1b[1m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// `text` in bold red when stderr is colored.
pub fn red_stderr(text: &str) -> String {
    if STDERR.load(Ordering::Relaxed) {
        format!("\x1b[1;31m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colors_only_a_terminal_without_no_color() {
        assert!(enabled(ColorChoice::Auto, true, false));
        assert!(!enabled(ColorChoice::Auto, false, false));
        assert!(!enabled(ColorChoice::Auto, true, true));
        assert!(enabled(ColorChoice::Always, false, true));
        assert!(!enabled(ColorChoice::Never, true, false));
    }
}
