//! Writing what the compiler produced: compiled files, manifest.json, diagnostics.

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use trellis_cli::load::{load, LoadOptions};
use trellis_cli::ls::LsOptions;
use trellis_compiler::diagnostics::render_frame;
use trellis_compiler::nodes::ResourceType;

pub struct CommandOptions {
    pub load: LoadOptions,
    pub target_path: PathBuf,
}

/// Reads the project and parses it (`compile_nodes`: and compiles it), with a progress bar.
fn load_and_compile(
    opts: &LoadOptions,
    compile_nodes: bool,
) -> Result<(
    trellis_compiler::ProjectInput,
    trellis_compiler::CompileOutput,
)> {
    timing("start");
    let input = load(opts)?;
    timing("read files");
    let out = trellis_compiler::compile_with_progress(&input, compile_nodes, &mut progress_bar());
    clear_progress();
    timing("compiled");
    Ok((input, out))
}

/// Prints diagnostics as code frames; returns how many of them are errors.
fn print_diagnostics<'a>(
    input: &trellis_compiler::ProjectInput,
    diagnostics: impl IntoIterator<Item = &'a trellis_compiler::Diagnostic>,
) -> usize {
    let mut errors = 0;
    for d in diagnostics {
        errors += usize::from(d.is_error());
        let src = d
            .file
            .as_ref()
            .and_then(|f| input.files.get(f))
            .map(|s| s.as_ref());
        eprint!("{}", render_frame(d, src));
    }
    errors
}

/// `trellis docs build`: compile, then write the app with the result.
pub fn docs_build_command(
    opts: &CommandOptions,
    output: &std::path::Path,
    app_dir: &std::path::Path,
) -> Result<ExitCode> {
    let started = Instant::now();
    // The catalog that gives columns their types on the site also answers
    // introspection, so unit tests compile as they do when the app opens
    // the same folder.
    let mut load = opts.load.clone();
    load.catalog = load
        .catalog
        .or_else(|| trellis_cli::docs::catalog_path(&opts.load.project_dir));
    let (input, out) = load_and_compile(&load, true)?;
    let errors = print_diagnostics(&input, &out.diagnostics);
    let catalog = load
        .catalog
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let result = trellis_compiler_wasm::session::app_result(
        &input,
        &out,
        out.diagnostics.clone(),
        "cli",
        catalog.as_deref(),
    );
    trellis_cli::docs::build_site(&result, app_dir, output)?;
    eprintln!(
        "Wrote the docs site to {} in {:.0} ms ({} error(s) in the project); serve it with any static file server",
        output.display(),
        started.elapsed().as_secs_f64() * 1000.0,
        errors
    );
    Ok(ExitCode::SUCCESS)
}

pub fn compile_command(opts: &CommandOptions, write_compiled: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let (input, out) = load_and_compile(&opts.load, write_compiled)?;
    let elapsed = started.elapsed();
    let errors = print_diagnostics(&input, &out.diagnostics);
    let target_dir = opts.load.project_dir.join(&opts.target_path);
    let m = &out.manifest;
    if write_compiled {
        trellis_cli::artifacts::write_compiled(&out, &target_dir)?;
        timing("wrote compiled files");
    }
    std::fs::create_dir_all(&target_dir)?;
    let manifest_path = target_dir.join("manifest.json");
    let file = trellis_cli::artifacts::open_for_overwrite(&manifest_path)
        .with_context(|| format!("writing {}", manifest_path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    trellis_compiler::manifest::write_json(&out, &input, &mut w)?;
    let mut file = w.into_inner().map_err(|e| e.into_error())?;
    let written = std::io::Seek::stream_position(&mut file)?;
    trellis_cli::artifacts::finish_overwrite(&file, written)?;
    timing("wrote manifest.json");
    // Enabled nodes, as dbt-core counts them (a test whose target is
    // missing stays in the manifest, disabled).
    let count = |rt: ResourceType| {
        m.nodes
            .values()
            .filter(|n| {
                n.resource_type == rt
                    && n.config.get("enabled") != Some(&serde_json::Value::Bool(false))
            })
            .count()
    };
    eprintln!(
        "Found {} models, {} seeds, {} snapshots, {} data tests, {} analyses, {} sources, {} macros",
        count(ResourceType::Model),
        count(ResourceType::Seed),
        count(ResourceType::Snapshot),
        count(ResourceType::Test),
        count(ResourceType::Analysis),
        m.sources.len(),
        out.macros.len()
    );
    eprintln!(
        "{} in {:.0} ms: {} error(s); wrote {}",
        if write_compiled { "Compiled" } else { "Parsed" },
        elapsed.as_secs_f64() * 1000.0,
        errors,
        target_dir.display()
    );
    // The process ends here: freeing the project node by node would only
    // cost time.
    std::mem::forget(out);
    std::mem::forget(input);
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// With `TRELLIS_TIMINGS` set, prints how long the process has run when a
/// step ends (phases of the compiler included), to see where time goes.
fn timing(step: &str) {
    use std::sync::OnceLock;
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    if let Some(start) =
        START.get_or_init(|| std::env::var_os("TRELLIS_TIMINGS").map(|_| Instant::now()))
    {
        match cpu_ms() {
            Some(cpu) => eprintln!(
                "{:>8.0} ms  {:>6} ms CPU  {step}",
                start.elapsed().as_secs_f64() * 1000.0,
                cpu
            ),
            None => eprintln!("{:>8.0} ms  {step}", start.elapsed().as_secs_f64() * 1000.0),
        }
    }
}

/// CPU time the process has used so far (user and system, all threads), on
/// Linux: a phase that took as much CPU as wall time ran on one core.
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after `)`.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    // Clock ticks, 100 per second on Linux.
    Some((utime + stime) * 10)
}

/// A one-line progress bar on stderr, shown only on a terminal and for projects
/// big enough to need one.
fn progress_bar() -> impl FnMut(trellis_compiler::Progress) {
    use std::io::{IsTerminal, Write};
    let tty = std::io::stderr().is_terminal();
    let mut phase = "";
    move |p: trellis_compiler::Progress| {
        if p.phase != phase {
            if phase.is_empty() {
                timing(&format!("({} starts)", p.phase));
            } else {
                timing(phase);
            }
            phase = p.phase;
        }
        if !tty || p.total < 500 {
            return;
        }
        let width = 30;
        let filled = p.done * width / p.total.max(1);
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r{:>7} [{}{}] {}/{}",
            p.phase,
            "#".repeat(filled),
            " ".repeat(width - filled),
            p.done,
            p.total
        );
        let _ = err.flush();
    }
}

fn clear_progress() {
    use std::io::{IsTerminal, Write};
    if std::io::stderr().is_terminal() {
        let _ = write!(std::io::stderr(), "\r{}\r", " ".repeat(60));
    }
}

pub fn ls_command(opts: &CommandOptions, ls: &LsOptions) -> Result<ExitCode> {
    let input = load(&opts.load)?;
    let out = trellis_compiler::parse(&input);
    let errors = print_diagnostics(&input, out.diagnostics.iter().filter(|d| d.is_error()));
    let state_base = ls.state.as_ref().map(|dir| dir.join("manifest.json"));
    let base = match &state_base {
        Some(path) => Some(
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        None => None,
    };
    let listing = trellis_cli::ls::list(&input, &out, ls, base.as_deref())?;
    for w in &listing.warnings {
        eprintln!("warning: {w}");
    }
    for line in &listing.lines {
        println!("{line}");
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
