//! Signals while the explorer owns the terminal. SIGTERM, SIGHUP and SIGQUIT end it through the
//! normal way out (so the terminal guard restores raw mode, the alternate screen, the cursor,
//! paste and mouse modes) with the conventional status 128+signo. SIGTSTP (`kill -TSTP`; Ctrl-Z
//! arrives as a key in raw mode) suspends: restore, stop, and on `fg` re-enter and redraw in
//! full. SIGCONT after a stop from outside (SIGSTOP cannot be caught) redraws too.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::Event;

/// What a signal asks of the explorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// End with exit status 128 + this signal number.
    Exit(i32),
    /// Give the terminal back and stop until continued.
    Suspend,
    /// Continued after a stop: take the terminal again and redraw everything.
    Resumed,
}

impl Signal {
    /// The shell's exit status for a process ended by `signo`.
    pub fn exit_status(signo: i32) -> i32 {
        128 + signo
    }
}

/// Forwards the signals above to the event loop until it stops listening. A signal whose
/// handler cannot be installed keeps its default action.
pub async fn forward(tx: mpsc::UnboundedSender<Event>) {
    let listen = |signo: i32| signal(SignalKind::from_raw(signo)).ok();
    let (mut term, mut hup, mut quit) = (
        listen(libc::SIGTERM),
        listen(libc::SIGHUP),
        listen(libc::SIGQUIT),
    );
    let (mut tstp, mut cont) = (listen(libc::SIGTSTP), listen(libc::SIGCONT));
    loop {
        let s = tokio::select! {
            Some(()) = recv(&mut term) => Signal::Exit(libc::SIGTERM),
            Some(()) = recv(&mut hup) => Signal::Exit(libc::SIGHUP),
            Some(()) = recv(&mut quit) => Signal::Exit(libc::SIGQUIT),
            Some(()) = recv(&mut tstp) => Signal::Suspend,
            Some(()) = recv(&mut cont) => Signal::Resumed,
            else => return,
        };
        if tx.send(Event::Signal(s)).is_err() {
            return;
        }
    }
}

async fn recv(s: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match s {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

/// Stops this process until it is continued (`fg`, SIGCONT). The caller has restored the
/// terminal first and takes it again after.
pub fn stop_self() {
    // SAFETY: raise with a valid signal number has no memory effects; SIGSTOP cannot be
    // caught, so it stops the process here and returns once it is continued.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
}
