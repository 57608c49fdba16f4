//! A pseudo-terminal for running the real binary in tests: the child gets the pty as its
//! controlling terminal (so crossterm's /dev/tty works), a reader thread collects everything it
//! writes, and every wait is bounded.
#![allow(dead_code)] // shared by several test crates; each uses a part

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Pty {
    master: File,
    pub child: Child,
    output: Arc<Mutex<Vec<u8>>>,
}

/// `qlik-tui --demo` (then `args`) in a pty of `cols`×`rows`, with private config and state
/// folders, no display for a clipboard tool, and no injected panic.
pub fn demo(
    config: &std::path::Path,
    state: &std::path::Path,
    args: &[&str],
    cols: u16,
    rows: u16,
) -> Pty {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
    cmd.arg("--demo")
        .args(args)
        .env("QLIK_TUI_CONFIG_DIR", config)
        .env("QLIK_TUI_STATE_DIR", state)
        .env("TERM", "xterm-256color")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("QLIK_TUI_TEST_PANIC");
    Pty::spawn(cmd, cols, rows)
}

impl Pty {
    pub fn spawn(mut cmd: Command, cols: u16, rows: u16) -> Pty {
        let mut master: libc::c_int = -1;
        let mut slave: libc::c_int = -1;
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two fds into the out-params; the winsize is read only.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &ws,
            )
        };
        assert_eq!(rc, 0, "openpty failed: {}", std::io::Error::last_os_error());
        // SAFETY: both fds were just returned by openpty and are owned here.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let out = slave.try_clone().expect("dup slave");
        let err = slave.try_clone().expect("dup slave");
        cmd.stdin(Stdio::from(slave))
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn the binary in the pty");
        let master = File::from(master);
        let mut reader = master.try_clone().expect("dup master");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break, // EIO once the child side is closed
                    Ok(n) => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                }
            }
        });
        let _ = master.as_raw_fd();
        Pty {
            master,
            child,
            output,
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to the pty");
        self.master.flush().expect("flush the pty");
    }

    /// Sends keys one at a time with a short pause, as a person would (so each is its own
    /// key event).
    pub fn keys(&mut self, keys: &str) {
        for ch in keys.chars() {
            let mut b = [0u8; 4];
            self.send(ch.encode_utf8(&mut b).as_bytes());
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    pub fn output(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output()).into_owned()
    }

    /// The number of bytes seen so far (to search only what came after a point).
    pub fn mark(&self) -> usize {
        self.output.lock().unwrap().len()
    }

    /// Waits until `needle` appears after byte `from`; panics with the tail of the output.
    pub fn expect_after(&self, from: usize, needle: &str, within: Duration) {
        let start = Instant::now();
        loop {
            let out = self.output();
            let tail = String::from_utf8_lossy(&out[from.min(out.len())..]).into_owned();
            if tail.contains(needle) {
                return;
            }
            if start.elapsed() > within {
                let shown: String = tail
                    .chars()
                    .rev()
                    .take(3000)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                panic!("'{needle}' did not appear within {within:?}; output tail:\n{shown:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (bounded) for the child to exit; kills it if it does not.
    pub fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                // Let the reader drain what is left.
                std::thread::sleep(Duration::from_millis(200));
                return s;
            }
            if start.elapsed() > within {
                let _ = self.child.kill();
                panic!(
                    "the binary did not exit within {within:?}; output:\n{:?}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Pty {
    /// Whether the terminal is back in cooked mode (canonical input and echo), as a shell
    /// needs it. On Linux the master reports the slave's settings.
    pub fn cooked(&self) -> bool {
        // SAFETY: tcgetattr fills a zeroed termios for a valid fd.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(self.master.as_raw_fd(), &mut t) != 0 {
                return false;
            }
            t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
        }
    }
}

/// Replays terminal output onto a grid: enough of a VT100 for what ratatui writes (cursor
/// positioning, clears, text); colors and other sequences are skipped. Drawing writes only the
/// cells that changed, so text must be read from the screen, not from the byte stream.
pub fn render(output: &[u8], cols: usize, rows: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(output);
    let mut grid = vec![vec![' '; cols]; rows];
    let (mut r, mut c) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\x1b' => match chars.next() {
                Some('[') => {
                    let mut params = String::new();
                    let mut fin = ' ';
                    for p in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&p) {
                            fin = p;
                            break;
                        }
                        params.push(p);
                    }
                    let nums: Vec<usize> = params
                        .trim_start_matches('?')
                        .split(';')
                        .map(|n| n.parse().unwrap_or(0))
                        .collect();
                    match fin {
                        'H' | 'f' => {
                            r = nums.first().copied().unwrap_or(1).max(1) - 1;
                            c = nums.get(1).copied().unwrap_or(1).max(1) - 1;
                        }
                        'J' if nums.first() == Some(&2) => {
                            grid = vec![vec![' '; cols]; rows];
                        }
                        'h' | 'l' if params == "?1049" => {
                            grid = vec![vec![' '; cols]; rows];
                        }
                        _ => {}
                    }
                }
                Some(']') => {
                    // OSC: up to BEL or ST.
                    while let Some(p) = chars.next() {
                        if p == '\x07' || (p == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => c = 0,
            '\n' => r += 1,
            ch if ch >= ' ' => {
                if r < rows && c < cols {
                    grid[r][c] = ch;
                }
                c += unicode_width::UnicodeWidthChar::width(ch)
                    .unwrap_or(1)
                    .max(1);
            }
            _ => {}
        }
    }
    grid.into_iter()
        .map(|row| row.into_iter().collect::<String>().trim_end().to_string())
        .collect()
}

impl Pty {
    /// Waits until the screen shows `needle`; panics with the screen.
    pub fn expect_screen(&self, needle: &str, cols: usize, rows: usize, within: Duration) {
        let start = Instant::now();
        loop {
            let screen = render(&self.output(), cols, rows).join("\n");
            if screen.contains(needle) {
                return;
            }
            if start.elapsed() > within {
                panic!("'{needle}' is not on the screen after {within:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
