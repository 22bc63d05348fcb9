//! A resource's head: what the app's sidebar, edges and search need of a
//! manifest entry, without the rest of it.
//!
//! The page reads heads out of a manifest's entries (`from_entry`, for a
//! manifest dbt-core wrote and for the compiled project). For a project it
//! has only parsed so far, the worker serializes them straight from the
//! nodes (`Heads`), so that the page can show the project before any entry
//! is serialized or read; a test holds those to what `from_entry` reads of
//! the same nodes' entries.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use trellis_compiler::compile::CompileOutput;
use trellis_compiler::manifest::ManifestJson;
use trellis_compiler::nodes::{Column, Node, ResourceType, SourceTable};
use trellis_compiler::parser::str_of;
use trellis_compiler::ProjectInput;

/// What the app lists, links and searches of one resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResourceHead {
    pub id: String,
    /// `model`, `source`, `macro`, `doc`, `unit_test`, ...
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub package: String,
    /// `original_file_path`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub database: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub schema: String,
    /// The relation name (identifier or alias) for warehouse objects.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub relation: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `source_name`, for sources.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source_name: String,
    /// `depends_on.nodes`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// `depends_on.macros`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on_macros: Vec<String>,
    /// The node a data test is attached to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached_node: Option<String>,
    /// The model a unit test tests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A generic data test (`test_metadata` set).
    #[serde(skip_serializing_if = "is_false")]
    pub generic_test: bool,
    /// A generic data test's test (`test_metadata.name`) and column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_name: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub ephemeral: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Columns as (name, description).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<(String, String)>,
    /// The raw SQL, or a macro's SQL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The sections the app shows, in its order, with the kind of their entries
/// ("" when each entry says its own).
pub const SECTIONS: [(&str, &str); 10] = [
    ("nodes", ""),
    ("sources", "source"),
    ("exposures", "exposure"),
    ("metrics", "metric"),
    ("semantic_models", "semantic_model"),
    ("saved_queries", "saved_query"),
    ("unit_tests", "unit_test"),
    ("macros", "macro"),
    ("docs", "doc"),
    ("groups", "group"),
];

impl ResourceHead {
    /// The head of a manifest entry; `kind` is its section's kind, or "" for
    /// the entry's own `resource_type`.
    pub fn from_entry(id: String, kind: &str, text: &str) -> ResourceHead {
        let h = Head::read(text);
        let columns = h
            .columns
            .iter()
            .flatten()
            .map(|(name, c)| (name.clone(), text_of(&c.description)))
            .collect();
        let kind = match kind {
            "" => text_of(&h.resource_type),
            k => k.to_string(),
        };
        let name = text_of(&h.name);
        let relation = match kind.as_str() {
            "source" => str_of(h.identifier.as_ref()),
            _ => str_of(h.alias.as_ref()),
        }
        .unwrap_or_else(|| name.clone());
        let description = match kind.as_str() {
            "doc" => text_of(&h.block_contents),
            _ => text_of(&h.description),
        };
        let code = str_of(h.raw_code.as_ref()).or_else(|| str_of(h.macro_sql.as_ref()));
        let depends_on = h.depends_on.unwrap_or_default();
        ResourceHead {
            id,
            kind,
            name,
            package: text_of(&h.package_name),
            path: text_of(&h.original_file_path),
            database: text_of(&h.database),
            schema: text_of(&h.schema),
            relation,
            description,
            source_name: text_of(&h.source_name),
            depends_on: strings_of(&depends_on.nodes),
            depends_on_macros: strings_of(&depends_on.macros),
            attached_node: str_of(h.attached_node.as_ref()),
            model: str_of(h.model.as_ref()),
            test_name: h.test_metadata.as_ref().and_then(|t| str_of(t.get("name"))),
            column_name: str_of(h.column_name.as_ref()),
            generic_test: h.test_metadata.is_some_and(|v| !v.is_null()),
            ephemeral: h
                .config
                .and_then(|c| c.materialized)
                .is_some_and(|m| m == "ephemeral"),
            tags: strings_of(&h.tags),
            columns,
            code,
        }
    }
}

/// A node's head, serialized straight from the node (what
/// `ResourceHead::from_entry` reads of its entry) without copying it.
#[derive(Serialize)]
struct NodeHead<'a> {
    id: &'a str,
    kind: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    package: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    path: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    database: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    schema: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    relation: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    source_name: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    depends_on: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    depends_on_macros: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    attached_node: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    generic_test: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column_name: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    ephemeral: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    columns: Vec<(&'a str, &'a str)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
}

fn node_head(n: &Node) -> NodeHead<'_> {
    let generic_test = n.resource_type == ResourceType::Test && n.test_metadata.is_some();
    NodeHead {
        id: &n.unique_id,
        kind: n.resource_type.as_str(),
        name: &n.name,
        package: &n.package_name,
        path: &n.original_file_path,
        database: n.database.as_deref().unwrap_or(""),
        schema: &n.schema,
        relation: &n.alias,
        description: &n.description,
        depends_on: match n.resource_type {
            // A seed's entry has no `depends_on.nodes`.
            ResourceType::Seed => &[],
            _ => &n.depends_on_nodes,
        },
        depends_on_macros: &n.depends_on_macros,
        attached_node: n.attached_node.as_deref().filter(|_| generic_test),
        generic_test,
        test_name: n
            .test_metadata
            .as_ref()
            .filter(|_| generic_test)
            .map(|t| t.name.as_str()),
        column_name: n.column_name.as_deref().filter(|_| generic_test),
        ephemeral: n
            .config
            .get("materialized")
            .is_some_and(|m| m == "ephemeral"),
        tags: n
            .tags
            .iter()
            .chain(n.hook_tag.iter())
            .map(String::as_str)
            .collect(),
        columns: column_heads(&n.columns),
        code: Some(&n.raw_code),
        source_name: "",
    }
}

/// A source table's head, straight from the table, as [`node_head`].
fn source_head(s: &SourceTable) -> NodeHead<'_> {
    NodeHead {
        id: &s.unique_id,
        kind: "source",
        name: &s.name,
        package: &s.package_name,
        path: &s.original_file_path,
        database: s.database.as_deref().unwrap_or(""),
        schema: &s.schema,
        relation: &s.identifier,
        description: &s.description,
        source_name: &s.source_name,
        depends_on: &[],
        depends_on_macros: &[],
        attached_node: None,
        generic_test: false,
        test_name: None,
        column_name: None,
        ephemeral: false,
        tags: s.tags.iter().map(String::as_str).collect(),
        columns: column_heads(&s.columns),
        code: None,
    }
}

/// Columns as (name, description).
fn column_heads(columns: &indexmap::IndexMap<String, Column>) -> Vec<(&str, &str)> {
    columns
        .iter()
        .map(|(name, c)| (name.as_str(), c.description.as_str()))
        .collect()
}

/// The heads of every resource the app shows, in its order, serialized as
/// one list: nodes straight from the nodes, the other (smaller) sections
/// through their entries.
pub struct Heads<'a> {
    pub out: &'a CompileOutput,
    pub input: &'a ProjectInput,
}

impl Serialize for Heads<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        for n in self.out.manifest.nodes.values() {
            seq.serialize_element(&node_head(n))?;
        }
        for t in self.out.manifest.sources.values() {
            seq.serialize_element(&source_head(t))?;
        }
        let manifest = ManifestJson {
            out: self.out,
            input: self.input,
            for_app: true,
        };
        for &(key, kind) in &SECTIONS[2..] {
            let text = serde_json::to_string(&manifest.section(key)).unwrap_or_default();
            let entries: indexmap::IndexMap<String, Box<RawValue>> =
                serde_json::from_str(&text).unwrap_or_default();
            for (id, e) in entries {
                seq.serialize_element(&ResourceHead::from_entry(id, kind, e.get()))?;
            }
        }
        seq.end()
    }
}

/// The fields of an entry that make its head, read without building the
/// rest of it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Head {
    resource_type: Option<Value>,
    name: Option<Value>,
    package_name: Option<Value>,
    original_file_path: Option<Value>,
    database: Option<Value>,
    schema: Option<Value>,
    identifier: Option<Value>,
    alias: Option<Value>,
    description: Option<Value>,
    block_contents: Option<Value>,
    source_name: Option<Value>,
    depends_on: Option<DependsHead>,
    attached_node: Option<Value>,
    model: Option<Value>,
    test_metadata: Option<Value>,
    column_name: Option<Value>,
    config: Option<ConfigHead>,
    tags: Option<Value>,
    raw_code: Option<Value>,
    macro_sql: Option<Value>,
    columns: Option<indexmap::IndexMap<String, ColumnHead>>,
}

impl Head {
    /// Reads an entry's head; entries with fields of unusual shapes (a
    /// `columns` that is not a mapping of mappings, say) are read in full and
    /// lose those fields, and what is not an object at all has an empty head.
    fn read(text: &str) -> Head {
        serde_json::from_str(text).unwrap_or_else(|_| {
            let mut v: Value = serde_json::from_str(text).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                for shaped in ["columns", "depends_on", "config"] {
                    if serde_json::from_value::<Head>(Value::Object(o.clone())).is_ok() {
                        break;
                    }
                    o.remove(shaped);
                }
            }
            serde_json::from_value(v).unwrap_or_default()
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DependsHead {
    nodes: Option<Value>,
    macros: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConfigHead {
    materialized: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ColumnHead {
    description: Option<Value>,
}

fn text_of(v: &Option<Value>) -> String {
    str_of(v.as_ref()).unwrap_or_default()
}

fn strings_of(v: &Option<Value>) -> Vec<String> {
    v.as_ref()
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every example project, parsed and compiled: the heads built from the
    /// nodes are the heads read from their manifest entries.
    #[test]
    fn heads_of_nodes_are_the_heads_of_their_entries() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let mut checked = 0;
        for dir in std::fs::read_dir(&examples).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.join("dbt_project.yml").exists() {
                continue;
            }
            let mut files = std::collections::BTreeMap::new();
            read_dir(&dir, &dir, &mut files);
            let project = crate::session::from_files(files).unwrap();
            for compile_nodes in [false, true] {
                let text = crate::session::compile(
                    &project,
                    crate::Options::default(),
                    compile_nodes,
                    &mut |_| {},
                )
                .unwrap();
                let (input, out) = crate::session::compiled(&project, compile_nodes);
                let result: Value = serde_json::from_str(&text).unwrap();
                let text = serde_json::to_string(&Heads {
                    out: &out,
                    input: &input,
                })
                .unwrap();
                let from_nodes: Vec<ResourceHead> = serde_json::from_str(&text).unwrap();
                let mut from_entries = Vec::new();
                for (key, kind) in SECTIONS {
                    for (id, e) in result["manifest"][key].as_object().into_iter().flatten() {
                        from_entries.push(ResourceHead::from_entry(
                            id.clone(),
                            kind,
                            &e.to_string(),
                        ));
                    }
                }
                assert_eq!(from_nodes.len(), from_entries.len());
                for (a, b) in from_nodes.iter().zip(&from_entries) {
                    assert_eq!(a, b, "{} in {}", b.id, dir.display());
                }
                checked += from_nodes.len();
            }
        }
        assert!(checked > 200, "checked {checked} heads");
    }

    pub(super) fn read_dir(
        root: &Path,
        dir: &Path,
        files: &mut std::collections::BTreeMap<String, String>,
    ) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if name != "target" && name != "logs" {
                    read_dir(root, &p, files);
                }
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
                files.insert(format!("p/{rel}"), text);
            }
        }
    }

    #[test]
    fn an_entry_of_odd_shape_keeps_what_it_can() {
        let h = ResourceHead::from_entry(
            "model.p.m".into(),
            "",
            r#"{"resource_type": "model", "name": "m", "columns": [1, 2], "tags": ["a"]}"#,
        );
        assert_eq!(h.kind, "model");
        assert_eq!(h.relation, "m");
        assert_eq!(h.tags, ["a"]);
        assert!(h.columns.is_empty());
        let h = ResourceHead::from_entry("x".into(), "doc", "[1]");
        assert_eq!(h.kind, "doc");
        assert_eq!(h.name, "");
    }
}
