//! The app's view of a project: every resource of a manifest (ours or one
//! dbt-core wrote) in one list, with the edges, tests, diagnostics, trees and
//! search index the pages need, built once per compile.

use crate::search::SearchIndex;
use indexmap::IndexMap;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use trellis_compiler::select::{graph_from_entries, SelectGraph};
use trellis_compiler_wasm::heads::ResourceHead;

/// A compile result as the worker (or a docs bundle) hands it over.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CompileResult {
    pub name: Value,
    pub manifest: ManifestIn,
    /// The resources' heads, standing in for the manifest's entries when
    /// the worker hands over a project it has only parsed so far.
    pub heads: Option<Vec<ResourceHead>>,
    pub diagnostics: Vec<Diag>,
    pub catalog: Value,
    pub profile: Value,
}

/// One diagnostic, as the compiler serializes it.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, PartialEq)]
#[serde(default)]
pub struct Diag {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub file: Option<String>,
    pub position: Option<Pos>,
    pub node: Option<String>,
    pub help: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, serde::Deserialize, serde::Serialize, PartialEq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Diag {
    /// `file:line:col`, as far as known.
    pub fn location(&self) -> String {
        match (&self.file, self.position) {
            (Some(f), Some(p)) => format!("{f}:{}:{}", p.line, p.column),
            (Some(f), None) => f.clone(),
            _ => String::new(),
        }
    }
}

/// Entries of one manifest section by unique id, each kept as its JSON text.
pub type Entries = IndexMap<String, Box<RawValue>>;

/// A manifest as the page reads it: the sections it shows, each entry kept
/// as text and read in full only when its page is shown. Building a JSON tree
/// of every entry was most of the time it took to take in a large project.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ManifestIn {
    pub metadata: Option<Value>,
    pub nodes: Option<Entries>,
    sources: Entries,
    exposures: Entries,
    metrics: Entries,
    semantic_models: Entries,
    saved_queries: Entries,
    unit_tests: Entries,
    macros: Entries,
    docs: Entries,
    groups: Entries,
}

impl ManifestIn {
    /// The sections with the resource kind of their entries ("" when each
    /// entry says its own), in the order the app lists them.
    fn sections(mut self) -> Vec<(Entries, &'static str)> {
        trellis_compiler_wasm::heads::SECTIONS
            .iter()
            .map(|&(key, kind)| (self.take(key), kind))
            .collect()
    }

    /// The entries of one section, by its manifest key.
    fn take(&mut self, key: &str) -> Entries {
        let section = match key {
            "nodes" => return self.nodes.take().unwrap_or_default(),
            "sources" => &mut self.sources,
            "exposures" => &mut self.exposures,
            "metrics" => &mut self.metrics,
            "semantic_models" => &mut self.semantic_models,
            "saved_queries" => &mut self.saved_queries,
            "unit_tests" => &mut self.unit_tests,
            "macros" => &mut self.macros,
            "docs" => &mut self.docs,
            "groups" => &mut self.groups,
            _ => return Entries::default(),
        };
        std::mem::take(section)
    }
}

/// One resource: a node, source, exposure, macro, docs block, unit test, ...
#[derive(Debug, Clone)]
pub struct Resource {
    /// What the sidebar, edges and search need (also reached through
    /// `Deref`: `r.name`, `r.kind`, ...).
    pub head: ResourceHead,
    /// The manifest entry as it is, read the first time a page asks; not
    /// there yet while a project is shown parsed from its heads.
    text: Option<Box<RawValue>>,
    raw: OnceLock<Value>,
}

impl std::ops::Deref for Resource {
    type Target = ResourceHead;

    fn deref(&self) -> &ResourceHead {
        &self.head
    }
}

impl Resource {
    /// A resource from its manifest entry; `kind` is the section's kind, or
    /// "" for the entry's own `resource_type`.
    pub fn new(id: String, kind: &str, text: Box<RawValue>) -> Resource {
        Resource {
            head: ResourceHead::from_entry(id, kind, text.get()),
            text: Some(text),
            raw: OnceLock::new(),
        }
    }

    /// A resource known by its head only (its entry comes later).
    pub fn from_head(head: ResourceHead) -> Resource {
        Resource {
            head,
            text: None,
            raw: OnceLock::new(),
        }
    }

    /// A resource from an entry given as JSON.
    #[cfg(test)]
    pub fn from_value(id: &str, kind: &str, entry: &Value) -> Resource {
        Resource::new(
            id.to_string(),
            kind,
            RawValue::from_string(entry.to_string()).unwrap(),
        )
    }

    /// The manifest entry as it is.
    pub fn raw(&self) -> &Value {
        self.raw.get_or_init(|| {
            self.text
                .as_ref()
                .and_then(|t| serde_json::from_str(t.get()).ok())
                .unwrap_or_default()
        })
    }

    /// Whether its manifest entry is here (not while the project is shown
    /// from its heads).
    pub fn has_entry(&self) -> bool {
        self.text.is_some()
    }

    /// A short display label: `source_name.name` for sources.
    pub fn label(&self) -> String {
        match self.kind.as_str() {
            "source" => format!("{}.{}", self.source_name, self.name),
            _ => self.name.clone(),
        }
    }

    pub fn is_warehouse_object(&self) -> bool {
        matches!(self.kind.as_str(), "model" | "seed" | "snapshot" | "source")
    }

    /// Generic data tests (`test_metadata` set).
    pub fn is_generic_test(&self) -> bool {
        self.kind == "test" && self.generic_test
    }
}

/// A tree for the sidebar: branches by folder (or database/schema), leaves are resources.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    pub label: String,
    pub children: Vec<Tree>,
    pub leaf: Option<usize>,
}

impl Tree {
    fn branch(&mut self, label: &str) -> &mut Tree {
        let i = match self
            .children
            .iter()
            .position(|c| c.leaf.is_none() && c.label == label)
        {
            Some(i) => i,
            None => {
                self.children.push(Tree {
                    label: label.to_string(),
                    ..Tree::default()
                });
                self.children.len() - 1
            }
        };
        &mut self.children[i]
    }

    fn insert(&mut self, path: &[String], label: String, leaf: usize) {
        let mut at = self;
        for p in path {
            at = at.branch(p);
        }
        at.children.push(Tree {
            label,
            children: Vec::new(),
            leaf: Some(leaf),
        });
    }

    fn sort(&mut self) {
        // Branches first, then leaves, each by label; the root's order is kept.
        for c in &mut self.children {
            c.sort_rec();
        }
    }

    fn sort_rec(&mut self) {
        self.children
            .sort_by(|a, b| (a.leaf.is_some(), &a.label).cmp(&(b.leaf.is_some(), &b.label)));
        for c in &mut self.children {
            c.sort_rec();
        }
    }

    /// The child-index path to every leaf, by resource index.
    pub fn leaf_paths(&self) -> HashMap<usize, Vec<usize>> {
        fn walk(t: &Tree, path: &mut Vec<usize>, out: &mut HashMap<usize, Vec<usize>>) {
            if let Some(i) = t.leaf {
                out.insert(i, path.clone());
            }
            for (k, c) in t.children.iter().enumerate() {
                path.push(k);
                walk(c, path, out);
                path.pop();
            }
        }
        let mut out = HashMap::new();
        walk(self, &mut Vec::new(), &mut out);
        out
    }

    /// Number of leaves below.
    pub fn count(&self) -> usize {
        self.leaf.map_or(0, |_| 1) + self.children.iter().map(Tree::count).sum::<usize>()
    }
}

/// Everything the pages show.
pub struct Project {
    pub name: String,
    /// Where it came from, e.g. `shop.zip`.
    pub origin: String,
    /// Compiled here, or read from a manifest dbt wrote.
    pub from_manifest: bool,
    /// Parsed only, with the compiled project on its way.
    pub compiling: bool,
    pub dbt_version: String,
    pub adapter: String,
    pub resources: Vec<Resource>,
    pub index: HashMap<String, usize>,
    /// Resources by the path of the file that is their own source.
    pub file_owner: HashMap<String, usize>,
    pub parents: Vec<Vec<usize>>,
    pub children: Vec<Vec<usize>>,
    /// Data tests attached to a resource, by resource index.
    pub tests: Vec<Vec<usize>>,
    /// Unit tests of a model, by resource index.
    pub unit_tests: Vec<Vec<usize>>,
    pub diagnostics: Vec<Diag>,
    /// Indices of resources with an error diagnostic.
    pub broken: Vec<bool>,
    pub catalog: Value,
    pub profile: Value,
    pub project_tree: Tree,
    pub database_tree: Tree,
    /// Where each resource sits in the trees, to reveal the current one.
    pub project_paths: HashMap<usize, Vec<usize>>,
    pub database_paths: HashMap<usize, Vec<usize>>,
    /// Built the first time something is searched, or when the page is idle
    /// after showing the project (`app::show`), whichever comes first.
    search: OnceLock<SearchIndex>,
    /// The selector graph, built the first time something is selected: it
    /// copies much of every entry, and most visits never select.
    graph: OnceLock<SelectGraph>,
}

impl Project {
    /// Builds the view of a compile result.
    pub fn new(result: CompileResult, origin: String, from_manifest: bool) -> Project {
        let mut manifest = result.manifest;
        let metadata = manifest.metadata.take().unwrap_or_default();
        let resources: Vec<Resource> = match result.heads {
            Some(heads) => heads.into_iter().map(Resource::from_head).collect(),
            None => manifest
                .sections()
                .into_iter()
                .flat_map(|(entries, kind)| {
                    entries
                        .into_iter()
                        .map(move |(id, text)| Resource::new(id, kind, text))
                })
                .collect(),
        };
        let index: HashMap<String, usize> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let n = resources.len();
        let mut parents = vec![Vec::new(); n];
        let mut children = vec![Vec::new(); n];
        let mut tests = vec![Vec::new(); n];
        let mut unit_tests = vec![Vec::new(); n];
        for (i, r) in resources.iter().enumerate() {
            for d in &r.depends_on {
                if let Some(&p) = index.get(d) {
                    if !parents[i].contains(&p) {
                        parents[i].push(p);
                        children[p].push(i);
                    }
                }
            }
            if r.kind == "test" {
                let attached = r.attached_node.as_ref().and_then(|a| index.get(a)).copied();
                let targets: Vec<usize> = match attached {
                    Some(a) => vec![a],
                    None => parents[i].clone(),
                };
                for t in targets {
                    tests[t].push(i);
                }
            }
            if r.kind == "unit_test" {
                if let Some(&m) = r
                    .model
                    .as_ref()
                    .and_then(|m| index.get(&format!("model.{}.{}", r.package, m)))
                {
                    unit_tests[m].push(i);
                }
            }
        }
        let mut file_owner = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            if owns_file(r) {
                file_owner.entry(r.path.clone()).or_insert(i);
            }
        }
        let mut broken = vec![false; n];
        for d in result.diagnostics.iter().filter(|d| d.severity == "error") {
            if let Some(i) = resource_of(&index, &file_owner, d) {
                broken[i] = true;
            }
        }
        let root = metadata
            .pointer("/project_name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| result.name.as_str().map(str::to_string))
            .unwrap_or_default();
        let project_tree = project_tree(&resources, &root);
        let database_tree = database_tree(&resources);
        let project_paths = project_tree.leaf_paths();
        let database_paths = database_tree.leaf_paths();
        Project {
            name: root,
            origin,
            from_manifest,
            compiling: false,
            dbt_version: metadata
                .pointer("/dbt_version")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            adapter: metadata
                .pointer("/adapter_type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            resources,
            index,
            file_owner,
            parents,
            children,
            tests,
            unit_tests,
            diagnostics: result.diagnostics,
            broken,
            catalog: result.catalog,
            profile: result.profile,
            project_tree,
            database_tree,
            project_paths,
            database_paths,
            search: OnceLock::new(),
            graph: OnceLock::new(),
        }
    }

    /// The search index.
    pub fn search(&self) -> &SearchIndex {
        self.search
            .get_or_init(|| SearchIndex::new(&self.resources, &self.catalog))
    }

    /// The selector graph of every selectable resource (not macros, docs
    /// blocks or groups), with the macros, as the core selects over it.
    pub fn graph(&self) -> &SelectGraph {
        self.graph.get_or_init(|| {
            let not_nodes = ["macro", "doc", "group"];
            graph_from_entries(
                self.resources
                    .iter()
                    .filter(|r| !not_nodes.contains(&r.kind.as_str()))
                    .map(Resource::raw),
                self.resources
                    .iter()
                    .filter(|r| r.kind == "macro")
                    .map(|r| (r.id.as_str(), r.raw())),
                Some(self.name.clone()).filter(|n| !n.is_empty()),
            )
        })
    }

    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.index.get(id).map(|&i| &self.resources[i])
    }

    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == "error")
            .count()
    }

    /// The resource a diagnostic belongs to: its node, or the resource whose
    /// own source file it is in.
    pub fn resource_of(&self, d: &Diag) -> Option<usize> {
        resource_of(&self.index, &self.file_owner, d)
    }

    /// Diagnostics that belong to a resource.
    pub fn diagnostics_of(&self, i: usize) -> Vec<&Diag> {
        self.diagnostics
            .iter()
            .filter(|d| self.resource_of(d) == Some(i))
            .collect()
    }

    /// Column types from `catalog.json`, when the project has one.
    pub fn catalog_columns(&self, id: &str) -> Map<String, Value> {
        catalog_columns(&self.catalog, id)
    }

    /// Count of resources per kind, for the overview.
    pub fn counts(&self) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for r in &self.resources {
            if r.kind == "macro" && r.package != self.name {
                continue;
            }
            *out.entry(r.kind.as_str()).or_default() += 1;
        }
        out
    }
}

/// Whether a resource's file is its own source (not properties YAML, not a
/// file of several macros).
pub fn owns_file(r: &Resource) -> bool {
    matches!(
        r.kind.as_str(),
        "model" | "analysis" | "seed" | "snapshot" | "test"
    ) && !r.path.is_empty()
        && !r.path.ends_with(".yml")
        && !r.path.ends_with(".yaml")
}

fn resource_of(
    index: &HashMap<String, usize>,
    file_owner: &HashMap<String, usize>,
    d: &Diag,
) -> Option<usize> {
    d.node
        .as_ref()
        .and_then(|id| index.get(id))
        .or_else(|| d.file.as_ref().and_then(|f| file_owner.get(f)))
        .copied()
}

/// The columns `catalog.json` records for a node or source.
pub fn catalog_columns(catalog: &Value, id: &str) -> Map<String, Value> {
    ["nodes", "sources"]
        .iter()
        .find_map(|section| catalog.get(*section)?.get(id)?.get("columns")?.as_object())
        .cloned()
        .unwrap_or_default()
}

/// Whether a resource is listed in the sidebar (generic tests are reached
/// from the resource they test, as in dbt's docs site).
fn in_tree(r: &Resource) -> bool {
    !(r.is_generic_test() || r.kind == "group" || r.kind == "operation")
}

fn project_tree(resources: &[Resource], root: &str) -> Tree {
    let mut tree = Tree::default();
    let mut packages: Vec<&str> = resources.iter().map(|r| r.package.as_str()).collect();
    packages.sort_by_key(|p| (*p != root, *p));
    packages.dedup();
    for p in packages {
        tree.branch(p);
    }
    for (i, r) in resources.iter().enumerate() {
        if !in_tree(r) {
            continue;
        }
        let mut path: Vec<String> = vec![r.package.clone()];
        match r.kind.as_str() {
            "source" => {
                path.push("sources".into());
                path.push(r.source_name.clone());
            }
            "unit_test" => path.push("unit tests".into()),
            "doc" => path.push("docs".into()),
            "exposure" => path.push("exposures".into()),
            "metric" => path.push("metrics".into()),
            "semantic_model" => path.push("semantic models".into()),
            "saved_query" => path.push("saved queries".into()),
            _ if !r.path.contains('/') => path.push(format!("{}s", r.kind)),
            _ => {
                let parts: Vec<&str> = r.path.split('/').collect();
                path.extend(
                    parts[..parts.len().saturating_sub(1)]
                        .iter()
                        .map(|s| s.to_string()),
                );
            }
        }
        tree.insert(&path, r.name.clone(), i);
    }
    tree.children.retain(|c| !c.children.is_empty());
    tree.sort();
    tree
}

fn database_tree(resources: &[Resource]) -> Tree {
    let mut tree = Tree::default();
    for (i, r) in resources.iter().enumerate() {
        if !r.is_warehouse_object() || r.ephemeral {
            continue;
        }
        let path = [r.database.clone(), r.schema.clone()];
        tree.insert(&path, r.relation.clone(), i);
    }
    tree.children.sort_by(|a, b| a.label.cmp(&b.label));
    tree.sort();
    tree
}

/// Takes a made-up project of `models` models (with a few tests each) in,
/// as the page takes in a parsed project from the worker (its JSON read into
/// heads, its view built), and drops it; returns how many resources it had.
///
/// The browser compiles a module's functions when they are first called and
/// optimizes them only once they have run a while. Called while the page
/// waits for the worker, this moves that work off the moment the project
/// arrives.
pub fn warm_up(models: usize) -> usize {
    let mut heads = Vec::with_capacity(models * 4);
    for i in 0..models {
        let id = format!("model.warm.m{i}");
        let path = format!("models/d{}/m{i}.sql", i % 16);
        heads.push(ResourceHead {
            id: id.clone(),
            kind: "model".into(),
            name: format!("m{i}"),
            package: "warm".into(),
            path: path.clone(),
            database: "db".into(),
            schema: format!("s{}", i % 4),
            relation: format!("m{i}"),
            description: "A made-up model, one row per \"thing\".".into(),
            depends_on: (i.saturating_sub(2)..i)
                .map(|p| format!("model.warm.m{p}"))
                .collect(),
            depends_on_macros: vec!["macro.dbt.is_incremental".into()],
            tags: vec!["warm".into()],
            columns: vec![
                ("id".into(), "The key.".into()),
                ("amount".into(), "In dollars.".into()),
            ],
            code: Some(format!("select * from {{{{ ref('m{}') }}}}\n", i / 2)),
            ..Default::default()
        });
        for test in ["unique", "not_null", "accepted_values"] {
            heads.push(ResourceHead {
                id: format!("test.warm.{test}_m{i}_id.0123456789"),
                kind: "test".into(),
                name: format!("{test}_m{i}_id"),
                package: "warm".into(),
                path: format!("models/d{}/_d.yml", i % 16),
                database: "db".into(),
                schema: "s_dbt_test__audit".into(),
                relation: format!("{test}_m{i}_id"),
                depends_on: vec![id.clone()],
                depends_on_macros: vec![format!("macro.dbt.test_{test}")],
                attached_node: Some(id.clone()),
                generic_test: true,
                test_name: Some(test.into()),
                column_name: Some("id".into()),
                code: Some(format!("{{{{ test_{test}(**_dbt_generic_test_kwargs) }}}}")),
                ..Default::default()
            });
        }
    }
    let result = serde_json::json!({
        "name": "warm",
        "manifest": {"metadata": {"project_name": "warm", "adapter_type": "duckdb"}},
        "heads": heads,
        "diagnostics": [],
        "catalog": null,
        "profile": {},
    });
    // Read from bytes, as the worker's answers are.
    let text = serde_json::to_vec(&result).unwrap_or_default();
    match serde_json::from_slice::<CompileResult>(&text) {
        Ok(r) => Project::new(r, String::new(), false).resources.len(),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use trellis_compiler::select::graph_from_manifest;

    #[test]
    fn warming_up_takes_in_a_whole_made_up_project() {
        assert_eq!(warm_up(50), 200);
    }

    fn result() -> CompileResult {
        serde_json::from_value(result_json()).unwrap()
    }

    fn result_json() -> Value {
        json!({
            "name": "shop",
            "manifest": {
                "metadata": {"project_name": "shop", "dbt_version": "1.11.16", "adapter_type": "duckdb"},
                "nodes": {
                    "model.shop.a": {"unique_id": "model.shop.a", "resource_type": "model", "name": "a", "package_name": "shop",
                        "original_file_path": "models/staging/a.sql", "database": "dev", "schema": "main",
                        "alias": "a", "depends_on": {"nodes": []}, "config": {"materialized": "view"}},
                    "model.shop.b": {"unique_id": "model.shop.b", "resource_type": "model", "name": "b", "package_name": "shop",
                        "original_file_path": "models/b.sql", "database": "dev", "schema": "main",
                        "alias": "b", "depends_on": {"nodes": ["model.shop.a"]}, "config": {"materialized": "table"}},
                    "test.shop.not_null_a_id.1": {"unique_id": "test.shop.not_null_a_id.1", "resource_type": "test", "name": "not_null_a_id",
                        "package_name": "shop", "original_file_path": "models/schema.yml",
                        "attached_node": "model.shop.a", "column_name": "id",
                        "test_metadata": {"name": "not_null"}, "depends_on": {"nodes": ["model.shop.a"]}}
                },
                "sources": {}
            },
            "diagnostics": [{"code": "jinja-syntax", "severity": "error", "message": "bad",
                "file": "models/b.sql", "position": {"line": 2, "column": 3}}]
        })
    }

    #[test]
    fn edges_tests_and_broken_nodes() {
        let p = Project::new(result(), "test".into(), false);
        let a = p.index["model.shop.a"];
        let b = p.index["model.shop.b"];
        let t = p.index["test.shop.not_null_a_id.1"];
        assert_eq!(p.children[a], vec![b, t]);
        assert_eq!(p.parents[b], vec![a]);
        assert_eq!(p.tests[a].len(), 1);
        assert!(p.broken[b] && !p.broken[a]);
        assert_eq!(p.diagnostics[0].location(), "models/b.sql:2:3");
        assert_eq!(p.diagnostics_of(b).len(), 1);
    }

    #[test]
    fn entries_are_read_lazily_and_odd_shapes_still_show() {
        let r = Resource::from_value(
            "model.shop.c",
            "",
            &json!({"resource_type": "model", "name": "c", "package_name": "shop",
                "columns": {"id": {"description": "Key"}}, "tags": ["a", "b"],
                "depends_on": {"nodes": ["model.shop.a"], "macros": ["macro.shop.m"]},
                "config": {"materialized": "ephemeral"}, "raw_code": "select 1"}),
        );
        assert_eq!((r.kind.as_str(), r.name.as_str()), ("model", "c"));
        assert_eq!(r.columns, vec![("id".to_string(), "Key".to_string())]);
        assert_eq!(
            (r.tags.len(), r.code.as_deref(), r.ephemeral),
            (2, Some("select 1"), true)
        );
        assert_eq!(r.depends_on_macros, vec!["macro.shop.m".to_string()]);
        assert_eq!(r.raw()["config"]["materialized"], "ephemeral");
        // Columns as a list and a `depends_on` that is a string: the rest is read.
        let odd = Resource::from_value(
            "model.shop.d",
            "",
            &json!({"resource_type": "model", "name": "d", "columns": ["x"], "depends_on": "?",
                "description": "Still here"}),
        );
        assert_eq!(
            (odd.name.as_str(), odd.description.as_str()),
            ("d", "Still here")
        );
        assert!(odd.columns.is_empty() && odd.depends_on.is_empty());
        let not_an_object = Resource::from_value("x", "doc", &json!([1, 2]));
        assert_eq!(
            (not_an_object.kind.as_str(), not_an_object.name.as_str()),
            ("doc", "")
        );
    }

    #[test]
    fn the_selector_graph_built_later_is_the_manifests() {
        let whole = graph_from_manifest(&result_json()["manifest"]);
        let p = Project::new(result(), "test".into(), false);
        let lazy = p.graph();
        assert_eq!(lazy.nodes.len(), 3);
        assert_eq!(lazy, &whole);
    }

    #[test]
    fn trees_by_folder_and_by_schema() {
        let p = Project::new(result(), "test".into(), false);
        let shop = &p.project_tree.children[0];
        assert_eq!(shop.label, "shop");
        assert_eq!(shop.children[0].label, "models");
        // generic tests are not in the tree
        assert_eq!(p.project_tree.count(), 2);
        let db = &p.database_tree.children[0];
        assert_eq!(
            (db.label.as_str(), db.children[0].label.as_str()),
            ("dev", "main")
        );
        assert_eq!(db.count(), 2);
        let b = p.index["model.shop.b"];
        let path = &p.project_paths[&b];
        let mut t = &p.project_tree;
        for &k in path {
            t = &t.children[k];
        }
        assert_eq!(t.leaf, Some(b));
    }
}

/// Where the page's time goes when it takes in a large project, measured
/// natively: `TRELLIS_PROJECT_DIR=<dir> cargo test -p trellis-app --release
/// -- --ignored --nocapture view_build_timings`.
#[cfg(test)]
mod timings {
    use super::*;
    use std::time::Instant;
    use trellis_compiler::select::graph_from_manifest;

    #[test]
    #[ignore = "a measurement, run by hand on a large project"]
    fn view_build_timings() {
        let dir = std::path::PathBuf::from(
            std::env::var("TRELLIS_PROJECT_DIR").expect("TRELLIS_PROJECT_DIR"),
        );
        let mut files = serde_json::Map::new();
        fn walk(
            root: &std::path::Path,
            d: &std::path::Path,
            out: &mut serde_json::Map<String, Value>,
        ) {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else if let Ok(t) = std::fs::read_to_string(&p) {
                    out.insert(
                        format!("p/{}", p.strip_prefix(root).unwrap().display()),
                        t.into(),
                    );
                }
            }
        }
        walk(&dir, &dir, &mut files);
        let request = serde_json::json!({"kind": "files", "files": files}).to_string();
        let mut parsed = None;
        let t = Instant::now();
        crate::worker::handle(&request, &[], &mut |_| {}, &mut |p| {
            if parsed.is_none() {
                eprintln!("worker parse + serialize: {:?}", t.elapsed());
                parsed = Some(p.concat());
            }
        });
        let text = parsed.expect("a parsed result");
        eprintln!("parsed result: {} bytes", text.len());
        #[derive(serde::Deserialize)]
        struct Answer {
            ok: CompileResult,
        }
        let t = Instant::now();
        let a: Answer = serde_json::from_str(&text).unwrap();
        eprintln!("page JSON read: {:?}", t.elapsed());
        let manifest: Value =
            serde_json::from_str::<Value>(&text).unwrap()["ok"]["manifest"].take();
        let t = Instant::now();
        let g = graph_from_manifest(&manifest);
        eprintln!(
            "selector graph: {:?} ({} nodes)",
            t.elapsed(),
            g.nodes.len()
        );
        let t = Instant::now();
        let p = Project::new(a.ok, String::new(), false);
        eprintln!(
            "Project::new: {:?} ({} resources)",
            t.elapsed(),
            p.resources.len()
        );
        let t = Instant::now();
        let lazy = p.graph();
        eprintln!(
            "selector graph from resources: {:?} ({} nodes)",
            t.elapsed(),
            lazy.nodes.len()
        );
        assert_eq!(lazy.nodes.len(), g.nodes.len());
        let t = Instant::now();
        let s = crate::search::SearchIndex::new(&p.resources, &p.catalog);
        eprintln!("search index: {:?}", t.elapsed());
        let t = Instant::now();
        let tree = project_tree(&p.resources, &p.name);
        let _ = database_tree(&p.resources);
        eprintln!("trees: {:?} ({} leaves)", t.elapsed(), tree.count());
        drop(s);
    }
}
