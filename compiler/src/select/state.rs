//! `state:` selection: comparing each node with its counterpart in a previous
//! graph (`new`, `old`, `modified` and its sub-selectors, `unmodified`).

use super::engine::{Engine, SelectorWarning};
use super::error::{ErrorKind, SelectorError, SourceLocation};
use super::methods::{py_eq, test_kind};
use super::types::{ResourceType, SelectColumn, SelectGraph, SelectNode, TestType};
use serde_json::Value;
use std::collections::BTreeSet;

const STATE_CHECKS: [&str; 10] = [
    "new",
    "old",
    "modified",
    "unmodified",
    "modified.body",
    "modified.configs",
    "modified.persisted_descriptions",
    "modified.relation",
    "modified.macros",
    "modified.contract",
];

/// Config keys ignored when comparing node configs (`CompareBehavior.Exclude`).
const NODE_CONFIG_EXCLUDED: [&str; 5] = ["alias", "schema", "database", "tags", "group"];

/// The only config keys compared for data tests.
const TEST_CONFIG_MODIFIERS: [&str; 8] = [
    "severity",
    "where",
    "limit",
    "fail_calc",
    "warn_if",
    "error_if",
    "store_failures",
    "store_failures_as",
];

/// Constraint types the default adapter enforces (a removed enforced
/// constraint is a breaking contract change).
const ENFORCED_CONSTRAINT_TYPES: [&str; 2] = ["not_null", "foreign_key"];

fn runtime(message: String) -> SelectorError {
    SelectorError::new(ErrorKind::Evaluation, message)
}

/// Runs `state:<selector>` over the included members.
pub(crate) fn search(
    engine: &mut Engine<'_>,
    included: &BTreeSet<usize>,
    selector: &str,
) -> Result<BTreeSet<usize>, SelectorError> {
    let previous: &SelectGraph = engine.state.and_then(|s| s.graph.as_ref()).ok_or_else(|| {
        runtime("Got a state selector method, but no comparison manifest".to_string())
    })?;
    if !STATE_CHECKS.contains(&selector) {
        let list: Vec<String> = STATE_CHECKS.iter().map(|s| format!("'{s}'")).collect();
        return Err(runtime(format!(
            "Got an invalid selector \"{selector}\", expected one of \"[{}]\"",
            list.join(", ")
        )));
    }
    let mut out = BTreeSet::new();
    for &i in included {
        let Some(new) = engine.node(i) else { continue };
        let old = previous.nodes.get(&new.unique_id);
        let hit = match selector {
            "new" => old.is_none(),
            "old" => old.is_some(),
            "modified" => check_modified_content(engine, previous, old, new)?,
            "unmodified" => !check_modified_content(engine, previous, old, new)?,
            "modified.body" => has_same_body(new) && old.is_none_or(|o| !same_body(new, o)),
            "modified.configs" => has_same_config(new) && old.is_none_or(|o| !same_config(new, o)),
            "modified.persisted_descriptions" => {
                is_parsed(new) && old.is_none_or(|o| !same_persisted_description(new, o))
            }
            "modified.relation" => {
                has_same_database_representation(new)
                    && old.is_none_or(|o| !same_database_representation(new, o))
            }
            "modified.macros" => check_macros_modified(engine, previous, new),
            _ => check_modified_contract(engine, old, new)?,
        };
        if hit {
            out.insert(i);
        }
    }
    if matches!(selector, "modified" | "unmodified" | "modified.contract") {
        check_removed_contracts(engine, previous)?;
    }
    Ok(out)
}

/// Types compared as manifest nodes (`ParsedNode.same_contents`).
fn is_parsed(node: &SelectNode) -> bool {
    node.resource_type.is_manifest_node() || node.resource_type == ResourceType::Function
}

fn has_same_body(node: &SelectNode) -> bool {
    is_parsed(node)
}

fn has_same_config(node: &SelectNode) -> bool {
    is_parsed(node)
        || matches!(
            node.resource_type,
            ResourceType::Source
                | ResourceType::Exposure
                | ResourceType::Metric
                | ResourceType::SemanticModel
                | ResourceType::SavedQuery
        )
}

fn has_same_database_representation(node: &SelectNode) -> bool {
    is_parsed(node) || node.resource_type == ResourceType::Source
}

/// `check_modified_content`: different contents, an upstream macro change,
/// or a changed model contract.
fn check_modified_content(
    engine: &mut Engine<'_>,
    previous: &SelectGraph,
    old: Option<&SelectNode>,
    new: &SelectNode,
) -> Result<bool, SelectorError> {
    let different = match new.resource_type {
        ResourceType::Source
        | ResourceType::Exposure
        | ResourceType::Metric
        | ResourceType::SemanticModel
        | ResourceType::SavedQuery => match old {
            // "existing when it didn't before" compares as the same
            None => false,
            Some(o) => !same_contents_non_parsed(new, o),
        },
        ResourceType::UnitTest => old.is_none_or(|o| new.checksum != o.checksum),
        _ => !same_contents_parsed(engine, old, new)?,
    };
    let macros = check_macros_modified(engine, previous, new);
    let contract = match old {
        Some(o) if o.resource_type == ResourceType::Model => !model_same_contract(engine, o, new)?,
        _ => false,
    };
    Ok(different || macros || contract)
}

/// `same_contents` of sources, exposures, metrics, semantic models and
/// saved queries against an existing previous node.
fn same_contents_non_parsed(new: &SelectNode, old: &SelectNode) -> bool {
    let facet = |k: &str| facets_equal(new, old, k);
    match new.resource_type {
        ResourceType::Source => {
            same_database_representation(new, old)
                && new.fqn == old.fqn
                && same_config(new, old)
                && facet("quoting")
                && facet("freshness")
                && facet("loaded_at_field")
                && facet("external")
        }
        ResourceType::Exposure => {
            new.fqn == old.fqn
                && facet("type")
                && facet("owner")
                && facet("maturity")
                && facet("url")
                && new.description == old.description
                && facet("label")
                && dependency_set(new) == dependency_set(old)
                && same_config(new, old)
        }
        ResourceType::Metric => {
            facet("type")
                && new.description == old.description
                && facet("label")
                && same_config(new, old)
        }
        ResourceType::SemanticModel => {
            facet("model")
                && new.description == old.description
                && facet("defaults")
                && facet("entities")
                && facet("dimensions")
                && facet("measures")
                && same_config(new, old)
                && facet("primary_entity")
                && new.group_name() == old.group_name()
        }
        ResourceType::SavedQuery => {
            let qp = |n: &SelectNode, k: &str| -> Value {
                n.state_facets
                    .get("query_params")
                    .and_then(|q| q.get(k))
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            qp(new, "metrics") == qp(old, "metrics")
                && qp(new, "group_by") == qp(old, "group_by")
                && new.description == old.description
                && qp(new, "where") == qp(old, "where")
                && facet("label")
                && same_config(new, old)
                && new.group_name() == old.group_name()
                && same_exports(new, old)
                && new.tags == old.tags
        }
        _ => true,
    }
}

fn dependency_set(node: &SelectNode) -> BTreeSet<&str> {
    node.depends_on_nodes.iter().map(String::as_str).collect()
}

fn facets_equal(new: &SelectNode, old: &SelectNode, key: &str) -> bool {
    new.state_facets.get(key).unwrap_or(&Value::Null)
        == old.state_facets.get(key).unwrap_or(&Value::Null)
}

/// Saved-query exports: same names, and the same `export_as`, `schema` and
/// `alias` in their unrendered configs, in order.
fn same_exports(new: &SelectNode, old: &SelectNode) -> bool {
    let list = |n: &SelectNode| -> Vec<Value> {
        match n.state_facets.get("exports") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        }
    };
    let (a, b) = (list(new), list(old));
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b.iter()).all(|(x, y)| {
        x.get("name") == y.get("name")
            && ["export_as", "schema", "alias"].iter().all(|k| {
                let get = |e: &Value| {
                    e.get("unrendered_config")
                        .and_then(|c| c.get(*k))
                        .cloned()
                        .unwrap_or(Value::Null)
                };
                get(x) == get(y)
            })
    })
}

/// `ParsedNode.same_contents` and its subclass overrides.
fn same_contents_parsed(
    engine: &mut Engine<'_>,
    old: Option<&SelectNode>,
    new: &SelectNode,
) -> Result<bool, SelectorError> {
    let Some(old) = old else { return Ok(false) };
    if test_kind(new) == Some(TestType::Generic) {
        return Ok(same_config(new, old) && new.fqn == old.fqn);
    }
    // the contract comparison runs first since it may report breaking changes
    let same_contract = if new.resource_type == ResourceType::Model {
        model_same_contract(engine, old, new)?
    } else {
        true
    };
    let mut same = same_body(new, old)
        && same_config(new, old)
        && same_persisted_description(new, old)
        && new.fqn == old.fqn
        && same_database_representation(new, old)
        && same_contract;
    if new.resource_type == ResourceType::Model {
        same = same
            && new.latest_version == old.latest_version
            && model_access_of(new) == model_access_of(old)
            && new.deprecation_date == old.deprecation_date;
    }
    if new.resource_type == ResourceType::Function {
        same = same && facets_equal(new, old, "arguments") && facets_equal(new, old, "returns");
    }
    Ok(same)
}

fn model_access_of(node: &SelectNode) -> Option<&str> {
    node.access
        .as_deref()
        .or_else(|| node.config.get("access").and_then(Value::as_str))
}

/// `same_body`: raw code, or the file checksum for seeds.
fn same_body(new: &SelectNode, old: &SelectNode) -> bool {
    if new.resource_type == ResourceType::Seed {
        new.checksum == old.checksum
    } else {
        new.raw_code == old.raw_code
    }
}

fn unrendered_get<'v>(node: &'v SelectNode, key: &str) -> Option<&'v Value> {
    node.unrendered_config.get(key)
}

/// `BaseConfig.compare_key`: absent on both sides is equal; absent on one
/// side is different.
fn compare_key(new: &SelectNode, old: &SelectNode, key: &str) -> bool {
    match (unrendered_get(new, key), unrendered_get(old, key)) {
        (None, None) => true,
        (Some(a), Some(b)) => py_eq(a, b),
        _ => false,
    }
}

/// `same_config` of each resource type.
fn same_config(new: &SelectNode, old: &SelectNode) -> bool {
    match new.resource_type {
        ResourceType::SemanticModel | ResourceType::SavedQuery => py_eq(&new.config, &old.config),
        ResourceType::Test => TEST_CONFIG_MODIFIERS
            .iter()
            .all(|k| compare_key(new, old, k)),
        rt => {
            let excluded: &[&str] = match rt {
                ResourceType::Source | ResourceType::Exposure => &[],
                ResourceType::Metric => &["group"],
                _ => &NODE_CONFIG_EXCLUDED,
            };
            let mut keys: BTreeSet<&str> = BTreeSet::new();
            for cfg in [&new.unrendered_config, &old.unrendered_config] {
                if let Value::Object(map) = cfg {
                    keys.extend(map.keys().map(String::as_str));
                }
            }
            keys.into_iter()
                .filter(|k| !excluded.contains(k))
                .all(|k| compare_key(new, old, k))
        }
    }
}

/// `same_persisted_description`: only descriptions that are persisted to
/// the database matter.
fn same_persisted_description(new: &SelectNode, old: &SelectNode) -> bool {
    // data tests have no `persist_docs` config
    if new.resource_type == ResourceType::Test {
        return true;
    }
    let persist = new.config.get("persist_docs");
    if crate::parser::py_truthy(persist.and_then(|p| p.get("relation")))
        && new.description != old.description
    {
        return false;
    }
    if crate::parser::py_truthy(persist.and_then(|p| p.get("columns"))) {
        let descriptions = |n: &SelectNode| -> Vec<(String, String)> {
            n.columns
                .iter()
                .map(|(k, c)| (k.clone(), c.description.clone()))
                .collect()
        };
        if descriptions(new) != descriptions(old) {
            return false;
        }
    }
    true
}

/// `same_database_representation`: configured database/schema/alias for
/// nodes; database/schema/identifier for sources.
fn same_database_representation(new: &SelectNode, old: &SelectNode) -> bool {
    if new.resource_type == ResourceType::Source {
        return new.database == old.database
            && new.schema == old.schema
            && new.identifier == old.identifier;
    }
    ["database", "schema", "alias"].iter().all(|k| {
        let a = unrendered_get(new, k).unwrap_or(&Value::Null);
        let b = unrendered_get(old, k).unwrap_or(&Value::Null);
        py_eq(a, b)
    })
}

/// `check_modified_contract`: `same_contract` where the new node has one
/// (models; other parsed nodes always compare equal).
fn check_modified_contract(
    engine: &mut Engine<'_>,
    old: Option<&SelectNode>,
    new: &SelectNode,
) -> Result<bool, SelectorError> {
    if !is_parsed(new) {
        return Ok(false);
    }
    match old {
        None => Ok(true),
        Some(o) if new.resource_type == ResourceType::Model => {
            Ok(!model_same_contract(engine, o, new)?)
        }
        Some(_) => Ok(false),
    }
}

fn materialization_enforces_constraints(node: &SelectNode) -> bool {
    matches!(
        node.config.get("materialized").and_then(Value::as_str),
        Some("table" | "incremental")
    )
}

fn constraint_type(c: &Value) -> &str {
    c.get("type").and_then(Value::as_str).unwrap_or("")
}

/// A removed constraint's name, else its type as dbt prints the enum
/// (`ConstraintType.not_null`).
fn constraint_label(c: &Value) -> String {
    match c.get("name").and_then(Value::as_str) {
        Some(name) => name.to_string(),
        None => format!("ConstraintType.{}", constraint_type(c)),
    }
}

fn python_str_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", inner.join(", "))
}

/// `ModelNode.same_contract`, reporting breaking changes: a warning for an
/// unversioned model, an error for a versioned one.
fn model_same_contract(
    engine: &mut Engine<'_>,
    old: &SelectNode,
    new: &SelectNode,
) -> Result<bool, SelectorError> {
    if old.resource_type != ResourceType::Model || new.resource_type != ResourceType::Model {
        return Ok(true);
    }
    let (old_enforced, new_enforced) = (old.contract.enforced, new.contract.enforced);
    if !old_enforced && !new_enforced {
        return Ok(true);
    }
    if !old_enforced && new_enforced {
        return Ok(false);
    }
    if new_enforced && new.contract.checksum == old.contract.checksum {
        return Ok(true);
    }
    let contract_disabled = old_enforced && !new_enforced;
    let mut columns_removed: Vec<String> = Vec::new();
    let mut type_changes: Vec<String> = Vec::new();
    let mut column_constraints_removed: Vec<String> = Vec::new();
    let mut model_constraints_removed: Vec<String> = Vec::new();
    let mut column_constraints_exist = false;
    let old_enforces = materialization_enforces_constraints(old);
    for (key, old_col) in &old.columns {
        let new_col: Option<&SelectColumn> = new.columns.get(key);
        match new_col {
            None => columns_removed.push(old_col.name.clone()),
            Some(nc) if nc.data_type != old_col.data_type => {
                if normalize_type(&old_col.data_type) != normalize_type(&nc.data_type) {
                    type_changes.push(format!(
                        "{} ({} -> {})",
                        old_col.name,
                        old_col.data_type.as_deref().unwrap_or("None"),
                        nc.data_type.as_deref().unwrap_or("None")
                    ));
                }
            }
            Some(_) => {}
        }
        if !old_col.constraints.is_empty() {
            column_constraints_exist = true;
        }
        if let Some(nc) = new_col {
            if old_col.constraints != nc.constraints && old_enforces {
                for c in &old_col.constraints {
                    if !nc.constraints.contains(c)
                        && ENFORCED_CONSTRAINT_TYPES.contains(&constraint_type(c))
                    {
                        column_constraints_removed.push(format!(
                            "'{}' constraint on column {}",
                            constraint_label(c),
                            key
                        ));
                    }
                }
            }
        }
    }
    if old.constraints != new.constraints && old_enforces {
        for c in &old.constraints {
            if !new.constraints.contains(c)
                && ENFORCED_CONSTRAINT_TYPES.contains(&constraint_type(c))
            {
                let columns: Vec<String> = match c.get("columns") {
                    Some(Value::Array(cols)) => cols
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                model_constraints_removed.push(format!(
                    "'{}' constraint on columns {}",
                    constraint_label(c),
                    python_str_list(&columns)
                ));
            }
        }
    }
    let materialization_changed = old_enforces
        && !materialization_enforces_constraints(new)
        && (!old.constraints.is_empty() || column_constraints_exist);

    let mut breaking: Vec<String> = Vec::new();
    if contract_disabled {
        breaking.push("Contract enforcement was removed: Previously, this model had an enforced contract. It is no longer configured to enforce its contract, and this is a breaking change.".to_string());
    }
    if !columns_removed.is_empty() {
        breaking.push(format!(
            "Columns were removed: \n    - {}",
            columns_removed.join("\n    - ")
        ));
    }
    if !type_changes.is_empty() {
        breaking.push(format!(
            "Columns with data_type changes: \n    - {}",
            type_changes.join("\n    - ")
        ));
    }
    if !column_constraints_removed.is_empty() {
        breaking.push(format!(
            "Enforced column level constraints were removed: \n    - {}",
            column_constraints_removed.join("\n    - ")
        ));
    }
    if !model_constraints_removed.is_empty() {
        breaking.push(format!(
            "Enforced model level constraints were removed: \n    - {}",
            model_constraints_removed.join("\n    - ")
        ));
    }
    if materialization_changed {
        let m = |n: &SelectNode| {
            n.config
                .get("materialized")
                .and_then(Value::as_str)
                .unwrap_or("None")
                .to_string()
        };
        breaking.push(format!(
            "Materialization changed with enforced constraints: \n    - {} -> {}",
            m(old),
            m(new)
        ));
    }
    if !breaking.is_empty() {
        report_breaking_change(engine, new, &breaking)?;
    }
    Ok(false)
}

fn normalize_type(data_type: &Option<String>) -> Option<String> {
    match data_type.as_deref() {
        None => None,
        Some("") => Some(String::new()),
        Some(t) => Some(t.split('(').next().unwrap_or("").trim().to_lowercase()),
    }
}

fn report_breaking_change(
    engine: &mut Engine<'_>,
    node: &SelectNode,
    breaking: &[String],
) -> Result<(), SelectorError> {
    let reasons = breaking.join("\n  - ");
    if node.version.is_none() {
        engine.warnings.push(SelectorWarning {
            message: format!(
                "Breaking change to contracted, unversioned model {} ({})\nWhile comparing to previous project state, dbt detected a breaking change to an unversioned model.\n  - {}\n",
                node.name, node.original_file_path, reasons
            ),
            location: SourceLocation::default(),
        });
        Ok(())
    } else {
        Err(runtime(format!(
            "While comparing to previous project state, dbt detected a breaking change to an enforced contract.\n  - {reasons}\nConsider making an additive (non-breaking) change instead, if possible.\nOtherwise, create a new model version: https://docs.getdbt.com/docs/collaborate/govern/model-versions"
        )))
    }
}

/// Contracted models of the previous state that were deleted, renamed or
/// disabled are breaking changes unless past their deprecation date.
fn check_removed_contracts(
    engine: &mut Engine<'_>,
    previous: &SelectGraph,
) -> Result<(), SelectorError> {
    let current = engine.graph;
    for (uid, previous_node) in &previous.nodes {
        if !previous_node.resource_type.is_manifest_node() {
            continue;
        }
        let removed: Option<&SelectNode> = match (current.disabled.get(uid), current.nodes.get(uid))
        {
            (Some(disabled), _) => Some(disabled),
            (None, Some(n)) if !n.enabled() => Some(n),
            (None, None) => Some(previous_node),
            _ => None,
        };
        let Some(removed) = removed else { continue };
        if removed.resource_type != ResourceType::Model || !removed.contract.enforced {
            continue;
        }
        if let (Some(date), Some(now)) = (&removed.deprecation_date, &engine.options.now) {
            if date < now {
                continue;
            }
        }
        let change = if !removed.enabled() {
            format!("Contracted model '{}' was disabled.", removed.unique_id)
        } else {
            format!(
                "Contracted model '{}' was deleted or renamed.",
                removed.unique_id
            )
        };
        report_breaking_change(engine, removed, &[change])?;
    }
    Ok(())
}

/// Packages of the macros that come with dbt and its adapters.
const INTERNAL_PACKAGES: &[&str] = &[
    "dbt",
    "dbt_duckdb",
    "dbt_postgres",
    "dbt_snowflake",
    "dbt_bigquery",
    "dbt_redshift",
    "dbt_spark",
    "dbt_databricks",
    "dbt_trino",
    "dbt_fabric",
    "dbt_sqlserver",
];

fn is_internal_macro(uid: &str) -> bool {
    uid.strip_prefix("macro.")
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(package, _)| INTERNAL_PACKAGES.contains(&package))
}

/// Macros whose code changed, appeared or disappeared. Unlike dbt-core,
/// the macros of dbt itself and its adapters are left out: ours are our
/// own text with dbt's behaviour, so a base manifest written by dbt-core
/// would otherwise mark every node that uses them; and a change there is
/// a change of tool, not of project.
fn modified_macros(previous: &SelectGraph, current: &SelectGraph) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (uid, m) in current.macros.iter().filter(|(u, _)| !is_internal_macro(u)) {
        match previous.macros.get(uid) {
            Some(old) if old.macro_sql == m.macro_sql => {}
            _ => {
                out.insert(uid.clone());
            }
        }
    }
    for uid in previous.macros.keys().filter(|u| !is_internal_macro(u)) {
        if !current.macros.contains_key(uid) {
            out.insert(uid.clone());
        }
    }
    out
}

/// True when the node calls a modified macro, directly or through other
/// macros.
fn check_macros_modified(
    engine: &mut Engine<'_>,
    previous: &SelectGraph,
    node: &SelectNode,
) -> bool {
    if engine.modified_macros.is_none() {
        engine.modified_macros = Some(modified_macros(previous, engine.graph));
    }
    let Some(modified) = engine.modified_macros.as_ref() else {
        return false;
    };
    if modified.is_empty() || node.resource_type == ResourceType::Source {
        return false;
    }
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    macros_reach_modified(
        engine.graph,
        modified,
        &node.depends_on_macros,
        &mut visited,
    )
}

fn macros_reach_modified<'g>(
    graph: &'g SelectGraph,
    modified: &BTreeSet<String>,
    macros: &'g [String],
    visited: &mut BTreeSet<&'g str>,
) -> bool {
    for uid in macros {
        if !visited.insert(uid.as_str()) {
            continue;
        }
        if modified.contains(uid) {
            return true;
        }
        if let Some(m) = graph.macros.get(uid) {
            if !m.depends_on_macros.is_empty()
                && macros_reach_modified(graph, modified, &m.depends_on_macros, visited)
            {
                return true;
            }
        }
    }
    false
}
