//! File writing that never leaves half a file behind: write to a temporary file in the same
//! directory, flush it to disk, then rename it over the target.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically. With `private`, the file is created with mode 0600 (on
/// Unix) before any byte is written, so a secret is never readable by others even briefly.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let mut tmp = AtomicFile::create(path, private)?;
    tmp.write_all(bytes)?;
    tmp.commit()
}

/// A file being written next to its final path; dropped without `commit`, it is removed.
pub struct AtomicFile {
    file: Option<std::fs::File>,
    tmp_path: std::path::PathBuf,
    final_path: std::path::PathBuf,
}

impl AtomicFile {
    /// Like `create`, but the file gets the mode of the file it will replace (a 0600 export stays
    /// 0600); a new file is created as `create(path, false)` would.
    pub fn create_replacing(path: &Path) -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(m) = std::fs::metadata(path)
                && m.is_file()
            {
                // Created 0600 (never wider than the old file, even briefly), then given its mode.
                let f = Self::create(path, true)?;
                if let Some(file) = &f.file {
                    file.set_permissions(std::fs::Permissions::from_mode(
                        m.permissions().mode() & 0o7777,
                    ))?;
                }
                return Ok(f);
            }
        }
        Self::create(path, false)
    }

    pub fn create(path: &Path, private: bool) -> std::io::Result<Self> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let name = path
            .file_name()
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path")
            })?
            .to_string_lossy()
            .into_owned();
        let tmp_path = dir.join(format!(
            ".{name}.tmp-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(if private { 0o600 } else { 0o644 });
        }
        #[cfg(not(unix))]
        let _ = private;
        let file = opts.open(&tmp_path)?;
        Ok(AtomicFile {
            file: Some(file),
            tmp_path,
            final_path: path.to_path_buf(),
        })
    }

    /// Flushes to disk and renames over the final path. On any failure the temp file is
    /// removed, so nothing but the untouched final path remains.
    pub fn commit(mut self) -> std::io::Result<()> {
        let Some(file) = self.file.take() else {
            return Err(std::io::Error::other("file already committed"));
        };
        let result = file.sync_all().and_then(|()| {
            drop(file);
            std::fs::rename(&self.tmp_path, &self.final_path)
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp_path);
        }
        result
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp_path);
        }
    }
}

/// A file name made from a title a person typed ("Budget Ünïcødé 財務"): letters of every script,
/// digits and punctuation stay; only what a path cannot hold goes: `/ \ : * ? " < > |`, control
/// and bidi-override characters (they would hide the name's real order). Runs of those and of
/// whitespace become one `-`; leading dots (a hidden file) and trailing dots and spaces (Windows
/// drops them) go; a Windows device name (`CON`, `nul`, `COM1`, ...) gets a `_`; the name is
/// kept under `MAX_STEM_BYTES`. Empty when nothing is left.
pub fn file_name_stem(title: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in title.chars() {
        let cut = c.is_whitespace()
            || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            || crate::text::is_unsafe_for_terminal(c);
        if cut || c == '-' {
            gap = true;
            continue;
        }
        if out.len() + c.len_utf8() + 1 > MAX_STEM_BYTES {
            break;
        }
        if gap && !out.is_empty() {
            out.push('-');
        }
        gap = false;
        out.push(c);
    }
    let out = out
        .trim_start_matches('.')
        .trim_end_matches(['.', ' ', '-']);
    let device = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(device.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (device.len() == 4
            && (device.starts_with("COM") || device.starts_with("LPT"))
            && device.as_bytes()[3].is_ascii_digit());
    if reserved {
        // After the device name itself: `nul.json` would still be the device.
        format!("{}_{}", &out[..device.len()], &out[device.len()..])
    } else {
        out.to_string()
    }
}

/// Bytes a suggested file name's stem may take: file systems allow 255 per name, and the
/// caller adds a prefix and an extension.
pub const MAX_STEM_BYTES: usize = 160;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        std::fs::write(&target, b"old").unwrap();
        {
            let mut f = AtomicFile::create(&target, false).unwrap();
            f.write_all(b"partial").unwrap();
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_rename_removes_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty folder at the target: the rename over it fails.
        let target = dir.path().join("out.json");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), b"x").unwrap();
        let mut f = AtomicFile::create(&target, false).unwrap();
        f.write_all(b"data").unwrap();
        assert!(f.commit().is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("k.pem");
        write_atomic(&target, b"x", true).unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn file_names_keep_their_letters_and_drop_what_a_path_cannot_hold() {
        assert_eq!(
            file_name_stem("app Budget \"2027\" & Forecast? #1 / Ünïcødé 財務"),
            "app-Budget-2027-&-Forecast-#1-Ünïcødé-財務"
        );
        assert_eq!(
            file_name_stem("Umsatz: Köln <-> Zürich"),
            "Umsatz-Köln-Zürich"
        );
        assert_eq!(file_name_stem("..hidden.."), "hidden");
        assert_eq!(file_name_stem("a\x1b]0;x\x07b\u{202e}c"), "a-]0;x-b-c");
        assert_eq!(file_name_stem("CON"), "CON_");
        assert_eq!(file_name_stem("lpt1.json"), "lpt1_.json");
        assert_eq!(file_name_stem("COMPANY"), "COMPANY");
        assert_eq!(file_name_stem("/?*"), "");
        let long = file_name_stem(&"財".repeat(200));
        assert!(long.len() <= MAX_STEM_BYTES && long.chars().all(|c| c == '財'));
    }
}
