//! What one child process cost, read from the kernel: `wait4` returns the rusage of exactly
//! that process (its user and system CPU), so neither `/usr/bin/time` nor a test binary of its
//! own is needed. Peak RSS: on Linux, `ru_maxrss` of a child spawned from a big process counts
//! the parent's RSS at spawn (exec records the old, shared mm's high-water mark), so it reads
//! the child's own `VmHWM` from /proc while it runs (a high-water mark: the last read before
//! exit misses only growth in the last poll interval); elsewhere `ru_maxrss`. Shared by `tests/export_memory.rs` and the benches
//! (`benches/common` includes this file by path).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Usage {
    pub wall: Duration,
    /// User + system CPU of the child itself.
    pub cpu: Duration,
    pub peak_kib: u64,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Usage {
    pub fn peak_mib(&self) -> f64 {
        self.peak_kib as f64 / 1024.0
    }
}

/// The process's own peak RSS (`VmHWM` in /proc/PID/status, Linux), None once it has exited.
fn vm_hwm_kib(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn duration(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// Runs `cmd` (stdin closed, stdout and stderr to temp files so a full pipe cannot stall it)
/// and measures it. Panics if it runs longer than `limit`, after killing it.
#[allow(clippy::zombie_processes)] // reaped by wait4 below (std's wait would lose the rusage)
pub fn run_measured(cmd: &mut Command, limit: Duration) -> Usage {
    let out = tempfile::tempfile().expect("a temp file for stdout");
    let err = tempfile::tempfile().expect("a temp file for stderr");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut hwm_kib = None;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: rusage is plain old data; zeroed is a valid value for wait4 to overwrite.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own unreaped child; both pointers are to live locals.
        let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(got >= 0, "wait4: {}", std::io::Error::last_os_error());
        if got == pid {
            break (status, usage);
        }
        if let Some(kib) = vm_hwm_kib(pid) {
            hwm_kib = Some(kib);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = started.elapsed();
    // Linux reports KiB, macOS bytes.
    let maxrss = usage.ru_maxrss as u64;
    let peak_kib = match hwm_kib {
        Some(kib) => kib,
        None if cfg!(target_os = "macos") => maxrss / 1024,
        None => maxrss,
    };
    let read = |mut f: std::fs::File| {
        use std::io::{Read, Seek};
        let mut s = String::new();
        f.seek(std::io::SeekFrom::Start(0)).unwrap();
        let _ = f.read_to_string(&mut s);
        s
    };
    Usage {
        wall,
        cpu: duration(usage.ru_utime) + duration(usage.ru_stime),
        peak_kib,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        stdout: read(out),
        stderr: read(err),
    }
}
