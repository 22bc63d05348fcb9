//! `dbt ls` output: the resource types it lists, and the `--output
//! selector|name|path|json` lines (with `--output-keys`), byte for byte.

use super::error::{ErrorKind, SelectorError};
use super::types::{ResourceType, SelectGraph, SelectNode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use std::collections::BTreeSet;

/// The resource types `dbt ls` lists by default.
pub const LIST_DEFAULT_RESOURCE_TYPES: [ResourceType; 11] = [
    ResourceType::Model,
    ResourceType::Snapshot,
    ResourceType::Seed,
    ResourceType::Test,
    ResourceType::Source,
    ResourceType::Exposure,
    ResourceType::Metric,
    ResourceType::SavedQuery,
    ResourceType::SemanticModel,
    ResourceType::UnitTest,
    ResourceType::Function,
];

/// The resource types `dbt ls --resource-type all` lists.
pub const LIST_ALL_RESOURCE_TYPES: [ResourceType; 12] = [
    ResourceType::Model,
    ResourceType::Snapshot,
    ResourceType::Seed,
    ResourceType::Test,
    ResourceType::Source,
    ResourceType::Exposure,
    ResourceType::Metric,
    ResourceType::SavedQuery,
    ResourceType::SemanticModel,
    ResourceType::UnitTest,
    ResourceType::Function,
    ResourceType::Analysis,
];

/// Values accepted by `--resource-type` / `--exclude-resource-type`.
const RESOURCE_TYPE_CHOICES: [&str; 12] = [
    "metric",
    "semantic_model",
    "saved_query",
    "source",
    "analysis",
    "function",
    "model",
    "test",
    "unit_test",
    "exposure",
    "snapshot",
    "seed",
];

/// Keys printed by `--output json` when `--output-keys` is not given.
const ALLOWED_KEYS: [&str; 10] = [
    "alias",
    "name",
    "package_name",
    "depends_on",
    "tags",
    "config",
    "resource_type",
    "source_name",
    "original_file_path",
    "unique_id",
];

/// `dbt ls --output`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListOutput {
    #[default]
    Selector,
    Name,
    Path,
    Json,
}

impl ListOutput {
    /// Parses `selector`, `name`, `path` or `json` (case-insensitive).
    pub fn parse(value: &str) -> Option<ListOutput> {
        match value.to_ascii_lowercase().as_str() {
            "selector" => Some(ListOutput::Selector),
            "name" => Some(ListOutput::Name),
            "path" => Some(ListOutput::Path),
            "json" => Some(ListOutput::Json),
            _ => None,
        }
    }
}

/// `resource_types_from_args`: `--resource-type` values (with `all` and
/// `default`) minus `--exclude-resource-type` values. Values are
/// case-insensitive; unknown values are an error.
pub fn resource_types_from_args(
    resource_types: &[String],
    exclude_resource_types: &[String],
    all: &[ResourceType],
    default: &[ResourceType],
) -> Result<BTreeSet<ResourceType>, SelectorError> {
    let parse_choice = |raw: &str,
                        option: &str,
                        allow_all: bool|
     -> Result<Vec<ResourceType>, SelectorError> {
        let v = raw.to_lowercase();
        if v == "default" && allow_all {
            return Ok(default.to_vec());
        }
        if v == "default" {
            // accepted by the option parser, but never expanded for exclusion
            return Err(SelectorError::new(
                ErrorKind::Argument,
                "'default' is not a valid NodeType",
            ));
        }
        if v == "all" && allow_all {
            return Ok(all.to_vec());
        }
        match ResourceType::parse(&v) {
            Some(rt) if RESOURCE_TYPE_CHOICES.contains(&v.as_str()) => Ok(vec![rt]),
            _ => Err(SelectorError::new(
                ErrorKind::Argument,
                format!("Invalid value for '{option}': '{raw}' is not one of the allowed resource types."),
            )),
        }
    };
    let mut selected: BTreeSet<ResourceType> = BTreeSet::new();
    let requested: Vec<&String> = resource_types.iter().filter(|s| !s.is_empty()).collect();
    if requested.is_empty() {
        selected.extend(default.iter().copied());
    } else {
        for raw in requested {
            selected.extend(parse_choice(raw, "--resource-types", true)?);
        }
    }
    for raw in exclude_resource_types.iter().filter(|s| !s.is_empty()) {
        for rt in parse_choice(raw, "--exclude-resource-types", false)? {
            selected.remove(&rt);
        }
    }
    Ok(selected)
}

/// The resource types `dbt ls` keeps for the given flags.
pub fn list_resource_types(
    resource_types: &[String],
    exclude_resource_types: &[String],
) -> Result<BTreeSet<ResourceType>, SelectorError> {
    resource_types_from_args(
        resource_types,
        exclude_resource_types,
        &LIST_ALL_RESOURCE_TYPES,
        &LIST_DEFAULT_RESOURCE_TYPES,
    )
}

/// The `dbt ls` lines for the selected unique ids, in unique-id order.
/// Ids missing from the graph are skipped.
pub fn list_lines(
    graph: &SelectGraph,
    selected: &BTreeSet<String>,
    output: ListOutput,
    output_keys: &[String],
) -> Vec<String> {
    let keys: Vec<&str> = output_keys
        .iter()
        .flat_map(|k| k.split(' '))
        .filter(|k| !k.is_empty())
        .collect();
    selected
        .iter()
        .filter_map(|uid| graph.nodes.get(uid))
        .map(|node| match output {
            ListOutput::Selector => selector_line(node),
            ListOutput::Name => node.search_name(),
            ListOutput::Path => node.original_file_path.clone(),
            ListOutput::Json => json_line(graph, node, &keys),
        })
        .collect()
}

/// The selector `dbt ls` prints for a node.
pub fn selector_line(node: &SelectNode) -> String {
    let pkg = &node.package_name;
    match node.resource_type {
        ResourceType::Source => {
            format!(
                "source:{}.{}.{}",
                pkg,
                node.source_name.as_deref().unwrap_or(""),
                node.name
            )
        }
        ResourceType::Exposure => format!("exposure:{}.{}", pkg, node.name),
        ResourceType::Metric => format!("metric:{}.{}", pkg, node.name),
        ResourceType::SavedQuery => format!("saved_query:{}.{}", pkg, node.name),
        ResourceType::SemanticModel => format!("semantic_model:{}.{}", pkg, node.name),
        ResourceType::UnitTest => match &node.version {
            Some(v) => format!("unit_test:{}.{}_v{}", pkg, node.name, v),
            None => format!("unit_test:{}.{}", pkg, node.name),
        },
        _ => node.fqn.join("."),
    }
}

fn json_line(graph: &SelectGraph, node: &SelectNode, keys: &[&str]) -> String {
    let dict = match &node.manifest {
        Some(Value::Object(map)) => map.clone(),
        _ => synthesized_dict(graph, node),
    };
    let mut result = Map::new();
    if keys.is_empty() {
        for (k, v) in &dict {
            if ALLOWED_KEYS.contains(&k.as_str()) {
                result.insert(k.clone(), v.clone());
            }
        }
    } else {
        for key in keys {
            if key.contains('.') {
                let mut current: Option<&Value> = None;
                let mut container: &Map<String, Value> = &dict;
                let mut ok = true;
                for (idx, part) in key.split('.').enumerate() {
                    if idx > 0 {
                        match current {
                            Some(Value::Object(m)) => container = m,
                            _ => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    match container.get(part) {
                        Some(v) => current = Some(v),
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
                if let (true, Some(v)) = (ok, current) {
                    if !v.is_null() {
                        result.insert(key.to_string(), v.clone());
                    }
                }
            } else if let Some(v) = dict.get(*key) {
                result.insert(key.to_string(), v.clone());
            }
        }
    }
    python_json(&Value::Object(result))
}

/// The node dictionary `dbt ls` would print, built from the node's fields
/// in the key order of each resource type's manifest entry.
fn synthesized_dict(graph: &SelectGraph, node: &SelectNode) -> Map<String, Value> {
    let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    let depends_nodes: Vec<String> = if node.depends_on_nodes.is_empty() {
        graph
            .edges
            .iter()
            .filter(|(_, kids)| kids.contains(&node.unique_id))
            .map(|(p, _)| p.clone())
            .collect()
    } else {
        node.depends_on_nodes.clone()
    };
    let mut depends_on = Map::new();
    depends_on.insert("macros".into(), strings(&node.depends_on_macros));
    if node.resource_type != ResourceType::Seed {
        depends_on.insert("nodes".into(), strings(&depends_nodes));
    }
    let depends_on = Value::Object(depends_on);
    let mut d = Map::new();
    d.insert("name".into(), Value::String(node.name.clone()));
    d.insert(
        "resource_type".into(),
        Value::String(node.resource_type.as_str().into()),
    );
    d.insert(
        "package_name".into(),
        Value::String(node.package_name.clone()),
    );
    d.insert("path".into(), Value::String(node.path.clone()));
    d.insert(
        "original_file_path".into(),
        Value::String(node.original_file_path.clone()),
    );
    d.insert("unique_id".into(), Value::String(node.unique_id.clone()));
    d.insert("fqn".into(), strings(&node.fqn));
    let opt = |v: &Option<String>| v.clone().map(Value::String).unwrap_or(Value::Null);
    match node.resource_type {
        ResourceType::Source => {
            d.insert("source_name".into(), opt(&node.source_name));
            d.insert("tags".into(), strings(&node.tags));
            d.insert("config".into(), node.config.clone());
            d.insert("database".into(), opt(&node.database));
            d.insert("schema".into(), opt(&node.schema));
            d.insert("identifier".into(), opt(&node.identifier));
        }
        ResourceType::Exposure | ResourceType::Metric => {
            d.insert("tags".into(), strings(&node.tags));
            d.insert("config".into(), node.config.clone());
            d.insert("depends_on".into(), depends_on);
        }
        ResourceType::SavedQuery => {
            d.insert("config".into(), node.config.clone());
            d.insert("depends_on".into(), depends_on);
            d.insert("tags".into(), strings(&node.tags));
        }
        ResourceType::SemanticModel | ResourceType::UnitTest => {
            d.insert("depends_on".into(), depends_on);
            d.insert("config".into(), node.config.clone());
        }
        _ => {
            d.insert("alias".into(), opt(&node.alias));
            d.insert("config".into(), node.config.clone());
            d.insert("tags".into(), strings(&node.tags));
            d.insert("depends_on".into(), depends_on);
        }
    }
    d.insert(
        "description".into(),
        Value::String(node.description.clone()),
    );
    if node.resource_type == ResourceType::Model {
        d.insert("version".into(), opt(&node.version));
        d.insert("latest_version".into(), opt(&node.latest_version));
        d.insert("access".into(), opt(&node.access));
    }
    d.insert(
        "group".into(),
        node.group_name()
            .map(|g| Value::String(g.into()))
            .unwrap_or(Value::Null),
    );
    d
}

/// A JSON number as Python prints it (`1.0`, `1e+16`, `1e-05`).
pub fn python_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    python_float_repr(f)
}

fn python_float_repr(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if !(-4..16).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let plain = format!("{f}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    }
}

fn push_python_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            other => {
                let mut buf = [0u16; 2];
                for unit in other.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
        }
    }
    out.push('"');
}

fn write_python_json(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&python_number(n)),
        Value::String(s) => push_python_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_python_string(out, k);
                out.push_str(": ");
                write_python_json(out, item);
            }
            out.push('}');
        }
    }
}

/// Serializes like Python's `json.dumps` with default settings
/// (`", "`/`": "` separators, non-ASCII escaped).
pub fn python_json(v: &Value) -> String {
    let mut out = String::new();
    write_python_json(&mut out, v);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_json_format() {
        let v = json!({"a": [1, 2.5, "x"], "b": null, "c": true, "é": "ü\n\"", "big": 1e16, "small": 1e-5, "mid": 0.0001, "f": 3.0});
        assert_eq!(
            python_json(&v),
            "{\"a\": [1, 2.5, \"x\"], \"b\": null, \"c\": true, \"\\u00e9\": \"\\u00fc\\n\\\"\", \"big\": 1e+16, \"small\": 1e-05, \"mid\": 0.0001, \"f\": 3.0}"
        );
        assert_eq!(python_json(&json!("😀")), "\"\\ud83d\\ude00\"");
        assert_eq!(python_json(&json!("\u{7f}")), "\"\\u007f\"");
        assert_eq!(python_json(&json!(1e15)), "1000000000000000.0");
        assert_eq!(python_json(&json!(-2.5e-7)), "-2.5e-07");
        assert_eq!(
            python_json(&json!(123456789012345680.0)),
            "1.2345678901234568e+17"
        );
    }

    #[test]
    fn resource_type_args() {
        let none: Vec<String> = vec![];
        let d = list_resource_types(&none, &none).unwrap_or_default();
        assert_eq!(d.len(), 11);
        assert!(!d.contains(&ResourceType::Analysis));
        let a = list_resource_types(&["all".into()], &none).unwrap_or_default();
        assert!(a.contains(&ResourceType::Analysis));
        let t = list_resource_types(&["MODEL".into(), "test".into()], &["test".into()])
            .unwrap_or_default();
        assert_eq!(t.into_iter().collect::<Vec<_>>(), vec![ResourceType::Model]);
        let ex = list_resource_types(&none, &["default".into()])
            .err()
            .map(|e| e.message);
        assert_eq!(ex.as_deref(), Some("'default' is not a valid NodeType"));
        assert!(list_resource_types(&["bogus".into()], &none).is_err());
        assert!(list_resource_types(&["operation".into()], &none).is_err());
        assert!(list_resource_types(&none, &["all".into()]).is_err());
    }
}
