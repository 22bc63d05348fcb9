//! Building the selection graph from a `manifest.json`, so that the same
//! code serves the current compile and a base manifest for `state:` methods.

use super::list::python_json;
use super::types::{
    ResourceType, SelectColumn, SelectContract, SelectGraph, SelectMacro, SelectNode, TestType,
};
use serde_json::Value;

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}
fn os(v: &Value, k: &str) -> Option<String> {
    match v.get(k) {
        Some(Value::String(x)) => Some(x.clone()),
        Some(Value::Number(n)) => Some(python_json(&Value::Number(n.clone()))),
        _ => None,
    }
}
fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    }
}

/// A node of a `manifest.json` (dbt's or ours) as a selectable node.
pub fn node_from_manifest(v: &Value) -> SelectNode {
    let rt: ResourceType =
        serde_json::from_value(v["resource_type"].clone()).unwrap_or(ResourceType::Model);
    let mut n = SelectNode {
        unique_id: s(v, "unique_id"),
        name: s(v, "name"),
        resource_type: rt,
        package_name: s(v, "package_name"),
        fqn: strs(v.get("fqn")),
        original_file_path: s(v, "original_file_path"),
        path: s(v, "path"),
        patch_path: os(v, "patch_path"),
        tags: strs(v.get("tags")),
        config: v.get("config").cloned().unwrap_or(Value::Null),
        unrendered_config: v.get("unrendered_config").cloned().unwrap_or(Value::Null),
        source_name: os(v, "source_name"),
        version: os(v, "version"),
        latest_version: os(v, "latest_version"),
        access: os(v, "access"),
        alias: os(v, "alias"),
        depends_on_nodes: strs(v.get("depends_on").and_then(|d| d.get("nodes"))),
        depends_on_macros: strs(v.get("depends_on").and_then(|d| d.get("macros"))),
        checksum: v
            .get("checksum")
            .map(|c| s(c, "checksum"))
            .unwrap_or_default(),
        raw_code: s(v, "raw_code"),
        description: s(v, "description"),
        deprecation_date: os(v, "deprecation_date"),
        database: os(v, "database"),
        schema: os(v, "schema"),
        identifier: os(v, "identifier"),
        manifest: Some(v.clone()),
        ..Default::default()
    };
    if rt == ResourceType::UnitTest {
        n.checksum = s(v, "checksum");
    }
    if rt == ResourceType::Test {
        if let Some(tm) = v.get("test_metadata").filter(|t| !t.is_null()) {
            n.test_type = Some(TestType::Generic);
            n.test_name = os(tm, "name");
            n.attached_node = os(v, "attached_node");
        } else {
            n.test_type = Some(TestType::Singular);
        }
    }
    if let Some(Value::Object(cols)) = v.get("columns") {
        for (k, c) in cols {
            n.columns.insert(
                k.clone(),
                SelectColumn {
                    name: s(c, "name"),
                    description: s(c, "description"),
                    data_type: os(c, "data_type"),
                    constraints: c
                        .get("constraints")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                },
            );
        }
    }
    if let Some(c) = v.get("contract") {
        n.contract = SelectContract {
            enforced: c.get("enforced").and_then(Value::as_bool).unwrap_or(false),
            checksum: os(c, "checksum"),
        };
    }
    n.constraints = v
        .get("constraints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for k in [
        "quoting",
        "freshness",
        "loaded_at_field",
        "external",
        "type",
        "owner",
        "maturity",
        "url",
        "label",
        "model",
        "defaults",
        "entities",
        "dimensions",
        "measures",
        "primary_entity",
        "query_params",
        "exports",
        "arguments",
        "returns",
    ] {
        if let Some(x) = v.get(k) {
            n.state_facets.insert(k.to_string(), x.clone());
        }
    }
    n
}

/// The manifest sections whose entries are selectable nodes.
const SELECTABLE_SECTIONS: &[&str] = &[
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "unit_tests",
    "functions",
];

/// The selectable graph of manifest entries (nodes of every selectable
/// section) and macros by unique id, for callers that hold the entries
/// rather than a whole manifest.
pub fn graph_from_entries<'a>(
    entries: impl Iterator<Item = &'a Value>,
    macros: impl Iterator<Item = (&'a str, &'a Value)>,
    project_name: Option<String>,
) -> SelectGraph {
    let mut g = SelectGraph::from_nodes(entries.map(node_from_manifest));
    g.project_name = project_name;
    for (k, v) in macros {
        g.macros.insert(
            k.to_string(),
            SelectMacro {
                unique_id: k.to_string(),
                macro_sql: s(v, "macro_sql"),
                depends_on_macros: strs(v.get("depends_on").and_then(|d| d.get("macros"))),
            },
        );
    }
    g
}

/// The selectable graph of a whole `manifest.json`: the current project, or
/// the base of a `state:` comparison.
pub fn graph_from_manifest(m: &Value) -> SelectGraph {
    let entries = SELECTABLE_SECTIONS
        .iter()
        .filter_map(|t| m.get(*t).and_then(Value::as_object))
        .flat_map(|t| t.values());
    let macros = m
        .get("macros")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v));
    let project_name = m.get("metadata").and_then(|x| os(x, "project_name"));
    let mut g = graph_from_entries(entries, macros, project_name);
    if let Some(Value::Object(ds)) = m.get("disabled") {
        for (k, v) in ds {
            if let Some(first) = v.as_array().and_then(|a| a.first()) {
                g.disabled.insert(k.clone(), node_from_manifest(first));
            }
        }
    }
    g
}
