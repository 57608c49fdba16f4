//! The NDJSON trace recorder behind `--trace FILE`: one event a line, each line written with a
//! single write as it happens (a killed process leaves every event so far readable), the file
//! created with mode 0600. Bodies over 64 KiB are cut unless whole bodies are asked for.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use super::trace::{BODY_CAP, Event, TraceSink, timestamp, to_json_line};

pub struct TraceFile {
    file: Mutex<Option<std::fs::File>>,
    body_cap: Option<usize>,
}

impl TraceFile {
    /// Creates (or empties) `path`, readable by its owner only. `full`: keep whole bodies.
    pub fn create(path: &Path, full: bool) -> std::io::Result<TraceFile> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(path)?;
        // An existing file keeps its mode on open: narrow it before anything is written.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(TraceFile {
            file: Mutex::new(Some(file)),
            body_cap: (!full).then_some(BODY_CAP),
        })
    }
}

impl TraceSink for TraceFile {
    fn record(&self, conn: u64, event: &Event<'_>) {
        let mut line = to_json_line(&timestamp(), conn, event, self.body_cap);
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = file.as_mut()
            && let Err(e) = f.write_all(line.as_bytes())
        {
            // A full disk must not stop the session: the trace stops, with one warning.
            tracing::warn!(error = %e, "the trace file cannot be written; tracing stops");
            *file = None;
        }
    }
}
