//! `manifest.json` in dbt's v12 shape.

use crate::compile::CompileOutput;
use crate::input::ProjectInput;
use crate::nodes::*;
use serde_json::{json, Map, Value};

pub const SCHEMA_URL: &str = "https://schemas.getdbt.com/dbt/manifest/v12.json";
pub const DBT_VERSION: &str = "1.11.16";

fn columns_json(cols: &indexmap::IndexMap<String, Column>) -> Value {
    Value::Object(
        cols.iter()
            .map(|(k, c)| {
                let mut cfg = c.config.clone();
                cfg.entry("meta").or_insert_with(|| json!(c.meta));
                cfg.entry("tags").or_insert_with(|| json!(c.tags));
                (
                    k.clone(),
                    json!({
                        "name": c.name, "description": c.description, "meta": c.meta, "data_type": c.data_type,
                        "constraints": c.constraints, "quote": c.quote, "config": cfg, "tags": c.tags,
                        "granularity": c.granularity, "doc_blocks": c.doc_blocks,
                    }),
                )
            })
            .collect(),
    )
}

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

fn refs_json(n: &Node) -> Value {
    Value::Array(
        n.refs
            .iter()
            .map(|r| json!({"name": r.name, "package": r.package, "version": r.version.as_deref().map(version_json)}))
            .collect(),
    )
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

fn node_json(n: &Node) -> Value {
    let mut o = Map::new();
    let mut put = |k: &str, v: Value| {
        o.insert(k.to_string(), v);
    };
    put("database", json!(n.database));
    put("schema", json!(n.schema));
    put("name", json!(n.name));
    put("resource_type", json!(n.resource_type.as_str()));
    put("package_name", json!(n.package_name));
    put("path", json!(n.path));
    put("original_file_path", json!(n.original_file_path));
    put("unique_id", json!(n.unique_id));
    put("fqn", json!(n.fqn));
    put("alias", json!(n.alias));
    put(
        "checksum",
        if n.checksum.is_empty() {
            json!({"name": "none", "checksum": ""})
        } else {
            json!({"name": "sha256", "checksum": n.checksum})
        },
    );
    put("config", Value::Object(n.config.clone()));
    let mut tags = n.tags.clone();
    if let Some(t) = &n.hook_tag {
        tags.push(t.clone());
    }
    put("tags", json!(tags));
    put("description", json!(n.description));
    put("columns", columns_json(&n.columns));
    put("meta", json!(n.meta));
    put(
        "group",
        n.config.get("group").cloned().unwrap_or(Value::Null),
    );
    put(
        "docs",
        n.config
            .get("docs")
            .cloned()
            .unwrap_or(json!({"show": true, "node_color": null})),
    );
    put("patch_path", json!(n.patch_path));
    put("build_path", Value::Null);
    put(
        "unrendered_config",
        Value::Object(n.unrendered_config.clone()),
    );
    put("created_at", json!(0.0));
    put("relation_name", json!(n.relation_name));
    put("raw_code", json!(n.raw_code));
    put("doc_blocks", json!(n.doc_blocks));
    if n.resource_type == ResourceType::Seed {
        put("root_path", json!("<root>"));
        put("depends_on", json!({"macros": n.depends_on_macros}));
        return Value::Object(o);
    }
    put("language", json!(n.language));
    put("refs", refs_json(n));
    put(
        "sources",
        json!(n
            .sources
            .iter()
            .map(|(a, b)| json!([a, b]))
            .collect::<Vec<_>>()),
    );
    put("metrics", json!([]));
    put("functions", json!([]));
    put(
        "depends_on",
        json!({"macros": n.depends_on_macros, "nodes": n.depends_on_nodes}),
    );
    // dbt writes no compiled file for snapshots.
    let has_file = n.compiled_code.is_some() && n.resource_type != ResourceType::Snapshot;
    put(
        "compiled_path",
        if has_file {
            json!(compiled_path(n))
        } else {
            Value::Null
        },
    );
    put("compiled", json!(n.compiled_code.is_some()));
    put("compiled_code", json!(n.compiled_code));
    put("extra_ctes_injected", json!(n.compiled_code.is_some()));
    put(
        "extra_ctes",
        json!(n
            .extra_ctes
            .iter()
            .map(|(id, sql)| json!({"id": id, "sql": sql}))
            .collect::<Vec<_>>()),
    );
    let enforced = n
        .config
        .get("contract")
        .and_then(|c| c.get("enforced"))
        .and_then(|e| e.as_bool())
        .unwrap_or(false);
    let checksum =
        (enforced && n.resource_type == ResourceType::Model).then(|| contract_checksum(n));
    put(
        "contract",
        json!({"enforced": enforced, "alias_types": true, "checksum": checksum}),
    );
    match n.resource_type {
        ResourceType::Model => {
            put(
                "access",
                n.config
                    .get("access")
                    .cloned()
                    .unwrap_or(json!("protected")),
            );
            put("constraints", json!(n.constraints));
            put("version", json!(n.version));
            put("latest_version", json!(n.latest_version));
            put("deprecation_date", json!(n.deprecation_date));
            put("primary_key", json!([]));
            put("time_spine", Value::Null);
        }
        ResourceType::Operation => {
            put("index", json!(n.index));
        }
        ResourceType::Test if n.test_metadata.is_some() => {
            put("column_name", json!(n.column_name));
            put("file_key_name", json!(n.file_key_name));
            put("attached_node", json!(n.attached_node));
            put("test_metadata", json!(n.test_metadata));
        }
        _ => {}
    }
    Value::Object(o)
}

fn source_json(s: &SourceTable) -> Value {
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
        "patch_path": null, "unrendered_config": {}, "relation_name": s.relation_name,
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
    let mut unrendered = Map::new();
    if !tags.is_empty() {
        unrendered.insert("tags".into(), json!(tags));
    }
    if !meta.is_empty() {
        unrendered.insert("meta".into(), json!(meta));
    }
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

/// Builds the manifest JSON object.
pub fn to_json(out: &CompileOutput, input: &ProjectInput) -> Value {
    let m = &out.manifest;
    let mut nodes = Map::new();
    for n in m.nodes.values() {
        nodes.insert(n.unique_id.clone(), node_json(n));
    }
    let mut macros = Map::new();
    for d in &out.macros {
        macros.insert(
            d.unique_id.clone(),
            json!({
                "name": d.name, "resource_type": "macro", "package_name": d.package,
                "path": d.original_file_path, "original_file_path": d.original_file_path,
                "unique_id": d.unique_id, "macro_sql": d.macro_sql, "depends_on": {"macros": []},
                "description": "", "meta": {}, "docs": {"show": true, "node_color": null},
                "config": {"meta": {}, "docs": {"show": true, "node_color": null}},
                "patch_path": null, "arguments": [], "created_at": 0.0, "supported_languages": null,
            }),
        );
    }
    let docs: Map<String, Value> = m
        .docs
        .values()
        .map(|d| {
            (
                d.unique_id.clone(),
                json!({"name": d.name, "resource_type": "doc", "package_name": d.package_name, "path": d.path, "original_file_path": d.original_file_path, "unique_id": d.unique_id, "block_contents": d.block_contents}),
            )
        })
        .collect();
    let sources: Map<String, Value> = m
        .sources
        .values()
        .map(|s| (s.unique_id.clone(), source_json(s)))
        .collect();
    let exposures: Map<String, Value> = m
        .exposures
        .values()
        .map(|e| (e.unique_id.clone(), exposure_json(e)))
        .collect();
    let groups: Map<String, Value> = m
        .groups
        .values()
        .map(|g| {
            (
                g.unique_id.clone(),
                json!({
                    "name": g.name, "resource_type": "group", "package_name": g.package_name, "path": g.path,
                    "original_file_path": g.original_file_path, "unique_id": g.unique_id,
                    "owner": g.raw.get("owner").cloned().unwrap_or(json!({})),
                    "description": g.raw.get("description").cloned().unwrap_or(Value::Null),
                    "config": g.raw.get("config").cloned().unwrap_or(json!({})),
                }),
            )
        })
        .collect();
    let mut parent_map = Map::new();
    let mut child_map = Map::new();
    // Every resource in the graph: nodes, sources, exposures, unit tests, semantic layer.
    for id in out.graph.index.keys() {
        parent_map.insert(id.clone(), json!(out.graph.parents(id)));
        child_map.insert(id.clone(), json!(out.graph.children(id)));
    }
    let t = &input.target;
    json!({
        "metadata": {
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
        },
        "nodes": nodes,
        "sources": sources,
        "macros": macros,
        "docs": docs,
        "exposures": exposures,
        "metrics": m.metrics,
        "groups": groups,
        "selectors": {},
        "disabled": m.disabled_json,
        "parent_map": parent_map,
        "child_map": child_map,
        "group_map": {},
        "saved_queries": m.saved_queries,
        "semantic_models": m.semantic_models,
        "unit_tests": m.unit_tests.values().map(|u| (u.unique_id.clone(), json!({
            "model": u.model, "given": u.given, "expect": u.expect, "name": u.name, "resource_type": "unit_test",
            "package_name": u.package_name, "path": u.path, "original_file_path": u.original_file_path,
            "unique_id": u.unique_id, "fqn": u.fqn, "description": u.description, "overrides": u.overrides,
            "depends_on": {"macros": [], "nodes": u.depends_on_nodes}, "config": u.config, "checksum": unit_test_checksum(u),
            "schema": u.schema, "created_at": 0.0, "versions": u.versions, "version": u.version,
        }))).collect::<Map<String, Value>>(),
        "functions": {},
    })
}
