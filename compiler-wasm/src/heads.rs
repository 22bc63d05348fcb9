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

/// The fields of a head in the order they cross (see [`ResourceHead`]):
/// the most often empty come last. `$m` is called with the list.
macro_rules! head_fields {
    ($m:ident) => {
        $m!(
            id,
            kind,
            name,
            package,
            path,
            database,
            schema,
            relation,
            description,
            depends_on,
            depends_on_macros,
            code,
            columns,
            tags,
            attached_node,
            generic_test,
            test_name,
            column_name,
            ephemeral,
            source_name,
            model
        )
    };
}

/// Whether a head's field holds its default, which need not cross.
trait Blank {
    fn blank(&self) -> bool;
}

impl Blank for &str {
    fn blank(&self) -> bool {
        self.is_empty()
    }
}

impl<T> Blank for &[T] {
    fn blank(&self) -> bool {
        self.is_empty()
    }
}

impl<T> Blank for Vec<T> {
    fn blank(&self) -> bool {
        self.is_empty()
    }
}

impl<T> Blank for Option<T> {
    fn blank(&self) -> bool {
        self.is_none()
    }
}

impl Blank for bool {
    fn blank(&self) -> bool {
        !*self
    }
}

/// What the app lists, links and searches of one resource.
///
/// A head crosses from the worker to the page as a JSON array of its
/// fields in a fixed order (`head_fields!`), trailing empty ones left out:
/// tens of thousands of them cross at once, and the field names were a
/// fifth of the text and a good part of the time to read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceHead {
    pub id: String,
    /// `model`, `source`, `macro`, `doc`, `unit_test`, ...
    pub kind: String,
    pub name: String,
    pub package: String,
    /// `original_file_path`.
    pub path: String,
    pub database: String,
    pub schema: String,
    /// The relation name (identifier or alias) for warehouse objects.
    pub relation: String,
    pub description: String,
    /// `source_name`, for sources.
    pub source_name: String,
    /// `depends_on.nodes`.
    pub depends_on: Vec<String>,
    /// `depends_on.macros`.
    pub depends_on_macros: Vec<String>,
    /// The node a data test is attached to.
    pub attached_node: Option<String>,
    /// The model a unit test tests.
    pub model: Option<String>,
    /// A generic data test (`test_metadata` set).
    pub generic_test: bool,
    /// A generic data test's test (`test_metadata.name`) and column.
    pub test_name: Option<String>,
    pub column_name: Option<String>,
    pub ephemeral: bool,
    pub tags: Vec<String>,
    /// Columns as (name, description).
    pub columns: Vec<(String, String)>,
    /// The raw SQL, or a macro's SQL.
    pub code: Option<String>,
}

impl ResourceHead {
    fn as_ref(&self) -> HeadRef<'_> {
        HeadRef {
            id: &self.id,
            kind: &self.kind,
            name: &self.name,
            package: &self.package,
            path: &self.path,
            database: &self.database,
            schema: &self.schema,
            relation: &self.relation,
            description: &self.description,
            source_name: &self.source_name,
            depends_on: &self.depends_on,
            depends_on_macros: &self.depends_on_macros,
            attached_node: self.attached_node.as_deref(),
            model: self.model.as_deref(),
            generic_test: self.generic_test,
            test_name: self.test_name.as_deref(),
            column_name: self.column_name.as_deref(),
            ephemeral: self.ephemeral,
            tags: self.tags.iter().map(String::as_str).collect(),
            columns: self
                .columns
                .iter()
                .map(|(n, d)| (n.as_str(), d.as_str()))
                .collect(),
            code: self.code.as_deref(),
        }
    }
}

impl Serialize for ResourceHead {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_ref().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ResourceHead {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = ResourceHead;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a resource head: an array of its fields")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ResourceHead, A::Error> {
                let mut h = ResourceHead::default();
                // In `head_fields!` order; fields left out at the end keep
                // their defaults.
                macro_rules! read {
                    ($($field:ident),*) => {
                        $(
                            match seq.next_element()? {
                                Some(v) => h.$field = v,
                                None => return Ok(h),
                            }
                        )*
                    };
                }
                head_fields!(read);
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(h)
            }
        }
        d.deserialize_seq(Fields)
    }
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

/// A head as it is written: borrowed from a node, a source table or a
/// [`ResourceHead`], so that a node's head is serialized straight from the
/// node (what `ResourceHead::from_entry` reads of its entry) without
/// copying it.
struct HeadRef<'a> {
    id: &'a str,
    kind: &'a str,
    name: &'a str,
    package: &'a str,
    path: &'a str,
    database: &'a str,
    schema: &'a str,
    relation: &'a str,
    description: &'a str,
    source_name: &'a str,
    depends_on: &'a [String],
    depends_on_macros: &'a [String],
    attached_node: Option<&'a str>,
    model: Option<&'a str>,
    generic_test: bool,
    test_name: Option<&'a str>,
    column_name: Option<&'a str>,
    ephemeral: bool,
    tags: Vec<&'a str>,
    columns: Vec<(&'a str, &'a str)>,
    code: Option<&'a str>,
}

impl Serialize for HeadRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        // Empty fields at the end are left out.
        macro_rules! blanks {
            ($($field:ident),*) => {
                [$(Blank::blank(&self.$field)),*]
            };
        }
        let empty = head_fields!(blanks);
        let len = empty.iter().rposition(|e| !e).map_or(0, |i| i + 1);
        let mut seq = s.serialize_seq(Some(len))?;
        macro_rules! write {
            ($($field:ident),*) => {{
                let mut i = 0;
                $(
                    if i == len {
                        return seq.end();
                    }
                    seq.serialize_element(&self.$field)?;
                    i += 1;
                )*
                let _ = i;
            }};
        }
        head_fields!(write);
        seq.end()
    }
}

fn node_head(n: &Node) -> HeadRef<'_> {
    let generic_test = n.resource_type == ResourceType::Test && n.test_metadata.is_some();
    HeadRef {
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
        model: None,
    }
}

/// A source table's head, straight from the table, as [`node_head`].
fn source_head(s: &SourceTable) -> HeadRef<'_> {
    HeadRef {
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
        model: None,
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
    fn heads_cross_as_arrays_without_their_empty_tail() {
        let empty = ResourceHead::default();
        assert_eq!(serde_json::to_string(&empty).unwrap(), "[]");
        let model = ResourceHead {
            id: "model.p.m".into(),
            kind: "model".into(),
            name: "m".into(),
            depends_on: vec!["model.p.n".into()],
            code: Some(String::new()),
            ..Default::default()
        };
        let text = serde_json::to_string(&model).unwrap();
        assert_eq!(
            text,
            r#"["model.p.m","model","m","","","","","","",["model.p.n"],[],""]"#
        );
        let unit_test = ResourceHead {
            id: "unit_test.p.m.t".into(),
            model: Some("m".into()),
            ephemeral: true,
            columns: vec![("a".into(), "b".into())],
            ..Default::default()
        };
        for h in [empty, model, unit_test] {
            let back: ResourceHead =
                serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
            assert_eq!(back, h);
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
