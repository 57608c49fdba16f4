//! Owning the terminal: raw mode, the alternate screen, a hidden cursor and (opt-in) mouse
//! capture, all undone by a guard on every exit path, and by a panic hook before the panic
//! message prints (so the message lands on a sane terminal).

use std::io::{Write, stdout};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// Restores the terminal; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    );
    let _ = out.flush();
}

/// Installs (once per process) a panic hook that restores the terminal first.
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Holds the terminal in TUI mode; dropping it restores the terminal.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    pub fn enter(mouse: bool) -> std::io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = TerminalGuard { _private: () };
        take_modes(mouse)?;
        Ok(guard)
    }

    /// Takes the terminal again after a suspend (`restore` gave it back).
    pub fn reenter(&self, mouse: bool) -> std::io::Result<()> {
        enable_raw_mode()?;
        take_modes(mouse)
    }
}

fn take_modes(mouse: bool) -> std::io::Result<()> {
    let mut out = stdout();
    // Bracketed paste: a pasted PEM arrives whole (its line breaks are not Enter keys).
    execute!(out, EnterAlternateScreen, Hide, EnableBracketedPaste)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
