//! Logs go to a daily file under the state dir, never to the terminal (the TUI owns it).
//! `QLIK_TUI_LOG` sets the filter (default `info`); `QLIK_TUI_LOG_KEEP` how many daily files are
//! kept (default 14; older ones are removed at start and at each day's turn).
//!
//! Secrets never reach a log: header values, PEM text and tokens are redacted by the types that
//! hold them, and third-party crates cannot log at all: no `log` → `tracing` bridge is installed
//! (tungstenite logs the whole upgrade request, `authorization` and cookies included, and every
//! frame at trace level), and their `tracing` targets are capped at `warn` besides.
//!
//! The folder is created 0700 and each file 0600 (on Unix): a log names servers, users and apps.
//! A folder that cannot be written turns logging off with one warning on stderr; it is never
//! worth failing a command for.

use std::io::Write;
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Daily files kept when `QLIK_TUI_LOG_KEEP` does not say.
pub const DEFAULT_KEEP_DAYS: usize = 14;
/// Log lines waiting for the writer thread at most (a slot is 32 bytes, allocated at start).
const LOG_QUEUE_LINES: usize = 8192;
/// The files are `qlik-tui.log.YYYY-MM-DD`.
const PREFIX: &str = "qlik-tui.log.";
/// Crates whose own tracing events could carry request headers or frames.
const CAPPED_TARGETS: &[&str] = &[
    "tungstenite",
    "tokio_tungstenite",
    "rustls",
    "tokio_rustls",
    "hyper",
    "hyper_util",
    "h2",
];

/// Starts file logging; keep the guard alive for the life of the process and drop it before
/// `process::exit` (that flushes the last lines). None: logging is off (the reason was printed).
pub fn init() -> Option<WorkerGuard> {
    let dir = crate::paths::log_dir();
    let keep = keep_days(std::env::var("QLIK_TUI_LOG_KEEP").ok().as_deref());
    let file = match DailyFile::open(&dir, keep) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "warning: logging is off: cannot write the log folder {}: {e} (set QLIK_TUI_STATE_DIR to a writable folder)",
                crate::text::escape_for_terminal(&dir.display().to_string())
            );
            return None;
        }
    };
    // A queue of LOG_QUEUE_LINES, not the crate's default 128,000: that one is allocated and
    // touched up front (4 MB of every run's RSS, issue 16). Lines beyond it are dropped, as
    // beyond the default, while the writer thread catches up.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(file);
    let spec = std::env::var("QLIK_TUI_LOG").ok();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter(spec.as_deref()))
        .with_writer(writer)
        .with_ansi(false)
        .finish();
    // set_global_default, not try_init: try_init would also install the `log` bridge.
    tracing::subscriber::set_global_default(subscriber).ok()?;
    tracing::debug!(
        version = env!("CARGO_PKG_VERSION"),
        filter = spec.as_deref().unwrap_or("info"),
        "logging started"
    );
    Some(guard)
}

/// The user's filter (default `info`) with the third-party targets capped at `warn`.
pub fn filter(spec: Option<&str>) -> EnvFilter {
    let mut f = spec
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    for t in CAPPED_TARGETS {
        if let Ok(d) = format!("{t}=warn").parse() {
            f = f.add_directive(d);
        }
    }
    f
}

fn keep_days(setting: Option<&str>) -> usize {
    setting
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_KEEP_DAYS)
}

/// Appends to today's file (UTC date), opening the next day's file when the date turns and
/// removing the oldest beyond `keep`.
pub struct DailyFile {
    dir: PathBuf,
    keep: usize,
    day: String,
    file: std::fs::File,
    /// Test builds only: a pause before each write (`QLIK_TUI_TEST_SLOW_LOG_MS`), so a test can
    /// prove the last lines are flushed before `process::exit` (tests/log_flush.rs).
    #[cfg(feature = "test-hooks")]
    slow: Option<std::time::Duration>,
}

impl DailyFile {
    pub fn open(dir: &Path, keep: usize) -> std::io::Result<DailyFile> {
        create_private_dir(dir)?;
        let day = today();
        let file = open_private_append(&dir.join(format!("{PREFIX}{day}")))?;
        prune(dir, keep);
        Ok(DailyFile {
            dir: dir.to_path_buf(),
            keep,
            day,
            file,
            #[cfg(feature = "test-hooks")]
            slow: std::env::var("QLIK_TUI_TEST_SLOW_LOG_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map(std::time::Duration::from_millis),
        })
    }
}

impl Write for DailyFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        #[cfg(feature = "test-hooks")]
        if let Some(pause) = self.slow {
            std::thread::sleep(pause);
        }
        let day = today();
        if day != self.day {
            self.file = open_private_append(&self.dir.join(format!("{PREFIX}{day}")))?;
            self.day = day;
            prune(&self.dir, self.keep);
        }
        self.file.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        b.mode(0o700);
        b.create(dir)?;
        // An older version made the folder with the umask's mode: tighten it.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    b.create(dir)
}

fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        let f = o.open(path)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(f)
    }
    #[cfg(not(unix))]
    o.open(path)
}

/// Removes the oldest daily files beyond `keep` (names sort by date).
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut logs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(PREFIX))
        .map(|e| e.path())
        .collect();
    logs.sort();
    let excess = logs.len().saturating_sub(keep);
    for old in &logs[..excess] {
        let _ = std::fs::remove_file(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_days_and_creates_private_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state").join("logs");
        std::fs::create_dir_all(&dir).unwrap();
        for d in ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"] {
            std::fs::write(dir.join(format!("{PREFIX}{d}")), "old").unwrap();
        }
        std::fs::write(dir.join("unrelated.txt"), "x").unwrap();
        let mut f = DailyFile::open(&dir, 2).unwrap();
        f.write_all(b"line\n").unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                format!("{PREFIX}2020-01-04"),
                format!("{PREFIX}{}", today()),
                "unrelated.txt".to_string()
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join(format!("{PREFIX}{}", today()))), 0o600);
        }
    }

    #[test]
    fn keep_setting_falls_back_to_the_default() {
        assert_eq!(keep_days(None), DEFAULT_KEEP_DAYS);
        assert_eq!(keep_days(Some("3")), 3);
        assert_eq!(keep_days(Some("0")), DEFAULT_KEEP_DAYS);
        assert_eq!(keep_days(Some("x")), DEFAULT_KEEP_DAYS);
    }
}
