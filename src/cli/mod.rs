//! The command line: every view has a headless twin here (`--json` for scripts). Commands are
//! thin: they resolve a connection, call the domain, and print.

pub mod app_cache;
pub mod apps;
pub mod color;
pub mod completions;
pub mod conn;
pub mod data;
pub mod demo_engine;
pub mod diff;
pub mod doctor;
pub mod exit;
pub mod export;
pub mod get;
pub mod info;
pub mod links;
#[cfg(unix)]
pub mod no_echo;
pub mod output;
pub mod profile;
pub mod profiles;
pub mod search;
pub mod stdout;
pub mod table;
pub mod trace;
pub mod usage;

use clap::{Parser, Subcommand};
use trace::TraceArgs;

#[derive(Debug, Parser)]
#[command(
    name = "qlik-tui",
    version,
    about = "A terminal explorer for Qlik Sense: profiles with secrets in the OS keyring, engine sessions, tree panes, exports.",
    after_help = after_help()
)]
pub struct Cli {
    /// Open the explorer on the built-in engine simulator (no Qlik server needed; writes nothing
    /// to the keyring or the config dir).
    #[arg(long)]
    pub demo: bool,

    /// Let the explorer use the mouse (click to select, wheel to scroll).
    #[arg(long)]
    pub mouse: bool,

    /// Color theme of the explorer.
    #[arg(long, value_enum, default_value_t = crate::tui::ThemeName::Dark)]
    pub theme: crate::tui::ThemeName,

    /// The profile the explorer connects at start (default: the profile file's `default`).
    #[arg(short = 'p', long = "profile", env = "QLIK_TUI_PROFILE")]
    pub profile: Option<String>,

    /// Keyring backend holding the profiles' secrets (default: each profile's own setting).
    #[arg(long, value_enum, env = "QLIK_TUI_SECRET_STORE")]
    pub secret_store: Option<crate::profile::secrets::StoreChoice>,

    /// Color: `auto` colors a terminal only (never a pipe or a file) and honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = color::ColorChoice::Auto, global = true)]
    pub color: color::ColorChoice,

    /// Record every frame and HTTP call to FILE (NDJSON, one event a line, mode 0600):
    /// credentials appear by name only. Read it with `qlik-tui trace FILE`.
    #[arg(long, value_name = "FILE", global = true, env = "QLIK_TUI_TRACE")]
    pub trace: Option<std::path::PathBuf>,

    /// With --trace: keep whole request and reply bodies (by default cut at 64 KiB).
    #[arg(long, global = true, requires = "trace")]
    pub trace_full: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the apps the user may open.
    Apps(Box<apps::AppsArgs>),
    /// Run the engine simulator in the foreground (certificates written to a folder, the wss URL
    /// printed on stdout).
    DemoEngine(Box<demo_engine::DemoEngineArgs>),
    /// Walk the connection layer by layer and explain what fails, with the fix.
    Doctor(Box<doctor::DoctorArgs>),
    /// Connection profiles: settings in the profile file, secrets in the OS keyring.
    Profile(profile::ProfileArgs),
    /// Export apps' metadata and links as json, ndjson, csv or md.
    Export(Box<export::ExportArgs>),
    /// Compare two apps: the same app on two profiles, two apps, or two export documents
    /// (exit 0 equal, 1 different, 2 trouble).
    Diff(Box<diff::DiffArgs>),
    /// Search apps' sheets, objects, master items, bookmarks, variables, script and fields.
    Search(Box<search::SearchArgs>),
    /// Who uses each master item and field of an app (and which are unused).
    Usage(Box<usage::UsageArgs>),
    /// Print the hub and single-object links of an app, sheet, object or bookmark.
    Links(Box<links::LinksArgs>),
    /// Show where config, profiles, logs and the keymap live.
    Info {
        #[arg(long)]
        json: bool,
    },
    /// Read what the explorer shows: sheets, objects, master items, bookmarks, variables, the
    /// data model, the script, the app (table, json, ndjson or yaml).
    Get(Box<get::GetArgs>),
    /// The data behind a chart: an object's hypercube or list object, paged (read-only).
    Data(Box<data::DataArgs>),
    /// A field's distinct values with their frequency (a session list object, destroyed after).
    Values(Box<data::ValuesArgs>),
    /// Evaluate an expression in the app, e.g. 'Sum(Sales)' (EvaluateEx).
    Eval(Box<data::EvalArgs>),
    /// Print a shell completion script (profile names and app ids complete in bash and fish).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff): `qlik-tui man | man -l -`.
    Man,
    /// The app ids a profile last listed, `id<TAB>title` a line (what shell completion reads;
    /// never connects).
    #[command(hide = true)]
    AppIds(app_cache::AppIdsArgs),
    /// Summarise a trace recorded with --trace: requests per method with p50/p95/max latency
    /// and bytes, the slowest requests, errors by code, sessions and how each closed.
    Trace(TraceArgs),
}

fn after_help() -> String {
    format!(
        "Run `qlik-tui` for the explorer on your profiles (`-p NAME` connects one), `qlik-tui --demo` for the explorer on a built-in engine simulator. `qlik-tui info` shows where config, logs and the keymap live.\n\n{}",
        exit::HELP_TABLE
    )
}

/// Runs the parsed command; returns the process exit code.
impl Cli {
    /// Whether the run wants the multi-thread runtime: the explorer (drawing, input and sockets
    /// side by side) and the simulator (a server). A headless command is one walk that mostly
    /// waits on the engine: on one thread its replies reach their callers without a wake-up
    /// across threads, which cost an export about a fifth of its CPU in futex and context
    /// switches (issue 16).
    pub fn wants_worker_threads(&self) -> bool {
        matches!(self.command, None | Some(Command::DemoEngine(_)))
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    // The explorer draws on stdout's terminal: without color there, it uses the mono theme.
    let theme = if color::init(cli.color) {
        cli.theme
    } else {
        crate::tui::ThemeName::Mono
    };
    // Reading a trace records nothing (QLIK_TUI_TRACE must not empty the file being read).
    if let Some(path) = &cli.trace
        && !matches!(cli.command, Some(Command::Trace(_)))
    {
        trace::start_recording(path, cli.trace_full)?;
    }
    match cli.command {
        Some(Command::Trace(a)) => trace::run(a),
        Some(Command::Apps(a)) => apps::run(*a).await,
        Some(Command::Info { json }) => info::run(json),
        Some(Command::Profile(a)) => profile::run(a).await,
        Some(Command::DemoEngine(a)) => demo_engine::run(*a).await,
        Some(Command::Doctor(a)) => doctor::run(*a).await,
        Some(Command::Export(a)) => export::run(*a).await,
        Some(Command::Diff(a)) => diff::run(*a).await,
        Some(Command::Links(a)) => links::run(*a),
        Some(Command::Search(a)) => search::run(*a).await,
        Some(Command::Usage(a)) => usage::run(*a).await,
        Some(Command::Get(a)) => get::run(*a).await,
        Some(Command::Data(a)) => data::run_data(*a).await,
        Some(Command::Values(a)) => data::run_values(*a).await,
        Some(Command::Eval(a)) => data::run_eval(*a).await,
        Some(Command::Completions(a)) => completions::run(a),
        Some(Command::Man) => completions::man(),
        Some(Command::AppIds(a)) => app_cache::run(a),
        None if cli.demo => crate::tui::demo::run(cli.mouse, theme).await,
        None => {
            let source = crate::tui::profiles::ProfileSource::default_file(cli.secret_store);
            crate::tui::run_profiles(source, cli.profile, cli.mouse, theme).await
        }
    }
}
