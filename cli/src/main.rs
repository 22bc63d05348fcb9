//! `trellis`: compile dbt projects, list their resources, and write dbt's artifacts.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use trellis_cli::load;
mod output;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "trellis", version, about = "A dbt-compatible compiler")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct ProjectArgs {
    /// The dbt project directory.
    #[arg(long, default_value = ".")]
    project_dir: PathBuf,
    /// Directory holding profiles.yml (default: $DBT_PROFILES_DIR, the project dir, ~/.dbt).
    #[arg(long)]
    profiles_dir: Option<PathBuf>,
    /// Target of the profile to use.
    #[arg(long, short = 't')]
    target: Option<String>,
    /// Variables as a YAML or JSON mapping.
    #[arg(long)]
    vars: Option<String>,
    /// Where to write artifacts (relative to the project dir).
    #[arg(long, default_value = "target")]
    target_path: PathBuf,
    /// A catalog.json (from `dbt docs generate`) that answers what the
    /// warehouse would: the column types unit test fixtures are cast to.
    #[arg(long)]
    catalog: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Parse the project and write manifest.json.
    Parse(ProjectArgs),
    /// Compile every node and write target/compiled/ and manifest.json.
    Compile(ProjectArgs),
    /// List resources, as `dbt ls` does.
    #[command(alias = "list")]
    Ls(LsArgs),
    /// The docs site.
    #[command(subcommand)]
    Docs(DocsCommand),
}

#[derive(Subcommand)]
enum DocsCommand {
    /// Write the browser app and the compiled project into a folder any
    /// static file host can serve.
    Build(DocsBuildArgs),
}

#[derive(Args)]
struct DocsBuildArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// The folder to write the site into.
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// The built app (default: $TRELLIS_APP_DIR, or the workspace's dist/).
    #[arg(long)]
    app_dir: Option<PathBuf>,
}

#[derive(Args)]
struct LsArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Nodes to include (dbt selector syntax; repeatable, space-separated).
    #[arg(long, short = 's', num_args = 1.., alias = "models")]
    select: Vec<String>,
    /// Nodes to exclude.
    #[arg(long, num_args = 1..)]
    exclude: Vec<String>,
    /// A selector from selectors.yml.
    #[arg(long)]
    selector: Option<String>,
    /// Resource types to list (`all`, `default`, `model`, `test`, ...).
    #[arg(long, num_args = 1..)]
    resource_type: Vec<String>,
    /// Resource types to leave out.
    #[arg(long, num_args = 1..)]
    exclude_resource_type: Vec<String>,
    /// `selector`, `name`, `path` or `json`.
    #[arg(long, short = 'o', default_value = "selector")]
    output: String,
    /// Keys to print with `--output json`.
    #[arg(long, num_args = 1..)]
    output_keys: Vec<String>,
    /// `eager`, `cautious`, `buildable` or `empty`.
    #[arg(long, default_value = "eager")]
    indirect_selection: String,
    /// Directory of a base manifest.json for `state:` selectors.
    #[arg(long)]
    state: Option<PathBuf>,
}

// mimalloc's option setter, linked in by the `mimalloc` crate.
extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e`.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

#[cfg(target_os = "linux")]
extern "C" {
    fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
}
/// `PR_SET_THP_DISABLE` from `<linux/prctl.h>`.
#[cfg(target_os = "linux")]
const PR_SET_THP_DISABLE: std::ffi::c_int = 41;

fn main() -> ExitCode {
    // Each command is one batch that ends with the process: memory freed
    // between phases is better kept for the next one than handed back to the
    // OS. Handing it back made every phase fault in and zero fresh pages
    // again, which cost as much as the parse itself on 10,000 models
    // (1.6 s of 3 s).
    // SAFETY: sets a process-wide allocator option before any thread starts.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // No transparent huge pages: mimalloc asks for them, and a fault on one
    // can stall on the kernel compacting memory. On these machines that put
    // up to 3 s of system time into a 10,000-model compile, where 4 KiB pages
    // cost a steady 0.8 s; a process that allocates in one burst gains little
    // from huge pages.
    // SAFETY: a flag on this process's memory, set before threads start.
    #[cfg(target_os = "linux")]
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            1 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
        )
    };
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Parse(a) => output::compile_command(&a.into_opts(), false),
        Command::Compile(a) => output::compile_command(&a.into_opts(), true),
        Command::Docs(DocsCommand::Build(a)) => output::docs_build_command(
            &a.project.into_opts(),
            &a.output,
            &a.app_dir.unwrap_or_else(trellis_cli::docs::default_app_dir),
        ),
        Command::Ls(a) => output::ls_command(
            &a.project.clone().into_opts(),
            &trellis_cli::ls::LsOptions {
                select: a.select,
                exclude: a.exclude,
                selector: a.selector,
                resource_types: a.resource_type,
                exclude_resource_types: a.exclude_resource_type,
                output: a.output,
                output_keys: a.output_keys,
                indirect_selection: a.indirect_selection,
                state: a.state,
            },
        ),
    }
}

impl ProjectArgs {
    fn into_opts(self) -> output::CommandOptions {
        output::CommandOptions {
            load: load::LoadOptions {
                project_dir: self.project_dir,
                profiles_dir: self.profiles_dir,
                target: self.target,
                vars: self.vars,
                catalog: self.catalog,
            },
            target_path: self.target_path,
        }
    }
}
