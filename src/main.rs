use clap::Parser;

use qlik_tui::cli::{self, Cli};

fn main() {
    // SIGPIPE stays ignored (Rust's default): a socket write to a peer that has gone must be an
    // error the engine layer reports, not a silent death. A closed stdout is handled where
    // command output is printed (`qlik_tui::cli::stdout`).
    let cli = Cli::parse();
    let log_guard = qlik_tui::logging::init();
    qlik_tui::tls::ensure_crypto_provider();
    let mut builder = if cli.wants_worker_threads() {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            drop(log_guard);
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // Engine messages and titles can be part of an error: escaped, never raw.
            let text = format!("{e:#}");
            eprintln!(
                "{} {}",
                cli::color::red_stderr("error:"),
                qlik_tui::text::escape_lines_for_terminal(&text)
            );
            cli::exit::code_for(&e)
        }
    };
    // Don't wait for background tasks (sockets closing politely) to finish.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    // The run's last log line, then the guard: process::exit runs no destructors, and the
    // non-blocking writer would lose what it still buffers (tests/log_flush.rs checks).
    tracing::debug!(code, "exiting");
    drop(log_guard);
    std::process::exit(code);
}
