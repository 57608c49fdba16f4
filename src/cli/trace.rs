//! `--trace FILE` (every command that connects, and the explorer) and `qlik-tui trace FILE
//! [--json]`, the summary of a recorded trace.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::engine::trace::{Tracer, install_global};
use crate::engine::trace_file::TraceFile;
use crate::explore::traffic::{render_text, summarize};

#[derive(Debug, Clone, Args)]
pub struct TraceArgs {
    /// A trace file written with `--trace FILE`.
    pub file: PathBuf,
    /// Print the summary as one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// Starts recording every socket and HTTP call of this process to `path` (mode 0600).
pub fn start_recording(path: &Path, full: bool) -> anyhow::Result<()> {
    let file = TraceFile::create(path, full).with_context(|| {
        format!(
            "cannot write the trace file {}: give --trace a path in a folder you can write to",
            path.display()
        )
    })?;
    install_global(Tracer::new(vec![Arc::new(file)]));
    Ok(())
}

pub fn run(args: TraceArgs) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(&args.file).with_context(|| {
        format!(
            "cannot read the trace file {}: check the path (it is written by `qlik-tui --trace FILE ...`)",
            args.file.display()
        )
    })?;
    let summary = summarize(&text).with_context(|| format!("{}", args.file.display()))?;
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        crate::out!(
            "{}",
            crate::text::escape_lines_for_terminal(&render_text(&summary))
        );
    }
    Ok(0)
}
