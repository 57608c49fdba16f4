//! Where an export goes: a file written atomically (temp file beside it, renamed over it only
//! when the export is complete), stdout, or a device such as /dev/null (which cannot be
//! replaced, so it is written directly).

use std::fs::File;
use std::io::{BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use super::ExportError;
use crate::fsutil::AtomicFile;

/// The export's destination, as the caller names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// `-o -`: standard output.
    Stdout,
    /// `-o PATH`: a file, replaced atomically when the export succeeds.
    Path(PathBuf),
}

impl Output {
    /// `-o` as the command line gives it: `-` is stdout.
    pub fn from_arg(arg: &str) -> Output {
        if arg == "-" {
            Output::Stdout
        } else {
            Output::Path(PathBuf::from(arg))
        }
    }

    /// What a failed export leaves behind, for its error message.
    pub fn untouched_note(&self) -> String {
        match self {
            Output::Stdout => "the output on stdout is incomplete".into(),
            Output::Path(p) => format!(
                "nothing was written to {} (it keeps what it held before)",
                p.display()
            ),
        }
    }
}

pub(super) enum Sink {
    File {
        path: PathBuf,
        w: BufWriter<AtomicFile>,
    },
    Device {
        path: PathBuf,
        w: BufWriter<File>,
    },
    Stdout(BufWriter<Stdout>),
}

fn open_error(path: &Path, e: std::io::Error) -> ExportError {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.display().to_string(),
        _ => ".".to_string(),
    };
    let why = match e.kind() {
        std::io::ErrorKind::NotFound => std::io::Error::other(format!(
            "the folder {dir} does not exist; create it first or choose another path"
        )),
        std::io::ErrorKind::PermissionDenied => std::io::Error::other(format!(
            "permission denied: the export is written as a temp file in {dir} and renamed, so that folder must be writable"
        )),
        _ => e,
    };
    ExportError::Output {
        target: format!("to {}", path.display()),
        source: why,
    }
}

impl Sink {
    pub(super) fn open(output: &Output) -> Result<Sink, ExportError> {
        let path = match output {
            Output::Stdout => return Ok(Sink::Stdout(BufWriter::new(std::io::stdout()))),
            Output::Path(p) => p,
        };
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(ExportError::Output {
                    target: format!("to {}", path.display()),
                    source: std::io::Error::other(format!(
                        "it is a folder; give a file name, e.g. {}",
                        path.join("qlik-export.json").display()
                    )),
                });
            }
            Ok(m) if !m.is_file() => {
                // A device or a pipe: nothing to replace atomically, and a rename over it would
                // replace the device node itself.
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| open_error(path, e))?;
                return Ok(Sink::Device {
                    path: path.clone(),
                    w: BufWriter::new(f),
                });
            }
            _ => {}
        }
        // A file replaced keeps its mode: an export someone made 0600 stays 0600.
        let f = AtomicFile::create_replacing(path).map_err(|e| open_error(path, e))?;
        Ok(Sink::File {
            path: path.clone(),
            w: BufWriter::with_capacity(256 * 1024, f),
        })
    }

    /// Is the output read on a terminal (stdout that is one)?
    pub(super) fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        matches!(self, Sink::Stdout(_)) && std::io::stdout().is_terminal()
    }

    /// "to PATH" or "to stdout", for error messages.
    pub(super) fn describe(&self) -> String {
        match self {
            Sink::File { path, .. } | Sink::Device { path, .. } => {
                format!("to {}", path.display())
            }
            Sink::Stdout(_) => "to stdout".into(),
        }
    }

    pub(super) fn untouched_note(&self) -> String {
        match self {
            Sink::File { path, .. } => Output::Path(path.clone()).untouched_note(),
            Sink::Device { path, .. } => format!("the output to {} is incomplete", path.display()),
            Sink::Stdout(_) => Output::Stdout.untouched_note(),
        }
    }

    /// Flushes and, for a file, renames the temp file over the path.
    pub(super) fn commit(self) -> Result<(), ExportError> {
        let target = self.describe();
        let err = |source| ExportError::Output {
            target: target.clone(),
            source,
        };
        match self {
            Sink::File { w, .. } => {
                let f = w.into_inner().map_err(|e| err(e.into_error()))?;
                f.commit().map_err(err)
            }
            Sink::Device { mut w, .. } => w.flush().map_err(err),
            Sink::Stdout(mut w) => w.flush().map_err(err),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File { w, .. } => w.write(buf),
            Sink::Device { w, .. } => w.write(buf),
            Sink::Stdout(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::File { w, .. } => w.write_all(buf),
            Sink::Device { w, .. } => w.write_all(buf),
            Sink::Stdout(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File { w, .. } => w.flush(),
            Sink::Device { w, .. } => w.flush(),
            Sink::Stdout(w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_on_commit_and_a_dropped_sink_leaves_the_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").unwrap();
        {
            let mut s = Sink::open(&Output::Path(path.clone())).unwrap();
            s.write_all(b"partial").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut s = Sink::open(&Output::Path(path.clone())).unwrap();
        s.write_all(b"new").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn bad_targets_are_named_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let e = Sink::open(&Output::Path(dir.path().to_path_buf()))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("it is a folder; give a file name"), "{e}");
        let e = Sink::open(&Output::Path(dir.path().join("nope/out.csv")))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("does not exist; create it first"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private.csv");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut s = Sink::open(&Output::Path(path.clone())).unwrap();
        s.write_all(b"new").unwrap();
        s.commit().unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_directly() {
        let mut s = Sink::open(&Output::Path("/dev/null".into())).unwrap();
        assert!(matches!(s, Sink::Device { .. }));
        s.write_all(b"x").unwrap();
        s.commit().unwrap();
        assert!(
            !std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_file()
        );
    }
}
