//! Writing what the compiler produced: compiled files, manifest.json, diagnostics.

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use trellis_cli::load::{load, LoadOptions};
use trellis_compiler::diagnostics::render_frame;
use trellis_compiler::nodes::ResourceType;

pub struct CommandOptions {
    pub load: LoadOptions,
    pub target_path: PathBuf,
}

pub fn compile_command(opts: &CommandOptions, write_compiled: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let input = load(&opts.load)?;
    let out = trellis_compiler::compile_with_progress(&input, write_compiled, &mut progress_bar());
    clear_progress();
    let elapsed = started.elapsed();
    let mut errors = 0;
    for d in &out.diagnostics {
        if d.is_error() {
            errors += 1;
        }
        let src = d
            .file
            .as_ref()
            .and_then(|f| input.files.get(f))
            .map(|s| s.as_ref());
        eprint!("{}", render_frame(d, src));
    }
    let target_dir = opts.load.project_dir.join(&opts.target_path);
    let m = &out.manifest;
    if write_compiled {
        trellis_cli::artifacts::write_compiled(&out, &target_dir)?;
    }
    std::fs::create_dir_all(&target_dir)?;
    let manifest = trellis_compiler::manifest::to_json(&out, &input);
    let manifest_path = target_dir.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string(&manifest)?)?;
    let count = |rt: ResourceType| m.nodes.values().filter(|n| n.resource_type == rt).count();
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
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A one-line progress bar on stderr, shown only on a terminal and for projects
/// big enough to need one.
fn progress_bar() -> impl FnMut(trellis_compiler::Progress) {
    use std::io::{IsTerminal, Write};
    let tty = std::io::stderr().is_terminal();
    move |p: trellis_compiler::Progress| {
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

pub struct LsOptions {
    pub select: Vec<String>,
    pub exclude: Vec<String>,
    pub selector: Option<String>,
    pub resource_types: Vec<String>,
    pub exclude_resource_types: Vec<String>,
    pub output: String,
    pub output_keys: Vec<String>,
    pub indirect_selection: String,
    pub state: Option<PathBuf>,
}

/// Splits selector arguments the way dbt's CLI does: each value may hold
/// several space-separated selectors.
fn split_args(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split_whitespace().map(str::to_string))
        .collect()
}

pub fn ls_command(opts: &CommandOptions, ls: &LsOptions) -> Result<ExitCode> {
    use trellis_compiler::select;
    let input = load(&opts.load)?;
    let out = trellis_compiler::parse(&input);
    let mut errors = 0;
    for d in out.diagnostics.iter().filter(|d| d.is_error()) {
        errors += 1;
        let src = d
            .file
            .as_ref()
            .and_then(|f| input.files.get(f))
            .map(|s| s.as_ref());
        eprint!("{}", render_frame(d, src));
    }
    let manifest = trellis_compiler::manifest::to_json(&out, &input);
    let graph = select::graph_from_manifest(&manifest);
    let selectors = match input.files.get("selectors.yml") {
        Some(text) => Some(
            select::parse_selectors_yaml(text, "selectors.yml", select::IndirectSelection::Eager)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => None,
    };
    let state = match &ls.state {
        Some(dir) => {
            let path = dir.join("manifest.json");
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let base: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", path.display()))?;
            Some(select::PreviousState {
                graph: Some(select::graph_from_manifest(&base)),
                ..Default::default()
            })
        }
        None => None,
    };
    let indirect = match ls.indirect_selection.as_str() {
        "eager" => select::IndirectSelection::Eager,
        "cautious" => select::IndirectSelection::Cautious,
        "buildable" => select::IndirectSelection::Buildable,
        "empty" => select::IndirectSelection::Empty,
        other => anyhow::bail!(
            "--indirect-selection must be eager, cautious, buildable or empty, not '{other}'"
        ),
    };
    let output = select::ListOutput::parse(&ls.output)
        .ok_or_else(|| anyhow::anyhow!("--output must be selector, name, path or json"))?;
    let request = select::ListRequest {
        selection: select::SelectionArgs {
            select: split_args(&ls.select),
            exclude: split_args(&ls.exclude),
            selector: ls.selector.clone(),
            indirect_selection: indirect,
        },
        resource_types: split_args(&ls.resource_types),
        exclude_resource_types: split_args(&ls.exclude_resource_types),
        output,
        output_keys: ls.output_keys.clone(),
    };
    let result = select::list(&graph, &request, selectors.as_ref(), state.as_ref())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for w in &result.selection.warnings {
        eprintln!("warning: {}", w.message);
    }
    for line in &result.lines {
        println!("{line}");
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
