//! Node-by-node comparison of our manifest with dbt-core's golden manifest.

use serde_json::Value;
use std::collections::BTreeMap;

/// The fields compared for every node present in the golden.
pub const FIELDS: &[&str] = &[
    "compiled_code",
    "depends_on",
    "fqn",
    "relation_name",
    "database",
    "schema",
    "alias",
    "config",
    "unrendered_config",
    "refs",
    "sources",
    "path",
    "original_file_path",
    "resource_type",
    "package_name",
    "tags",
    "unique_id",
    "name",
    "test_metadata",
    "column_name",
    "attached_node",
    "version",
    "latest_version",
    "description",
    "meta",
    "given",
    "expect",
    "overrides",
    "model",
    "versions",
    "fqn",
    "columns",
    "doc_blocks",
    "source_description",
    "loader",
    "identifier",
    "quoting",
    "loaded_at_field",
    "freshness",
    "external",
    "patch_path",
    "checksum",
    "language",
    "contract",
    "constraints",
    "access",
    "group",
    "docs",
    "deprecation_date",
    "index",
    "file_key_name",
    "owner",
    "maturity",
    "url",
    "label",
    "type",
    "type_params",
    "node_relation",
    "entities",
    "dimensions",
    "measures",
    "defaults",
    "query_params",
    "exports",
    "filter",
];

/// The fields compared for every macro of the project and its packages
/// (dbt's own macros are ours, written anew, and are not compared).
pub const MACRO_FIELDS: &[&str] = &[
    "macro_sql",
    "depends_on",
    "description",
    "arguments",
    "patch_path",
    "meta",
    "docs",
    "config",
    "path",
    "original_file_path",
    "supported_languages",
];

/// dbt-core's internal packages: their macros are not compared.
const INTERNAL_PACKAGES: &[&str] = &["dbt", "dbt_duckdb", "dbt_postgres"];

/// Result of comparing one example.
#[derive(Debug, Default)]
pub struct Comparison {
    pub checked: usize,
    pub matched: usize,
    /// `node field` for every mismatch, and nodes missing on either side.
    pub differences: Vec<String>,
    /// Human-readable details for the differences.
    pub details: BTreeMap<String, String>,
}

impl Comparison {
    pub fn rate(&self) -> f64 {
        if self.checked == 0 {
            return 0.0;
        }
        self.matched as f64 / self.checked as f64 * 100.0
    }
}

fn normalize_sql(s: &str) -> String {
    s.trim_end()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

fn norm(field: &str, v: Option<&Value>) -> Value {
    match (field, v) {
        ("compiled_code", Some(Value::String(s))) => Value::String(normalize_sql(s)),
        (_, Some(v)) => v.clone(),
        (_, None) => Value::Null,
    }
}

/// Compares the resources of two manifests, section by section (a disabled
/// id lists its nodes; the first is compared).
pub fn compare(golden: &Value, ours: &Value) -> Comparison {
    let mut c = Comparison::default();
    for section in [
        "nodes",
        "sources",
        "exposures",
        "groups",
        "unit_tests",
        "semantic_models",
        "metrics",
        "saved_queries",
        "disabled",
    ] {
        let empty = serde_json::Map::new();
        let g = golden
            .get(section)
            .and_then(|v| v.as_object())
            .unwrap_or(&empty);
        let o = ours
            .get(section)
            .and_then(|v| v.as_object())
            .unwrap_or(&empty);
        let first = |v: &'_ Value| -> Value {
            match v {
                Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            }
        };
        for (id, gn) in g {
            let gn = &first(gn);
            let Some(on) = o.get(id).map(first) else {
                c.checked += 1;
                c.differences.push(format!("{id} missing"));
                continue;
            };
            for f in FIELDS {
                if gn.get(*f).is_none() && on.get(*f).is_none() {
                    continue;
                }
                c.field(id, f, gn, &on);
            }
        }
        for id in o.keys() {
            if !g.contains_key(id) {
                c.differences.push(format!("{id} unexpected"));
            }
        }
    }
    compare_macros(golden, ours, &mut c);
    c.differences.sort();
    c
}

impl Comparison {
    /// Compares field `f` of entry `id`, dbt-core's (`g`) with ours (`o`).
    fn field(&mut self, id: &str, f: &str, g: &Value, o: &Value) {
        self.checked += 1;
        let (a, b) = (norm(f, g.get(f)), norm(f, o.get(f)));
        if a == b {
            self.matched += 1;
        } else {
            let key = format!("{id} {f}");
            self.details
                .insert(key.clone(), format!("dbt:     {a}\ntrellis: {b}"));
            self.differences.push(key);
        }
    }
}

fn compare_macros(golden: &Value, ours: &Value, c: &mut Comparison) {
    let empty = serde_json::Map::new();
    let g = golden
        .get("macros")
        .and_then(|v| v.as_object())
        .unwrap_or(&empty);
    let o = ours
        .get("macros")
        .and_then(|v| v.as_object())
        .unwrap_or(&empty);
    let compared = |m: &Value| {
        m.get("package_name")
            .and_then(Value::as_str)
            .is_some_and(|p| !INTERNAL_PACKAGES.contains(&p))
    };
    for (id, gm) in g.iter().filter(|(_, m)| compared(m)) {
        c.checked += 1;
        let Some(om) = o.get(id) else {
            c.differences.push(format!("{id} missing"));
            continue;
        };
        c.matched += 1;
        for f in MACRO_FIELDS {
            c.field(id, f, gm, om);
        }
    }
    for (id, _) in o.iter().filter(|(_, m)| compared(m)) {
        if !g.contains_key(id) {
            c.differences.push(format!("{id} unexpected"));
        }
    }
}
