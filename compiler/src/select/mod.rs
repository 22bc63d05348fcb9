//! Node selection with dbt-core 1.11 semantics: selector strings and
//! selectors.yml become selection expressions, which are evaluated over a
//! graph of nodes (including indirect selection of tests and `state:`
//! comparison), and `dbt ls` output is formatted from the result.
//!
//! The module does no I/O: callers pass file contents and graphs in.
//!
//! Typical use:
//! 1. build a [`SelectGraph`] of [`SelectNode`]s;
//! 2. get a [`SelectionSpec`] from [`resolve_selection`] (or
//!    [`parse_difference`] / [`parse_selectors_yaml`]);
//! 3. call [`select`] with [`SelectOptions`] (for `dbt ls`, resource types
//!    from [`list_resource_types`] and `include_empty_nodes: true`);
//! 4. print with [`list_lines`].

mod engine;
mod error;
mod list;
mod manifest;
mod methods;
mod pattern;
mod spec;
mod state;
mod types;
mod yaml;

#[cfg(test)]
mod tests;

pub use self::engine::{select, SelectOptions, Selection, SelectorWarning};
pub use self::error::{ErrorKind, SelectorError, SourceLocation};
pub use self::list::{
    list_lines, list_resource_types, python_json, resource_types_from_args, selector_line,
    ListOutput, LIST_ALL_RESOURCE_TYPES, LIST_DEFAULT_RESOURCE_TYPES,
};
pub use self::manifest::{graph_from_entries, graph_from_manifest, node_from_manifest};
pub use self::pattern::fnmatch;
pub use self::spec::{
    default_method, parse_criteria, parse_difference, parse_union, IndirectSelection, MethodName,
    SelectionCriteria, SelectionGroup, SelectionSpec, SetOperation, DEFAULT_INCLUDES,
};
pub use self::types::{
    PreviousState, ResourceType, SelectColumn, SelectContract, SelectGraph, SelectMacro,
    SelectNode, SourceFreshness, TestType,
};
pub use self::yaml::{
    parse_selectors_value, parse_selectors_yaml, resolve_selection, SelectionArgs,
    SelectorDefinition, SelectorsFile,
};

/// The flags of one `dbt ls` invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ListRequest {
    /// `--select`, `--exclude`, `--selector`, `--indirect-selection`.
    pub selection: SelectionArgs,
    /// `--resource-type` values (`all`, `default` or resource types).
    pub resource_types: Vec<String>,
    /// `--exclude-resource-type` values.
    pub exclude_resource_types: Vec<String>,
    /// `--output`.
    pub output: ListOutput,
    /// `--output-keys` (each value may hold several space-separated keys).
    pub output_keys: Vec<String>,
}

/// What `dbt ls` prints, with the selection behind it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListResult {
    /// One line per selected node, in unique-id order.
    pub lines: Vec<String>,
    pub selection: Selection,
    /// The `default: true` selector that was used, if any.
    pub default_selector: Option<String>,
}

/// Everything `dbt ls` does after loading the project: resolve the
/// selection, select with the listed resource types (empty nodes included),
/// and format the lines. When nothing is selected, the warning "No nodes
/// selected!" is added.
pub fn list(
    graph: &SelectGraph,
    request: &ListRequest,
    selectors: Option<&SelectorsFile>,
    state: Option<&PreviousState>,
) -> Result<ListResult, SelectorError> {
    let (spec, default_selector) = resolve_selection(&request.selection, selectors)?;
    let options = SelectOptions {
        resource_types: Some(list_resource_types(
            &request.resource_types,
            &request.exclude_resource_types,
        )?),
        include_empty_nodes: true,
        now: None,
    };
    let mut selection = select(graph, &spec, &options, state)?;
    if selection.selected.is_empty() {
        selection.warnings.push(SelectorWarning {
            message: "No nodes selected!".to_string(),
            location: SourceLocation::default(),
        });
    }
    let lines = list_lines(
        graph,
        &selection.selected,
        request.output,
        &request.output_keys,
    );
    Ok(ListResult {
        lines,
        selection,
        default_selector,
    })
}
