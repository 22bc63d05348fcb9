//! `trellis ls`: dbt's `ls` over a parsed project, shared by the CLI and the tests.

use anyhow::Result;
use std::path::PathBuf;
use trellis_compiler::{select, CompileOutput, ProjectInput};

/// The flags of one `ls` call.
#[derive(Debug, Clone, Default)]
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

/// What `ls` prints.
pub struct Listing {
    pub lines: Vec<String>,
    pub warnings: Vec<String>,
}

/// Lists the nodes of a parsed project as `dbt ls` does. `base_manifest` is the
/// text of the manifest that `state:` selectors compare with.
pub fn list(
    input: &ProjectInput,
    out: &CompileOutput,
    ls: &LsOptions,
    base_manifest: Option<&str>,
) -> Result<Listing> {
    let manifest = trellis_compiler::manifest::to_json(out, input);
    let graph = select::graph_from_manifest(&manifest);
    let selectors = match input.files.get("selectors.yml") {
        Some(text) => Some(
            select::parse_selectors_yaml(text, "selectors.yml", select::IndirectSelection::Eager)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => None,
    };
    let state = match base_manifest {
        Some(text) => {
            let base: serde_json::Value =
                serde_json::from_str(text).map_err(|e| anyhow::anyhow!("base manifest: {e}"))?;
            Some(select::PreviousState {
                graph: Some(select::graph_from_manifest(&base)),
                ..Default::default()
            })
        }
        None => None,
    };
    let indirect = match ls.indirect_selection.as_str() {
        "" | "eager" => select::IndirectSelection::Eager,
        "cautious" => select::IndirectSelection::Cautious,
        "buildable" => select::IndirectSelection::Buildable,
        "empty" => select::IndirectSelection::Empty,
        other => anyhow::bail!(
            "--indirect-selection must be eager, cautious, buildable or empty, not '{other}'"
        ),
    };
    let output = if ls.output.is_empty() {
        Some(select::ListOutput::Selector)
    } else {
        select::ListOutput::parse(&ls.output)
    };
    let output =
        output.ok_or_else(|| anyhow::anyhow!("--output must be selector, name, path or json"))?;
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
    Ok(Listing {
        lines: result.lines,
        warnings: result
            .selection
            .warnings
            .into_iter()
            .map(|w| w.message)
            .collect(),
    })
}

/// Parses `ls` arguments as dbt's CLI takes them (for tests and tools).
pub fn options_from_args(args: &[String]) -> Result<LsOptions> {
    let mut o = LsOptions::default();
    let mut i = 0;
    let mut current: Option<&str> = None;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--select"
            | "-s"
            | "--models"
            | "-m"
            | "--exclude"
            | "--resource-type"
            | "--exclude-resource-type"
            | "--output-keys" => current = Some(a),
            "--selector" | "--output" | "-o" | "--indirect-selection" | "--state" => {
                let v = args
                    .get(i + 1)
                    .cloned()
                    .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))?;
                match a {
                    "--selector" => o.selector = Some(v),
                    "--output" | "-o" => o.output = v,
                    "--indirect-selection" => o.indirect_selection = v,
                    _ => o.state = Some(PathBuf::from(v)),
                }
                current = None;
                i += 1;
            }
            value => match current {
                Some("--select" | "-s" | "--models" | "-m") => o.select.push(value.to_string()),
                Some("--exclude") => o.exclude.push(value.to_string()),
                Some("--resource-type") => o.resource_types.push(value.to_string()),
                Some("--exclude-resource-type") => o.exclude_resource_types.push(value.to_string()),
                Some("--output-keys") => o.output_keys.push(value.to_string()),
                _ => anyhow::bail!("unexpected argument '{value}'"),
            },
        }
        i += 1;
    }
    Ok(o)
}
