//! Logs go to a daily file under the state dir, never to the terminal (the TUI owns it).
//! `QLIK_TUI_LOG` sets the filter (default `info`). Secrets never reach a log: header values,
//! PEM text and tokens are redacted by the types that hold them.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging; keep the guard alive for the life of the process. Returns None when
/// the log directory cannot be created (logging is then off, which is not worth failing for).
pub fn init() -> Option<WorkerGuard> {
    let dir = crate::paths::log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::daily(&dir, "qlik-tui.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("QLIK_TUI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
