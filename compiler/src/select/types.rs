//! Plain-data inputs of node selection: the nodes, the dependency graph, the
//! macros and the optional previous state that `state:` and `result:` compare
//! against.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The kind of a graph member, spelled as dbt's `NodeType` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    Model,
    Analysis,
    Test,
    Snapshot,
    Operation,
    Seed,
    #[serde(rename = "rpc")]
    RpcCall,
    SqlOperation,
    #[serde(rename = "doc")]
    Documentation,
    Source,
    Macro,
    Exposure,
    Metric,
    Group,
    SavedQuery,
    SemanticModel,
    UnitTest,
    Fixture,
    Function,
}

impl ResourceType {
    /// Every resource type, in dbt's declaration order.
    pub const ALL: [ResourceType; 19] = [
        ResourceType::Model,
        ResourceType::Analysis,
        ResourceType::Test,
        ResourceType::Snapshot,
        ResourceType::Operation,
        ResourceType::Seed,
        ResourceType::RpcCall,
        ResourceType::SqlOperation,
        ResourceType::Documentation,
        ResourceType::Source,
        ResourceType::Macro,
        ResourceType::Exposure,
        ResourceType::Metric,
        ResourceType::Group,
        ResourceType::SavedQuery,
        ResourceType::SemanticModel,
        ResourceType::UnitTest,
        ResourceType::Fixture,
        ResourceType::Function,
    ];

    /// The `NodeType` string value (`"unit_test"`, `"saved_query"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Model => "model",
            ResourceType::Analysis => "analysis",
            ResourceType::Test => "test",
            ResourceType::Snapshot => "snapshot",
            ResourceType::Operation => "operation",
            ResourceType::Seed => "seed",
            ResourceType::RpcCall => "rpc",
            ResourceType::SqlOperation => "sql_operation",
            ResourceType::Documentation => "doc",
            ResourceType::Source => "source",
            ResourceType::Macro => "macro",
            ResourceType::Exposure => "exposure",
            ResourceType::Metric => "metric",
            ResourceType::Group => "group",
            ResourceType::SavedQuery => "saved_query",
            ResourceType::SemanticModel => "semantic_model",
            ResourceType::UnitTest => "unit_test",
            ResourceType::Fixture => "fixture",
            ResourceType::Function => "function",
        }
    }

    /// Parses a `NodeType` value exactly (case-sensitive, as `NodeType(value)`).
    pub fn parse(value: &str) -> Option<ResourceType> {
        ResourceType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == value)
    }

    /// Nodes stored in the manifest's `nodes` table (as opposed to sources,
    /// exposures, metrics, unit tests, functions and semantic-layer objects).
    pub fn is_manifest_node(self) -> bool {
        matches!(
            self,
            ResourceType::Model
                | ResourceType::Analysis
                | ResourceType::Test
                | ResourceType::Snapshot
                | ResourceType::Operation
                | ResourceType::Seed
                | ResourceType::RpcCall
                | ResourceType::SqlOperation
        )
    }

    /// Types that are never members of the selection graph.
    pub fn is_graph_member_type(self) -> bool {
        !matches!(
            self,
            ResourceType::Macro
                | ResourceType::Documentation
                | ResourceType::Group
                | ResourceType::Fixture
        )
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The flavour of a data test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestType {
    /// A generic (schema) test: has `test_metadata`.
    Generic,
    /// A singular (data) test: a SQL file under `tests/`.
    Singular,
    /// A unit test definition.
    Unit,
}

/// One documented column, as far as state comparison needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SelectColumn {
    pub name: String,
    pub description: String,
    pub data_type: Option<String>,
    /// The column's constraints, in manifest form.
    pub constraints: Vec<Value>,
}

/// A model contract, as far as state comparison needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SelectContract {
    pub enforced: bool,
    /// dbt's contract checksum (set only when enforced).
    pub checksum: Option<String>,
}

/// One graph member (model, seed, test, source, exposure, ...).
///
/// Only `unique_id`, `name`, `resource_type`, `package_name` and `fqn` are
/// needed for most selectors; the remaining fields feed specific methods and
/// the `state:` comparisons, and default to empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SelectNode {
    pub unique_id: String,
    pub name: String,
    pub resource_type: ResourceType,
    pub package_name: String,
    pub fqn: Vec<String>,
    /// File path relative to the project root, forward slashes.
    pub original_file_path: String,
    pub path: String,
    /// The YAML file that patched this node, as `package://path/to/file.yml`.
    pub patch_path: Option<String>,
    pub tags: Vec<String>,
    /// The resolved config object (as in `manifest.json`).
    pub config: Value,
    /// The config as written, before rendering (`unrendered_config`).
    pub unrendered_config: Value,
    /// For data tests and unit tests.
    pub test_type: Option<TestType>,
    /// `test_metadata.name` of a generic test (`unique`, `not_null`, ...).
    pub test_name: Option<String>,
    /// For sources: the source's name (the node `name` is the table).
    pub source_name: Option<String>,
    /// Model version (for unit tests: the tested version), as a string.
    pub version: Option<String>,
    pub latest_version: Option<String>,
    /// Model access (`private`, `protected`, `public`).
    pub access: Option<String>,
    /// The node's group; falls back to `config.group` when absent.
    pub group: Option<String>,
    /// For generic tests: the node the test is attached to.
    pub attached_node: Option<String>,
    /// For unit tests: the tested model.
    pub tested_node: Option<String>,
    /// The relation alias, printed by `dbt ls --output json`.
    pub alias: Option<String>,
    /// Upstream nodes in dependency order (mirrors `depends_on.nodes`).
    pub depends_on_nodes: Vec<String>,
    /// Macros this node calls (`depends_on.macros`).
    pub depends_on_macros: Vec<String>,
    /// File checksum; the body comparison for seeds, the content comparison
    /// for unit tests.
    pub checksum: String,
    /// The raw SQL/Python code (`raw_code`); also decides whether a node is
    /// "empty".
    pub raw_code: String,
    pub description: String,
    pub columns: BTreeMap<String, SelectColumn>,
    pub contract: SelectContract,
    /// Model-level constraints.
    pub constraints: Vec<Value>,
    pub deprecation_date: Option<String>,
    /// Relation parts compared by `state:modified.relation` for sources.
    pub database: Option<String>,
    pub schema: Option<String>,
    pub identifier: Option<String>,
    /// Further type-specific content compared by `state:modified`: for
    /// sources `quoting`, `freshness`, `loaded_at_field`, `external`; for
    /// exposures `type`, `owner`, `maturity`, `url`, `label`; for metrics
    /// `type`, `label`; for semantic models `model`, `defaults`, `entities`,
    /// `dimensions`, `measures`, `primary_entity`; for saved queries
    /// `query_params`, `label`, `exports`; for functions `arguments`,
    /// `returns`. Missing keys compare as null.
    pub state_facets: BTreeMap<String, Value>,
    /// The node as serialized in `manifest.json`; when present, `dbt ls
    /// --output json` prints from it (keeping its key order).
    pub manifest: Option<Value>,
}

impl Default for SelectNode {
    fn default() -> Self {
        SelectNode {
            unique_id: String::new(),
            name: String::new(),
            resource_type: ResourceType::Model,
            package_name: String::new(),
            fqn: Vec::new(),
            original_file_path: String::new(),
            path: String::new(),
            patch_path: None,
            tags: Vec::new(),
            config: Value::Object(Default::default()),
            unrendered_config: Value::Object(Default::default()),
            test_type: None,
            test_name: None,
            source_name: None,
            version: None,
            latest_version: None,
            access: None,
            group: None,
            attached_node: None,
            tested_node: None,
            alias: None,
            depends_on_nodes: Vec::new(),
            depends_on_macros: Vec::new(),
            checksum: String::new(),
            raw_code: String::new(),
            description: String::new(),
            columns: BTreeMap::new(),
            contract: SelectContract::default(),
            constraints: Vec::new(),
            deprecation_date: None,
            database: None,
            schema: None,
            identifier: None,
            state_facets: BTreeMap::new(),
            manifest: None,
        }
    }
}

impl SelectNode {
    /// A versioned model (`resource_type == model` with a version).
    pub fn is_versioned(&self) -> bool {
        self.resource_type == ResourceType::Model && self.version.is_some()
    }

    /// `config.enabled`, defaulting to true.
    pub fn enabled(&self) -> bool {
        !matches!(self.config.get("enabled"), Some(Value::Bool(false)))
    }

    /// The group used by `group:` (the `group` field, else `config.group`).
    pub fn group_name(&self) -> Option<&str> {
        match &self.group {
            Some(g) => Some(g.as_str()),
            None => self.config.get("group").and_then(Value::as_str),
        }
    }

    /// dbt's `search_name`: `name.vN` for versioned models,
    /// `source_name.name` for sources, else `name`.
    pub fn search_name(&self) -> String {
        match self.resource_type {
            ResourceType::Model => match &self.version {
                Some(v) => format!("{}.v{}", self.name, v),
                None => self.name.clone(),
            },
            ResourceType::Source => {
                format!(
                    "{}.{}",
                    self.source_name.as_deref().unwrap_or(""),
                    self.name
                )
            }
            _ => self.name.clone(),
        }
    }

    /// True for nodes with no code (`dbt run` skips them unless asked).
    /// Only nodes of the manifest's `nodes` table can be empty; seeds never are.
    pub fn is_empty_node(&self) -> bool {
        self.resource_type.is_manifest_node()
            && self.resource_type != ResourceType::Seed
            && self.raw_code.trim().is_empty()
    }
}

/// A macro, for `state:modified.macros`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SelectMacro {
    pub unique_id: String,
    /// The macro's source (`macro_sql`); two versions differ when it differs.
    pub macro_sql: String,
    pub depends_on_macros: Vec<String>,
}

/// The selection graph: members keyed by unique id, and parent -> children
/// edges.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SelectGraph {
    pub nodes: BTreeMap<String, SelectNode>,
    /// parent unique id -> unique ids that depend on it.
    pub edges: BTreeMap<String, BTreeSet<String>>,
    pub macros: BTreeMap<String, SelectMacro>,
    /// The root project's name (`package:this`).
    pub project_name: Option<String>,
    /// Files of the root project (relative, forward slashes), when known.
    /// `path:` globs are resolved against the root project's directory, so a
    /// path only matches if it exists there; without this list, the files of
    /// the root project's nodes (and their directories) are what exists.
    pub project_files: Option<BTreeSet<String>>,
    /// Nodes that exist but are disabled (unique id -> node), used to report
    /// removed contracted models.
    pub disabled: BTreeMap<String, SelectNode>,
}

impl SelectGraph {
    /// Builds a graph from nodes, taking edges from each node's
    /// `depends_on_nodes` (dependencies on unknown ids are ignored).
    pub fn from_nodes(nodes: impl IntoIterator<Item = SelectNode>) -> SelectGraph {
        let mut graph = SelectGraph::default();
        for node in nodes {
            graph.nodes.insert(node.unique_id.clone(), node);
        }
        graph.rebuild_edges();
        graph
    }

    /// Recomputes `edges` from the nodes' `depends_on_nodes`.
    pub fn rebuild_edges(&mut self) {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for node in self.nodes.values() {
            for parent in &node.depends_on_nodes {
                if self.nodes.contains_key(parent) {
                    edges
                        .entry(parent.clone())
                        .or_default()
                        .insert(node.unique_id.clone());
                }
            }
        }
        self.edges = edges;
    }

    /// Adds one node and its dependency edges.
    pub fn insert(&mut self, node: SelectNode) {
        for parent in &node.depends_on_nodes {
            self.edges
                .entry(parent.clone())
                .or_default()
                .insert(node.unique_id.clone());
        }
        self.nodes.insert(node.unique_id.clone(), node);
    }
}

/// Freshness outcome of one source, for `source_status:`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceFreshness {
    /// `max_loaded_at` as an ISO-8601 timestamp; `None` for a runtime error.
    pub max_loaded_at: Option<String>,
}

/// The comparison state (`--state`): a previous graph, and optionally the
/// previous run results and source freshness results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreviousState {
    pub graph: Option<SelectGraph>,
    /// unique id -> status from `run_results.json` (`success`, `error`, ...).
    pub results: Option<BTreeMap<String, String>>,
    /// unique id -> freshness from the previous `sources.json`.
    pub sources: Option<BTreeMap<String, SourceFreshness>>,
    /// unique id -> freshness from the current `sources.json`.
    pub sources_current: Option<BTreeMap<String, SourceFreshness>>,
}
