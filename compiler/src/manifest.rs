//! `manifest.json` in dbt's v12 shape.

use crate::compile::CompileOutput;
use crate::input::ProjectInput;
use crate::nodes::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

pub const SCHEMA_URL: &str = "https://schemas.getdbt.com/dbt/manifest/v12.json";
pub const DBT_VERSION: &str = "1.11.16";

/// dbt's unit test checksum: the Python `repr()` of its definition's parts.
fn unit_test_checksum(u: &UnitTest) -> String {
    use crate::parser::python_repr;
    let format_repr = |f: &Value| {
        let fmt = f.get("format").and_then(|x| x.as_str()).unwrap_or("dict");
        let label = match fmt {
            "csv" => "CSV",
            "sql" => "SQL",
            _ => "Dict",
        };
        format!("<UnitTestFormat.{label}: '{fmt}'>")
    };
    let field = |f: &Value, k: &str| python_repr(f.get(k).unwrap_or(&Value::Null));
    let versions = match &u.versions {
        Value::Null => "None".to_string(),
        v => format!(
            "UnitTestNodeVersions(include={}, exclude={})",
            field(v, "include"),
            field(v, "exclude")
        ),
    };
    let given: Vec<String> = u
        .given
        .iter()
        .map(|g| {
            format!(
                "UnitTestInputFixture(input={}, rows={}, format={}, fixture={})",
                field(g, "input"),
                field(g, "rows"),
                format_repr(g),
                field(g, "fixture")
            )
        })
        .collect();
    let expect = format!(
        "UnitTestOutputFixture(rows={}, format={}, fixture={})",
        field(&u.expect, "rows"),
        format_repr(&u.expect),
        field(&u.expect, "fixture")
    );
    let overrides = match &u.overrides {
        Value::Null => "None".to_string(),
        o => format!(
            "UnitTestOverrides(macros={}, vars={}, env_vars={})",
            field(o, "macros"),
            field(o, "vars"),
            field(o, "env_vars")
        ),
    };
    let mut data = format!(
        "{}-{}-[{}]-{}-{}",
        u.model,
        versions,
        given.join(", "),
        expect,
        overrides
    );
    for g in &u.given {
        if g.get("fixture").is_some_and(|f| !f.is_null()) {
            data.push_str(&format!("-{}", field(g, "rows")));
        }
    }
    crate::parser::sha256_hex(data.as_bytes())
}

/// dbt's contract checksum: column names, types and constraints (sorted by
/// name), plus the materialization and model constraints where enforced.
fn contract_checksum(n: &Node) -> String {
    let mut cols: Vec<&Column> = n.columns.values().collect();
    cols.sort_by(|a, b| a.name.cmp(&b.name));
    let mut state = String::new();
    for c in cols {
        state.push('|');
        state.push_str(&c.name);
        state.push_str(c.data_type.as_deref().unwrap_or("None"));
        state.push_str(&crate::parser::constraints_repr(&c.constraints, false));
    }
    let m = n.materialized();
    if m == "table" || m == "incremental" {
        state.push_str(m);
        state.push_str(&crate::parser::constraints_repr(&n.constraints, true));
    }
    crate::parser::sha256_hex(state.as_bytes())
}

/// A version as dbt stores it: a number when it looks like one.
pub fn version_json(v: &str) -> Value {
    if let Ok(i) = v.parse::<i64>() {
        return json!(i);
    }
    if let Ok(f) = v.parse::<f64>() {
        return json!(f);
    }
    json!(v)
}

/// The compiled path dbt records (`target/compiled/<pkg>/<path>`).
pub fn compiled_path(n: &Node) -> String {
    if (n.resource_type == ResourceType::Test && n.test_metadata.is_some())
        || n.resource_type == ResourceType::Operation
    {
        format!(
            "target/compiled/{}/{}/{}",
            n.package_name, n.original_file_path, n.path
        )
    } else {
        format!(
            "target/compiled/{}/{}",
            n.package_name, n.original_file_path
        )
    }
}

/// A node's manifest entry, written straight to the serializer: no JSON tree
/// is built for it.
struct NodeJson<'a>(&'a Node);

/// A node as the `graph` variable holds it while compiling: dbt-core's
/// parsed node as a plain dict (its manifest entry without what compiling
/// adds, with the fields the manifest leaves out).
pub fn graph_node_json(n: &Node) -> Value {
    let Ok(Value::Object(mut entry)) = serde_json::to_value(NodeJson(n)) else {
        return Value::Null;
    };
    for key in [
        "compiled",
        "compiled_code",
        "extra_ctes",
        "extra_ctes_injected",
    ] {
        entry.remove(key);
    }
    if entry.contains_key("compiled_path") {
        entry.insert("compiled_path".into(), Value::Null);
    }
    // What `config()` was called with is not kept apart from the config
    // here; dbt-core clears the unrendered one after parsing.
    entry.insert("config_call_dict".into(), json!({}));
    entry.insert("unrendered_config_call_dict".into(), json!({}));
    if matches!(
        n.resource_type,
        ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
    ) {
        entry.insert("defer_relation".into(), Value::Null);
    }
    if n.resource_type == ResourceType::Model {
        entry.insert("batch".into(), Value::Null);
    }
    Value::Object(entry)
}

/// Columns as dbt writes them; a column's config gets its meta and tags.
struct ColumnsJson<'a>(&'a indexmap::IndexMap<String, Column>);

impl Serialize for ColumnsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, c) in self.0 {
            map.serialize_entry(k, &ColumnJson(c))?;
        }
        map.end()
    }
}

struct ColumnJson<'a>(&'a Column);

impl Serialize for ColumnJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let c = self.0;
        let mut map = s.serialize_map(Some(10))?;
        map.serialize_entry("name", &c.name)?;
        map.serialize_entry("description", &c.description)?;
        map.serialize_entry("meta", &c.meta)?;
        map.serialize_entry("data_type", &c.data_type)?;
        map.serialize_entry("constraints", &c.constraints)?;
        map.serialize_entry("quote", &c.quote)?;
        map.serialize_entry("config", &ColumnConfig(c))?;
        map.serialize_entry("tags", &c.tags)?;
        map.serialize_entry("granularity", &c.granularity)?;
        map.serialize_entry("doc_blocks", &c.doc_blocks)?;
        map.end()
    }
}

/// A column's config, with its meta and tags (already merged with the
/// config's own, see `parser::columns_of`).
struct ColumnConfig<'a>(&'a Column);

impl Serialize for ColumnConfig<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let c = self.0;
        let mut map = s.serialize_map(None)?;
        for (k, v) in c
            .config
            .iter()
            .filter(|(k, _)| *k != "meta" && *k != "tags")
        {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("meta", &c.meta)?;
        map.serialize_entry("tags", &c.tags)?;
        map.end()
    }
}

/// `depends_on` of a node; seeds have no `nodes`.
#[derive(Serialize)]
struct DependsOn<'a> {
    macros: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes: Option<&'a [String]>,
}

/// An injected CTE as dbt records it.
#[derive(Serialize)]
struct Cte<'a> {
    id: &'a str,
    sql: &'a str,
}

fn columns_json(cols: &indexmap::IndexMap<String, Column>) -> Value {
    serde_json::to_value(ColumnsJson(cols)).unwrap_or(Value::Null)
}

struct RefsJson<'a>(&'a [crate::jinja::context::RefCall]);

impl Serialize for RefsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|r| {
            json!({"name": r.name, "package": r.package, "version": r.version.as_deref().map(version_json)})
        }))
    }
}

impl Serialize for NodeJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let n = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("database", &n.database)?;
        map.serialize_entry("schema", &n.schema)?;
        map.serialize_entry("name", &n.name)?;
        map.serialize_entry("resource_type", n.resource_type.as_str())?;
        map.serialize_entry("package_name", &n.package_name)?;
        map.serialize_entry("path", &n.path)?;
        map.serialize_entry("original_file_path", &n.original_file_path)?;
        map.serialize_entry("unique_id", &n.unique_id)?;
        map.serialize_entry("fqn", &n.fqn)?;
        map.serialize_entry("alias", &n.alias)?;
        if n.checksum_pending {
            // A parsed project handed over before its checksums are taken.
            let sum = crate::parser::sha256_hex(n.raw_code.as_bytes());
            map.serialize_entry("checksum", &json!({"name": "sha256", "checksum": sum}))?;
        } else if n.checksum.is_empty() {
            map.serialize_entry("checksum", &json!({"name": "none", "checksum": ""}))?;
        } else {
            map.serialize_entry(
                "checksum",
                &json!({"name": "sha256", "checksum": n.checksum}),
            )?;
        }
        map.serialize_entry("config", &n.config)?;
        match &n.hook_tag {
            Some(t) => {
                let mut tags = n.tags.clone();
                tags.push(t.clone());
                map.serialize_entry("tags", &tags)?;
            }
            None => map.serialize_entry("tags", &n.tags)?,
        }
        map.serialize_entry("description", &n.description)?;
        map.serialize_entry("columns", &ColumnsJson(&n.columns))?;
        map.serialize_entry("meta", &n.meta)?;
        map.serialize_entry("group", n.config.get("group").unwrap_or(&Value::Null))?;
        match n.config.get("docs") {
            Some(d) => map.serialize_entry("docs", d)?,
            None => map.serialize_entry("docs", &json!({"show": true, "node_color": null}))?,
        }
        map.serialize_entry("patch_path", &n.patch_path)?;
        map.serialize_entry("build_path", &Value::Null)?;
        map.serialize_entry("unrendered_config", &n.unrendered_config)?;
        map.serialize_entry("created_at", &0.0)?;
        map.serialize_entry("relation_name", &n.relation_name)?;
        map.serialize_entry("raw_code", &n.raw_code)?;
        map.serialize_entry("doc_blocks", &n.doc_blocks)?;
        if n.resource_type == ResourceType::Seed {
            map.serialize_entry("root_path", "<root>")?;
            map.serialize_entry(
                "depends_on",
                &DependsOn {
                    macros: &n.depends_on_macros,
                    nodes: None,
                },
            )?;
            return map.end();
        }
        map.serialize_entry("language", &n.language)?;
        map.serialize_entry("refs", &RefsJson(&n.refs))?;
        let sources: Vec<[&String; 2]> = n.sources.iter().map(|(a, b)| [a, b]).collect();
        map.serialize_entry("sources", &sources)?;
        map.serialize_entry("metrics", &[(); 0])?;
        map.serialize_entry("functions", &[(); 0])?;
        map.serialize_entry(
            "depends_on",
            &DependsOn {
                macros: &n.depends_on_macros,
                nodes: Some(&n.depends_on_nodes),
            },
        )?;
        // dbt writes no compiled file for snapshots.
        let has_file = n.compiled_code.is_some() && n.resource_type != ResourceType::Snapshot;
        map.serialize_entry("compiled_path", &has_file.then(|| compiled_path(n)))?;
        map.serialize_entry("compiled", &n.compiled_code.is_some())?;
        map.serialize_entry("compiled_code", &n.compiled_code)?;
        map.serialize_entry("extra_ctes_injected", &n.compiled_code.is_some())?;
        let ctes: Vec<Cte> = n
            .extra_ctes
            .iter()
            .map(|(id, sql)| Cte { id, sql })
            .collect();
        map.serialize_entry("extra_ctes", &ctes)?;
        let enforced = n
            .config
            .get("contract")
            .and_then(|c| c.get("enforced"))
            .and_then(|e| e.as_bool())
            .unwrap_or(false);
        let checksum =
            (enforced && n.resource_type == ResourceType::Model).then(|| contract_checksum(n));
        map.serialize_entry(
            "contract",
            &json!({"enforced": enforced, "alias_types": true, "checksum": checksum}),
        )?;
        match n.resource_type {
            ResourceType::Model => {
                match n.config.get("access") {
                    Some(a) => map.serialize_entry("access", a)?,
                    None => map.serialize_entry("access", "protected")?,
                }
                map.serialize_entry("constraints", &n.constraints)?;
                map.serialize_entry("version", &n.version)?;
                map.serialize_entry("latest_version", &n.latest_version)?;
                map.serialize_entry("deprecation_date", &n.deprecation_date)?;
                map.serialize_entry("primary_key", &[(); 0])?;
                map.serialize_entry("time_spine", &Value::Null)?;
            }
            ResourceType::Operation => {
                map.serialize_entry("index", &n.index)?;
            }
            ResourceType::Test if n.test_metadata.is_some() => {
                map.serialize_entry("column_name", &n.column_name)?;
                map.serialize_entry("file_key_name", &n.file_key_name)?;
                map.serialize_entry("attached_node", &n.attached_node)?;
                map.serialize_entry("test_metadata", &n.test_metadata)?;
            }
            _ => {}
        }
        map.end()
    }
}

pub fn source_json(s: &SourceTable) -> Value {
    json!({
        "database": s.database, "schema": s.schema, "name": s.name, "resource_type": "source",
        "package_name": s.package_name, "path": s.path, "original_file_path": s.original_file_path,
        "unique_id": s.unique_id, "fqn": s.fqn, "source_name": s.source_name,
        "source_description": s.source_description, "loader": s.loader, "identifier": s.identifier,
        "quoting": {
            "database": s.quoting.get("database"), "schema": s.quoting.get("schema"),
            "identifier": s.quoting.get("identifier"), "column": s.quoting.get("column"),
        },
        "loaded_at_field": s.loaded_at_field, "loaded_at_query": null,
        "freshness": s.freshness.clone().unwrap_or(json!({"warn_after": {"count": null, "period": null}, "error_after": {"count": null, "period": null}, "filter": null})),
        "external": s.external.as_ref().map(|e| {
            let mut m = serde_json::Map::new();
            for k in ["location", "file_format", "row_format", "tbl_properties", "partitions"] {
                m.insert(k.into(), e.get(k).cloned().unwrap_or(Value::Null));
            }
            if let Value::Object(o) = e {
                for (k, v) in o {
                    m.entry(k.clone()).or_insert(v.clone());
                }
            }
            Value::Object(m)
        }), "description": s.description, "columns": columns_json(&s.columns),
        "meta": s.meta, "source_meta": s.source_meta, "tags": s.tags, "config": s.config,
        "patch_path": null, "unrendered_config": s.unrendered_config, "relation_name": s.relation_name,
        "created_at": 0.0, "unrendered_database": null, "unrendered_schema": null, "doc_blocks": [],
    })
}

fn exposure_json(e: &Exposure) -> Value {
    let get = |k: &str| e.raw.get(k).cloned().unwrap_or(Value::Null);
    let cfg = e
        .raw
        .get("config")
        .and_then(|c| c.as_object())
        .cloned()
        .unwrap_or_default();
    let mut tags: Vec<Value> = e
        .raw
        .get("tags")
        .and_then(|t| t.as_array())
        .cloned()
        .unwrap_or_default();
    tags.extend(
        cfg.get("tags")
            .and_then(|t| t.as_array())
            .cloned()
            .unwrap_or_default(),
    );
    // dbt-core keeps them as a sorted set.
    let mut tags: Vec<String> = tags
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    tags.sort();
    tags.dedup();
    let mut meta = e
        .raw
        .get("meta")
        .and_then(|m| m.as_object())
        .cloned()
        .unwrap_or_default();
    meta.extend(
        cfg.get("meta")
            .and_then(|m| m.as_object())
            .cloned()
            .unwrap_or_default(),
    );
    let mut owner = e
        .raw
        .get("owner")
        .and_then(|o| o.as_object())
        .cloned()
        .unwrap_or_default();
    owner.entry("email").or_insert(Value::Null);
    owner.entry("name").or_insert(Value::Null);
    // What the entry's `config:` says, as written: its top-level `tags` and
    // `meta` join the config only after dbt-core records this.
    let unrendered = cfg.clone();
    json!({
        "name": e.name, "resource_type": "exposure", "package_name": e.package_name, "path": e.path,
        "original_file_path": e.original_file_path, "unique_id": e.unique_id, "fqn": e.fqn,
        "type": get("type"), "owner": owner, "description": e.raw.get("description").cloned().unwrap_or(json!("")),
        "label": get("label"), "maturity": get("maturity"), "meta": meta, "tags": tags,
        "config": {"enabled": cfg.get("enabled").cloned().unwrap_or(json!(true)), "tags": tags, "meta": meta},
        "unrendered_config": unrendered, "url": get("url"),
        "depends_on": {"macros": [], "nodes": e.depends_on_nodes},
        "refs": e.refs.iter().map(|r| json!({"name": r.name, "package": r.package, "version": r.version.as_deref().map(version_json)})).collect::<Vec<_>>(),
        "sources": e.sources.iter().map(|(a, b)| json!([a, b])).collect::<Vec<_>>(),
        "metrics": [], "created_at": 0.0,
    })
}

/// Serializes a map from an iterator as it goes, so that a whole section of
/// the manifest never exists as one JSON tree.
struct Stream<I>(std::cell::Cell<Option<I>>);

fn stream<I>(items: I) -> Stream<I> {
    Stream(std::cell::Cell::new(Some(items)))
}

impl<K: Serialize, V: Serialize, I: Iterator<Item = (K, V)>> Serialize for Stream<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.take().into_iter().flatten())
    }
}

fn macro_json(d: &crate::jinja::macros::MacroDef) -> Value {
    let docs = || json!({"show": true, "node_color": null});
    let (description, meta, docs, patch_path, arguments) = match &d.patch {
        Some(p) => (
            json!(p.description),
            p.meta.clone(),
            p.docs.clone(),
            json!(p.patch_path),
            json!(p.arguments),
        ),
        None => (json!(""), json!({}), docs(), Value::Null, json!([])),
    };
    json!({
        "name": d.name, "resource_type": "macro", "package_name": d.package,
        "path": d.original_file_path, "original_file_path": d.original_file_path,
        "unique_id": d.unique_id, "macro_sql": d.macro_sql, "depends_on": {"macros": d.depends_on},
        "description": description, "meta": meta, "docs": docs,
        "config": {"meta": meta, "docs": docs},
        "patch_path": patch_path, "arguments": arguments, "created_at": 0.0, "supported_languages": null,
    })
}

fn group_json(g: &Group) -> Value {
    json!({
        "name": g.name, "resource_type": "group", "package_name": g.package_name, "path": g.path,
        "original_file_path": g.original_file_path, "unique_id": g.unique_id,
        "owner": g.raw.get("owner").cloned().unwrap_or(json!({})),
        "description": g.raw.get("description").cloned().unwrap_or(Value::Null),
        "config": g.raw.get("config").cloned().unwrap_or(json!({})),
    })
}

fn unit_test_json(u: &UnitTest, with_sql: bool) -> Value {
    let mut v = json!({
        "model": u.model, "given": u.given, "expect": u.expect, "name": u.name, "resource_type": "unit_test",
        "package_name": u.package_name, "path": u.path, "original_file_path": u.original_file_path,
        "unique_id": u.unique_id, "fqn": u.fqn, "description": u.description, "overrides": u.overrides,
        "depends_on": {"macros": [], "nodes": u.depends_on_nodes}, "config": u.config, "checksum": unit_test_checksum(u),
        "schema": u.schema, "created_at": 0.0, "versions": u.versions, "version": u.version,
    });
    if let (true, Some(sql), Value::Object(o)) = (with_sql, &u.compiled_code, &mut v) {
        o.insert("compiled_code".into(), json!(sql));
    }
    v
}

/// The manifest, serialized section by section and entry by entry: writing
/// it never holds more than one resource as a JSON tree.
pub struct ManifestJson<'a> {
    pub out: &'a CompileOutput,
    pub input: &'a ProjectInput,
    /// The app's variant: each unit test's entry carries its compiled SQL
    /// (dbt's manifest has no such field), and `parent_map` / `child_map`
    /// are left out (the app builds its graph from `depends_on`).
    pub for_app: bool,
}

impl<'a> ManifestJson<'a> {
    pub fn new(out: &'a CompileOutput, input: &'a ProjectInput) -> ManifestJson<'a> {
        ManifestJson {
            out,
            input,
            for_app: false,
        }
    }
}

impl ManifestJson<'_> {
    /// One top-level section (`metadata`, `nodes`, `sources`, ...), to
    /// serialize on its own.
    pub fn section(&self, key: &'static str) -> impl Serialize + '_ {
        Section {
            manifest: self,
            key,
        }
    }

    /// The top-level keys in dbt's order; the app's variant has no
    /// `parent_map` / `child_map`.
    fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        SECTIONS
            .iter()
            .copied()
            .filter(|k| !(self.for_app && matches!(*k, "parent_map" | "child_map")))
    }
}

const SECTIONS: &[&str] = &[
    "metadata",
    "nodes",
    "sources",
    "macros",
    "docs",
    "exposures",
    "metrics",
    "groups",
    "selectors",
    "disabled",
    "parent_map",
    "child_map",
    "group_map",
    "saved_queries",
    "semantic_models",
    "unit_tests",
    "functions",
];

/// One top-level section of the manifest, serialized on its own.
struct Section<'a> {
    manifest: &'a ManifestJson<'a>,
    key: &'static str,
}

impl Serialize for Section<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (out, input) = (self.manifest.out, self.manifest.input);
        let m = &out.manifest;
        let with_sql = self.manifest.for_app;
        let empty = Map::new();
        match self.key {
            "metadata" => {
                let t = &input.target;
                json!({
                    "dbt_schema_version": SCHEMA_URL,
                    "dbt_version": DBT_VERSION,
                    "generated_at": input.invocation.run_started_at,
                    "invocation_id": input.invocation.invocation_id,
                    "invocation_started_at": input.invocation.run_started_at,
                    "env": {},
                    "project_name": m.project_name,
                    "project_id": crate::parser::md5_hex(&m.project_name),
                    "user_id": null,
                    "send_anonymous_usage_stats": false,
                    "adapter_type": t.adapter_type,
                    "quoting": {"database": true, "schema": true, "identifier": true, "column": null},
                    "run_started_at": input.invocation.run_started_at,
                })
                .serialize(s)
            }
            "nodes" => stream(m.nodes.values().map(|n| (&n.unique_id, NodeJson(n)))).serialize(s),
            "sources" => {
                stream(m.sources.values().map(|x| (&x.unique_id, source_json(x)))).serialize(s)
            }
            "macros" => {
                stream(out.macros.iter().map(|d| (&d.unique_id, macro_json(d)))).serialize(s)
            }
            "docs" => stream(m.docs.values().map(|d| {
                (
                    &d.unique_id,
                    json!({"name": d.name, "resource_type": "doc", "package_name": d.package_name, "path": d.path, "original_file_path": d.original_file_path, "unique_id": d.unique_id, "block_contents": d.block_contents}),
                )
            }))
            .serialize(s),
            "exposures" => stream(
                m.exposures
                    .values()
                    .map(|e| (&e.unique_id, exposure_json(e))),
            )
            .serialize(s),
            "metrics" => m.metrics.serialize(s),
            "groups" => {
                stream(m.groups.values().map(|g| (&g.unique_id, group_json(g)))).serialize(s)
            }
            "disabled" => {
                // Disabled nodes, as dbt-core lists them: each id with its nodes.
                let mut disabled = m.disabled_json.clone();
                for n in m.disabled.values() {
                    let mut node =
                        serde_json::to_value(NodeJson(n)).map_err(serde::ser::Error::custom)?;
                    // Disabled nodes are parsed, never compiled.
                    if let Value::Object(o) = &mut node {
                        for k in [
                            "compiled",
                            "compiled_code",
                            "extra_ctes",
                            "extra_ctes_injected",
                        ] {
                            o.remove(k);
                        }
                    }
                    disabled.insert(n.unique_id.clone(), Value::Array(vec![node]));
                }
                disabled.serialize(s)
            }
            // Every resource in the graph: nodes, sources, exposures, unit tests, semantic layer.
            "parent_map" => {
                stream(out.graph.index.keys().map(|id| (id, out.graph.parents(id)))).serialize(s)
            }
            "child_map" => {
                stream(out.graph.index.keys().map(|id| (id, out.graph.children(id)))).serialize(s)
            }
            "saved_queries" => m.saved_queries.serialize(s),
            "semantic_models" => m.semantic_models.serialize(s),
            "unit_tests" => stream(
                m.unit_tests
                    .values()
                    .map(|u| (&u.unique_id, unit_test_json(u, with_sql))),
            )
            .serialize(s),
            // selectors, group_map, functions
            _ => empty.serialize(s),
        }
    }
}

impl Serialize for ManifestJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for key in self.keys() {
            map.serialize_entry(key, &self.section(key))?;
        }
        map.end()
    }
}

/// Builds the manifest JSON object.
pub fn to_json(out: &CompileOutput, input: &ProjectInput) -> Value {
    serde_json::to_value(ManifestJson::new(out, input)).unwrap_or(Value::Null)
}

/// Writes `manifest.json` without building it in memory first. With
/// `input.threads > 1` its pieces (each section, and the nodes, most of the
/// file, in chunks) are serialized on that many threads while the calling
/// thread writes those done, in order; the bytes are the same.
pub fn write_json<W: std::io::Write>(
    out: &CompileOutput,
    input: &ProjectInput,
    w: W,
) -> serde_json::Result<()> {
    write_json_in_chunks(out, input, 256, w)
}

/// `write_json` with the nodes serialized `chunk` at a time.
fn write_json_in_chunks<W: std::io::Write>(
    out: &CompileOutput,
    input: &ProjectInput,
    chunk: usize,
    mut w: W,
) -> serde_json::Result<()> {
    let manifest = ManifestJson::new(out, input);
    let nodes: Vec<&Node> = out.manifest.nodes.values().map(|n| &**n).collect();
    let mut pieces: Vec<Piece> = vec![Piece::Text("{")];
    for (i, key) in manifest.keys().enumerate() {
        if i > 0 {
            pieces.push(Piece::Text(","));
        }
        pieces.push(Piece::Key(key));
        if key == "nodes" && input.threads > 1 {
            pieces.push(Piece::Text("{"));
            for (j, part) in nodes.chunks(chunk).enumerate() {
                if j > 0 {
                    pieces.push(Piece::Text(","));
                }
                pieces.push(Piece::Nodes(part));
            }
            pieces.push(Piece::Text("}"));
        } else {
            pieces.push(Piece::Section(key));
        }
    }
    pieces.push(Piece::Text("}"));
    let serialize = |piece: &Piece| -> serde_json::Result<Vec<u8>> {
        Ok(match piece {
            Piece::Text(t) => t.as_bytes().to_vec(),
            Piece::Key(key) => {
                let mut buf = serde_json::to_vec(key)?;
                buf.push(b':');
                buf
            }
            Piece::Section(key) => {
                let mut buf = JsonBuf::default();
                serde_json::to_writer(&mut buf, &manifest.section(key))?;
                buf.0
            }
            Piece::Nodes(chunk) => {
                let mut buf = JsonBuf::with_capacity(chunk.len() * 4096);
                for (i, n) in chunk.iter().enumerate() {
                    if i > 0 {
                        buf.0.push(b',');
                    }
                    serde_json::to_writer(&mut buf, &n.unique_id)?;
                    buf.0.push(b':');
                    serde_json::to_writer(&mut buf, &NodeJson(n))?;
                }
                buf.0
            }
        })
    };
    // A few pieces per thread ahead of the writer keep memory bounded.
    let threads = input.threads;
    crate::par::for_each_in_order(&pieces, threads, threads * 4, &serialize, &mut |bytes| {
        w.write_all(&bytes?).map_err(serde_json::Error::io)
    })
}

/// A buffer JSON is serialized into: a `Vec<u8>` that copies the short
/// pieces a serializer writes (quotes, colons, keys, runs between escapes,
/// up to 64 bytes) with a few fixed-size moves instead of a call to copy
/// memory. In wasm
/// such a call is a `memory.copy`, which the browser runs out of line:
/// those calls took about a tenth of the time a 5,000-model project takes
/// to compile in the worker, nearly all of it spent serializing the result.
#[derive(Debug, Default)]
pub struct JsonBuf(pub Vec<u8>);

impl JsonBuf {
    pub fn with_capacity(bytes: usize) -> Self {
        JsonBuf(Vec::with_capacity(bytes))
    }
}

impl std::io::Write for JsonBuf {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let n = bytes.len();
        if n > 64 {
            self.0.extend_from_slice(bytes);
            return Ok(());
        }
        self.0.reserve(n);
        let len = self.0.len();
        // SAFETY: `reserve` made room for `n` more bytes after `len`; each
        // move below reads within `bytes` and writes within that room (the
        // two moves of a size class overlap when `n` is not twice the size),
        // and all `n` bytes are written before the length covers them.
        unsafe {
            let src = bytes.as_ptr();
            let dst = self.0.as_mut_ptr().add(len);
            if n > 32 {
                std::ptr::copy_nonoverlapping(src, dst, 16);
                std::ptr::copy_nonoverlapping(src.add(16), dst.add(16), 16);
                std::ptr::copy_nonoverlapping(src.add(n - 32), dst.add(n - 32), 16);
                std::ptr::copy_nonoverlapping(src.add(n - 16), dst.add(n - 16), 16);
            } else if n > 16 {
                std::ptr::copy_nonoverlapping(src, dst, 16);
                std::ptr::copy_nonoverlapping(src.add(n - 16), dst.add(n - 16), 16);
            } else if n >= 8 {
                std::ptr::copy_nonoverlapping(src, dst, 8);
                std::ptr::copy_nonoverlapping(src.add(n - 8), dst.add(n - 8), 8);
            } else if n >= 4 {
                std::ptr::copy_nonoverlapping(src, dst, 4);
                std::ptr::copy_nonoverlapping(src.add(n - 4), dst.add(n - 4), 4);
            } else if n > 0 {
                *dst = *src;
                *dst.add(n / 2) = *src.add(n / 2);
                *dst.add(n - 1) = *src.add(n - 1);
            }
            self.0.set_len(len + n);
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A part of `manifest.json`, serialized on its own.
enum Piece<'a> {
    Text(&'static str),
    /// A top-level key and its colon.
    Key(&'static str),
    Section(&'static str),
    /// Entries of `nodes`, comma-separated.
    Nodes(&'a [&'a Node]),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the sizes of the pieces, the buffer holds exactly what was
    /// written, as a plain `Vec` does.
    #[test]
    fn json_buffer_holds_what_was_written() {
        use std::io::Write;
        let text: Vec<u8> = (0..200u8).map(|i| i.wrapping_mul(37)).collect();
        let mut buf = JsonBuf::default();
        let mut expected = Vec::new();
        let mut at = 0;
        for n in (0..=70).chain([0, 1, 2, 3]) {
            let piece = &text[at % 120..at % 120 + n];
            buf.write_all(piece).unwrap();
            expected.extend_from_slice(piece);
            at += 7;
        }
        assert_eq!(buf.0, expected);
        let value = serde_json::json!({"sql": "select 1\n\t\"a\"", "n": [1, 2.5, null]});
        let mut buf = JsonBuf::default();
        serde_json::to_writer(&mut buf, &value).unwrap();
        assert_eq!(buf.0, serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn written_in_parallel_or_not_the_manifest_is_the_same() {
        let mut input = ProjectInput::default();
        input.add_file(
            "dbt_project.yml",
            "name: p\nversion: '1.0'\nconfig-version: 2\nprofile: p\n",
        );
        // More nodes than one chunk, so that chunks and windows are joined.
        input.add_file("models/m0.sql", "select 1 as id".to_string());
        for i in 1..700 {
            input.add_file(
                format!("models/m{i}.sql"),
                format!(
                    "select {i} as \"quoted\\n\" from {{{{ ref('m{}') }}}}",
                    i / 2
                ),
            );
        }
        let out = crate::compile(&input);
        assert!(out.manifest.nodes.len() > 600);
        let whole = serde_json::to_vec(&ManifestJson::new(&out, &input)).unwrap();
        for threads in [1, 2, 3] {
            input.threads = threads;
            let mut written = Vec::new();
            write_json(&out, &input, &mut written).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&whole),
                "threads = {threads}"
            );
        }
        // Small chunks: many more pieces than the writer lets the helpers
        // work ahead of it.
        input.threads = 2;
        let mut written = Vec::new();
        write_json_in_chunks(&out, &input, 7, &mut written).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&whole)
        );
        let v: Value = serde_json::from_slice(&whole).unwrap();
        assert_eq!(
            v["nodes"].as_object().unwrap().len(),
            out.manifest.nodes.len()
        );
    }
}
