//! Every way out restores the terminal: the real binary (`qlik-tui --demo --mouse`) in a pty
//! gets SIGTERM, SIGHUP or SIGQUIT and must leave the alternate screen, show the cursor, turn
//! off bracketed paste and mouse capture, put the tty back in cooked mode, and exit with
//! 128+signo. Ctrl-Z (and SIGTSTP from outside) suspends: the terminal is restored while the
//! process is stopped, and after SIGCONT (what `fg` sends) the explorer takes the terminal again
//! and redraws in full.

mod pty;

use std::time::{Duration, Instant};

use pty::Pty;

const WAIT: Duration = Duration::from_secs(30);
const COLS: u16 = 100;
const ROWS: u16 = 30;

/// The demo explorer with the mouse on, its first frame drawn.
fn started() -> (Pty, tempfile::TempDir, tempfile::TempDir) {
    let config = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let t = pty::demo(config.path(), state.path(), &["--mouse"], COLS, ROWS);
    t.expect_after(0, "\x1b[?1049h", WAIT);
    t.expect_screen("Explorer (", COLS as usize, ROWS as usize, WAIT);
    (t, config, state)
}

fn send_signal(t: &Pty, signo: i32) {
    // SAFETY: kill with our own child's pid and a valid signal number.
    let rc = unsafe { libc::kill(t.child.id() as libc::pid_t, signo) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
}

/// Everything written after `from` restores every mode the explorer took. The process may
/// already be stopped or gone while the pty's reader thread is still copying what it wrote, so
/// each sequence is waited for (bounded) rather than looked up once.
fn assert_restored(t: &Pty, from: usize) {
    for (seq, what) in [
        ("\x1b[?1049l", "the alternate screen is left"),
        ("\x1b[?25h", "the cursor is shown"),
        ("\x1b[?2004l", "bracketed paste is off"),
        ("\x1b[?1000l", "mouse capture is off"),
    ] {
        eprintln!("waiting until {what}");
        t.expect_after(from, seq, WAIT);
    }
    assert!(t.cooked(), "the tty is back in cooked mode");
}

#[test]
fn sigterm_sighup_and_sigquit_restore_the_terminal_and_exit_128_plus_signo() {
    for signo in [libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        let (mut t, _c, _s) = started();
        let m = t.mark();
        send_signal(&t, signo);
        let status = t.wait_exit(WAIT);
        assert_eq!(
            status.code(),
            Some(128 + signo),
            "signal {signo}: {status:?}"
        );
        assert_restored(&t, m);
    }
}

/// The process state letter from /proc (T: stopped).
fn state(t: &Pty) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", t.child.id())).unwrap();
    // "pid (comm) S ...": the state follows the last ')'.
    stat.rsplit(')')
        .next()
        .and_then(|r| r.trim_start().chars().next())
        .unwrap()
}

fn wait_state(t: &Pty, want: char) {
    let start = Instant::now();
    while state(t) != want {
        assert!(start.elapsed() < WAIT, "process state stays {}", state(t));
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Suspends with `how`, checks the terminal while stopped, continues, checks the full redraw.
fn suspend_and_resume(t: &mut Pty, how: impl FnOnce(&mut Pty)) {
    let m = t.mark();
    how(t);
    wait_state(t, 'T');
    assert_restored(t, m);
    let m = t.mark();
    send_signal(t, libc::SIGCONT);
    t.expect_after(m, "\x1b[?1049h", WAIT);
    // A full redraw: the screen is cleared and the explorer's frame drawn again after it.
    t.expect_after(m, "\x1b[2J", WAIT);
    t.expect_after(m, "Explorer", WAIT);
    assert!(!t.cooked(), "raw mode again after fg");
}

#[test]
fn ctrl_z_and_sigtstp_suspend_with_the_terminal_restored_and_fg_redraws() {
    let (mut t, _c, _s) = started();
    suspend_and_resume(&mut t, |t| t.send(b"\x1a"));
    suspend_and_resume(&mut t, |t| send_signal(t, libc::SIGTSTP));
    // Still working: q quits normally, restored.
    let m = t.mark();
    t.keys("q");
    let status = t.wait_exit(WAIT);
    assert!(status.success(), "{status:?}");
    assert_restored(&t, m);
}
