//! The pipeline: load projects, collect macros, discover nodes, apply
//! properties, parse-render, resolve, build the graph, compile-render and
//! inject ephemeral CTEs.

use crate::config::{merge_into, project_levels};
use crate::diagnostics::Diagnostic;
use crate::graph::Graph;
use crate::input::ProjectInput;
use crate::jinja::context::{adapter_spec, Mode, NodeCtx, NodeFacts, Resolver, Shared, ADAPTERS};
use crate::jinja::macros::{MacroDef, MacroTable};
use crate::jinja::relation::{Policy, Relation};
use crate::jinja::{self, Sources};
use crate::nodes::*;
use crate::parser::{self, find_files, FoundFile, PropertiesFile};
use crate::project::{package_prefixes, Project};
use minijinja::Value as JValue;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

mod unit_tests;

/// Everything `compile` produces.
#[derive(Debug, Default)]
pub struct CompileOutput {
    pub manifest: Manifest,
    pub macros: Vec<Arc<MacroDef>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Parent -> children edges between unique ids.
    pub graph: Graph,
}

/// dbt's built-in macros, by internal package: `dbt` always, the adapter's
/// own package (`dbt_duckdb`, `dbt_postgres`) only for that adapter.
const BUILTINS: &[(&str, &str, &str)] = &[
    ("dbt", "naming.sql", include_str!("builtins/naming.sql")),
    ("dbt", "tests.sql", include_str!("builtins/tests.sql")),
    (
        "dbt",
        "incremental.sql",
        include_str!("builtins/incremental.sql"),
    ),
    ("dbt", "utils.sql", include_str!("builtins/utils.sql")),
    ("dbt", "adapters.sql", include_str!("builtins/adapters.sql")),
    ("dbt", "datetime.sql", include_str!("builtins/datetime.sql")),
    (
        "dbt",
        "unit_tests.sql",
        include_str!("builtins/unit_tests.sql"),
    ),
    (
        "dbt_duckdb",
        "duckdb.sql",
        include_str!("builtins/duckdb.sql"),
    ),
    (
        "dbt_postgres",
        "postgres.sql",
        include_str!("builtins/postgres.sql"),
    ),
];

/// How far a compile has got, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// In order: `macros` (macro and docs files read), `nodes` (SQL, seed
    /// and snapshot files read), `properties` (YAML files read), `resources`
    /// (properties files applied), `tests` (generic tests made), `parse`
    /// (nodes rendered), `graph` (graph and descriptions), `compile` (nodes
    /// compiled).
    pub phase: &'static str,
    pub done: usize,
    pub total: usize,
}

/// Compiles a project as dbt-core compiles it against an empty warehouse.
pub fn compile(input: &ProjectInput) -> CompileOutput {
    run(input, true, &mut |_| {}, None)
}

/// Parses a project as `dbt parse` does: every node, config and dependency,
/// but no compiled SQL.
pub fn parse(input: &ProjectInput) -> CompileOutput {
    run(input, false, &mut |_| {}, None)
}

/// `compile` or `parse` (when `compile_nodes` is false), reporting progress
/// as nodes are rendered.
pub fn compile_with_progress(
    input: &ProjectInput,
    compile_nodes: bool,
    progress: &mut dyn FnMut(Progress),
) -> CompileOutput {
    run(input, compile_nodes, progress, None)
}

/// `compile`, handing `parsed` what `parse` would give as soon as the project
/// is parsed, before any SQL is compiled; the parse is done once for both.
pub fn compile_staged(
    input: &ProjectInput,
    progress: &mut dyn FnMut(Progress),
    parsed: &mut dyn FnMut(&CompileOutput),
) -> CompileOutput {
    run(input, true, progress, Some(parsed))
}

/// A node's project-level config: the levels merged, then over the defaults.
type ProjectConfigs = (Arc<Map<String, Value>>, Arc<Map<String, Value>>);

/// Values cached by a key (a few: resource types, packages), then by the
/// part of an fqn that a project's config trees name; looked up without
/// allocating, as tens of thousands of nodes ask.
struct LevelCache<K, V>(std::sync::Mutex<Vec<(K, ByLevels<V>)>>);

/// Values by the configured part of an fqn.
type ByLevels<V> = HashMap<Vec<String>, V>;

/// Config keys of a resource type and a project's name.
type KeysOfProject = (&'static [&'static str], String);

impl<K, V> Default for LevelCache<K, V> {
    fn default() -> Self {
        LevelCache(Default::default())
    }
}

impl<K, V: Clone> LevelCache<K, V> {
    fn get_or(
        &self,
        is_key: impl Fn(&K) -> bool,
        key: impl FnOnce() -> K,
        levels: &[String],
        compute: impl FnOnce() -> V,
    ) -> V {
        let mut cache = lock(&self.0);
        let by_levels = match cache.iter().position(|(k, _)| is_key(k)) {
            Some(i) => &mut cache[i].1,
            None => {
                cache.push((key(), HashMap::new()));
                &mut cache.last_mut().expect("just pushed").1
            }
        };
        if let Some(hit) = by_levels.get(levels) {
            return hit.clone();
        }
        let value = compute();
        by_levels.insert(levels.to_vec(), value.clone());
        value
    }
}

/// Applies the `macros:` entries of properties files to the macros of
/// their package, in file order, as dbt-core does: an entry for a macro
/// that does not exist is a warning, a second entry for one an error.
fn patch_macros(table: &mut MacroTable, props: &[PropertiesFile], diags: &mut Vec<Diagnostic>) {
    for pf in props {
        let Some(entries) = pf.value.get("macros").and_then(Value::as_array) else {
            continue;
        };
        for entry in entries {
            let Some((name, patch)) =
                parser::macro_patch(&pf.project, &pf.original_file_path, entry)
            else {
                continue;
            };
            let Some(m) = table.get_mut(&pf.project, &name) else {
                diags.push(
                    Diagnostic::warning(
                        "macro-not-found",
                        format!("properties are given for macro '{name}', which does not exist"),
                    )
                    .in_file(pf.file.clone()),
                );
                continue;
            };
            if let Some(existing) = &m.patch {
                diags.push(
                    Diagnostic::error(
                        "duplicate-macro-patch",
                        format!(
                            "macro '{name}' has properties twice (also in {})",
                            existing.patch_path
                        ),
                    )
                    .in_file(pf.file.clone()),
                );
                continue;
            }
            m.patch = Some(Box::new(patch));
        }
    }
    table.finish();
}

fn run(
    input: &ProjectInput,
    compile_nodes: bool,
    progress: &mut dyn FnMut(Progress),
    parsed: Option<&mut dyn FnMut(&CompileOutput)>,
) -> CompileOutput {
    let mut out = CompileOutput::default();
    let root = match Project::load(input, "", true) {
        Ok(p) => p,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    let mut projects = vec![root.clone()];
    for prefix in package_prefixes(input, &root.packages_install_path) {
        match Project::load(input, &prefix, false) {
            Ok(p) if p.name != root.name => projects.push(p),
            Ok(_) => {}
            Err(d) => out.diagnostics.push(d),
        }
    }
    let adapter = match adapter_spec(&input.target.adapter_type) {
        Some(a) => a,
        None => {
            out.diagnostics.push(Diagnostic::error(
                "unknown-adapter",
                format!(
                    "adapter type '{}' is not supported; supported: {}",
                    input.target.adapter_type,
                    ADAPTERS
                        .iter()
                        .map(|a| a.type_name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            &ADAPTERS[0]
        }
    };
    let prefixes: Vec<String> = projects.iter().map(|p| p.prefix.clone()).collect();

    // Macros and docs.
    progress(Progress {
        phase: "macros",
        done: 0,
        total: projects.len(),
    });
    let mut macro_defs = Vec::new();
    let mut docs = Vec::new();
    for (package, file, text) in BUILTINS {
        if *package != "dbt" && *package != adapter.internal_package {
            continue;
        }
        let path = format!("<builtin>/{package}/{file}");
        parser::parse_macro_file(
            package,
            &path,
            &path,
            text,
            &mut macro_defs,
            &mut docs,
            &mut out.diagnostics,
        );
    }
    for p in &projects {
        let mut dirs = p.macro_paths.clone();
        dirs.extend(p.test_paths.iter().map(|t| format!("{t}/generic")));
        for f in find_files(&input.files, p, &dirs, &[".sql"], &prefixes) {
            let before = macro_defs.len();
            let text = &input.files[f.file];
            parser::parse_macro_file(
                &p.name,
                f.file,
                &format!("{}/{}", f.dir, f.rel),
                text,
                &mut macro_defs,
                &mut docs,
                &mut out.diagnostics,
            );
            // `macro_sql` keeps the file's own line endings.
            if input.written.contains_key(f.file) {
                for d in &mut macro_defs[before..] {
                    let written = text
                        .find(d.macro_sql.as_str())
                        .and_then(|at| input.written_span(f.file, at, at + d.macro_sql.len()));
                    if let Some(w) = written {
                        d.macro_sql = w.to_string();
                    }
                }
            }
        }
        for f in find_files(&input.files, p, &p.docs_paths, &[".md"], &prefixes) {
            let mut ignored = Vec::new();
            let before = docs.len();
            parser::parse_macro_file(
                &p.name,
                f.file,
                &format!("{}/{}", f.dir, f.rel),
                &input.files[f.file],
                &mut ignored,
                &mut docs,
                &mut out.diagnostics,
            );
            for d in &mut docs[before..] {
                d.path = f.rel.to_string();
            }
        }
    }
    let mut table = MacroTable::new(
        &root.name,
        vec![adapter.internal_package.to_string(), "dbt".to_string()],
    );
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    for m in macro_defs {
        sources.insert(m.template_name.clone(), m.template_source.clone());
        let file = m.file.clone();
        let name = m.name.clone();
        let package = m.package.clone();
        if let Err(existing) = table.insert(m) {
            out.diagnostics.push(
                Diagnostic::error(
                    "duplicate-macro",
                    format!(
                        "macro '{name}' is defined twice in package '{package}' (also in {})",
                        existing.file
                    ),
                )
                .in_file(file),
            );
        }
    }
    table.finish();
    for d in docs {
        out.manifest.docs.insert(d.unique_id.clone(), d);
    }

    // Nodes and properties.
    progress(Progress {
        phase: "nodes",
        done: 0,
        total: projects.len(),
    });
    let mut nodes: Vec<Box<Node>> = Vec::new();
    let mut props: Vec<PropertiesFile> = Vec::new();
    for p in &projects {
        for f in find_files(&input.files, p, &p.model_paths, &[".sql"], &prefixes) {
            nodes.push(sql_node(input, ResourceType::Model, p, &f));
        }
        for f in find_files(&input.files, p, &p.analysis_paths, &[".sql"], &prefixes) {
            nodes.push(sql_node(input, ResourceType::Analysis, p, &f));
        }
        for f in find_files(&input.files, p, &p.test_paths, &[".sql"], &prefixes) {
            if f.rel.starts_with("generic/") {
                continue;
            }
            nodes.push(sql_node(input, ResourceType::Test, p, &f));
        }
        for f in find_files(&input.files, p, &p.seed_paths, &[".csv"], &prefixes) {
            let mut n = Box::new(parser::sql_node(ResourceType::Seed, p, &f, ""));
            n.checksum = parser::file_checksum(input.as_written(f.file).unwrap_or(""));
            n.checksum_pending = false;
            nodes.push(n);
        }
        for f in find_files(&input.files, p, &p.snapshot_paths, &[".sql"], &prefixes) {
            let mut snapshots =
                parser::snapshot_nodes(p, &f, &input.files[f.file], &mut out.diagnostics);
            if let Some(written) = input.written.get(f.file) {
                for n in &mut snapshots {
                    let end = n.raw_offset + n.raw_code.len();
                    if let Some(code) = input.written_span(f.file, n.raw_offset, end) {
                        n.raw_code = code.to_string();
                    }
                    n.checksum = parser::file_checksum(written);
                }
            }
            nodes.extend(snapshots.into_iter().map(Box::new));
        }
        nodes.extend(
            parser::hook_nodes(
                p,
                input
                    .as_written(&format!("{}dbt_project.yml", p.prefix))
                    .unwrap_or(""),
            )
            .into_iter()
            .map(Box::new),
        );
        let mut yaml_dirs: Vec<String> = Vec::new();
        for d in [
            &p.model_paths,
            &p.seed_paths,
            &p.snapshot_paths,
            &p.analysis_paths,
            &p.macro_paths,
            &p.test_paths,
        ] {
            yaml_dirs.extend(d.iter().cloned());
        }
        let mut seen = BTreeSet::new();
        let files: Vec<_> = find_files(&input.files, p, &yaml_dirs, &[".yml", ".yaml"], &prefixes)
            .into_iter()
            .filter(|f| seen.insert(f.file))
            .collect();
        // Files parse independently, on the caller's threads; they are taken
        // in file order.
        let parsed = crate::par::map(
            &files,
            input.threads,
            &|f| crate::yaml::parse_file(f.file, &input.files[f.file]),
            &mut every_64("properties", files.len(), progress),
        );
        for (f, yaml) in files.iter().zip(parsed) {
            if let Some(pf) =
                parser::properties_file(p, f.file, f.dir, f.rel, yaml, &mut out.diagnostics)
            {
                props.push(pf);
            }
        }
    }

    patch_macros(&mut table, &props, &mut out.diagnostics);
    let dispatch: BTreeMap<String, Vec<String>> = root.dispatch.iter().cloned().collect();
    let dependencies: BTreeSet<String> = projects
        .iter()
        .map(|p| p.name.clone())
        .chain(["dbt".to_string(), adapter.internal_package.to_string()])
        .collect();
    let prefixes: Vec<&str> = adapter.macro_prefixes().collect();
    table.resolve_depends_on(
        &|ns| crate::jinja::context::dispatch_search(&dispatch, &dependencies, &root.name, ns),
        &prefixes,
    );
    let shared = Arc::new(Shared {
        macros: table,
        adapter,
        target: input.target.clone(),
        env: input.env.clone(),
        invocation: input.invocation.clone(),
        root_project: root.name.clone(),
        dispatch,
        dependencies,
        target_value: OnceLock::new(),
        project_flags: root
            .raw
            .get("flags")
            .and_then(|f| f.as_object())
            .cloned()
            .unwrap_or_default(),
        warehouse: input.warehouse.clone(),
    });
    let mut state = State {
        input,
        projects: &projects,
        root: &root,
        shared: shared.clone(),
        sources,
        line_offsets: BTreeMap::new(),
        pending: Vec::new(),
        semantic_files: Vec::new(),
        env: None,
        shared_sources: None,
        vars_cache: Default::default(),
        project_config_cache: Default::default(),
        unrendered_cache: Default::default(),
        naming_builtin: Default::default(),
        ref_lookup: None,
        diagnostics: std::mem::take(&mut out.diagnostics),
        manifest: std::mem::take(&mut out.manifest),
    };
    state.manifest.project_name = root.name.clone();
    state.manifest.adapter_type = adapter.type_name.to_string();

    let nodes = state.apply_properties(nodes, props, progress);
    let nodes = state.parse_render(nodes, progress);
    progress(Progress {
        phase: "graph",
        done: 0,
        total: nodes.len(),
    });
    let mut duplicates: Vec<(usize, Diagnostic)> = Vec::new();
    // Enabled nodes go into the manifest in one sorted batch (inserting tens
    // of thousands of large nodes one by one shifts them around the map's
    // leaves); of two with the same id, the first read wins.
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    // Ties go to the first read, so an unstable sort gives the same order.
    order.sort_unstable_by(|&a, &b| nodes[a].unique_id.cmp(&nodes[b].unique_id).then(a.cmp(&b)));
    let mut slots: Vec<Option<Box<Node>>> = nodes.into_iter().map(Some).collect();
    let mut enabled: Vec<(String, Box<Node>)> = Vec::with_capacity(slots.len());
    for i in order {
        let Some(n) = slots[i].take() else { continue };
        if !n.enabled() {
            state.manifest.disabled.insert(n.unique_id.clone(), n);
            continue;
        }
        if let Some((_, prev)) = enabled.last().filter(|(id, _)| *id == n.unique_id) {
            let d = Diagnostic::error(
                "duplicate-node",
                format!(
                    "two resources are named '{}': {} and {}",
                    n.name, prev.original_file_path, n.original_file_path
                ),
            )
            .in_file(n.file.clone())
            .for_node(n.unique_id.clone());
            duplicates.push((i, d));
            continue;
        }
        enabled.push((n.unique_id.clone(), n));
    }
    duplicates.sort_by_key(|(i, _)| *i);
    state
        .diagnostics
        .extend(duplicates.into_iter().map(|(_, d)| d));
    state.manifest.nodes = enabled.into_iter().collect();
    state.exposures_and_groups();
    state.resolve_dependencies();
    state.semantic_layer();
    let graph = Graph::build(&state.manifest);
    for cycle in graph.cycles() {
        let first = cycle.first().cloned().unwrap_or_default();
        let second = cycle.get(1).cloned().unwrap_or_default();
        let mut d = Diagnostic::error("cycle", format!("found a cycle: {}", cycle.join(" --> ")))
            .for_node(first.clone());
        // Point at the reference from the second node of the path to the first.
        if let Some(n) = state.manifest.nodes.get(&second) {
            d = d.in_file(n.file.clone());
            let parent_name = state
                .manifest
                .nodes
                .get(&first)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            if let Some(src) = state.input.files.get(&n.file) {
                if let Some(off) = find_ref_offset(src, &parent_name) {
                    d = d.at_offset(src, off);
                }
            }
        }
        state.diagnostics.push(d);
        // dbt refuses to compile a cyclic graph; here only the cycle's nodes stop.
        for id in &cycle {
            if let Some(n) = state.manifest.nodes.get_mut(id) {
                n.has_error = true;
            }
        }
    }
    let mut descriptions = state.render_descriptions();
    let mut graph = graph;
    if let Some(parsed) = parsed {
        // The parse's own output: descriptions rendered, as `parse` ends.
        // The compile goes on from the manifest as it was before them.
        state.swap_descriptions(&mut descriptions);
        let mut diagnostics = state.diagnostics.clone();
        diagnostics.extend(descriptions.diagnostics.iter().cloned());
        let parse_out = CompileOutput {
            manifest: std::mem::take(&mut state.manifest),
            macros: shared.macros.all().cloned().collect(),
            diagnostics,
            graph,
        };
        parsed(&parse_out);
        state.manifest = parse_out.manifest;
        graph = parse_out.graph;
        state.swap_descriptions(&mut descriptions);
    }
    state.take_checksums();
    if compile_nodes {
        state.compile_render(&graph, progress);
    }
    state.swap_descriptions(&mut descriptions);
    state.diagnostics.extend(descriptions.diagnostics);

    out.graph = graph;
    out.macros = shared.macros.all().cloned().collect();
    out.manifest = state.manifest;
    out.diagnostics = state.diagnostics;
    out
}

/// A column's rendered description and doc blocks, by column name.
type ColumnEdit = (String, String, Vec<String>);

/// Renders one description (text, package, file) into its text and the doc
/// blocks it used, adding a diagnostic when it fails.
type RenderDescription<'a> =
    dyn FnMut(&str, &str, &str, &mut Vec<Diagnostic>) -> (String, Vec<String>) + 'a;

/// The columns whose rendered description differs from the one as written.
fn column_edits(
    columns: &indexmap::IndexMap<String, crate::nodes::Column>,
    package: &str,
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
    render: &mut RenderDescription,
) -> Vec<ColumnEdit> {
    let mut edits = Vec::new();
    for (name, c) in columns {
        let (d, b) = render(&c.description, package, file, diagnostics);
        if d != c.description || b != c.doc_blocks {
            edits.push((name.clone(), d, b));
        }
    }
    edits
}

fn swap_columns(
    columns: &mut indexmap::IndexMap<String, crate::nodes::Column>,
    edits: &mut [ColumnEdit],
) {
    for (name, d, b) in edits {
        if let Some(c) = columns.get_mut(name.as_str()) {
            std::mem::swap(&mut c.description, d);
            std::mem::swap(&mut c.doc_blocks, b);
        }
    }
}

/// Rendered descriptions by unique id, to swap with the manifest's: a
/// node's (description, doc blocks, columns'), a source's (description,
/// source description, columns'), an exposure's description.
#[derive(Default)]
struct Descriptions {
    #[allow(clippy::type_complexity)]
    nodes: Vec<(String, String, Vec<String>, Vec<ColumnEdit>)>,
    #[allow(clippy::type_complexity)]
    sources: Vec<(String, String, String, Vec<ColumnEdit>)>,
    exposures: Vec<(String, String)>,
    diagnostics: Vec<Diagnostic>,
}

impl State<'_> {
    /// Takes the checksums left for later (see `Node::checksum_pending`).
    fn take_checksums(&mut self) {
        let manifest = &mut self.manifest;
        let pending: Vec<&mut Node> = manifest
            .nodes
            .values_mut()
            .chain(manifest.disabled.values_mut())
            .map(|n| &mut **n)
            .filter(|n| n.checksum_pending)
            .collect();
        let sums = crate::par::map(
            &pending,
            self.input.threads,
            &|n: &&mut Node| parser::sha256_hex(n.raw_code.as_bytes()),
            &mut |_| {},
        );
        for (n, sum) in pending.into_iter().zip(sums) {
            n.checksum = sum;
            n.checksum_pending = false;
        }
    }
}

struct State<'a> {
    input: &'a ProjectInput,
    projects: &'a [Project],
    root: &'a Project,
    shared: Arc<Shared>,
    sources: BTreeMap<String, String>,
    line_offsets: BTreeMap<String, u32>,
    diagnostics: Vec<Diagnostic>,
    manifest: Manifest,
    /// The environment every render shares, built once all templates are known.
    env: Option<Arc<minijinja::Environment<'static>>>,
    shared_sources: Option<Sources>,
    /// `vars_for` by package.
    vars_cache: std::sync::Mutex<BTreeMap<String, Arc<Map<String, Value>>>>,
    /// Whether dbt's own `generate_*_name` is in effect, by package and macro.
    naming_builtin: HashMap<String, HashMap<&'static str, bool>>,
    /// What `ref` finds, made when dependencies are resolved and kept for
    /// the compile (the refable nodes do not change in between).
    ref_lookup: Option<Arc<RefLookup>>,
    /// `project_configs` by resource type, package and the part of the fqn
    /// that `dbt_project.yml` configures.
    project_config_cache: LevelCache<(ResourceType, String), ProjectConfigs>,
    /// `unrendered_levels` by config keys and project, then by the fqn's
    /// configured part.
    unrendered_cache: LevelCache<KeysOfProject, Arc<Map<String, Value>>>,
    /// Properties files with semantic-layer entries: (project, file, original path, content).
    semantic_files: Vec<(String, String, String, Value)>,
    /// Exposures and groups from properties files: (key, project, file, original path, entry).
    pending: Vec<(&'static str, String, String, String, Value)>,
}

fn default_config(rt: ResourceType) -> Map<String, Value> {
    crate::config::defaults(rt)
}

fn tags_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl State<'_> {
    /// The macro that implements a generic test (`test_<name>`, in its namespace if any).
    fn test_macro(&self, package: &str, tm: &TestMetadata) -> Option<Arc<MacroDef>> {
        let name = format!("test_{}", tm.name);
        match &tm.namespace {
            Some(ns) => self.shared.macros.lookup_in(ns, &name),
            None => self.shared.macros.lookup(package, &name),
        }
    }

    fn project(&self, name: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.name == name)
    }

    /// Configs from `dbt_project.yml`: the node's own package first, then the root project.
    fn project_config(
        &self,
        rt: ResourceType,
        package: &str,
        fqn: &[String],
    ) -> Arc<Map<String, Value>> {
        self.project_configs(rt, package, fqn).1
    }

    /// A project's levels as written for an fqn, each a plain update of the
    /// ones before (the outer parts of `unrendered_config`), cached as
    /// `project_configs` is.
    fn unrendered_levels(
        &self,
        p: &Project,
        keys: &'static [&'static str],
        fqn: &[String],
    ) -> Arc<Map<String, Value>> {
        let levels = &fqn[..configured_depth(&p.unrendered_configs, keys, fqn)];
        self.unrendered_cache.get_or(
            |(k, name)| *k == keys && *name == p.name,
            || (keys, p.name.clone()),
            levels,
            || {
                let mut merged = Map::new();
                for l in levels_in(&p.unrendered_configs, keys, fqn) {
                    merged.extend(l);
                }
                Arc::new(merged)
            },
        )
    }

    /// Whether a node is enabled by the projects' configs, before properties
    /// and `config()` have their say (the root project's word on a package's
    /// node included).
    fn enabled_before_patches(&self, n: &Node) -> bool {
        let root = self.root_levels(n);
        root.get("enabled")
            .or_else(|| n.config.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }

    /// The root project's levels for a package node, merged (empty for the
    /// root project's own nodes). They go into its config after properties
    /// and `config()`: the root project has the last word on installed
    /// packages' nodes.
    fn root_levels(&self, n: &Node) -> Map<String, Value> {
        let mut out = Map::new();
        if n.package_name != self.root.name {
            for level in levels_in(&self.root.configs, project_keys(n.resource_type), &n.fqn) {
                merge_into(&mut out, &level);
            }
        }
        out
    }

    /// dbt-core's `unrendered_config`: the project's levels for the node as
    /// written, then the properties' `config` (already in
    /// `n.unrendered_config`), then the `config()` calls, then the root
    /// project's levels for a package node; each a plain update.
    fn unrendered_config(&self, n: &Node, calls: &[Map<String, Value>]) -> Map<String, Value> {
        let mut middle = n.unrendered_config.clone();
        let mut call = Map::new();
        // A rendered generic test's builder config is a config call of its
        // own in dbt-core, before the test's `config()`: their tags add up.
        if n.test_metadata.is_some() && !calls.is_empty() {
            crate::config::merge_config_call(&mut call, &std::mem::take(&mut middle));
        }
        for c in calls {
            crate::config::merge_config_call(&mut call, c);
        }
        middle.extend(call);
        let keys = project_keys(n.resource_type);
        let own = self
            .project(&n.package_name)
            .map(|p| self.unrendered_levels(p, keys, &n.fqn));
        let root = (n.package_name != self.root.name)
            .then(|| self.unrendered_levels(self.root, keys, &n.fqn));
        layered_unrendered(own.as_deref(), root.as_deref(), middle)
    }

    /// Only the keys `dbt_project.yml` sets for this fqn.
    fn project_config_raw(
        &self,
        rt: ResourceType,
        package: &str,
        fqn: &[String],
    ) -> Map<String, Value> {
        Map::clone(&self.project_configs(rt, package, fqn).0)
    }

    /// The project's levels for a node, merged (`project_config_raw`), and
    /// the same over the type's defaults (`project_config`). Nodes in the
    /// same configured folder share them until one of them changes its own.
    fn project_configs(&self, rt: ResourceType, package: &str, fqn: &[String]) -> ProjectConfigs {
        let keys = project_keys(rt);
        // A package node gets its own project's levels here; the root
        // project's come last, after properties and `config()`
        // (`root_levels`), as dbt-core applies them.
        let p = match self.project(package) {
            Some(p) if !p.is_root => p,
            _ => self.root,
        };
        let levels = &fqn[..configured_depth(&p.configs, keys, fqn)];
        self.project_config_cache.get_or(
            |(t, pkg)| *t == rt && pkg == package,
            || (rt, package.to_string()),
            levels,
            || {
                let mut raw = Map::new();
                for level in levels_in(&p.configs, keys, fqn) {
                    merge_into(&mut raw, &level);
                }
                let mut full = default_config(rt);
                merge_into(&mut full, &raw);
                (Arc::new(raw), Arc::new(full))
            },
        )
    }

    // Nodes are boxed so that growing, sorting and lending them moves
    // pointers, not 1.4 KB each.
    #[allow(clippy::vec_box)]
    fn apply_properties(
        &mut self,
        mut nodes: Vec<Box<Node>>,
        props: Vec<PropertiesFile>,
        progress: &mut dyn FnMut(Progress),
    ) -> Vec<Box<Node>> {
        for n in nodes.iter_mut() {
            n.config = self.project_config(n.resource_type, &n.package_name, &n.fqn);
        }
        let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            index.insert(
                (
                    n.resource_type.as_str().to_string(),
                    n.package_name.clone(),
                    n.name.clone(),
                ),
                i,
            );
        }
        // Each file rendered (its values moved, not copied), with the
        // environment its generic tests render their config in.
        let rendered: Vec<(PropertiesFile, minijinja::Environment<'static>)> = props
            .into_iter()
            .map(|pf| {
                let renderer = crate::render::config_env(
                    self.input.env.clone(),
                    self.vars_for(&pf.project),
                    Some(&self.input.target),
                );
                let value = crate::render::render_properties(&renderer, pf.value);
                let pf = PropertiesFile { value, ..pf };
                (pf, renderer)
            })
            .collect();
        // Generic tests only read what the files declare, so they are built
        // after the loop, on several threads, in the order they were found.
        let mut jobs: Vec<TestJob> = Vec::new();
        for (done, (pf, _)) in rendered.iter().enumerate() {
            progress(Progress {
                phase: "resources",
                done,
                total: rendered.len(),
            });
            for (key, rt) in [
                ("models", ResourceType::Model),
                ("seeds", ResourceType::Seed),
                ("snapshots", ResourceType::Snapshot),
                ("analyses", ResourceType::Analysis),
                ("data_tests", ResourceType::Test),
            ] {
                let Some(Value::Array(entries)) = pf.value.get(key) else {
                    continue;
                };
                for entry in entries {
                    let Some(name) = entry.get("name").and_then(|v| v.as_str()) else {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "yaml-shape",
                                format!("an entry under '{key}' has no name"),
                            )
                            .in_file(pf.file.clone()),
                        );
                        continue;
                    };
                    if let (ResourceType::Snapshot, Some(relation)) =
                        (rt, entry.get("relation").and_then(|r| r.as_str()))
                    {
                        let mut n = Box::new(yaml_snapshot(pf, name, relation));
                        n.checksum =
                            parser::file_checksum(self.input.as_written(&pf.file).unwrap_or(""));
                        n.config = self.project_config(ResourceType::Snapshot, &pf.project, &n.fqn);
                        Self::patch_node(&mut n, entry, None, pf);
                        index.insert(
                            (
                                rt.as_str().to_string(),
                                pf.project.clone(),
                                name.to_string(),
                            ),
                            nodes.len(),
                        );
                        let target = TestTarget::node(pf, name, None);
                        jobs.push(TestJob::new(done, target, Cow::Borrowed(entry), key));
                        nodes.push(n);
                        continue;
                    }
                    if let (ResourceType::Model, Some(Value::Array(versions))) =
                        (rt, entry.get("versions"))
                    {
                        let latest = entry.get("latest_version").cloned().unwrap_or_else(|| {
                            versions
                                .iter()
                                .filter_map(|v| v.get("v"))
                                .max_by(|a, b| {
                                    parser::py_display(a)
                                        .parse::<f64>()
                                        .unwrap_or(0.0)
                                        .total_cmp(
                                            &parser::py_display(b).parse::<f64>().unwrap_or(0.0),
                                        )
                                })
                                .cloned()
                                .unwrap_or(Value::Null)
                        });
                        for ver in versions {
                            let Some(v) = ver.get("v") else {
                                self.diagnostics.push(
                                    Diagnostic::error(
                                        "yaml-shape",
                                        format!("a version of model '{name}' has no 'v'"),
                                    )
                                    .in_file(pf.file.clone()),
                                );
                                continue;
                            };
                            let v_str = parser::py_display(v);
                            let stem = parser::str_of(ver.get("defined_in"))
                                .unwrap_or_else(|| format!("{name}_v{v_str}"));
                            let Some(&i) = index.get(&(
                                rt.as_str().to_string(),
                                pf.project.clone(),
                                stem.clone(),
                            )) else {
                                self.diagnostics.push(Diagnostic::error("unknown-patch", format!("version {v_str} of model '{name}' expects a file named '{stem}.sql'")).in_file(pf.file.clone()));
                                continue;
                            };
                            let n = &mut nodes[i];
                            n.name = name.to_string();
                            n.unique_id = format!("model.{}.{name}.v{v_str}", pf.project);
                            n.fqn.pop();
                            n.fqn.push(name.to_string());
                            n.fqn.push(format!("v{v_str}"));
                            n.version = Some(v.clone());
                            n.latest_version = Some(latest.clone());
                            n.deprecation_date = ver
                                .get("deprecation_date")
                                .or(entry.get("deprecation_date"))
                                .and_then(|d| d.as_str())
                                .map(iso_datetime);
                            Self::patch_node(n, entry, Some(ver), pf);
                            let target = TestTarget::node(pf, name, Some(v_str.clone()));
                            let columns = n.columns.keys().cloned().collect::<BTreeSet<_>>();
                            let merged = versioned_entry(entry, ver, &columns);
                            jobs.push(TestJob::new(done, target, Cow::Owned(merged), key));
                        }
                        continue;
                    }
                    let own = index
                        .get(&(
                            rt.as_str().to_string(),
                            pf.project.clone(),
                            name.to_string(),
                        ))
                        .copied();
                    // As dbt-core looks a patch up: an enabled node of this
                    // name in the file's package, else an enabled one in any
                    // package (a root project's seed can take the patch of a
                    // package's disabled seed), else the disabled one.
                    let found = match own {
                        Some(i) if self.enabled_before_patches(&nodes[i]) => Some(i),
                        _ if matches!(
                            rt,
                            ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
                        ) =>
                        {
                            nodes
                                .iter()
                                .position(|n| {
                                    n.resource_type == rt
                                        && n.name == name
                                        && self.enabled_before_patches(n)
                                })
                                .or(own)
                        }
                        _ => own,
                    };
                    let Some(i) = found else {
                        self.diagnostics.push(
                            Diagnostic::warning(
                                "unknown-patch",
                                format!(
                                    "{key} entry '{name}' matches no {} in the project",
                                    rt.as_str()
                                ),
                            )
                            .in_file(pf.file.clone()),
                        );
                        // dbt-core still builds the entry's tests (they
                        // end up disabled, their target being missing).
                        if matches!(
                            rt,
                            ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
                        ) {
                            let target = TestTarget::node(pf, name, None);
                            jobs.push(TestJob::new(done, target, Cow::Borrowed(entry), key));
                        }
                        continue;
                    };
                    Self::patch_node(&mut nodes[i], entry, None, pf);
                    let target = TestTarget::node(pf, name, None);
                    jobs.push(TestJob::new(done, target, Cow::Borrowed(entry), key));
                }
            }
            if ["semantic_models", "metrics", "saved_queries"]
                .iter()
                .any(|k| pf.value.get(*k).is_some())
            {
                self.semantic_files.push((
                    pf.project.clone(),
                    pf.file.clone(),
                    pf.original_file_path.clone(),
                    pf.value.clone(),
                ));
            }
            for key in ["exposures", "groups", "unit_tests"] {
                if let Some(Value::Array(entries)) = pf.value.get(key) {
                    for e in entries {
                        self.pending.push((
                            key,
                            pf.project.clone(),
                            pf.file.clone(),
                            pf.original_file_path.clone(),
                            e.clone(),
                        ));
                    }
                }
            }
            if let Some(Value::Array(srcs)) = pf.value.get("sources") {
                for s in srcs {
                    self.add_source(done, pf, s, &mut jobs);
                }
            }
        }
        let total = jobs.len();
        let build = |job: &TestJob| {
            let env = &rendered[job.file].1;
            self.generic_tests(env, &job.target, &job.entry, job.key)
        };
        let built = crate::par::map(&jobs, self.input.threads, &build, &mut |done| {
            if done % 64 == 0 {
                progress(Progress {
                    phase: "tests",
                    done,
                    total,
                })
            }
        });
        nodes.reserve(built.iter().map(|(tests, _)| tests.len()).sum());
        for (tests, diagnostics) in built {
            nodes.extend(tests);
            self.diagnostics.extend(diagnostics);
        }
        nodes
    }

    /// Applies a properties entry (and a version entry) to a node.
    fn patch_node(n: &mut Node, entry: &Value, version: Option<&Value>, pf: &PropertiesFile) {
        n.patch_path = Some(format!("{}://{}", pf.project, pf.original_file_path));
        n.description = parser::str_of(
            version
                .and_then(|v| v.get("description"))
                .or(entry.get("description")),
        )
        .unwrap_or_default();
        n.columns = parser::columns_of(entry.get("columns"));
        if let Some(ver) = version {
            n.columns = version_columns(&n.columns, ver.get("columns"));
        }
        if let Some(Value::Array(cs)) = version
            .and_then(|v| v.get("constraints"))
            .or(entry.get("constraints"))
        {
            n.constraints = cs
                .iter()
                .map(|c| parser::normalize_constraint(c, true))
                .collect();
        }
        let mut yaml_cfg = Map::new();
        for e in std::iter::once(entry).chain(version) {
            let mut cfg = e
                .get("config")
                .and_then(|c| c.as_object())
                .cloned()
                .unwrap_or_default();
            // dbt-core moves these top-level keys into `config`; a top-level
            // `tags` it does not read at all.
            for k in ["meta", "docs", "group", "contract", "access"] {
                if let Some(v) = e.get(k) {
                    if !cfg.contains_key(k) {
                        cfg.insert(k.into(), v.clone());
                    }
                }
            }
            merge_into(&mut yaml_cfg, &cfg);
        }
        n.merge_config(&yaml_cfg);
        for (k, v) in &yaml_cfg {
            n.unrendered_config.insert(k.clone(), v.clone());
        }
    }

    fn add_source<'a>(
        &mut self,
        file: usize,
        pf: &PropertiesFile,
        s: &'a Value,
        jobs: &mut Vec<TestJob<'a>>,
    ) {
        let Some(source_name) = s.get("name").and_then(|v| v.as_str()) else {
            self.diagnostics.push(
                Diagnostic::error("yaml-shape", "a source has no name").in_file(pf.file.clone()),
            );
            return;
        };
        let database =
            parser::str_of(s.get("database")).or_else(|| Some(self.input.target.database.clone()));
        let schema = parser::str_of(s.get("schema")).unwrap_or_else(|| source_name.to_string());
        let src_quoting = s
            .get("quoting")
            .and_then(|q| q.as_object())
            .cloned()
            .unwrap_or_default();
        let Some(Value::Array(tables)) = s.get("tables") else {
            return;
        };
        for t in tables {
            let Some(name) = t.get("name").and_then(|v| v.as_str()) else {
                continue;
            };
            let identifier =
                parser::str_of(t.get("identifier")).unwrap_or_else(|| name.to_string());
            let mut quoting = src_quoting.clone();
            if let Some(q) = t.get("quoting").and_then(|q| q.as_object()) {
                quoting.extend(q.clone());
            }
            let policy = self.quote_policy(&quoting);
            let rel = Relation::new(
                database.clone(),
                Some(schema.clone()),
                Some(identifier.clone()),
                policy,
                self.shared.adapter.quote_char,
            );
            let uid = format!("source.{}.{}.{}", pf.project, source_name, name);
            let fqn = yaml_fqn(&pf.project, &pf.original_file_path, &[source_name, name]);
            let cfg = self.source_config(&pf.project, &fqn, s, t);
            let unrendered_config = self.source_unrendered_config(&pf.project, &fqn, s, t);
            let st = SourceTable {
                unrendered_config,
                unique_id: uid.clone(),
                package_name: pf.project.clone(),
                source_name: source_name.to_string(),
                name: name.to_string(),
                identifier,
                database: database.clone(),
                schema: schema.clone(),
                relation_name: rel.render(),
                fqn,
                path: pf.original_file_path.clone(),
                original_file_path: pf.original_file_path.clone(),
                description: parser::str_of(t.get("description")).unwrap_or_default(),
                source_description: parser::str_of(s.get("description")).unwrap_or_default(),
                columns: parser::columns_of(t.get("columns")),
                meta: cfg
                    .get("meta")
                    .and_then(|m| m.as_object())
                    .cloned()
                    .unwrap_or_default(),
                source_meta: {
                    let mut m = s
                        .get("meta")
                        .and_then(|m| m.as_object())
                        .cloned()
                        .unwrap_or_default();
                    if let Some(Value::Object(cm)) = s.get("config").and_then(|c| c.get("meta")) {
                        m.extend(cm.clone());
                    }
                    m
                },
                tags: tags_of(cfg.get("tags")),
                loader: parser::str_of(s.get("loader")).unwrap_or_default(),
                loaded_at_field: cfg
                    .get("loaded_at_field")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                freshness: cfg.get("freshness").cloned(),
                config: cfg,
                quoting,
                external: t.get("external").cloned(),
            };
            let target = TestTarget {
                kind: TargetKind::Source(source_name.to_string()),
                tags: {
                    let mut tg = tags_of(s.get("tags"));
                    tg.extend(tags_of(t.get("tags")));
                    tg
                },
                name: name.to_string(),
                version: None,
                package: pf.project.clone(),
                file: pf.file.clone(),
                original_file_path: pf.original_file_path.clone(),
            };
            jobs.push(TestJob::new(file, target, Cow::Borrowed(t), "sources"));
            self.manifest.sources.insert(uid, st);
        }
    }

    /// A source table's config: project `sources:` levels, then the source's
    /// legacy keys and `config:`, then the table's, then (for a package's
    /// source) the root project's levels. `freshness` merges by key and an
    /// explicit `null` turns it off. `tags` are not appended: the entries'
    /// tags, sorted and deduplicated, replace the project's, as dbt-core's
    /// `SourceConfig` clobbers them.
    fn source_config(
        &self,
        package: &str,
        fqn: &[String],
        source: &Value,
        table: &Value,
    ) -> Map<String, Value> {
        let mut cfg = json!({"enabled": true, "event_time": null, "freshness": default_freshness(), "loaded_at_field": null, "loaded_at_query": null, "meta": {}, "tags": [], "static_analysis": null})
            .as_object()
            .cloned()
            .unwrap_or_default();
        // The source's own project's levels, then its entries; the root
        // project's levels come last for a package's source, as for nodes.
        let package_project = self.project(package).filter(|p| !p.is_root);
        let mut layers: Vec<Map<String, Value>> = levels_in(
            &package_project.unwrap_or(self.root).configs,
            &["sources"],
            fqn,
        );
        for e in [source, table] {
            let mut legacy = Map::new();
            for k in [
                "freshness",
                "loaded_at_field",
                "loaded_at_query",
                "meta",
                "enabled",
                "event_time",
            ] {
                if let Some(v) = e.get(k) {
                    legacy.insert(k.to_string(), v.clone());
                }
            }
            layers.push(legacy);
            if let Some(Value::Object(c)) = e.get("config") {
                let mut c = c.clone();
                c.remove("tags");
                layers.push(c);
            }
        }
        layers.push(Map::from_iter([(
            "tags".to_string(),
            json!(source_tags(source, table)),
        )]));
        if package_project.is_some() {
            layers.extend(levels_in(&self.root.configs, &["sources"], fqn));
        }
        for layer in layers {
            merge_source_layer(&mut cfg, layer);
        }
        cfg
    }

    /// dbt-core's `unrendered_config` of a source table: the project's
    /// `sources:` levels as written, updated by what the source and table
    /// entries set (freshness only when one of them sets it).
    fn source_unrendered_config(
        &self,
        package: &str,
        fqn: &[String],
        source: &Value,
        table: &Value,
    ) -> Map<String, Value> {
        let mut own =
            json!({"loaded_at_field": null, "loaded_at_query": null, "meta": {}, "tags": []})
                .as_object()
                .cloned()
                .unwrap_or_default();
        let mut freshness: Option<Value> = None;
        for e in [source, table] {
            let mut layer = Map::new();
            for k in ["loaded_at_field", "loaded_at_query", "meta"] {
                if let Some(v) = e.get(k) {
                    layer.insert(k.to_string(), v.clone());
                }
            }
            let config = e.get("config").and_then(Value::as_object);
            for f in [e.get("freshness"), config.and_then(|c| c.get("freshness"))]
                .into_iter()
                .flatten()
            {
                freshness = match (freshness.take(), f) {
                    (_, Value::Null) => Some(Value::Null),
                    (Some(Value::Object(mut old)), Value::Object(new)) => {
                        old.extend(new.clone());
                        Some(Value::Object(old))
                    }
                    (_, Value::Object(new)) => {
                        let mut base = default_freshness();
                        if let Value::Object(b) = &mut base {
                            b.extend(new.clone());
                        }
                        Some(base)
                    }
                    (old, _) => old,
                };
            }
            merge_source_layer(&mut own, layer);
            if let Some(c) = config {
                let mut c = c.clone();
                c.remove("freshness");
                c.remove("tags");
                merge_source_layer(&mut own, c);
            }
        }
        own.insert("tags".into(), json!(source_tags(source, table)));
        if let Some(f) = freshness {
            own.insert("freshness".into(), f);
        }
        let keys = &["sources"];
        let own_levels = self
            .project(package)
            .map(|p| self.unrendered_levels(p, keys, fqn));
        let root =
            (package != self.root.name).then(|| self.unrendered_levels(self.root, keys, fqn));
        layered_unrendered(own_levels.as_deref(), root.as_deref(), own)
    }
}

/// A source table's tags: the source's and the table's, each from the entry
/// and its `config`, sorted and without repeats.
fn source_tags(source: &Value, table: &Value) -> Vec<String> {
    let mut tags: Vec<String> = [source, table]
        .iter()
        .flat_map(|e| {
            let mut t = tags_of(e.get("tags"));
            t.extend(tags_of(e.get("config").and_then(|c| c.get("tags"))));
            t
        })
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// One layer of a source table's config over `cfg`: freshness and meta
/// merge key by key, the rest (tags included) replaces.
fn merge_source_layer(cfg: &mut Map<String, Value>, layer: Map<String, Value>) {
    for (k, v) in layer {
        let k = crate::config::normalize_key(&k);
        match (k.as_str(), cfg.get_mut(&k), v) {
            ("freshness", Some(Value::Object(old)), Value::Object(new)) => {
                for (fk, fv) in new {
                    old.insert(fk, fv);
                }
            }
            ("meta", Some(Value::Object(old)), Value::Object(new)) => {
                for (mk, mv) in new {
                    old.insert(mk, mv);
                }
            }
            ("tags", _, new) => {
                cfg.insert(k, json!(tags_of(Some(&new))));
            }
            (_, _, new) => {
                cfg.insert(k, new);
            }
        }
    }
}

impl State<'_> {
    fn quote_policy(&self, overrides: &Map<String, Value>) -> Policy {
        let mut p = self.shared.adapter.default_quoting;
        for q in [&self.root.quoting, overrides] {
            if let Some(b) = q.get("database").and_then(|v| v.as_bool()) {
                p.database = b;
            }
            if let Some(b) = q.get("schema").and_then(|v| v.as_bool()) {
                p.schema = b;
            }
            if let Some(b) = q.get("identifier").and_then(|v| v.as_bool()) {
                p.identifier = b;
            }
        }
        p
    }

    /// Generic tests declared on a model/source entry and its columns, and
    /// the errors of those that could not be built. `env` renders their
    /// config strings. Boxed, as the project's nodes are: see below.
    #[allow(clippy::vec_box)]
    fn generic_tests(
        &self,
        env: &minijinja::Environment<'static>,
        target: &TestTarget,
        entry: &Value,
        yaml_key: &str,
    ) -> (Vec<Box<Node>>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut specs: Vec<(Option<String>, Vec<String>, &Value)> = Vec::new();
        let base_tags = &target.tags;
        if let Some(Value::Array(cols)) = entry.get("columns") {
            for c in cols {
                let Some(cname) = c.get("name").and_then(|v| v.as_str()) else {
                    continue;
                };
                // A quoted column is tested by its quoted name.
                let quoted = c.get("quote").and_then(|q| q.as_bool()).unwrap_or(false);
                let q = self.shared.adapter.quote_char;
                let cname = if quoted {
                    format!("{q}{cname}{q}")
                } else {
                    cname.to_string()
                };
                let mut tags = base_tags.clone();
                tags.extend(tags_of(c.get("tags")));
                tags.extend(tags_of(c.get("config").and_then(|x| x.get("tags"))));
                for k in ["data_tests", "tests"] {
                    if let Some(Value::Array(ts)) = c.get(k) {
                        specs.extend(ts.iter().map(|t| (Some(cname.clone()), tags.clone(), t)));
                    }
                }
            }
        }
        for k in ["data_tests", "tests"] {
            if let Some(Value::Array(ts)) = entry.get(k) {
                specs.extend(ts.iter().map(|t| (None, base_tags.clone(), t)));
            }
        }
        // Boxed as they are built: a node is over a kilobyte, and each move
        // of tens of thousands of them (a growing list, then into boxes) showed.
        let mut out = Vec::with_capacity(specs.len());
        for (column, tags, spec) in specs {
            match self.generic_test(env, target, column, &tags, spec, yaml_key) {
                Ok(n) => out.push(Box::new(n)),
                Err(d) => diagnostics.push(d),
            }
        }
        (out, diagnostics)
    }

    fn generic_test(
        &self,
        env: &minijinja::Environment<'static>,
        target: &TestTarget,
        column: Option<String>,
        extra_tags: &[String],
        spec: &Value,
        yaml_key: &str,
    ) -> Result<Node, Diagnostic> {
        let bad = |msg: String| Diagnostic::error("invalid-test", msg).in_file(target.file.clone());
        let (full_test_name, mut args) = match spec {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Object(o) => {
                if let Some(tn) = o.get("test_name").and_then(|v| v.as_str()) {
                    let mut a = o.clone();
                    a.shift_remove("test_name");
                    (tn.to_string(), a)
                } else if o.len() == 1 {
                    let (k, v) = o.iter().next().ok_or_else(|| bad("empty test".into()))?;
                    match v {
                        Value::Object(a) => (k.clone(), a.clone()),
                        Value::Null => (k.clone(), Map::new()),
                        _ => return Err(bad(format!("arguments of test '{k}' must be a mapping"))),
                    }
                } else {
                    return Err(bad(format!(
                        "a test entry must have exactly one key, got {}",
                        o.len()
                    )));
                }
            }
            _ => return Err(bad("a test must be a name or a mapping".into())),
        };
        if let Some(c) = &column {
            args.insert("column_name".into(), Value::String(c.clone()));
        }
        // Arguments nested under `arguments` join the rest, unless the
        // project turned dbt's flag off: then `arguments` is one more
        // keyword argument, as dbt-core passes it.
        let nested = self
            .shared
            .project_flags
            .get("require_generic_test_arguments_property");
        if nested.and_then(Value::as_bool).unwrap_or(true) {
            if let Some(Value::Object(a)) = args.shift_remove("arguments") {
                for (k, v) in a {
                    args.insert(k, v);
                }
            }
        }
        let (namespace, test_name) = match full_test_name.split_once('.') {
            Some((ns, n)) => (Some(ns.to_string()), n.to_string()),
            None => (None, full_test_name.clone()),
        };
        // Config given as plain arguments, or under `config:`, is taken in
        // dbt-core's order: each of `TEST_CONFIG_ARGS` in turn (a falsy plain
        // argument gives way to the one under `config:`), then the rest of
        // `config:`. Most tests give none, and are not searched for each.
        let mut config = Map::new();
        let nested = matches!(args.get("config"), Some(Value::Object(_)));
        if nested || args.keys().any(|k| TEST_CONFIG_ARGS.contains(&k.as_str())) {
            for key in TEST_CONFIG_ARGS {
                let mut value = args.shift_remove(key);
                if nested && !parser::py_truthy(value.as_ref()) {
                    if let Some(Value::Object(c)) = args.get_mut("config") {
                        value = c.shift_remove(key);
                    }
                }
                if let Some(v) = value.filter(|v| !v.is_null()) {
                    config.insert(key.into(), v);
                }
            }
        }
        if let Some(Value::Object(c)) = args.shift_remove("config") {
            for (k, v) in c {
                config.insert(k, v);
            }
        }
        // Config strings are rendered as the test is built, as dbt does.
        for v in config.values_mut() {
            if let Value::String(text) = v {
                *v = crate::render::render_string(env, std::mem::take(text));
            }
        }
        config.retain(|_, v| !v.is_null());
        let description = args
            .shift_remove("description")
            .and_then(|d| d.as_str().map(str::to_string))
            .unwrap_or_default();
        let model_str = match &target.kind {
            TargetKind::Source(src) => format!(
                "{{{{ get_where_subquery(source('{src}', '{}')) }}}}",
                target.name
            ),
            TargetKind::Node => match &target.version {
                Some(v) => format!(
                    "{{{{ get_where_subquery(ref('{}', version='{v}')) }}}}",
                    target.name
                ),
                None => format!("{{{{ get_where_subquery(ref('{}')) }}}}", target.name),
            },
        };
        args.insert("model".into(), Value::String(model_str));
        let prefix = match &target.kind {
            TargetKind::Source(_) => format!("source_{test_name}"),
            _ => test_name.clone(),
        };
        let prefix = match &namespace {
            Some(ns) => format!("{ns}_{prefix}"),
            None => prefix,
        };
        let target_name = match (&target.kind, &target.version) {
            (TargetKind::Source(src), _) => format!("{src}_{}", target.name),
            (_, Some(v)) => format!("{}_v{v}", target.name),
            _ => target.name.clone(),
        };
        let explicit_name = args
            .shift_remove("name")
            .and_then(|v| v.as_str().map(str::to_string));
        let (short, full) = match explicit_name {
            Some(n) => (n.clone(), n),
            None => parser::generic_test_names(&prefix, &target_name, &args),
        };
        if short != full && !config.contains_key("alias") {
            config.insert("alias".into(), Value::String(short.clone()));
        }
        // dbt hashes the name and the repr of the test's metadata; the
        // arguments are lent to that mapping, not copied.
        let mut metadata = Map::new();
        metadata.insert("name".into(), Value::String(test_name.clone()));
        metadata.insert("kwargs".into(), Value::Object(std::mem::take(&mut args)));
        metadata.insert(
            "namespace".into(),
            namespace.clone().map(Value::String).unwrap_or(Value::Null),
        );
        let mut hash_src = full.clone();
        let mut metadata = Value::Object(metadata);
        parser::write_hashable_repr(&mut hash_src, &metadata);
        if let Some(Value::Object(lent)) = metadata.get_mut("kwargs").map(Value::take) {
            args = lent;
        }
        let hash = parser::md5_hex(&hash_src);
        let hash = &hash[hash.len() - 10..];
        let package = target.package.clone();
        let uid = format!("test.{package}.{full}.{hash}");
        let mut n = Node::new(ResourceType::Test, &package, &full, uid);
        n.file = target.file.clone();
        n.original_file_path = target.original_file_path.clone();
        n.path = format!("{short}.sql");
        n.fqn = yaml_fqn(&package, &target.original_file_path, &[&full]);
        let macro_name = match &namespace {
            Some(ns) => format!("{ns}.test_{test_name}"),
            None => format!("test_{test_name}"),
        };
        let cfg_str = config
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}=\"{}\"", s.replace('"', "\\\"")),
                other => format!("{k}={}", crate::parser::python_repr(other)),
            })
            .collect::<Vec<_>>()
            .join(",");
        n.raw_code = format!(
            "{{{{ {macro_name}(**_dbt_generic_test_kwargs) }}}}{}",
            if cfg_str.is_empty() {
                String::new()
            } else {
                format!("{{{{ config({cfg_str}) }}}}")
            }
        );
        n.config = self.project_config(ResourceType::Test, &package, &n.fqn);
        n.merge_config(&config);
        let mut initial: BTreeSet<String> = extra_tags.iter().cloned().collect();
        initial.extend(tags_of(config.get("tags")));
        n.initial_tags = initial.into_iter().collect();
        // What dbt-core's test builder passes as the test's config call.
        n.unrendered_config = config;
        match &target.kind {
            TargetKind::Node => {
                n.attached_ref = Some(crate::jinja::context::RefCall {
                    package: None,
                    name: target.name.clone(),
                    version: target.version.clone(),
                })
            }
            TargetKind::Source(src) => n.attached_source = Some((src.clone(), target.name.clone())),
        }
        n.column_name = column;
        n.file_key_name = Some(match &target.kind {
            TargetKind::Source(src) => format!("sources.{src}"),
            _ => format!("{yaml_key}.{}", target.name),
        });
        n.description = description;
        n.test_metadata = Some(TestMetadata {
            name: test_name,
            kwargs: args,
            namespace,
        });
        Ok(n)
    }

    fn sources_arc(&self) -> Sources {
        Arc::new(jinja::TemplateSources {
            texts: self.sources.clone(),
            line_offsets: self.line_offsets.clone(),
        })
    }

    fn template_for(&mut self, n: &Node) -> String {
        let name = format!("node:{}#{}", n.file, n.unique_id);
        if !self.sources.contains_key(&name) {
            if n.raw_offset > 0 {
                if let Some(full) = self.input.files.get(&n.file) {
                    let line = full[..n.raw_offset.min(full.len())].matches('\n').count();
                    self.line_offsets.insert(name.clone(), line as u32);
                }
            }
            // `raw_code` keeps a file's `\r\n`; Jinja renders `\n`.
            let code = crate::input::translate_line_endings(&n.raw_code);
            self.sources
                .insert(name.clone(), crate::jinja::lexer::rewrite_literals(&code));
        }
        name
    }

    fn vars_for(&self, package: &str) -> Arc<Map<String, Value>> {
        if let Some(v) = lock(&self.vars_cache).get(package) {
            return v.clone();
        }
        let v = Arc::new(self.compute_vars(package));
        lock(&self.vars_cache).insert(package.to_string(), v.clone());
        v
    }

    fn compute_vars(&self, package: &str) -> Map<String, Value> {
        let mut vars = Map::new();
        let mut add_from = |p: &Project| {
            for (k, v) in &p.vars {
                if !v.is_object() || !self.projects.iter().any(|q| &q.name == k) {
                    vars.insert(k.clone(), v.clone());
                }
            }
            if let Some(Value::Object(scoped)) = p.vars.get(package) {
                for (k, v) in scoped {
                    vars.insert(k.clone(), v.clone());
                }
            }
        };
        if let Some(p) = self.project(package) {
            if !p.is_root {
                add_from(p);
            }
        }
        add_from(self.root);
        for (k, v) in &self.input.cli_vars {
            vars.insert(k.clone(), v.clone());
        }
        vars
    }

    /// What a render of `n` knows; `model` gives the `model` variable when a
    /// template asks for it.
    fn facts(&self, n: &Node, this: Option<Relation>, model: LazyValue) -> NodeFacts {
        let extra = BTreeMap::new();
        NodeFacts {
            unique_id: n.unique_id.clone(),
            package: n.package_name.clone(),
            name: n.name.clone(),
            resource_type: n.resource_type.as_str().to_string(),
            file: n.file.clone(),
            this,
            config: n.config.clone(),
            model: Some(model),
            vars: self.vars_for(&n.package_name),
            extra,
            env_overrides: BTreeMap::new(),
            warehouse: None,
        }
    }

    // Boxed nodes, as everywhere (see `apply_properties`).
    #[allow(clippy::vec_box)]
    fn parse_render(
        &mut self,
        nodes: Vec<Box<Node>>,
        progress: &mut dyn FnMut(Progress),
    ) -> Vec<Box<Node>> {
        let total = nodes.len();
        self.ensure_env(&nodes);
        self.know_naming_macros();
        let (env, sources) = self.env();
        let state = &*self;
        // dbt's shortcut for its own `unique` and `not_null` tests: nothing is
        // rendered at parse time; the test refers to its target directly.
        let shortcut = |n: &Node| {
            n.test_metadata.as_ref().is_some_and(|tm| {
                state.test_macro(&n.package_name, tm).is_some_and(|m| {
                    m.unique_id == "macro.dbt.test_not_null"
                        || m.unique_id == "macro.dbt.test_unique"
                })
            })
        };
        // Each node goes to one render, and is lent to it so that `model` is
        // built only if a template asks for it; what the render recorded is
        // settled into the node on the same thread.
        let mut slots: Vec<Option<Box<Node>>> = nodes.into_iter().map(Some).collect();
        let render = |lent: &Arc<Box<Node>>| {
            if let Some(rec) = state.read_statically(lent) {
                return (Ok(String::new()), rec);
            }
            let tname = format!("node:{}#{}", lent.file, lent.unique_id);
            let snapshot = lent.clone();
            let facts = state.facts(
                lent,
                None,
                Arc::new(move || JValue::from(minijinja::value::Serde(model_json(&snapshot)))),
            );
            let ctx = NodeCtx::new(state.shared.clone(), None, Mode::Parse, facts);
            let props = lent
                .test_metadata
                .as_ref()
                .and_then(|_| state.input.files.get(&lent.file))
                .map(|f| &**f);
            render_node(
                &env,
                &sources,
                &tname,
                lent.test_metadata.as_ref(),
                props,
                &ctx,
            )
        };
        let work = |slot: &mut Option<Box<Node>>| {
            let mut n = slot.take().expect("each node is handed out once");
            let mut diagnostics = Vec::new();
            let rendered = if n.resource_type != ResourceType::Seed && !shortcut(&n) {
                let lent = Arc::new(n);
                let rendered = render(&lent);
                n = Arc::try_unwrap(lent).unwrap_or_else(|shared| (*shared).clone());
                Some(rendered)
            } else {
                None
            };
            state.settle_parsed(&mut n, rendered, &env, &sources, &mut diagnostics);
            (n, diagnostics)
        };
        // Renders are independent and may run on several threads; their
        // nodes and diagnostics come back in file order.
        let done = crate::par::map_mut(
            &mut slots,
            self.input.threads,
            &work,
            &mut every_64("parse", total, progress),
        );
        let mut nodes = Vec::with_capacity(done.len());
        for (n, diagnostics) in done {
            nodes.push(n);
            self.diagnostics.extend(diagnostics);
        }
        nodes
    }

    /// Settles a parse render (`None`: a node not rendered) into its node:
    /// refs, sources, macros, config, tags, hooks, then names.
    fn settle_parsed(
        &self,
        n: &mut Node,
        rendered: Option<(Result<String, Diagnostic>, crate::jinja::context::Recorded)>,
        env: &minijinja::Environment<'static>,
        sources: &Sources,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let Some((result, rec)) = rendered else {
            if n.test_metadata.is_some() {
                match (&n.attached_ref, &n.attached_source) {
                    (Some(r), _) => n.refs = vec![r.clone()],
                    (None, Some(src)) => n.sources = vec![src.clone()],
                    _ => {}
                }
            }
            // Seeds and generic tests are not rendered, but their hooks
            // are stored as every node's are, and a seed's are rendered.
            n.unrendered_config = self.unrendered_config(n, &[]);
            let root_levels = self.root_levels(n);
            n.merge_config(&root_levels);
            normalize_hooks(n);
            if n.resource_type != ResourceType::Test {
                self.record_hook_macros(n, env, sources, diagnostics);
            }
            self.finish_naming(n, diagnostics);
            return;
        };
        if let Err(d) = result {
            n.has_error = true;
            diagnostics.push(d);
        }
        n.refs = rec.refs;
        n.sources = rec.sources;
        n.depends_on_macros = rec.macros;
        // dbt appends tags to a node as its config is built: first the
        // project's and `config()`'s, then those the properties add.
        let mut early = tags_of(
            self.project_configs(n.resource_type, &n.package_name, &n.fqn)
                .0
                .get("tags"),
        );
        for c in &rec.configs {
            early.extend(tags_of(c.get("tags")));
        }
        let root_levels = self.root_levels(n);
        early.extend(tags_of(root_levels.get("tags")));
        for t in early {
            if !n.initial_tags.contains(&t) {
                n.initial_tags.push(t);
            }
        }
        // A properties entry's config, if any (dbt-core recomputes the
        // unrendered config only when the entry sets one).
        let patched = !n.unrendered_config.is_empty();
        n.unrendered_config = self.unrendered_config(n, &rec.configs);
        // dbt-core then lays the static parser's values over it as
        // written, unless a properties config builds it again.
        if rec.static_read && !patched {
            for c in &rec.configs {
                n.unrendered_config.extend(c.clone());
            }
        }
        for c in rec.configs {
            n.merge_config(&c);
        }
        n.merge_config(&root_levels);
        normalize_hooks(n);
        self.record_hook_macros(n, env, sources, diagnostics);
        self.finish_naming(n, diagnostics);
    }

    /// dbt renders a node's hooks while parsing, so the macros they call
    /// are its dependencies too.
    fn record_hook_macros(
        &self,
        n: &mut Node,
        env: &minijinja::Environment<'static>,
        sources: &Sources,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let hooks: Vec<String> = ["pre-hook", "post-hook"]
            .iter()
            .filter_map(|k| n.config.get(*k).and_then(|v| v.as_array()).cloned())
            .flatten()
            .filter_map(|h| h.get("sql").and_then(|s| s.as_str()).map(str::to_string))
            .collect();
        if hooks.is_empty() {
            return;
        }
        let facts = self.facts(n, None, fixed(model_json(n)));
        let ctx = NodeCtx::new(self.shared.clone(), None, Mode::Parse, facts);
        for sql in hooks {
            let r = env.render_str(&crate::jinja::lexer::rewrite_literals(&sql), ctx.value());
            if let Err(e) = r {
                if crate::jinja::context::return_value(&e).is_none() {
                    diagnostics.push(
                        jinja::to_diagnostic(&e, sources)
                            .in_file(n.file.clone())
                            .for_node(n.unique_id.clone()),
                    );
                }
            }
        }
        let rec = std::mem::take(&mut *ctx.rec.lock().unwrap_or_else(|e| e.into_inner()));
        for m in rec.macros {
            if !n.depends_on_macros.contains(&m) {
                n.depends_on_macros.push(m);
            }
        }
    }

    /// What dbt-core's static parser reads from a simple SQL model, which
    /// it then does not render (see `jinja::extract`). A project that
    /// overrides `ref`, `source` or `config`, or sets the `static_parser`
    /// flag to false, has every model rendered.
    fn read_statically(&self, n: &Node) -> Option<crate::jinja::context::Recorded> {
        if n.resource_type != ResourceType::Model || n.language != "sql" {
            return None;
        }
        let flags = &self.shared.project_flags;
        if flags.get("static_parser") == Some(&Value::Bool(false)) {
            return None;
        }
        let root = &self.shared.root_project;
        let overridden = ["ref", "source", "config"].iter().any(|m| {
            self.shared.macros.lookup_in(&n.package_name, m).is_some()
                || self.shared.macros.lookup_in(root, m).is_some()
        });
        if overridden {
            return None;
        }
        let e = jinja::extract::extract(&n.raw_code)?;
        Some(crate::jinja::context::Recorded {
            refs: e.refs,
            sources: e.sources,
            configs: e.configs,
            static_read: true,
            ..Default::default()
        })
    }

    /// Registers the templates of `nodes` and builds the one environment
    /// (and template sources) that every render of this run shares.
    fn ensure_env(&mut self, nodes: &[Box<Node>]) {
        if self.env.is_some() {
            return;
        }
        for n in nodes {
            if n.resource_type != ResourceType::Seed {
                self.template_for(n);
            }
        }
        for macro_name in NAMING_MACROS {
            self.sources.insert(
                format!("__naming__{macro_name}"),
                format!("{{{{ {macro_name}(__custom, __node) }}}}"),
            );
        }
        self.sources.insert(
            unit_tests::FIXTURE_TEMPLATE.to_string(),
            unit_tests::FIXTURE_SOURCE.to_string(),
        );
        // The table moves into the environment: every template is in it now,
        // and copying tens of thousands of them would be wasted.
        let sources = Arc::new(jinja::TemplateSources {
            texts: std::mem::take(&mut self.sources),
            line_offsets: std::mem::take(&mut self.line_offsets),
        });
        self.env = Some(Arc::new(jinja::environment(sources.clone())));
        self.shared_sources = Some(sources);
    }

    fn env(&self) -> (Arc<minijinja::Environment<'static>>, Sources) {
        match (&self.env, &self.shared_sources) {
            (Some(e), Some(s)) => (e.clone(), s.clone()),
            _ => {
                let s = self.sources_arc();
                (Arc::new(jinja::environment(s.clone())), s)
            }
        }
    }

    /// Tags, database, schema, alias and relation name from the final config.
    fn finish_naming(&self, n: &mut Node, diagnostics: &mut Vec<Diagnostic>) {
        finalize_config(n);
        // `config.tags` keeps every appended tag, repeats included, as
        // dbt-core's append merge does; the node's own `tags` are a set.
        let tags = tags_of(n.config.get("tags"));
        let mut node_tags = n.initial_tags.clone();
        for t in &tags {
            if !node_tags.contains(t) {
                node_tags.push(t.clone());
            }
        }
        n.tags = node_tags;
        n.set_config("tags", json!(tags));
        n.meta = n
            .config
            .get("meta")
            .and_then(|m| m.as_object())
            .cloned()
            .unwrap_or_default();
        let custom_schema = n
            .config
            .get("schema")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let custom_alias = n
            .config
            .get("alias")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let custom_db = n
            .config
            .get("database")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        n.schema = self.naming_macro("generate_schema_name", custom_schema, n, diagnostics);
        n.alias = self.naming_macro("generate_alias_name", custom_alias, n, diagnostics);
        let db = self.naming_macro("generate_database_name", custom_db, n, diagnostics);
        n.database = Some(db);
        // Snapshots keep the legacy `target_database`/`target_schema`,
        // which win over the naming macros' results.
        if n.resource_type == ResourceType::Snapshot {
            let set = |k: &str| {
                n.config
                    .get(k)
                    .and_then(|v| v.as_str())
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            if let Some(db) = set("target_database") {
                n.database = Some(db);
            }
            if let Some(schema) = set("target_schema") {
                n.schema = schema;
            }
        }
        let stores_failures = n
            .config
            .get("store_failures")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        n.relation_name = match n.resource_type {
            ResourceType::Model if !n.is_ephemeral() => Some(self.relation(n).render()),
            ResourceType::Seed | ResourceType::Snapshot => Some(self.relation(n).render()),
            ResourceType::Test if stores_failures => Some(self.relation(n).render()),
            _ => None,
        };
    }

    /// The node's relation, quoted as its `quoting` config says.
    fn relation(&self, n: &Node) -> Relation {
        let policy = self.quote_policy(
            n.config
                .get("quoting")
                .and_then(|q| q.as_object())
                .unwrap_or(&Map::new()),
        );
        let mut r = Relation::new(
            n.database.clone(),
            Some(n.schema.clone()),
            Some(n.alias.clone()),
            policy,
            self.shared.adapter.quote_char,
        );
        r.relation_type = Some(match n.materialized() {
            "table" | "incremental" | "seed" | "snapshot" => "table".into(),
            "view" => "view".into(),
            other => other.into(),
        });
        r
    }

    /// Works out, for every package, which naming macros are dbt's own, so
    /// that nodes can be named on several threads.
    fn know_naming_macros(&mut self) {
        for p in self.projects {
            for macro_name in NAMING_MACROS {
                let builtin = self.naming_is_builtin(macro_name, &p.name);
                self.naming_builtin
                    .entry(p.name.clone())
                    .or_default()
                    .insert(macro_name, builtin);
            }
        }
    }

    /// Whether `macro_name` (and what it dispatches to) is dbt's own for a
    /// node of `package`.
    fn naming_is_builtin(&self, macro_name: &str, package: &str) -> bool {
        let def = self.shared.macros.lookup(package, macro_name);
        let dispatched = self
            .shared
            .macros
            .lookup(
                package,
                &format!("{}__{macro_name}", self.shared.adapter.type_name),
            )
            .or_else(|| {
                self.shared
                    .macros
                    .lookup(&self.root.name, &format!("default__{macro_name}"))
            });
        def.as_ref().map(|d| d.package == "dbt").unwrap_or(true)
            && dispatched
                .as_ref()
                .map(|d| d.package == "dbt")
                .unwrap_or(true)
    }

    /// Calls `generate_*_name`: natively when the builtin is in effect, else through Jinja.
    fn naming_macro(
        &self,
        macro_name: &'static str,
        custom: Option<String>,
        n: &Node,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> String {
        let builtin = self
            .naming_builtin
            .get(&n.package_name)
            .and_then(|m| m.get(macro_name))
            .copied()
            .unwrap_or_else(|| self.naming_is_builtin(macro_name, &n.package_name));
        let target = &self.input.target;
        if builtin {
            return match macro_name {
                "generate_schema_name" => match custom {
                    None => target.schema.clone(),
                    Some(c) => format!("{}_{}", target.schema, c.trim()),
                },
                "generate_alias_name" => match (custom, &n.version) {
                    (Some(c), _) if !c.is_empty() => c.trim().to_string(),
                    (_, Some(v)) => format!(
                        "{}_v{}",
                        n.name,
                        crate::parser::py_display(v).replace('.', "_")
                    ),
                    _ => n.name.clone(),
                },
                _ => custom.unwrap_or_else(|| target.database.clone()),
            };
        }
        let call_tmpl = format!("__naming__{macro_name}");
        let (env, sources) = self.env();
        let node = JValue::from(minijinja::value::Serde(model_json(n)));
        let mut facts = self.facts(n, None, {
            let node = node.clone();
            Arc::new(move || node.clone())
        });
        facts.extra.insert(
            "__custom".into(),
            custom.clone().map(JValue::from).unwrap_or(JValue::from(())),
        );
        facts.extra.insert("__node".into(), node);
        let ctx = NodeCtx::new(self.shared.clone(), None, Mode::Parse, facts);
        match jinja::render(&env, &sources, &call_tmpl, &ctx) {
            Ok(s) => s.trim().to_string(),
            Err(d) => {
                diagnostics.push(d.for_node(n.unique_id.clone()));
                custom.unwrap_or_default()
            }
        }
    }

    /// Resolves `{{ doc(...) }}` in every description (of nodes, their
    /// columns, sources and exposures), recording the docs blocks each one
    /// uses, as dbt's docs processing does once parsing is done. The manifest
    /// keeps them as written until [`Self::swap_descriptions`].
    fn render_descriptions(&self) -> Descriptions {
        let docs: BTreeMap<(String, String), (String, String)> = self
            .manifest
            .docs
            .values()
            .map(|d| {
                (
                    (d.package_name.clone(), d.name.clone()),
                    (d.unique_id.clone(), d.block_contents.clone()),
                )
            })
            .collect();
        let root = self.root.name.clone();
        let docs = Arc::new(docs);
        // One environment per package; `used` collects the docs each render calls.
        let used: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let mut envs: BTreeMap<String, minijinja::Environment<'static>> = BTreeMap::new();
        // A description renders the same wherever it is written in a package
        // (`doc()` is all it can call), and many are written many times.
        #[allow(clippy::type_complexity)]
        let mut rendered: HashMap<String, HashMap<String, (String, Vec<String>)>> = HashMap::new();
        let mut render = |text: &str,
                          package: &str,
                          file: &str,
                          diags: &mut Vec<Diagnostic>|
         -> (String, Vec<String>) {
            if !(text.contains("{{") || text.contains("{%")) {
                return (text.to_string(), Vec::new());
            }
            if let Some(hit) = rendered.get(package).and_then(|m| m.get(text)) {
                return hit.clone();
            }
            used.lock().unwrap_or_else(|e| e.into_inner()).clear();
            let env = envs.entry(package.to_string()).or_insert_with(|| {
                let mut env =
                    crate::render::config_env(self.input.env.clone(), self.vars_for(package), None);
                let (docs2, used2, root2, pkg2) = (
                    docs.clone(),
                    used.clone(),
                    root.clone(),
                    package.to_string(),
                );
                env.add_function(
                "doc",
                move |args: minijinja::value::Rest<String>| -> Result<String, minijinja::Error> {
                    let (want_pkg, name) = match args.as_slice() {
                        [n] => (None, n.clone()),
                        [p, n] => (Some(p.clone()), n.clone()),
                        _ => {
                            return Err(minijinja::Error::new(
                                minijinja::ErrorKind::InvalidOperation,
                                "doc() takes one or two arguments",
                            ))
                        }
                    };
                    let order: Vec<&str> = match &want_pkg {
                        Some(p) => vec![p.as_str()],
                        None => vec![root2.as_str(), pkg2.as_str()],
                    };
                    let found = order
                        .iter()
                        .find_map(|p| docs2.get(&(p.to_string(), name.clone())))
                        .or_else(|| {
                            if want_pkg.is_none() {
                                docs2.iter().find(|((_, n), _)| *n == name).map(|x| x.1)
                            } else {
                                None
                            }
                        });
                    match found {
                        Some((uid, body)) => {
                            let mut u = used2.lock().unwrap_or_else(|e| e.into_inner());
                            if !u.contains(uid) {
                                u.push(uid.clone());
                            }
                            Ok(body.clone())
                        }
                        None => Err(minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("Documentation for '{name}' not found"),
                        )),
                    }
                },
            );
                env
            });
            match env.render_str(text, ()) {
                Ok(r) => {
                    let u = used.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    rendered
                        .entry(package.to_string())
                        .or_default()
                        .insert(text.to_string(), (r.clone(), u.clone()));
                    (r, u)
                }
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "doc-not-found",
                            e.detail()
                                .unwrap_or("could not render description")
                                .to_string(),
                        )
                        .in_file(file),
                    );
                    (text.to_string(), Vec::new())
                }
            }
        };
        let mut edits = Descriptions::default();
        for n in self.manifest.nodes.values() {
            let (d, b) = render(
                &n.description,
                &n.package_name,
                &n.file,
                &mut edits.diagnostics,
            );
            let columns = column_edits(
                &n.columns,
                &n.package_name,
                &n.file,
                &mut edits.diagnostics,
                &mut render,
            );
            if d != n.description || b != n.doc_blocks || !columns.is_empty() {
                edits.nodes.push((n.unique_id.clone(), d, b, columns));
            }
        }
        for s in self.manifest.sources.values() {
            let file = s.original_file_path.clone();
            let d = render(
                &s.description,
                &s.package_name,
                &file,
                &mut edits.diagnostics,
            )
            .0;
            let sd = render(
                &s.source_description,
                &s.package_name,
                &file,
                &mut edits.diagnostics,
            )
            .0;
            let columns = column_edits(
                &s.columns,
                &s.package_name,
                &file,
                &mut edits.diagnostics,
                &mut render,
            );
            if d != s.description || sd != s.source_description || !columns.is_empty() {
                edits.sources.push((s.unique_id.clone(), d, sd, columns));
            }
        }
        for e in self.manifest.exposures.values() {
            if let Some(Value::String(d)) = e.raw.get("description") {
                let r = render(d, &e.package_name, &e.file, &mut edits.diagnostics).0;
                if &r != d {
                    edits.exposures.push((e.unique_id.clone(), r));
                }
            }
        }
        edits
    }

    /// Puts rendered descriptions in place of the ones as written, or (a
    /// second time) back: each edit swaps its values with the manifest's.
    fn swap_descriptions(&mut self, edits: &mut Descriptions) {
        use std::mem::swap;
        for (uid, d, b, columns) in &mut edits.nodes {
            let Some(n) = self.manifest.nodes.get_mut(uid.as_str()) else {
                continue;
            };
            swap(&mut n.description, d);
            swap(&mut n.doc_blocks, b);
            swap_columns(&mut n.columns, columns);
        }
        for (uid, d, sd, columns) in &mut edits.sources {
            let Some(s) = self.manifest.sources.get_mut(uid.as_str()) else {
                continue;
            };
            swap(&mut s.description, d);
            swap(&mut s.source_description, sd);
            swap_columns(&mut s.columns, columns);
        }
        for (uid, d) in &mut edits.exposures {
            if let Some(Some(Value::String(current))) = self
                .manifest
                .exposures
                .get_mut(uid.as_str())
                .map(|e| e.raw.get_mut("description"))
            {
                swap(current, d);
            }
        }
    }

    /// Semantic models, metrics and saved queries, resolved against the named models.
    fn semantic_layer(&mut self) {
        use crate::semantic::{
            BuiltinResolver, ModelRelation, RefArgs, SemanticKind, SemanticLayer, SourceFile,
        };
        let files = std::mem::take(&mut self.semantic_files);
        if files.is_empty() {
            return;
        }
        let mut sl = SemanticLayer::new(&self.root.name);
        let configs = |kind: SemanticKind, package: &str, fqn: &[String]| -> Map<String, Value> {
            let mut cfg = Map::new();
            if let Some(p) = self.project(package) {
                if let Some(tree) = p.configs.get(kind.project_key()) {
                    for level in project_levels(tree, fqn) {
                        merge_into(&mut cfg, &level);
                    }
                }
            }
            cfg
        };
        for (project, file, ofp, value) in &files {
            let resource_dir = ofp.split_once('/').map(|x| x.0).unwrap_or("models");
            let sf = SourceFile::new(project, ofp)
                .with_resource_dir(resource_dir)
                .with_file(file);
            sl.add_properties(value, &sf, &configs);
        }
        let lookup = RefLookup::new(&self.manifest, &self.root.name);
        let nodes = &self.manifest.nodes;
        let resolver = BuiltinResolver {
            target_database: Some(self.input.target.database.clone()),
            target_schema: self.input.target.schema.clone(),
            refs: |node_package: &str, r: &RefArgs| -> Option<ModelRelation> {
                let uid = lookup.find(
                    node_package,
                    r.package.as_deref(),
                    &r.name,
                    r.version_str().as_deref(),
                )?;
                let n = nodes.get(&uid)?;
                Some(ModelRelation {
                    unique_id: uid,
                    database: n.database.clone(),
                    schema: n.schema.clone(),
                    alias: n.alias.clone(),
                    relation_name: n.relation_name.clone(),
                })
            },
        };
        sl.resolve(&resolver);
        self.manifest.semantic_models = sl.semantic_models_json();
        self.manifest.metrics = sl.metrics_json();
        self.manifest.saved_queries = sl.saved_queries_json();
        self.manifest.disabled_json = sl.disabled_json();
        self.manifest.semantic_dependencies = sl
            .dependencies()
            .into_iter()
            .map(|(id, deps)| (id.to_string(), deps.to_vec()))
            .collect();
        self.diagnostics.extend(std::mem::take(&mut sl.diagnostics));
    }

    /// Exposures (with their `depends_on` refs and sources) and groups.
    fn exposures_and_groups(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let (env, sources) = self.env();
        for (key, project, file, ofp, e) in pending {
            let Some(name) = e.get("name").and_then(|v| v.as_str()).map(str::to_string) else {
                self.diagnostics.push(
                    Diagnostic::error("yaml-shape", format!("an entry under '{key}' has no name"))
                        .in_file(file.clone()),
                );
                continue;
            };
            let rel_path = ofp.split_once('/').map(|x| x.1).unwrap_or(&ofp).to_string();
            if key == "unit_tests" {
                self.add_unit_test(&project, &file, &ofp, &rel_path, &name, &e);
                continue;
            }
            if key == "groups" {
                let fqn = yaml_fqn(&project, &ofp, &[&name]);
                let mut cfg = self.project_config_raw(ResourceType::Model, &project, &fqn);
                if let Some(Value::Object(c)) = e.get("config") {
                    merge_into(&mut cfg, c);
                }
                let mut raw = e.as_object().cloned().unwrap_or_default();
                raw.remove("name");
                raw.insert("config".into(), Value::Object(cfg));
                self.manifest.groups.insert(
                    format!("group.{project}.{name}"),
                    Group {
                        unique_id: format!("group.{project}.{name}"),
                        package_name: project.clone(),
                        name: name.clone(),
                        path: rel_path,
                        original_file_path: ofp.clone(),
                        raw,
                    },
                );
                continue;
            }
            let facts = NodeFacts {
                unique_id: format!("exposure.{project}.{name}"),
                package: project.clone(),
                name: name.clone(),
                resource_type: "exposure".into(),
                file: file.clone(),
                this: None,
                config: Default::default(),
                model: None,
                vars: self.vars_for(&project),
                extra: BTreeMap::new(),
                env_overrides: BTreeMap::new(),
                warehouse: None,
            };
            let ctx = NodeCtx::new(self.shared.clone(), None, Mode::Parse, facts);
            for dep in e
                .get("depends_on")
                .and_then(|d| d.as_array())
                .cloned()
                .unwrap_or_default()
            {
                let Some(expr) = dep.as_str() else { continue };
                if let Err(err) = env
                    .compile_expression(expr)
                    .and_then(|x| x.eval(ctx.value()))
                {
                    self.diagnostics.push(
                        jinja::to_diagnostic(&err, &sources)
                            .in_file(file.clone())
                            .for_node(format!("exposure.{project}.{name}")),
                    );
                }
            }
            let rec = std::mem::take(&mut *ctx.rec.lock().unwrap_or_else(|x| x.into_inner()));
            let fqn = yaml_fqn(&project, &ofp, &[&name]);
            self.manifest.exposures.insert(
                format!("exposure.{project}.{name}"),
                Exposure {
                    unique_id: format!("exposure.{project}.{name}"),
                    package_name: project.clone(),
                    name: name.clone(),
                    path: rel_path,
                    original_file_path: ofp.clone(),
                    file: file.clone(),
                    fqn,
                    raw: e.as_object().cloned().unwrap_or_default(),
                    depends_on_nodes: Vec::new(),
                    refs: rec.refs,
                    sources: rec.sources,
                },
            );
        }
    }

    /// A unit test: one per tested model version, fixtures normalized to rows.
    fn add_unit_test(
        &mut self,
        project: &str,
        file: &str,
        ofp: &str,
        rel_path: &str,
        name: &str,
        e: &Value,
    ) {
        let Some(model) = e.get("model").and_then(|m| m.as_str()).map(str::to_string) else {
            self.diagnostics.push(
                Diagnostic::error("yaml-shape", format!("unit test '{name}' has no model"))
                    .in_file(file),
            );
            return;
        };
        let fqn = yaml_fqn(project, ofp, &[&model, name]);
        let mut cfg = json!({"enabled": true, "meta": {}, "static_analysis": null, "tags": []})
            .as_object()
            .cloned()
            .unwrap_or_default();
        merge_into(
            &mut cfg,
            &self.project_config_raw(ResourceType::UnitTest, project, &fqn),
        );
        if let Some(Value::Object(c)) = e.get("config") {
            merge_into(&mut cfg, c);
        }
        let mut diags = Vec::new();
        let mut fixture = |f: &Value, what: &str| -> Value {
            let mut out = Map::new();
            if let Some(input) = f.get("input") {
                out.insert("input".into(), input.clone());
            }
            let format = f
                .get("format")
                .and_then(|x| x.as_str())
                .unwrap_or("dict")
                .to_string();
            let rows = match (format.as_str(), f.get("rows")) {
                ("csv", Some(Value::String(text))) => match csv_rows(text) {
                    Ok(r) => r,
                    Err(m) => {
                        diags.push(
                            Diagnostic::error(
                                "unit-test-fixture",
                                format!("unit test '{name}': {what}: {m}"),
                            )
                            .in_file(file),
                        );
                        Value::Null
                    }
                },
                ("sql", Some(Value::String(text))) => Value::String(text.trim().to_string()),
                (_, Some(r)) => r.clone(),
                (_, None) => Value::Null,
            };
            out.insert("rows".into(), rows);
            out.insert("format".into(), json!(format));
            out.insert(
                "fixture".into(),
                f.get("fixture").cloned().unwrap_or(Value::Null),
            );
            Value::Object(out)
        };
        let given: Vec<Value> = e
            .get("given")
            .and_then(|g| g.as_array())
            .map(|g| g.iter().map(|x| fixture(x, "given")).collect())
            .unwrap_or_default();
        let expect = e
            .get("expect")
            .map(|x| fixture(x, "expect"))
            .unwrap_or(Value::Null);
        let overrides = match e.get("overrides") {
            Some(Value::Object(o)) => json!({
                "macros": o.get("macros").cloned().unwrap_or(json!({})),
                "vars": o.get("vars").cloned().unwrap_or(json!({})),
                "env_vars": o.get("env_vars").cloned().unwrap_or(json!({})),
            }),
            _ => Value::Null,
        };
        self.diagnostics.extend(diags);
        let versions = e.get("versions").cloned().unwrap_or(Value::Null);
        let versions_norm = match &versions {
            Value::Object(v) => {
                json!({"include": v.get("include").cloned().unwrap_or(Value::Null), "exclude": v.get("exclude").cloned().unwrap_or(Value::Null)})
            }
            _ => Value::Null,
        };
        // The model's versions this test applies to.
        let model_versions: Vec<Value> = self
            .manifest
            .nodes
            .values()
            .filter(|n| {
                n.resource_type == ResourceType::Model
                    && n.name == model
                    && n.package_name == project
            })
            .filter_map(|n| n.version.clone())
            .collect();
        let selected: Vec<Option<Value>> = if model_versions.is_empty() {
            vec![None]
        } else {
            let as_str = |v: &Value| parser::py_display(v);
            let include: Option<Vec<String>> = versions
                .get("include")
                .and_then(|i| i.as_array())
                .map(|a| a.iter().map(as_str).collect());
            let exclude: Vec<String> = versions
                .get("exclude")
                .and_then(|i| i.as_array())
                .map(|a| a.iter().map(as_str).collect())
                .unwrap_or_default();
            model_versions
                .into_iter()
                .filter(|v| {
                    include.as_ref().is_none_or(|i| i.contains(&as_str(v)))
                        && !exclude.contains(&as_str(v))
                })
                .map(Some)
                .collect()
        };
        for v in selected {
            let suffix = v
                .as_ref()
                .map(|v| format!("_v{}", parser::py_display(v)))
                .unwrap_or_default();
            let uid = format!("unit_test.{project}.{model}.{name}{suffix}");
            self.manifest.unit_tests.insert(
                uid.clone(),
                UnitTest {
                    unique_id: uid,
                    package_name: project.to_string(),
                    name: name.to_string(),
                    model: model.clone(),
                    path: rel_path.to_string(),
                    original_file_path: ofp.to_string(),
                    file: file.to_string(),
                    fqn: fqn.clone(),
                    description: parser::str_of(e.get("description")).unwrap_or_default(),
                    given: given.clone(),
                    expect: expect.clone(),
                    overrides: overrides.clone(),
                    config: cfg.clone(),
                    version: v,
                    versions: versions_norm.clone(),
                    schema: String::new(),
                    depends_on_nodes: Vec::new(),
                    compiled_code: None,
                },
            );
        }
    }

    fn resolve_dependencies(&mut self) {
        let lookup = Arc::new(RefLookup::new(&self.manifest, &self.root.name));
        self.ref_lookup = Some(lookup.clone());
        let mut diags = Vec::new();
        // The first source of each (source, table) name, in unique id order.
        let mut source_ids: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        for x in self.manifest.sources.values() {
            source_ids
                .entry((x.source_name.as_str(), x.name.as_str()))
                .or_insert(x.unique_id.as_str());
        }
        // Disabled nodes by name: a test on one is attached to it, and a ref
        // to one is reported as disabled rather than missing.
        let mut disabled_ids: BTreeMap<String, String> = BTreeMap::new();
        for d in self.manifest.disabled.values() {
            if d.resource_type != ResourceType::Test {
                disabled_ids
                    .entry(d.name.clone())
                    .or_insert(d.unique_id.clone());
            }
        }
        // Nodes resolve independently, on the caller's threads; their
        // diagnostics are gathered in id order.
        let files = &self.input.files;
        let macros = &self.shared.macros;
        let resolve = |n: &mut Node| {
            let mut diags = Vec::new();
            let mut deps: Vec<String> = Vec::new();
            // dbt resolves sources before refs. (Taken out for the loops, so
            // that a test can be disabled on the way.)
            let sources = std::mem::take(&mut n.sources);
            let refs = std::mem::take(&mut n.refs);
            for (s, t) in &sources {
                let uid = source_ids
                    .get(&(s.as_str(), t.as_str()))
                    .map(|x| x.to_string());
                match uid {
                    Some(uid) => {
                        if !deps.contains(&uid) {
                            deps.push(uid);
                        }
                    }
                    None if n.resource_type == ResourceType::Test => {
                        // dbt-core keeps a test whose source is missing,
                        // disabled, with a warning.
                        diags.push(disable_test(
                            n,
                            "unknown-source",
                            &format!("a source named '{s}.{t}'"),
                        ));
                    }
                    None => {
                        n.has_error = true;
                        let mut d = Diagnostic::error(
                            "unknown-source",
                            format!(
                                "{} '{}' depends on a source named '{s}.{t}' which was not found",
                                n.resource_type.as_str(),
                                n.name
                            ),
                        )
                        .in_file(n.file.clone())
                        .for_node(n.unique_id.clone());
                        if let Some(src) = files.get(&n.file) {
                            if let Some(off) = find_ref_offset(src, t) {
                                d = d.at_offset(src, off);
                            }
                        }
                        diags.push(d);
                    }
                }
            }
            for r in &refs {
                match lookup.find(
                    &n.package_name,
                    r.package.as_deref(),
                    &r.name,
                    r.version.as_deref(),
                ) {
                    Some(uid) => {
                        if !deps.contains(&uid) {
                            deps.push(uid);
                        }
                    }
                    None if n.resource_type == ResourceType::Test => {
                        // dbt-core keeps a test whose model is missing or
                        // disabled, disabled itself; only a missing one is
                        // worth a warning.
                        let d =
                            disable_test(n, "unknown-ref", &format!("a node named '{}'", r.name));
                        if !disabled_ids.contains_key(&r.name) {
                            diags.push(d);
                        }
                    }
                    None => {
                        n.has_error = true;
                        let disabled = disabled_ids.contains_key(&r.name);
                        let what = if disabled {
                            "which is disabled"
                        } else {
                            "which was not found"
                        };
                        let mut d = Diagnostic::error(
                            "unknown-ref",
                            format!(
                                "{} '{}' depends on a node named '{}' {what}",
                                n.resource_type.as_str(),
                                n.name,
                                r.name
                            ),
                        )
                        .in_file(n.file.clone())
                        .for_node(n.unique_id.clone());
                        if let Some(src) = files.get(&n.file) {
                            if let Some(off) = find_ref_offset(src, &r.name) {
                                d = d.at_offset(src, off);
                            }
                        }
                        diags.push(d);
                    }
                }
            }
            n.sources = sources;
            n.refs = refs;
            if let Some(d) = settle_generic_test(n, &lookup, &disabled_ids, macros) {
                diags.push(d);
            }
            n.depends_on_nodes = deps;
            diags
        };
        let mut nodes: Vec<&mut Node> =
            self.manifest.nodes.values_mut().map(|n| &mut **n).collect();
        let resolved = crate::par::map_mut(
            &mut nodes,
            self.input.threads,
            &|n: &mut &mut Node| resolve(n),
            &mut |_| {},
        );
        drop(nodes);
        diags.extend(resolved.into_iter().flatten());
        // dbt-core finds a disabled test's attached node and macros too.
        for n in self.manifest.disabled.values_mut() {
            settle_generic_test(n, &lookup, &disabled_ids, &self.shared.macros);
        }
        for u in self.manifest.unit_tests.values_mut() {
            let version = u.version.as_ref().map(parser::py_display);
            match lookup.find(&u.package_name, None, &u.model, version.as_deref()) {
                Some(uid) => {
                    u.schema = self
                        .manifest
                        .nodes
                        .get(&uid)
                        .map(|n| n.schema.clone())
                        .unwrap_or_default();
                    u.depends_on_nodes = vec![uid];
                }
                None => diags.push(
                    Diagnostic::error(
                        "unknown-ref",
                        format!(
                            "unit test '{}' tests a model named '{}' which was not found",
                            u.name, u.model
                        ),
                    )
                    .in_file(u.file.clone())
                    .for_node(u.unique_id.clone()),
                ),
            }
        }
        for e in self.manifest.exposures.values_mut() {
            let mut deps: Vec<String> = Vec::new();
            for (src, t) in &e.sources {
                match self.manifest.sources.values().find(|x| &x.source_name == src && &x.name == t) {
                    Some(x) if !deps.contains(&x.unique_id) => deps.push(x.unique_id.clone()),
                    Some(_) => {}
                    None => diags.push(Diagnostic::error("unknown-source", format!("exposure '{}' depends on a source named '{src}.{t}' which was not found", e.name)).in_file(e.file.clone()).for_node(e.unique_id.clone())),
                }
            }
            for r in &e.refs {
                match lookup.find(
                    &e.package_name,
                    r.package.as_deref(),
                    &r.name,
                    r.version.as_deref(),
                ) {
                    Some(uid) if !deps.contains(&uid) => deps.push(uid),
                    Some(_) => {}
                    None => diags.push(
                        Diagnostic::error(
                            "unknown-ref",
                            format!(
                                "exposure '{}' depends on a node named '{}' which was not found",
                                e.name, r.name
                            ),
                        )
                        .in_file(e.file.clone())
                        .for_node(e.unique_id.clone()),
                    ),
                }
            }
            e.depends_on_nodes = deps;
        }
        self.diagnostics.extend(diags);
    }

    /// A generic test of dbt's own `unique` or `not_null`, compiled from
    /// its shape (see [`TestShapes`]) when nothing overrides dbt's macros
    /// and its arguments are the column and the model; `None` otherwise.
    fn builtin_test(
        &self,
        env: &minijinja::Environment<'static>,
        sources: &Sources,
        template: &str,
        n: &Node,
        ctx: &Arc<NodeCtx>,
        shapes: &TestShapes,
    ) -> Option<(Result<String, Diagnostic>, crate::jinja::context::Recorded)> {
        let tm = n.test_metadata.as_ref()?;
        if tm.namespace.is_some() || !matches!(tm.name.as_str(), "unique" | "not_null") {
            return None;
        }
        let column = match tm.kwargs.get("column_name") {
            Some(Value::String(c)) if !c.contains('\0') => c,
            _ => return None,
        };
        if tm.kwargs.keys().any(|k| k != "column_name" && k != "model") {
            return None;
        }
        let test_macro = self.test_macro(&n.package_name, tm)?;
        let name = format!("test_{}", tm.name);
        if test_macro.package != "dbt"
            || test_macro.name != name
            || !ctx
                .dispatch_target(&name, Some("dbt"))
                .is_ok_and(|d| d.package == "dbt")
        {
            return None;
        }
        let take = |result| (result, std::mem::take(&mut *lock(&ctx.rec)));
        let props = self.input.files.get(&n.file).map(|f| &**f);
        if let Err(d) = jinja::render_test_kwargs(env, sources, &tm.kwargs, ctx, props) {
            return Some(take(Err(d)));
        }
        let model = lock(&ctx.late)
            .get("_dbt_generic_test_kwargs")
            .and_then(|k| k.get_attr("model").ok())
            .map(|m| m.to_string())
            .filter(|m| !m.contains('\0'))?;
        let key = (
            test_macro.unique_id.clone(),
            n.config
                .get("store_failures")
                .map(Value::to_string)
                .unwrap_or_default(),
        );
        let known = lock(&shapes.0).get(&key).cloned();
        let shape = match known {
            Some(known) => known,
            None => {
                // Rendered once with marks for the two values; the
                // macros it records are this node's too.
                let real = lock(&ctx.late).insert(
                    "_dbt_generic_test_kwargs".to_string(),
                    JValue::from(BTreeMap::from([
                        ("column_name", JValue::from(TestShape::COLUMN)),
                        ("model", JValue::from(TestShape::MODEL)),
                    ])),
                );
                let macros_before = lock(&ctx.rec).macros.len();
                let shape = jinja::render_once(env, sources, template, ctx)
                    .ok()
                    .map(|text| {
                        Arc::new(TestShape::new(
                            &text,
                            lock(&ctx.rec).macros[macros_before..].to_vec(),
                        ))
                    });
                if let Some(real) = real {
                    lock(&ctx.late).insert("_dbt_generic_test_kwargs".to_string(), real);
                }
                lock(&shapes.0).insert(key, shape.clone());
                shape
            }
        };
        let Some(shape) = shape else {
            return Some(take(jinja::render_once(env, sources, template, ctx)));
        };
        for m in &shape.macros {
            ctx.record_call(m);
        }
        Some(take(Ok(shape.fill(column, &model))))
    }

    fn compile_render(&mut self, graph: &Graph, progress: &mut dyn FnMut(Progress)) {
        let order = graph.topo_order();
        let (env, sources) = self.env();
        // The nodes are shared with the resolver while they render, so that
        // `graph` and `model` are built only if a template asks for them.
        let nodes: Arc<BTreeMap<String, Box<Node>>> =
            Arc::new(std::mem::take(&mut self.manifest.nodes));
        // Relations of the nodes a `ref` can name (tests, the most numerous,
        // get theirs as they render), worked out on the render threads.
        let refable: Vec<&Node> = nodes
            .values()
            .map(|n| &**n)
            .filter(|n| is_refable(n.resource_type))
            .collect();
        let relation_of = |n: &&Node| {
            let rel = if n.is_ephemeral() {
                Relation::ephemeral(&n.alias, self.shared.adapter.quote_char)
            } else {
                self.relation(n)
            };
            (n.unique_id.clone(), (rel, n.alias.clone()))
        };
        // In id order, as the nodes are: the map is built in one pass.
        let relations: BTreeMap<String, (Relation, String)> =
            crate::par::map(&refable, self.input.threads, &relation_of, &mut |_| {})
                .into_iter()
                .collect();
        drop(refable);
        let lookup = match &self.ref_lookup {
            Some(l) => l.clone(),
            None => Arc::new(RefLookup::of_nodes(&nodes, &self.root.name)),
        };
        // Lent to the resolver like the nodes, for `graph`.
        let source_tables = Arc::new(std::mem::take(&mut self.manifest.sources));
        let resolver: Arc<CompileResolver> = Arc::new(CompileResolver::new(
            nodes.clone(),
            source_tables.clone(),
            lookup,
            relations,
            self.shared.adapter.quote_char,
            self.shared.adapter.default_quoting,
        ));
        let dyn_resolver: Arc<dyn Resolver> = resolver.clone();
        let shapes = TestShapes::default();
        // Renders are independent of each other and may run on several
        // threads; what they produce is applied below, in graph order.
        let render = |uid: &String| {
            let n = nodes.get(uid)?;
            let disabled = n.config.get("enabled") == Some(&Value::Bool(false));
            if n.resource_type == ResourceType::Seed || n.has_error || disabled {
                return None;
            }
            // `this` is the node's relation from the map built above, except
            // for an "ephemeral" node that is not a model: it has a relation.
            let this = match resolver.relations.get(uid) {
                Some((r, _)) if n.resource_type == ResourceType::Model || !n.is_ephemeral() => {
                    r.clone()
                }
                _ => self.relation(n),
            };
            let tname = format!("node:{}#{}", n.file, n.unique_id);
            // `model` is this node's entry of `graph`, built only if a template asks.
            let (r, id) = (resolver.clone(), n.unique_id.clone());
            let facts = self.facts(n, Some(this), Arc::new(move || r.model(&id)));
            let ctx = NodeCtx::new(
                self.shared.clone(),
                Some(dyn_resolver.clone()),
                Mode::Compile,
                facts,
            );
            if let Some(done) = self.builtin_test(&env, &sources, &tname, n, &ctx, &shapes) {
                return Some(done);
            }
            let props = n
                .test_metadata
                .as_ref()
                .and_then(|_| self.input.files.get(&n.file))
                .map(|f| &**f);
            Some(render_node(
                &env,
                &sources,
                &tname,
                n.test_metadata.as_ref(),
                props,
                &ctx,
            ))
        };
        let total = order.len();
        let rendered = crate::par::map(
            &order,
            self.input.threads,
            &render,
            &mut every_64("compile", total, progress),
        );
        let mut pre_injected: BTreeMap<String, String> = BTreeMap::new();
        let mut extra_ctes: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        // What each render produced, applied once the nodes are ours again.
        let mut done: Vec<(String, Vec<String>, CompiledSql)> = Vec::new();
        for (uid, rendered) in order.into_iter().zip(rendered) {
            let Some((result, rec)) = rendered else {
                continue;
            };
            self.diagnostics.extend(rec.diagnostics);
            let result = result.map(|sql| {
                let mut prepended: Vec<(String, String)> = Vec::new();
                for eph in &rec.ephemeral {
                    for c in extra_ctes.get(eph).cloned().unwrap_or_default() {
                        add_cte(&mut prepended, c);
                    }
                    if let (Some(e), Some(body)) =
                        (resolver.relations.get(eph), pre_injected.get(eph))
                    {
                        add_cte(
                            &mut prepended,
                            (
                                eph.clone(),
                                format!(" __dbt__cte__{} as (\n{}\n)", e.1, body),
                            ),
                        );
                    }
                }
                // Only an ephemeral model is inlined into others: its SQL
                // before injection and the CTEs it carries are kept for them.
                let ephemeral = nodes.get(&uid).is_some_and(|n| n.is_ephemeral());
                if prepended.is_empty() && !ephemeral {
                    return (sql, prepended);
                }
                let injected = crate::sql::inject_ctes(&sql, &prepended);
                if ephemeral {
                    pre_injected.insert(uid.clone(), sql);
                    extra_ctes.insert(uid.clone(), prepended.clone());
                }
                (injected, prepended)
            });
            let result = result.map_err(|d| self.diagnostics.push(d));
            done.push((uid, rec.macros, result));
        }
        // Unit tests may still ask for `graph` after the nodes are taken back.
        if !self.manifest.unit_tests.is_empty() {
            resolver.graph();
        }
        resolver.release_nodes();
        drop(dyn_resolver);
        self.manifest.nodes = Arc::try_unwrap(nodes).unwrap_or_else(|shared| (*shared).clone());
        self.manifest.sources =
            Arc::try_unwrap(source_tables).unwrap_or_else(|shared| (*shared).clone());
        for (uid, macros, result) in done {
            let Some(n) = self.manifest.nodes.get_mut(&uid) else {
                continue;
            };
            for m in macros {
                if !n.depends_on_macros.contains(&m) {
                    n.depends_on_macros.push(m);
                }
            }
            match result {
                Ok((sql, prepended)) => {
                    n.extra_ctes = prepended;
                    n.compiled_code = Some(sql);
                }
                Err(()) => n.has_error = true,
            }
        }
        self.compile_unit_tests(&env, &sources, &resolver);
    }
}

/// Renders a node's template (after its test's arguments, for a generic
/// test) and takes what the render recorded.
/// A project's config levels for an fqn from the trees under `keys` of
/// `configs` (rendered or as written), outermost first.
fn levels_in(
    configs: &Map<String, Value>,
    keys: &[&str],
    fqn: &[String],
) -> Vec<Map<String, Value>> {
    keys.iter()
        .filter_map(|k| configs.get(*k))
        .flat_map(|tree| project_levels(tree, fqn))
        .collect()
}

/// How many of the fqn's parts name a level of some config tree under
/// `keys`: only those matter for the levels a node gets.
fn configured_depth(configs: &Map<String, Value>, keys: &[&str], fqn: &[String]) -> usize {
    let mut depth = 0;
    for key in keys {
        let mut level = configs.get(*key);
        for (i, part) in fqn.iter().enumerate() {
            match level.and_then(|l| l.get(part)).filter(|l| l.is_object()) {
                Some(next) => {
                    depth = depth.max(i + 1);
                    level = Some(next);
                }
                None => break,
            }
        }
    }
    depth
}

/// What dbt-core's `unrendered_config` is built from: the own project's
/// levels as written, then `middle` (properties, calls, or a source's own
/// keys), then the root project's levels for a package's node; each a plain
/// update.
fn layered_unrendered(
    own: Option<&Map<String, Value>>,
    root: Option<&Map<String, Value>>,
    middle: Map<String, Value>,
) -> Map<String, Value> {
    let mut out = own.cloned().unwrap_or_default();
    out.extend(middle);
    if let Some(root) = root {
        out.extend(root.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

/// The default freshness of a source table (no thresholds, no filter).
fn default_freshness() -> Value {
    json!({"warn_after": {"count": null, "period": null}, "error_after": {"count": null, "period": null}, "filter": null})
}

/// The `dbt_project.yml` trees that configure a resource type (dbt
/// configures analyses and hooks through `models:`).
fn project_keys(rt: ResourceType) -> &'static [&'static str] {
    match rt {
        ResourceType::Test => &["tests", "data_tests"],
        ResourceType::Analysis | ResourceType::Operation => &["models"],
        ResourceType::Model => &["models"],
        ResourceType::Seed => &["seeds"],
        ResourceType::Snapshot => &["snapshots"],
        ResourceType::UnitTest => &["unit_tests"],
        ResourceType::Source => &["sources"],
        ResourceType::Exposure => &["exposures"],
        _ => &[],
    }
}

/// Disables a test whose target is missing, as dbt-core does, and returns
/// the warning it gives.
fn disable_test(n: &mut Node, code: &'static str, target: &str) -> Diagnostic {
    n.set_config("enabled", Value::Bool(false));
    Diagnostic::warning(
        code,
        format!(
            "test '{}' depends on {target} which was not found; the test is disabled",
            n.name
        ),
    )
    .in_file(n.file.clone())
    .for_node(n.unique_id.clone())
}

/// A generic test's attached node and its test macro, which dbt-core lists
/// first among its macros; a diagnostic when the test macro is missing.
fn settle_generic_test(
    n: &mut Node,
    lookup: &RefLookup,
    disabled: &BTreeMap<String, String>,
    macros: &MacroTable,
) -> Option<Diagnostic> {
    if n.resource_type != ResourceType::Test {
        return None;
    }
    let (ns, name) = n
        .test_metadata
        .as_ref()
        .map(|t| (t.namespace.clone(), t.name.clone()))?;
    n.attached_node = n.attached_ref.as_ref().and_then(|r| {
        lookup
            .find(
                &n.package_name,
                r.package.as_deref(),
                &r.name,
                r.version.as_deref(),
            )
            .or_else(|| {
                disabled
                    .get(&r.name)
                    .or_else(|| disabled.get(&r.name.to_uppercase()))
                    .cloned()
            })
    });
    let mname = format!("test_{name}");
    let def = match &ns {
        Some(ns) => macros.lookup_in(ns, &mname),
        None => macros.lookup(&n.package_name, &mname),
    };
    let Some(d) = def else {
        n.has_error = true;
        return Some(
            Diagnostic::error(
                "unknown-test",
                format!("test '{name}' is not defined (no macro named '{mname}')"),
            )
            .in_file(n.file.clone())
            .for_node(n.unique_id.clone()),
        );
    };
    // dbt-core records first the test macro found from the test's own
    // package by name alone (a project's override of a namespaced test
    // included), then what rendering the test called.
    let first = match &ns {
        Some(_) => macros
            .lookup(&n.package_name, &mname)
            .map_or_else(|| d.unique_id.clone(), |m| m.unique_id.clone()),
        None => d.unique_id.clone(),
    };
    let mut list = vec![first];
    if !list.contains(&d.unique_id) && !n.depends_on_macros.contains(&d.unique_id) {
        list.push(d.unique_id.clone());
    }
    let rest: Vec<String> = n
        .depends_on_macros
        .drain(..)
        .filter(|m| !list.contains(m))
        .collect();
    list.extend(rest);
    n.depends_on_macros = list;
    None
}

/// What dbt's own `unique` and `not_null` tests compile to, by test macro
/// and `store_failures` config: their macros only place the column and the
/// model into fixed text, so each is rendered once, with marks in their
/// place, and the rest of the project's tests fill the marks in. (At
/// 10,000 models, 20,000 of 30,000 tests are these two.)
#[derive(Default)]
struct TestShapes(
    #[allow(clippy::type_complexity)]
    std::sync::Mutex<HashMap<(String, String), Option<Arc<TestShape>>>>,
);

/// A rendered test with marks where its column and model go, and the
/// macros its render records.
struct TestShape {
    pieces: Vec<ShapePiece>,
    macros: Vec<String>,
}

enum ShapePiece {
    Text(String),
    Column,
    Model,
}

impl TestShape {
    const COLUMN: &'static str = "\0trellis-column\0";
    const MODEL: &'static str = "\0trellis-model\0";

    fn new(text: &str, macros: Vec<String>) -> TestShape {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find('\0') {
            let (piece, len) = if rest[at..].starts_with(Self::COLUMN) {
                (ShapePiece::Column, Self::COLUMN.len())
            } else if rest[at..].starts_with(Self::MODEL) {
                (ShapePiece::Model, Self::MODEL.len())
            } else {
                pieces.push(ShapePiece::Text(rest[..=at].to_string()));
                rest = &rest[at + 1..];
                continue;
            };
            pieces.push(ShapePiece::Text(rest[..at].to_string()));
            pieces.push(piece);
            rest = &rest[at + len..];
        }
        pieces.push(ShapePiece::Text(rest.to_string()));
        TestShape { pieces, macros }
    }

    fn fill(&self, column: &str, model: &str) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            out.push_str(match p {
                ShapePiece::Text(t) => t,
                ShapePiece::Column => column,
                ShapePiece::Model => model,
            });
        }
        out
    }
}

/// Renders a node; a test's arguments first. `props` is the text of the
/// file a test was declared in.
fn render_node(
    env: &minijinja::Environment<'static>,
    sources: &Sources,
    template: &str,
    test: Option<&TestMetadata>,
    props: Option<&str>,
    ctx: &Arc<NodeCtx>,
) -> (Result<String, Diagnostic>, crate::jinja::context::Recorded) {
    let result = match test {
        Some(tm) => jinja::render_test_kwargs(env, sources, &tm.kwargs, ctx, props),
        None => Ok(()),
    }
    .and_then(|_| jinja::render_once(env, sources, template, ctx));
    let rec = std::mem::take(&mut *lock(&ctx.rec));
    (result, rec)
}

/// Reports progress of a phase every 64 items.
fn every_64<'a>(
    phase: &'static str,
    total: usize,
    progress: &'a mut dyn FnMut(Progress),
) -> impl FnMut(usize) + 'a {
    move |done| {
        if done % 64 == 0 {
            progress(Progress { phase, done, total })
        }
    }
}

/// A cache's lock; a render that panicked leaves nothing half-written in one.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How a render gets its `model` variable: built only when asked for.
type LazyValue = Arc<dyn Fn() -> JValue + Send + Sync>;

/// A `model` variable from the node's entry, converted when first read.
fn fixed(value: Value) -> LazyValue {
    Arc::new(move || JValue::from(minijinja::value::Serde(&value)))
}

/// A node's compiled SQL and the CTEs injected into it; `Err` once its
/// diagnostic is recorded.
type CompiledSql = Result<(String, Vec<(String, String)>), ()>;

/// Where a quoted name (as in `ref('name')`) first appears in a file.
fn find_ref_offset(src: &str, name: &str) -> Option<usize> {
    for q in ['\'', '"'] {
        if let Some(i) = src.find(&format!("{q}{name}{q}")) {
            return Some(i);
        }
    }
    None
}

/// The rows of a CSV fixture as dicts of strings, as dbt normalizes them.
fn csv_rows(text: &str) -> Result<Value, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::None)
        .from_reader(text.trim().as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let mut row = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            row.insert(h.clone(), Value::String(v.to_string()));
        }
        rows.push(Value::Object(row));
    }
    Ok(Value::Array(rows))
}

/// dbt's fqn for a resource defined in a YAML file: the package, the file's
/// directories below its resource directory, then `names`.
/// The node of a SQL file (model, analysis, singular test). Its `raw_code`
/// keeps the file's own line endings, as dbt-core's does.
fn sql_node(input: &ProjectInput, rt: ResourceType, p: &Project, f: &FoundFile<'_>) -> Box<Node> {
    let mut n = parser::sql_node(rt, p, f, &input.files[f.file]);
    if let Some(written) = input.written.get(f.file) {
        n.raw_code = written.trim().to_string();
    }
    Box::new(n)
}

/// Config a generic test may take as a plain argument, in the order dbt-core
/// moves them into its config.
const TEST_CONFIG_ARGS: [&str; 14] = [
    "severity",
    "tags",
    "enabled",
    "where",
    "limit",
    "warn_if",
    "error_if",
    "fail_calc",
    "store_failures",
    "store_failures_as",
    "meta",
    "database",
    "schema",
    "alias",
];

fn yaml_fqn(package: &str, original_file_path: &str, names: &[&str]) -> Vec<String> {
    let rel_path = original_file_path
        .split_once('/')
        .map(|x| x.1)
        .unwrap_or(original_file_path);
    // The folders of the file, without its name.
    let dirs = rel_path.rsplit_once('/').map(|(d, _)| d);
    let mut fqn = Vec::with_capacity(2 + names.len() + rel_path.matches('/').count());
    fqn.push(package.to_string());
    fqn.extend(
        dirs.into_iter()
            .flat_map(|d| d.split('/'))
            .map(str::to_string),
    );
    fqn.extend(names.iter().map(|n| n.to_string()));
    fqn
}

/// A snapshot defined in YAML with `relation:`.
fn yaml_snapshot(pf: &PropertiesFile, name: &str, relation: &str) -> Node {
    let uid = format!("snapshot.{}.{name}", pf.project);
    let mut n = Node::new(ResourceType::Snapshot, &pf.project, name, uid);
    let file_name = pf
        .original_file_path
        .rsplit('/')
        .next()
        .unwrap_or(&pf.original_file_path);
    n.path = format!("{file_name}/{name}.sql");
    n.original_file_path = pf.original_file_path.clone();
    n.file = pf.file.clone();
    n.fqn = yaml_fqn(&pf.project, &pf.original_file_path, &[name]);
    n.raw_code = format!("select * from {{{{ {relation} }}}}");
    n.checksum = parser::sha256_hex(n.raw_code.as_bytes());
    n
}

/// Normalizations dbt applies when it validates a config.
fn finalize_config(n: &mut Node) {
    // `begin` is a datetime.
    if let Some(Value::String(b)) = n.config.get("begin") {
        let b = b.trim();
        let iso = if b.len() == 10 {
            format!("{b}T00:00:00")
        } else {
            b.replacen(' ', "T", 1)
        };
        n.set_config("begin", Value::String(iso));
    }
    if n.resource_type == ResourceType::Test {
        // `store_failures_as` and `store_failures` determine each other.
        match n
            .config
            .get("store_failures_as")
            .cloned()
            .unwrap_or(Value::Null)
        {
            Value::Null => {
                let as_ = match n.config.get("store_failures") {
                    Some(Value::Bool(true)) => json!("table"),
                    Some(Value::Bool(false)) => json!("ephemeral"),
                    _ => Value::Null,
                };
                n.set_config("store_failures_as", as_);
            }
            Value::String(a) => {
                n.set_config("store_failures", json!(a != "ephemeral"));
            }
            _ => {}
        }
    }
}

/// `pre-hook`/`post-hook` as dbt stores them: `{sql, transaction, index}` objects.
fn normalize_hooks(n: &mut Node) {
    for key in ["pre-hook", "post-hook"] {
        let Some(v) = n.config.get(key) else { continue };
        let items = match v {
            Value::Array(a) => a.clone(),
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        };
        let hooks: Vec<Value> = items
            .into_iter()
            .map(|h| match h {
                Value::Object(o) => json!({
                    "sql": o.get("sql").cloned().unwrap_or(Value::String(String::new())),
                    "transaction": o.get("transaction").cloned().unwrap_or(Value::Bool(true)),
                    "index": o.get("index").cloned().unwrap_or(Value::Null),
                }),
                Value::String(sql) => json!({"sql": sql, "transaction": true, "index": null}),
                other => json!({"sql": other.to_string(), "transaction": true, "index": null}),
            })
            .collect();
        n.set_config(key, Value::Array(hooks));
    }
}

/// dbt's datetime rendering of a YAML date or datetime (`2099-12-31T00:00:00+00:00`).
fn iso_datetime(s: &str) -> String {
    let s = s.trim();
    if s.len() == 10 {
        format!("{s}T00:00:00+00:00")
    } else {
        s.replace(' ', "T")
    }
}

/// The columns of one model version: `include`/`exclude` over the model's
/// columns, plus columns the version defines itself.
fn version_columns(
    base: &indexmap::IndexMap<String, Column>,
    spec: Option<&Value>,
) -> indexmap::IndexMap<String, Column> {
    let Some(Value::Array(items)) = spec else {
        return base.clone();
    };
    let mut include_all = true;
    let mut include: Option<Vec<String>> = None;
    let mut exclude: Vec<String> = Vec::new();
    let mut own: Vec<Value> = Vec::new();
    for it in items {
        if let Some(inc) = it.get("include") {
            match inc {
                Value::String(s) if s == "all" || s == "*" => include_all = true,
                Value::Array(a) => {
                    include_all = false;
                    include = Some(
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect(),
                    );
                }
                _ => {}
            }
            if let Some(Value::Array(ex)) = it.get("exclude") {
                exclude = ex
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect();
            }
        } else {
            own.push(it.clone());
        }
    }
    let mut out = indexmap::IndexMap::new();
    for (k, c) in base {
        let included = include_all || include.as_ref().is_some_and(|l| l.contains(k));
        if included && !exclude.contains(k) {
            out.insert(k.clone(), c.clone());
        }
    }
    for (k, c) in parser::columns_of(Some(&Value::Array(own))) {
        out.insert(k, c);
    }
    out
}

/// The model entry as seen by one version: its columns limited to the
/// version's, with the version's own tests added.
fn versioned_entry(entry: &Value, ver: &Value, columns: &BTreeSet<String>) -> Value {
    let mut e = entry.clone();
    if let Some(Value::Array(cols)) = e.get_mut("columns") {
        cols.retain(|c| {
            c.get("name")
                .and_then(|n| n.as_str())
                .is_some_and(|n| columns.contains(n))
        });
    }
    if let Some(Value::Array(vcols)) = ver.get("columns") {
        let own: Vec<Value> = vcols
            .iter()
            .filter(|c| c.get("include").is_none())
            .cloned()
            .collect();
        if let Some(Value::Array(cols)) = e.get_mut("columns") {
            cols.retain(|c| !own.iter().any(|o| o.get("name") == c.get("name")));
            cols.extend(own);
        }
    }
    for k in ["data_tests", "tests"] {
        if let Some(Value::Array(vt)) = ver.get(k) {
            let mut all = e
                .get(k)
                .and_then(|x| x.as_array())
                .cloned()
                .unwrap_or_default();
            all.extend(vt.iter().cloned());
            e[k] = Value::Array(all);
        }
    }
    e
}

fn add_cte(list: &mut Vec<(String, String)>, cte: (String, String)) {
    if let Some(existing) = list.iter_mut().find(|c| c.0 == cte.0) {
        existing.1 = cte.1;
    } else {
        list.push(cte);
    }
}

impl TestTarget {
    /// The target of tests declared on a model, seed, snapshot or analysis entry.
    fn node(pf: &PropertiesFile, name: &str, version: Option<String>) -> TestTarget {
        TestTarget {
            kind: TargetKind::Node,
            tags: Vec::new(),
            name: name.to_string(),
            version,
            package: pf.project.clone(),
            file: pf.file.clone(),
            original_file_path: pf.original_file_path.clone(),
        }
    }
}

enum TargetKind {
    Node,
    Source(String),
}

/// A properties entry whose generic tests are still to be built.
struct TestJob<'a> {
    /// Index of the properties file (its rendering environment).
    file: usize,
    target: TestTarget,
    entry: Cow<'a, Value>,
    key: &'static str,
}

impl<'a> TestJob<'a> {
    fn new(file: usize, target: TestTarget, entry: Cow<'a, Value>, key: &'static str) -> Self {
        TestJob {
            file,
            target,
            entry,
            key,
        }
    }
}

struct TestTarget {
    kind: TargetKind,
    name: String,
    /// Tags every test on this target gets (a source's and its table's).
    tags: Vec<String>,
    /// The model version the test applies to.
    version: Option<String>,
    package: String,
    file: String,
    original_file_path: String,
}

/// The `model` context variable: the node as dbt's manifest describes it.
fn model_json(n: &Node) -> Value {
    json!({
        "unique_id": n.unique_id,
        "name": n.name,
        "resource_type": n.resource_type.as_str(),
        "package_name": n.package_name,
        "path": n.path,
        "original_file_path": n.original_file_path,
        "fqn": n.fqn,
        "config": n.config,
        "tags": n.tags,
        "alias": n.alias,
        "schema": n.schema,
        "database": n.database,
        "description": n.description,
        "meta": n.meta,
        "raw_code": n.raw_code,
        "raw_sql": n.raw_code,
        "language": n.language,
        "version": n.version,
        "relation_name": n.relation_name,
        "depends_on": {"nodes": n.depends_on_nodes, "macros": n.depends_on_macros},
        "columns": n.columns.iter().map(|(k, c)| (k.clone(), json!({"name": c.name, "description": c.description, "data_type": c.data_type, "meta": c.meta}))).collect::<Map<String, Value>>(),
    })
}

/// Finds what `ref()` points at, with dbt's package search order.
struct RefLookup {
    by_name: BTreeMap<String, Vec<(String, String, Option<String>, bool)>>,
    root: String,
}

impl RefLookup {
    fn new(m: &Manifest, root: &str) -> RefLookup {
        RefLookup::of_nodes(&m.nodes, root)
    }

    fn of_nodes(nodes: &BTreeMap<String, Box<Node>>, root: &str) -> RefLookup {
        let mut by_name: BTreeMap<String, Vec<(String, String, Option<String>, bool)>> =
            BTreeMap::new();
        for n in nodes.values() {
            if is_refable(n.resource_type) {
                let v = n.version.as_ref().map(crate::parser::py_display);
                let latest = match (&n.version, &n.latest_version) {
                    (None, _) => true,
                    (Some(a), Some(b)) => {
                        crate::parser::py_display(a) == crate::parser::py_display(b)
                    }
                    (Some(_), None) => false,
                };
                by_name.entry(n.name.clone()).or_default().push((
                    n.package_name.clone(),
                    n.unique_id.clone(),
                    v,
                    latest,
                ));
            }
        }
        RefLookup {
            by_name,
            root: root.to_string(),
        }
    }

    fn find(
        &self,
        node_package: &str,
        package: Option<&str>,
        name: &str,
        version: Option<&str>,
    ) -> Option<String> {
        let candidates = self.by_name.get(name)?;
        let order: Vec<Option<&str>> = match package {
            Some(p) => vec![Some(p)],
            None if node_package == self.root => vec![Some(self.root.as_str()), None],
            None => vec![Some(self.root.as_str()), Some(node_package), None],
        };
        for pkg in order {
            for (p, uid, v, latest) in candidates {
                if pkg.is_some_and(|x| x != p) {
                    continue;
                }
                let ok = match version {
                    Some(want) => v.as_deref() == Some(want),
                    None => *latest,
                };
                if ok {
                    return Some(uid.clone());
                }
            }
        }
        None
    }
}

/// dbt's macros that name a node's relation.
const NAMING_MACROS: [&str; 3] = [
    "generate_schema_name",
    "generate_alias_name",
    "generate_database_name",
];

/// Whether `ref` can name a node of this type.
fn is_refable(rt: ResourceType) -> bool {
    matches!(
        rt,
        ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
    )
}

/// `ref`/`source` during the compile pass.
struct CompileResolver {
    lookup: Arc<RefLookup>,
    /// unique id -> (relation, alias)
    relations: BTreeMap<String, (Relation, String)>,
    sources: BTreeMap<(String, String), (Relation, String)>,
    /// The `graph` context variable, built on first use from `nodes`.
    graph: OnceLock<JValue>,
    nodes: std::sync::Mutex<Option<Arc<BTreeMap<String, Box<Node>>>>>,
    /// The sources, for `graph` (lent by the manifest while nodes render).
    source_tables: std::sync::Mutex<Option<Arc<BTreeMap<String, SourceTable>>>>,
}

impl CompileResolver {
    fn new(
        nodes: Arc<BTreeMap<String, Box<Node>>>,
        source_tables: Arc<BTreeMap<String, SourceTable>>,
        lookup: Arc<RefLookup>,
        relations: BTreeMap<String, (Relation, String)>,
        quote_char: char,
        default_quoting: Policy,
    ) -> CompileResolver {
        let mut sources = BTreeMap::new();
        for s in source_tables.values() {
            // `source()` quotes as the adapter does unless the source says
            // otherwise: dbt-core leaves the project's `quoting:` out here
            // (it does apply it to the manifest's `relation_name`).
            let pick = |key: &str, default: bool| {
                s.quoting
                    .get(key)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(default)
            };
            let policy = Policy {
                database: pick("database", default_quoting.database),
                schema: pick("schema", default_quoting.schema),
                identifier: pick("identifier", default_quoting.identifier),
            };
            let r = Relation::new(
                s.database.clone(),
                Some(s.schema.clone()),
                Some(s.identifier.clone()),
                policy,
                quote_char,
            );
            sources.insert(
                (s.source_name.clone(), s.name.clone()),
                (r, s.unique_id.clone()),
            );
        }
        CompileResolver {
            lookup,
            relations,
            sources,
            graph: OnceLock::new(),
            nodes: std::sync::Mutex::new(Some(nodes)),
            source_tables: std::sync::Mutex::new(Some(source_tables)),
        }
    }

    /// The `graph` variable; its nodes empty if asked for first after the
    /// nodes were released. Each entry goes from JSON to a Jinja value on
    /// its own, so no JSON tree of the whole graph is held.
    fn build_graph(&self) -> JValue {
        let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let to_value = |v: &Value| JValue::from(minijinja::value::Serde(v));
        let node_map: indexmap::IndexMap<JValue, JValue> = nodes
            .iter()
            .flat_map(|ns| ns.values())
            .map(|n| {
                (
                    JValue::from(n.unique_id.as_str()),
                    to_value(&crate::manifest::graph_node_json(n)),
                )
            })
            .collect();
        let empty = || JValue::from(indexmap::IndexMap::<JValue, JValue>::new());
        let mut graph = indexmap::IndexMap::new();
        graph.insert(JValue::from("nodes"), JValue::from_object(node_map));
        graph.insert(
            JValue::from("sources"),
            JValue::from_object(self.graph_sources()),
        );
        for key in &crate::jinja::context::GRAPH_SECTIONS[2..] {
            graph.insert(JValue::from(*key), empty());
        }
        JValue::from_object(graph)
    }

    /// The `model` variable of node `id`: its `graph` entry, made on its
    /// own unless the graph is already built (most renders that read
    /// `model` never read `graph`).
    fn model(&self, id: &str) -> JValue {
        if self.graph.get().is_none() {
            let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if let Some(n) = nodes.as_ref().and_then(|ns| ns.get(id)) {
                return JValue::from(minijinja::value::Serde(&crate::manifest::graph_node_json(
                    n,
                )));
            }
        }
        self.graph()
            .get_attr("nodes")
            .and_then(|x| x.get_item(&JValue::from(id)))
            .unwrap_or_default()
    }

    /// Sources as `graph` lists them: their manifest entries, with the
    /// field dbt-core's parsed source carries there too.
    fn graph_sources(&self) -> indexmap::IndexMap<JValue, JValue> {
        let tables = self
            .source_tables
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        tables
            .iter()
            .flat_map(|ts| ts.values())
            .map(|s| {
                let mut entry = crate::manifest::source_json(s);
                if let Some(o) = entry.as_object_mut() {
                    o.insert("_event_status".into(), json!({}));
                }
                (
                    JValue::from(s.unique_id.as_str()),
                    JValue::from(minijinja::value::Serde(&entry)),
                )
            })
            .collect()
    }

    /// Gives up the resolver's share of the nodes and sources.
    fn release_nodes(&self) {
        self.nodes.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.source_tables
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }
}

impl Resolver for CompileResolver {
    fn resolve_ref(
        &self,
        from_package: &str,
        package: Option<&str>,
        name: &str,
        version: Option<&str>,
    ) -> Result<(Relation, String), String> {
        let uid = self
            .lookup
            .find(from_package, package, name, version)
            .ok_or_else(|| format!("depends on a node named '{name}' which was not found"))?;
        let (rel, _) = self
            .relations
            .get(&uid)
            .ok_or_else(|| format!("node '{uid}' has no relation"))?;
        Ok((rel.clone(), uid))
    }

    fn resolve_source(&self, source: &str, table: &str) -> Result<(Relation, String), String> {
        self.sources
            .get(&(source.to_string(), table.to_string()))
            .cloned()
            .ok_or_else(|| {
                format!("depends on a source named '{source}.{table}' which was not found")
            })
    }

    fn graph(&self) -> JValue {
        self.graph.get_or_init(|| self.build_graph()).clone()
    }
}
