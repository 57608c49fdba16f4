//! Copy and open, best effort: the clipboard through OSC 52 (written by the event loop to the
//! terminal, which works over SSH) plus a local clipboard tool when a display is there; links
//! through the platform's opener. Children get no terminal (their output would corrupt the
//! screen) and are never waited for on the UI task.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn spawn_detached(mut cmd: Command, input: Option<String>) -> std::io::Result<()> {
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn()?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(text.as_bytes());
    }
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// Copies with a local clipboard tool when one fits this session; returns its name.
pub fn copy_with_system_tool(text: &str) -> Option<&'static str> {
    let candidates: &[(&str, &[&str], Option<&str>)] = &[
        ("wl-copy", &[], Some("WAYLAND_DISPLAY")),
        ("xclip", &["-selection", "clipboard"], Some("DISPLAY")),
        ("xsel", &["--clipboard", "--input"], Some("DISPLAY")),
        ("pbcopy", &[], None),
    ];
    for (tool, args, env) in candidates {
        if let Some(var) = env
            && std::env::var_os(var).is_none_or(|v| v.is_empty())
        {
            continue;
        }
        if *tool == "pbcopy" && !cfg!(target_os = "macos") {
            continue;
        }
        if let Some(path) = on_path(tool) {
            let mut cmd = Command::new(path);
            cmd.args(*args);
            if spawn_detached(cmd, Some(text.to_string())).is_ok() {
                return Some(tool);
            }
        }
    }
    None
}

/// Shows a folder in the platform's file manager (the same opener as links); Err says why not.
pub fn open_folder(folder: &std::path::Path) -> Result<(), String> {
    opener(&folder.display().to_string(), "the folder")
}

/// Opens a link in the browser; Err says why not (no opener found).
pub fn open_link(url: &str) -> Result<(), String> {
    opener(url, "the link; copy it with y instead")
}

fn opener(target: &str, what: &str) -> Result<(), String> {
    let tool = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let Some(path) = on_path(tool) else {
        return Err(format!("no {tool} found to open {what}"));
    };
    let mut cmd = Command::new(path);
    cmd.arg(target);
    spawn_detached(cmd, None).map_err(|e| format!("{tool} failed: {e}"))
}
