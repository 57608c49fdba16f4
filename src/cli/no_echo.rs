//! Pasting a key into the terminal (`profile add --paste`) without the terminal echoing it: the
//! key would otherwise stay on screen and in the terminal's scrollback. Echo is turned off on the
//! terminal for the paste (newlines still echo, so each line shows progress) and restored when
//! the guard drops, and also when Ctrl-C ends the process mid-paste.

use std::os::fd::AsRawFd;
use std::sync::OnceLock;

/// The terminal's settings before the first paste, for the Ctrl-C handler (read-only there: a
/// `OnceLock` once set is a plain load, safe in a signal handler).
static SAVED: OnceLock<(libc::c_int, libc::termios)> = OnceLock::new();

/// Echo is off on `tty` while this lives.
pub struct NoEcho {
    fd: libc::c_int,
    saved: libc::termios,
    // The descriptor stays open as long as the guard needs it.
    _tty: std::fs::File,
}

impl NoEcho {
    /// Turns echo off on the terminal `tty` (None: not a terminal; nothing changed).
    pub fn on(tty: &std::fs::File) -> Option<NoEcho> {
        let tty = tty.try_clone().ok()?;
        let fd = tty.as_raw_fd();
        // SAFETY: tcgetattr fills a zeroed termios for a valid descriptor.
        let saved = unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(fd, &mut t) != 0 {
                return None;
            }
            t
        };
        let _ = SAVED.set((fd, saved));
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            libc::signal(
                libc::SIGINT,
                restore_and_die as *const () as libc::sighandler_t,
            );
        }
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL;
        // SAFETY: a valid descriptor and a termios derived from its own settings.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) } != 0 {
            return None;
        }
        Some(NoEcho {
            fd,
            saved,
            _tty: tty,
        })
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        // SAFETY: the descriptor is still open (owned by the guard) and `saved` came from it.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved);
            libc::signal(libc::SIGINT, libc::SIG_DFL);
        }
    }
}

/// SIGINT mid-paste: the terminal gets its echo back, then the default action ends the process.
extern "C" fn restore_and_die(_: libc::c_int) {
    if let Some((fd, saved)) = SAVED.get() {
        // SAFETY: tcsetattr, signal and raise are async-signal-safe.
        unsafe {
            libc::tcsetattr(*fd, libc::TCSANOW, saved);
        }
    }
    // SAFETY: as above.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::raise(libc::SIGINT);
    }
}
