//! The parsed project: nodes, sources, macros, docs and exposures as plain data.

use crate::jinja::context::RefCall;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// dbt's resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    Model,
    Seed,
    Snapshot,
    Test,
    UnitTest,
    Analysis,
    Operation,
    Source,
    Exposure,
    Macro,
    Doc,
    Group,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Model => "model",
            ResourceType::Seed => "seed",
            ResourceType::Snapshot => "snapshot",
            ResourceType::Test => "test",
            ResourceType::UnitTest => "unit_test",
            ResourceType::Analysis => "analysis",
            ResourceType::Operation => "operation",
            ResourceType::Source => "source",
            ResourceType::Exposure => "exposure",
            ResourceType::Macro => "macro",
            ResourceType::Doc => "doc",
            ResourceType::Group => "group",
        }
    }

    /// The key under which `dbt_project.yml` configures this type.
    pub fn project_key(self) -> &'static str {
        match self {
            ResourceType::Model => "models",
            ResourceType::Seed => "seeds",
            ResourceType::Snapshot => "snapshots",
            ResourceType::Test => "data_tests",
            ResourceType::UnitTest => "unit_tests",
            ResourceType::Analysis => "analyses",
            ResourceType::Source => "sources",
            ResourceType::Exposure => "exposures",
            _ => "",
        }
    }
}

/// A column as documented in properties YAML.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Column {
    pub name: String,
    pub description: String,
    pub meta: Map<String, Value>,
    pub data_type: Option<String>,
    pub constraints: Vec<Value>,
    pub quote: Option<bool>,
    pub config: Map<String, Value>,
    pub tags: Vec<String>,
    pub granularity: Option<String>,
    pub doc_blocks: Vec<String>,
}

/// What a generic test was built from.
#[derive(Debug, Clone, Serialize)]
pub struct TestMetadata {
    pub name: String,
    pub kwargs: Map<String, Value>,
    pub namespace: Option<String>,
}

/// A compilable node: model, seed, snapshot, test, analysis, hook.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub unique_id: String,
    pub resource_type: ResourceType,
    pub package_name: String,
    pub name: String,
    /// Path relative to the resource directory (`staging/stg_orders.sql`).
    pub path: String,
    /// Path relative to the package root (`models/staging/stg_orders.sql`).
    pub original_file_path: String,
    /// Path relative to the project input root (differs for packages).
    pub file: String,
    pub fqn: Vec<String>,
    pub raw_code: String,
    pub language: String,
    /// Offset of `raw_code` in `file` (for block snapshots).
    pub raw_offset: usize,
    pub config: std::sync::Arc<Map<String, Value>>,
    pub unrendered_config: Map<String, Value>,
    pub tags: Vec<String>,
    /// Tags a node starts with before its config adds any (generic tests).
    pub initial_tags: Vec<String>,
    pub description: String,
    pub columns: indexmap::IndexMap<String, Column>,
    pub meta: Map<String, Value>,
    pub database: Option<String>,
    pub schema: String,
    pub alias: String,
    pub relation_name: Option<String>,
    pub refs: Vec<RefCall>,
    pub sources: Vec<(String, String)>,
    pub depends_on_nodes: Vec<String>,
    pub depends_on_macros: Vec<String>,
    pub compiled_code: Option<String>,
    pub version: Option<Value>,
    pub latest_version: Option<Value>,
    pub deprecation_date: Option<String>,
    pub test_metadata: Option<TestMetadata>,
    pub column_name: Option<String>,
    pub attached_node: Option<String>,
    /// The model a generic test is attached to, as a ref.
    pub attached_ref: Option<RefCall>,
    /// The source table a generic test is attached to.
    pub attached_source: Option<(String, String)>,
    pub file_key_name: Option<String>,
    pub patch_path: Option<String>,
    pub checksum: String,
    /// The checksum is that of `raw_code` and not taken yet. It is taken
    /// once the parsed project has been handed over (see `compile_staged`),
    /// whose heads need none: in the browser, hashing 5,000 models' SQL was
    /// about 0.05 s before the project could be shown. A manifest written of
    /// the parsed project takes it then.
    pub checksum_pending: bool,
    pub access: Option<String>,
    pub group: Option<String>,
    pub constraints: Vec<Value>,
    /// ctes injected from ephemeral models, in order.
    pub extra_ctes: Vec<(String, String)>,
    pub has_error: bool,
    pub doc_blocks: Vec<String>,
    /// Position of a hook among its project's hooks.
    pub index: Option<usize>,
    /// `on-run-start` / `on-run-end` for hooks: a tag that is not a config.
    pub hook_tag: Option<String>,
}

impl Node {
    /// The config to change; nodes that share one get their own copy first.
    pub fn config_mut(&mut self) -> &mut Map<String, Value> {
        std::sync::Arc::make_mut(&mut self.config)
    }

    /// Merges `update` into the config as dbt merges config layers; an
    /// empty one leaves a shared config shared.
    pub fn merge_config(&mut self, update: &Map<String, Value>) {
        if !update.is_empty() {
            crate::config::merge_into(self.config_mut(), update);
        }
    }

    /// Sets one config key, unless it already has that value.
    pub fn set_config(&mut self, key: &str, value: Value) {
        if self.config.get(key) != Some(&value) {
            self.config_mut().insert(key.to_string(), value);
        }
    }

    pub fn new(resource_type: ResourceType, package: &str, name: &str, unique_id: String) -> Node {
        Node {
            unique_id,
            resource_type,
            package_name: package.into(),
            name: name.into(),
            path: String::new(),
            original_file_path: String::new(),
            file: String::new(),
            fqn: Vec::new(),
            raw_code: String::new(),
            language: "sql".into(),
            raw_offset: 0,
            config: Default::default(),
            unrendered_config: Map::new(),
            tags: Vec::new(),
            initial_tags: Vec::new(),
            description: String::new(),
            columns: Default::default(),
            meta: Map::new(),
            database: None,
            schema: String::new(),
            alias: String::new(),
            relation_name: None,
            refs: Vec::new(),
            sources: Vec::new(),
            depends_on_nodes: Vec::new(),
            depends_on_macros: Vec::new(),
            compiled_code: None,
            version: None,
            latest_version: None,
            deprecation_date: None,
            test_metadata: None,
            column_name: None,
            attached_node: None,
            attached_ref: None,
            attached_source: None,
            file_key_name: None,
            patch_path: None,
            checksum: String::new(),
            checksum_pending: false,
            access: None,
            group: None,
            constraints: Vec::new(),
            extra_ctes: Vec::new(),
            has_error: false,
            doc_blocks: Vec::new(),
            index: None,
            hook_tag: None,
        }
    }

    pub fn materialized(&self) -> &str {
        self.config
            .get("materialized")
            .and_then(|v| v.as_str())
            .unwrap_or("view")
    }

    pub fn is_ephemeral(&self) -> bool {
        self.resource_type == ResourceType::Model && self.materialized() == "ephemeral"
    }

    pub fn enabled(&self) -> bool {
        self.config
            .get("enabled")
            .and_then(|v| v.as_bool())
            .unwrap_or(true)
    }
}

/// A source table from properties YAML.
#[derive(Debug, Clone, Serialize)]
pub struct SourceTable {
    pub unique_id: String,
    pub package_name: String,
    pub source_name: String,
    pub name: String,
    pub identifier: String,
    pub database: Option<String>,
    pub schema: String,
    pub relation_name: String,
    pub fqn: Vec<String>,
    pub path: String,
    pub original_file_path: String,
    pub description: String,
    pub source_description: String,
    pub columns: indexmap::IndexMap<String, Column>,
    pub meta: Map<String, Value>,
    pub source_meta: Map<String, Value>,
    pub tags: Vec<String>,
    pub config: Map<String, Value>,
    pub unrendered_config: Map<String, Value>,
    pub loader: String,
    pub loaded_at_field: Option<String>,
    pub freshness: Option<Value>,
    pub quoting: Map<String, Value>,
    pub external: Option<Value>,
}

/// A `{% docs %}` block.
#[derive(Debug, Clone, Serialize)]
pub struct DocBlock {
    pub unique_id: String,
    pub package_name: String,
    pub name: String,
    pub path: String,
    pub original_file_path: String,
    pub block_contents: String,
}

/// An exposure from properties YAML.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    pub unique_id: String,
    pub package_name: String,
    pub name: String,
    pub path: String,
    pub original_file_path: String,
    pub file: String,
    pub fqn: Vec<String>,
    pub raw: Map<String, Value>,
    pub depends_on_nodes: Vec<String>,
    pub refs: Vec<RefCall>,
    pub sources: Vec<(String, String)>,
}

/// A unit test from properties YAML.
#[derive(Debug, Clone, Serialize)]
pub struct UnitTest {
    pub unique_id: String,
    pub package_name: String,
    pub name: String,
    pub model: String,
    pub path: String,
    pub original_file_path: String,
    pub file: String,
    pub fqn: Vec<String>,
    pub description: String,
    pub given: Vec<Value>,
    pub expect: Value,
    pub overrides: Value,
    pub config: Map<String, Value>,
    pub version: Option<Value>,
    pub versions: Value,
    pub schema: String,
    pub depends_on_nodes: Vec<String>,
    /// The SQL `dbt test` runs, when the inputs' column types are known.
    pub compiled_code: Option<String>,
}

impl UnitTest {
    /// The name dbt gives the test it runs: versioned models' get `_v<version>`.
    pub fn test_name(&self) -> String {
        match &self.version {
            Some(v) => format!("{}_v{}", self.name, crate::parser::py_display(v)),
            None => self.name.clone(),
        }
    }
}

/// A group from properties YAML.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub unique_id: String,
    pub package_name: String,
    pub name: String,
    pub path: String,
    pub original_file_path: String,
    pub raw: Map<String, Value>,
}

/// The whole parsed and compiled project.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Manifest {
    pub project_name: String,
    pub adapter_type: String,
    pub nodes: BTreeMap<String, Box<Node>>,
    pub sources: BTreeMap<String, SourceTable>,
    pub docs: BTreeMap<String, DocBlock>,
    pub exposures: BTreeMap<String, Exposure>,
    pub groups: BTreeMap<String, Group>,
    pub unit_tests: BTreeMap<String, UnitTest>,
    /// The semantic layer, as manifest JSON by unique id.
    pub semantic_models: Map<String, Value>,
    pub metrics: Map<String, Value>,
    pub saved_queries: Map<String, Value>,
    /// Semantic resources' parents: (unique id, parents).
    pub semantic_dependencies: Vec<(String, Vec<String>)>,
    /// Disabled resources as dbt lists them (`uid -> [resource]`).
    pub disabled_json: Map<String, Value>,
    /// Disabled nodes, kept so that refs to them give a clear error.
    pub disabled: BTreeMap<String, Box<Node>>,
}
