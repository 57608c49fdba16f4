//! Printing to stdout when stdout may be a closed pipe (`qlik-tui profile list | head -1`).
//!
//! The process keeps Rust's default of ignoring SIGPIPE. With the default action restored, a
//! write to a socket whose peer had gone (an engine that drops the connection mid-walk, a client
//! leaving the demo's in-process simulator) killed the whole process by signal: no error line, no
//! `close` in the trace, and in the explorer no terminal restore. So the one writer that must end
//! quietly on a closed pipe, stdout, does it here: every line a command prints goes through
//! `outln!` (clippy's `disallowed-macros` keeps `crate::outln!` out of the code).

use std::io::{ErrorKind, Write};

/// Writes one line to stdout (see [`write`]).
pub fn write_line(args: std::fmt::Arguments<'_>) {
    write(format_args!("{args}\n"));
}

/// Writes to stdout; a closed pipe ends the process quietly (see [`closed`]), any other write
/// error ends it with one line on stderr.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| out.flush());
    if let Err(e) = written {
        if e.kind() == ErrorKind::BrokenPipe {
            closed();
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// The reader of stdout has gone: end as a Unix tool does, by SIGPIPE (exit status 141 to a
/// shell), without a message.
pub fn closed() -> ! {
    #[cfg(unix)]
    // SAFETY: resetting a signal's action and raising it on our own process; SIG_DFL is valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    std::process::exit(141)
}

/// `crate::outln!` for command output: a closed stdout ends the process quietly instead of panicking.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::cli::stdout::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::stdout::write_line(format_args!($($arg)*))
    };
}

/// `print!` for command output (see [`outln!`]).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::stdout::write(format_args!($($arg)*))
    };
}
