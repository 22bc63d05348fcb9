//! dbt's semantic layer resources from properties YAML: `semantic_models:`, `metrics:` and `saved_queries:`.
//!
//! The module is sans-IO and works in two phases, as dbt-core 1.11 does:
//!
//! 1. **Parse** ([`SemanticLayer::add_semantic_model`], [`SemanticLayer::add_metric`],
//!    [`SemanticLayer::add_saved_query`], or [`SemanticLayer::add_properties`] for a whole
//!    properties document). Each entry is validated against dbt's schema (unknown keys, wrong
//!    types and invalid enum values are errors), its config is resolved (`dbt_project.yml`
//!    levels, supplied through [`ProjectConfigs`], then the entry's `config:`), and the
//!    resource is stored. Measures with `create_metric: true` produce their metric here.
//! 2. **Resolve** ([`SemanticLayer::resolve`]), once every properties file is parsed and the
//!    models have their final relation names: a semantic model's `ref()` becomes its
//!    `depends_on` and `node_relation`; a metric gets its `input_measures` and depends on the
//!    semantic models defining its measures (simple, cumulative, conversion) or on its input
//!    metrics (ratio, derived); a saved query depends on its metrics and its exports get their
//!    database, schema and alias.
//!
//! The results are plain data; `to_json` on each type writes exactly the object dbt-core
//! writes in `manifest.json` v12. Problems are [`Diagnostic`]s; a bad entry is skipped and the
//! others still parse.

use crate::diagnostics::Diagnostic;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// The three semantic layer resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticKind {
    SemanticModel,
    Metric,
    SavedQuery,
}

impl SemanticKind {
    /// `resource_type` as dbt writes it (and the unique id prefix).
    pub fn resource_type(self) -> &'static str {
        match self {
            SemanticKind::SemanticModel => "semantic_model",
            SemanticKind::Metric => "metric",
            SemanticKind::SavedQuery => "saved_query",
        }
    }

    /// The key of a properties file that lists this type.
    pub fn yaml_key(self) -> &'static str {
        match self {
            SemanticKind::SemanticModel => "semantic_models",
            SemanticKind::Metric => "metrics",
            SemanticKind::SavedQuery => "saved_queries",
        }
    }

    /// The key under which `dbt_project.yml` configures this type.
    pub fn project_key(self) -> &'static str {
        match self {
            SemanticKind::SemanticModel => "semantic-models",
            SemanticKind::Metric => "metrics",
            SemanticKind::SavedQuery => "saved-queries",
        }
    }

    fn title(self) -> &'static str {
        match self {
            SemanticKind::SemanticModel => "semantic model",
            SemanticKind::Metric => "metric",
            SemanticKind::SavedQuery => "saved query",
        }
    }
}

/// The properties file an entry comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFile {
    /// The package (project name) that owns the file.
    pub package_name: String,
    /// Path relative to the package root: `models/semantic/semantic.yml`.
    pub original_file_path: String,
    /// Path relative to the resource directory: `semantic/semantic.yml`. The fqn is built
    /// from its directories.
    pub path: String,
    /// The path diagnostics point at (relative to the project input root; differs from
    /// `original_file_path` for packages).
    pub file: String,
}

impl SourceFile {
    /// A file whose resource directory is the first component of `original_file_path`
    /// (`models/x/y.yml` -> `x/y.yml`). Diagnostics point at `original_file_path`.
    pub fn new(package_name: &str, original_file_path: &str) -> SourceFile {
        let path = original_file_path
            .split_once('/')
            .map(|x| x.1)
            .unwrap_or(original_file_path);
        SourceFile {
            package_name: package_name.to_string(),
            original_file_path: original_file_path.to_string(),
            path: path.to_string(),
            file: original_file_path.to_string(),
        }
    }

    /// Sets `path` from a resource directory (`src/models` for `src/models/a/b.yml`).
    pub fn with_resource_dir(mut self, dir: &str) -> SourceFile {
        let dir = dir.trim_end_matches('/');
        if let Some(rest) = self
            .original_file_path
            .strip_prefix(dir)
            .and_then(|r| r.strip_prefix('/'))
        {
            self.path = rest.to_string();
        }
        self
    }

    /// Sets the path diagnostics point at.
    pub fn with_file(mut self, file: &str) -> SourceFile {
        self.file = file.to_string();
        self
    }

    /// dbt's fqn: `[package, directories of path..., name]`.
    pub fn fqn(&self, name: &str) -> Vec<String> {
        let mut fqn = vec![self.package_name.clone()];
        let parts: Vec<&str> = self.path.split('/').filter(|p| !p.is_empty()).collect();
        if let Some((_, dirs)) = parts.split_last() {
            fqn.extend(dirs.iter().map(|d| d.to_string()));
        }
        fqn.push(name.to_string());
        fqn
    }
}

/// Configs from a project's `dbt_project.yml` (`metrics:`, `semantic-models:`,
/// `saved-queries:`) for a resource at an fqn.
///
/// `project` is the project whose `dbt_project.yml` is asked: the resource's own package
/// (applied before the entry's `config:`) and, for resources of other packages, the root
/// project (applied after it, as dbt does). Return the keys of every level that matches
/// the fqn (`+` stripped), later levels merged over earlier ones.
pub trait ProjectConfigs {
    /// Rendered values; `meta` of later levels updates earlier ones, other keys replace.
    fn config(&self, kind: SemanticKind, project: &str, fqn: &[String]) -> Map<String, Value>;

    /// Values as written (before Jinja), later levels replacing whole keys. Only metrics
    /// use it: dbt-core looks for unrendered semantic model and saved query configs under
    /// keys `dbt_project.yml` never has, so theirs come from the entry alone.
    fn unrendered_config(
        &self,
        kind: SemanticKind,
        project: &str,
        fqn: &[String],
    ) -> Map<String, Value> {
        self.config(kind, project, fqn)
    }
}

/// No project-level configs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProjectConfigs;

impl ProjectConfigs for NoProjectConfigs {
    fn config(&self, _: SemanticKind, _: &str, _: &[String]) -> Map<String, Value> {
        Map::new()
    }
}

impl<F> ProjectConfigs for F
where
    F: Fn(SemanticKind, &str, &[String]) -> Map<String, Value>,
{
    fn config(&self, kind: SemanticKind, package: &str, fqn: &[String]) -> Map<String, Value> {
        self(kind, package, fqn)
    }
}

/// The arguments of a `ref()` call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefArgs {
    pub name: String,
    pub package: Option<String>,
    /// The version literal as written (`v=2` is the number 2, `v='2'` the string).
    pub version: Option<Value>,
}

impl RefArgs {
    /// The version as dbt compares it (`2`, `1.5`, `"beta"` -> `2`, `1.5`, `beta`).
    pub fn version_str(&self) -> Option<String> {
        self.version.as_ref().map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// `{"name", "package", "version"}` as in a manifest's `refs`.
    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "package": self.package, "version": self.version})
    }
}

/// What a `ref()` resolves to: the model's unique id and its final relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelRelation {
    pub unique_id: String,
    pub database: Option<String>,
    pub schema: String,
    pub alias: String,
    pub relation_name: Option<String>,
}

/// An export's names as the `generate_{database,schema,alias}_name` macros return them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportNames {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub alias: Option<String>,
}

impl ExportNames {
    /// dbt's built-in naming macros: the custom database or the target's, always the
    /// target schema (dbt passes no custom schema for exports), the custom alias or the
    /// export's name.
    pub fn builtin(
        target_database: Option<&str>,
        target_schema: &str,
        export_name: &str,
        custom_database: Option<&str>,
        custom_alias: Option<&str>,
    ) -> ExportNames {
        ExportNames {
            database: custom_database
                .filter(|d| !d.is_empty())
                .map(|d| d.trim().to_string())
                .or_else(|| target_database.map(str::to_string)),
            schema: Some(target_schema.to_string()),
            alias: Some(
                custom_alias
                    .filter(|a| !a.trim().is_empty())
                    .map(|a| a.trim().to_string())
                    .unwrap_or_else(|| export_name.to_string()),
            ),
        }
    }
}

/// What [`SemanticLayer::resolve`] asks of the project.
pub trait Resolver {
    /// Resolves `ref()` from a resource of `node_package` with dbt's package search order
    /// and versions; `None` when no enabled model, seed or snapshot matches.
    fn resolve_ref(&self, node_package: &str, r: &RefArgs) -> Option<ModelRelation>;

    /// Names an export of a saved query in `package` the way dbt does: it calls
    /// `generate_database_name(custom_database)`, `generate_schema_name(None)` and
    /// `generate_alias_name(custom_alias)` with the export as the node.
    fn export_names(
        &self,
        package: &str,
        export_name: &str,
        custom_database: Option<&str>,
        custom_alias: Option<&str>,
    ) -> ExportNames;
}

/// A [`Resolver`] from a ref closure and the target, naming exports with dbt's built-in macros.
pub struct BuiltinResolver<F> {
    pub target_database: Option<String>,
    pub target_schema: String,
    pub refs: F,
}

impl<F> Resolver for BuiltinResolver<F>
where
    F: Fn(&str, &RefArgs) -> Option<ModelRelation>,
{
    fn resolve_ref(&self, node_package: &str, r: &RefArgs) -> Option<ModelRelation> {
        (self.refs)(node_package, r)
    }

    fn export_names(
        &self,
        _package: &str,
        export_name: &str,
        custom_database: Option<&str>,
        custom_alias: Option<&str>,
    ) -> ExportNames {
        ExportNames::builtin(
            self.target_database.as_deref(),
            &self.target_schema,
            export_name,
            custom_database,
            custom_alias,
        )
    }
}

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

/// A `where` filter: one or more SQL templates (`{{ Dimension('x__y') }} = 1`), kept unrendered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhereFilter {
    pub where_sql_templates: Vec<String>,
}

impl WhereFilter {
    pub fn to_json(&self) -> Value {
        json!({
            "where_filters": self
                .where_sql_templates
                .iter()
                .map(|t| json!({"where_sql_template": t}))
                .collect::<Vec<_>>()
        })
    }
}

fn filter_json(f: &Option<WhereFilter>) -> Value {
    f.as_ref().map(WhereFilter::to_json).unwrap_or(Value::Null)
}

fn depends_on_json(nodes: &[String]) -> Value {
    json!({"macros": [], "nodes": nodes})
}

fn meta_config_json(meta: &Map<String, Value>) -> Value {
    json!({"meta": meta})
}

// ---------------------------------------------------------------------------
// Semantic models
// ---------------------------------------------------------------------------

/// `node_relation` of a semantic model: where its model is built.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRelation {
    pub alias: String,
    pub schema_name: String,
    pub database: Option<String>,
    pub relation_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub name: String,
    /// `primary`, `unique`, `foreign` or `natural`.
    pub entity_type: String,
    pub description: Option<String>,
    pub label: Option<String>,
    pub role: Option<String>,
    pub expr: Option<String>,
    /// The semantic model's `config.meta` updated with the entity's own.
    pub meta: Map<String, Value>,
}

impl Entity {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name, "type": self.entity_type, "description": self.description,
            "label": self.label, "role": self.role, "expr": self.expr,
            "config": meta_config_json(&self.meta),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionTypeParams {
    pub time_granularity: String,
    /// `(is_start, is_end)` when `validity_params` is given.
    pub validity_params: Option<(bool, bool)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dimension {
    pub name: String,
    /// `categorical` or `time`.
    pub dimension_type: String,
    pub description: Option<String>,
    pub label: Option<String>,
    pub is_partition: bool,
    pub type_params: Option<DimensionTypeParams>,
    pub expr: Option<String>,
    pub meta: Map<String, Value>,
}

impl Dimension {
    pub fn to_json(&self) -> Value {
        let type_params = match &self.type_params {
            None => Value::Null,
            Some(tp) => json!({
                "time_granularity": tp.time_granularity,
                "validity_params": tp.validity_params.map(|(s, e)| json!({"is_start": s, "is_end": e})),
            }),
        };
        json!({
            "name": self.name, "type": self.dimension_type, "description": self.description,
            "label": self.label, "is_partition": self.is_partition, "type_params": type_params,
            "expr": self.expr, "metadata": null, "config": meta_config_json(&self.meta),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggParams {
    pub percentile: Option<f64>,
    pub use_discrete_percentile: bool,
    pub use_approximate_percentile: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NonAdditiveDimension {
    pub name: String,
    pub window_choice: String,
    pub window_groupings: Vec<String>,
}

impl NonAdditiveDimension {
    fn to_json(&self) -> Value {
        json!({"name": self.name, "window_choice": self.window_choice, "window_groupings": self.window_groupings})
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    pub name: String,
    /// `sum`, `min`, `max`, `count_distinct`, `sum_boolean`, `average`, `percentile`,
    /// `median` or `count`.
    pub agg: String,
    pub description: Option<String>,
    pub label: Option<String>,
    /// Whether a metric was created from the measure (dbt writes `false` in the manifest
    /// regardless).
    pub create_metric: bool,
    pub expr: Option<String>,
    pub agg_params: Option<AggParams>,
    pub non_additive_dimension: Option<NonAdditiveDimension>,
    pub agg_time_dimension: Option<String>,
    pub meta: Map<String, Value>,
    /// Whether `expr` was written as something Python treats as false (`false`, `0`, `""`);
    /// a metric created from the measure then uses the measure's name as its `expr`.
    #[serde(skip)]
    expr_is_falsy: bool,
}

impl Measure {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name, "agg": self.agg, "description": self.description,
            // dbt-core does not carry `create_metric` into the parsed measure.
            "label": self.label, "create_metric": false, "expr": self.expr,
            "agg_params": self.agg_params.as_ref().map(|p| json!({
                "percentile": p.percentile,
                "use_discrete_percentile": p.use_discrete_percentile,
                "use_approximate_percentile": p.use_approximate_percentile,
            })),
            "non_additive_dimension": self.non_additive_dimension.as_ref().map(NonAdditiveDimension::to_json),
            "agg_time_dimension": self.agg_time_dimension,
            "config": meta_config_json(&self.meta),
        })
    }
}

/// A semantic model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SemanticModel {
    pub unique_id: String,
    pub name: String,
    pub package_name: String,
    pub path: String,
    pub original_file_path: String,
    /// Where diagnostics point.
    pub file: String,
    pub fqn: Vec<String>,
    /// As written: `ref('fct_orders')`.
    pub model: String,
    pub description: Option<String>,
    pub label: Option<String>,
    /// `defaults.agg_time_dimension`; the outer option is whether `defaults` was given.
    pub defaults: Option<Option<String>>,
    pub entities: Vec<Entity>,
    pub measures: Vec<Measure>,
    pub dimensions: Vec<Dimension>,
    pub primary_entity: Option<String>,
    /// Final config: `enabled`, `group`, `meta` and any other keys.
    pub config: Map<String, Value>,
    pub unrendered_config: Map<String, Value>,
    pub refs: Vec<RefArgs>,
    /// Set by [`SemanticLayer::resolve`].
    pub depends_on_nodes: Vec<String>,
    /// Set by [`SemanticLayer::resolve`] from the first ref'd node.
    pub node_relation: Option<NodeRelation>,
}

impl SemanticModel {
    pub fn enabled(&self) -> bool {
        config_enabled(&self.config)
    }

    pub fn group(&self) -> Option<&str> {
        self.config.get("group").and_then(Value::as_str)
    }

    /// The object dbt writes under `semantic_models` in `manifest.json`.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "resource_type": "semantic_model",
            "package_name": self.package_name,
            "path": self.path,
            "original_file_path": self.original_file_path,
            "unique_id": self.unique_id,
            "fqn": self.fqn,
            "model": self.model,
            "node_relation": self.node_relation.as_ref().map(|r| json!({
                "alias": r.alias, "schema_name": r.schema_name,
                "database": r.database, "relation_name": r.relation_name,
            })),
            "description": self.description,
            "label": self.label,
            "defaults": self.defaults.as_ref().map(|d| json!({"agg_time_dimension": d})),
            "entities": self.entities.iter().map(Entity::to_json).collect::<Vec<_>>(),
            "measures": self.measures.iter().map(Measure::to_json).collect::<Vec<_>>(),
            "dimensions": self.dimensions.iter().map(Dimension::to_json).collect::<Vec<_>>(),
            "metadata": null,
            "depends_on": depends_on_json(&self.depends_on_nodes),
            "refs": self.refs.iter().map(RefArgs::to_json).collect::<Vec<_>>(),
            "created_at": 0.0,
            "config": self.config,
            "unrendered_config": self.unrendered_config,
            "primary_entity": self.primary_entity,
            "group": self.config.get("group").cloned().unwrap_or(Value::Null),
        })
    }
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

/// `<count> <granularity>`, e.g. `28 days` -> `{count: 28, granularity: day}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricTimeWindow {
    pub count: u64,
    pub granularity: String,
}

impl MetricTimeWindow {
    fn to_json(&self) -> Value {
        json!({"count": self.count, "granularity": self.granularity})
    }
}

fn window_json(w: &Option<MetricTimeWindow>) -> Value {
    w.as_ref()
        .map(MetricTimeWindow::to_json)
        .unwrap_or(Value::Null)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricInputMeasure {
    pub name: String,
    pub filter: Option<WhereFilter>,
    pub alias: Option<String>,
    pub join_to_timespine: bool,
    pub fill_nulls_with: Option<i64>,
}

impl MetricInputMeasure {
    fn named(name: &str) -> MetricInputMeasure {
        MetricInputMeasure {
            name: name.to_string(),
            filter: None,
            alias: None,
            join_to_timespine: false,
            fill_nulls_with: None,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name, "filter": filter_json(&self.filter), "alias": self.alias,
            "join_to_timespine": self.join_to_timespine, "fill_nulls_with": self.fill_nulls_with,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricInput {
    pub name: String,
    pub filter: Option<WhereFilter>,
    pub alias: Option<String>,
    pub offset_window: Option<MetricTimeWindow>,
    pub offset_to_grain: Option<String>,
}

impl MetricInput {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name, "filter": filter_json(&self.filter), "alias": self.alias,
            "offset_window": window_json(&self.offset_window), "offset_to_grain": self.offset_to_grain,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversionTypeParams {
    pub base_measure: MetricInputMeasure,
    pub conversion_measure: MetricInputMeasure,
    pub entity: String,
    /// `conversion_rate` (default) or `conversions`.
    pub calculation: String,
    pub window: Option<MetricTimeWindow>,
    /// `(base_property, conversion_property)` pairs.
    pub constant_properties: Option<Vec<(String, String)>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CumulativeTypeParams {
    pub window: Option<MetricTimeWindow>,
    pub grain_to_date: Option<String>,
    /// `first` (default), `last` or `average`.
    pub period_agg: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MetricTypeParams {
    pub measure: Option<MetricInputMeasure>,
    /// Set by [`SemanticLayer::resolve`].
    pub input_measures: Vec<MetricInputMeasure>,
    pub numerator: Option<MetricInput>,
    pub denominator: Option<MetricInput>,
    pub expr: Option<String>,
    pub window: Option<MetricTimeWindow>,
    pub grain_to_date: Option<String>,
    pub metrics: Vec<MetricInput>,
    pub conversion_type_params: Option<ConversionTypeParams>,
    pub cumulative_type_params: Option<CumulativeTypeParams>,
}

impl MetricTypeParams {
    pub fn to_json(&self) -> Value {
        let opt_input = |m: &Option<MetricInput>| m.as_ref().map(MetricInput::to_json);
        json!({
            "measure": self.measure.as_ref().map(MetricInputMeasure::to_json),
            "input_measures": self.input_measures.iter().map(MetricInputMeasure::to_json).collect::<Vec<_>>(),
            "numerator": opt_input(&self.numerator),
            "denominator": opt_input(&self.denominator),
            "expr": self.expr,
            "window": window_json(&self.window),
            "grain_to_date": self.grain_to_date,
            "metrics": self.metrics.iter().map(MetricInput::to_json).collect::<Vec<_>>(),
            "conversion_type_params": self.conversion_type_params.as_ref().map(|c| json!({
                "base_measure": c.base_measure.to_json(),
                "conversion_measure": c.conversion_measure.to_json(),
                "entity": c.entity,
                "calculation": c.calculation,
                "window": window_json(&c.window),
                "constant_properties": c.constant_properties.as_ref().map(|l| l
                    .iter()
                    .map(|(b, c)| json!({"base_property": b, "conversion_property": c}))
                    .collect::<Vec<_>>()),
            })),
            "cumulative_type_params": self.cumulative_type_params.as_ref().map(|c| json!({
                "window": window_json(&c.window),
                "grain_to_date": c.grain_to_date,
                "period_agg": c.period_agg,
                "metric": null,
            })),
            "metric_aggregation_params": null,
        })
    }
}

/// A metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub unique_id: String,
    pub name: String,
    pub package_name: String,
    pub path: String,
    pub original_file_path: String,
    pub file: String,
    pub fqn: Vec<String>,
    pub description: String,
    pub label: String,
    /// `simple`, `ratio`, `cumulative`, `derived` or `conversion`.
    pub metric_type: String,
    pub type_params: MetricTypeParams,
    pub filter: Option<WhereFilter>,
    pub time_granularity: Option<String>,
    pub meta: Map<String, Value>,
    pub tags: Vec<String>,
    pub config: Map<String, Value>,
    pub unrendered_config: Map<String, Value>,
    /// Set by [`SemanticLayer::resolve`].
    pub depends_on_nodes: Vec<String>,
    /// The semantic model whose measure (`create_metric: true`) produced this metric.
    pub generated_from: Option<String>,
}

impl Metric {
    pub fn enabled(&self) -> bool {
        config_enabled(&self.config)
    }

    pub fn group(&self) -> Option<&str> {
        self.config.get("group").and_then(Value::as_str)
    }

    /// The object dbt writes under `metrics` in `manifest.json`.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "resource_type": "metric",
            "package_name": self.package_name,
            "path": self.path,
            "original_file_path": self.original_file_path,
            "unique_id": self.unique_id,
            "fqn": self.fqn,
            "description": self.description,
            "label": self.label,
            "type": self.metric_type,
            "type_params": self.type_params.to_json(),
            "filter": filter_json(&self.filter),
            "metadata": null,
            "time_granularity": self.time_granularity,
            "meta": self.meta,
            "tags": self.tags,
            "config": self.config,
            "unrendered_config": self.unrendered_config,
            "sources": [],
            "depends_on": depends_on_json(&self.depends_on_nodes),
            "refs": [],
            "metrics": [],
            "created_at": 0.0,
            "group": self.config.get("group").cloned().unwrap_or(Value::Null),
        })
    }
}

// ---------------------------------------------------------------------------
// Saved queries
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryParams {
    pub metrics: Vec<String>,
    pub group_by: Vec<String>,
    pub where_filter: Option<WhereFilter>,
    pub order_by: Vec<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportConfig {
    /// `table` or `view`.
    pub export_as: String,
    pub schema_name: Option<String>,
    pub alias: Option<String>,
    pub database: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Export {
    pub name: String,
    pub config: ExportConfig,
    /// The export's `config:` as written.
    pub unrendered_config: Map<String, Value>,
}

impl Export {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "config": {
                "export_as": self.config.export_as, "schema_name": self.config.schema_name,
                "alias": self.config.alias, "database": self.config.database,
            },
            "unrendered_config": self.unrendered_config,
        })
    }
}

/// A saved query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedQuery {
    pub unique_id: String,
    pub name: String,
    pub package_name: String,
    pub path: String,
    pub original_file_path: String,
    pub file: String,
    pub fqn: Vec<String>,
    pub description: Option<String>,
    pub label: Option<String>,
    pub query_params: QueryParams,
    /// Database, schema and alias are completed by [`SemanticLayer::resolve`].
    pub exports: Vec<Export>,
    /// Final config: `enabled`, `group`, `meta`, `export_as`, `schema`, `cache` and any other keys.
    pub config: Map<String, Value>,
    pub unrendered_config: Map<String, Value>,
    pub tags: Vec<String>,
    /// Set by [`SemanticLayer::resolve`].
    pub depends_on_nodes: Vec<String>,
}

impl SavedQuery {
    pub fn enabled(&self) -> bool {
        config_enabled(&self.config)
    }

    pub fn group(&self) -> Option<&str> {
        self.config.get("group").and_then(Value::as_str)
    }

    /// The object dbt writes under `saved_queries` in `manifest.json`.
    pub fn to_json(&self) -> Value {
        let q = &self.query_params;
        json!({
            "name": self.name,
            "resource_type": "saved_query",
            "package_name": self.package_name,
            "path": self.path,
            "original_file_path": self.original_file_path,
            "unique_id": self.unique_id,
            "fqn": self.fqn,
            "query_params": {
                "metrics": q.metrics, "group_by": q.group_by, "where": filter_json(&q.where_filter),
                "order_by": q.order_by, "limit": q.limit,
            },
            "exports": self.exports.iter().map(Export::to_json).collect::<Vec<_>>(),
            "description": self.description,
            "label": self.label,
            "metadata": null,
            "config": self.config,
            "unrendered_config": self.unrendered_config,
            "group": self.config.get("group").cloned().unwrap_or(Value::Null),
            "depends_on": depends_on_json(&self.depends_on_nodes),
            "created_at": 0.0,
            "refs": [],
            "tags": self.tags,
        })
    }
}

fn config_enabled(config: &Map<String, Value>) -> bool {
    config
        .get("enabled")
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

// ---------------------------------------------------------------------------
// The collection
// ---------------------------------------------------------------------------

/// Every semantic model, metric and saved query of a project, with the diagnostics found.
///
/// Enabled resources are keyed by unique id in the order they were added; disabled ones
/// (`enabled: false`) are kept apart, as dbt keeps them under `disabled`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SemanticLayer {
    /// The root project's name (it decides the package search order).
    pub root_project: String,
    pub semantic_models: IndexMap<String, SemanticModel>,
    pub metrics: IndexMap<String, Metric>,
    pub saved_queries: IndexMap<String, SavedQuery>,
    pub disabled_semantic_models: Vec<SemanticModel>,
    pub disabled_metrics: Vec<Metric>,
    pub disabled_saved_queries: Vec<SavedQuery>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Validation problems of one entry, with the path of the value they are about.
#[derive(Default)]
struct Errs {
    list: Vec<String>,
}

impl Errs {
    fn push(&mut self, at: &str, msg: impl AsRef<str>) {
        if at.is_empty() {
            self.list.push(msg.as_ref().to_string());
        } else {
            self.list.push(format!("{at}: {}", msg.as_ref()));
        }
    }
}

impl SemanticLayer {
    pub fn new(root_project: &str) -> SemanticLayer {
        SemanticLayer {
            root_project: root_project.to_string(),
            ..SemanticLayer::default()
        }
    }

    /// Adds every `metrics:`, `semantic_models:` and `saved_queries:` entry of a parsed
    /// properties document, in dbt's order.
    pub fn add_properties(
        &mut self,
        document: &Value,
        file: &SourceFile,
        configs: &dyn ProjectConfigs,
    ) {
        for kind in [
            SemanticKind::Metric,
            SemanticKind::SemanticModel,
            SemanticKind::SavedQuery,
        ] {
            let Some(list) = document.get(kind.yaml_key()) else {
                continue;
            };
            let Some(entries) = list.as_array() else {
                if !list.is_null() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "yaml-shape",
                            format!("{} must be a list", kind.yaml_key()),
                        )
                        .in_file(file.file.clone()),
                    );
                }
                continue;
            };
            for entry in entries {
                match kind {
                    SemanticKind::Metric => self.add_metric(entry, file, configs),
                    SemanticKind::SemanticModel => self.add_semantic_model(entry, file, configs),
                    SemanticKind::SavedQuery => self.add_saved_query(entry, file, configs),
                }
            }
        }
    }

    fn report(
        &mut self,
        kind: SemanticKind,
        name: Option<&str>,
        file: &SourceFile,
        mut errs: Errs,
    ) {
        if errs.list.is_empty() {
            errs.push("", "invalid entry");
        }
        let what = match name {
            Some(n) => format!("{} '{n}'", kind.title()),
            None => format!("an entry under '{}'", kind.yaml_key()),
        };
        for e in errs.list {
            let mut d =
                Diagnostic::error("yaml-shape", format!("{what}: {e}")).in_file(file.file.clone());
            if let Some(n) = name {
                d = d.for_node(format!(
                    "{}.{}.{n}",
                    kind.resource_type(),
                    file.package_name
                ));
            }
            self.diagnostics.push(d);
        }
    }

    fn duplicate(&mut self, kind: SemanticKind, unique_id: &str, file: &SourceFile) {
        self.diagnostics.push(
            Diagnostic::error(
                "duplicate-resource",
                format!(
                    "dbt found two {}s with the name '{}' ({unique_id})",
                    kind.title(),
                    unique_id.rsplit('.').next().unwrap_or(unique_id)
                ),
            )
            .in_file(file.file.clone())
            .for_node(unique_id.to_string()),
        );
    }

    /// Parses one `semantic_models:` entry (and the metrics of its `create_metric` measures).
    pub fn add_semantic_model(
        &mut self,
        entry: &Value,
        file: &SourceFile,
        configs: &dyn ProjectConfigs,
    ) {
        let mut errs = Errs::default();
        let name = entry_name(entry);
        let scope = Scope {
            file,
            configs,
            root: &self.root_project,
        };
        let parsed = parse_semantic_model(entry, &scope, &mut errs);
        match parsed {
            Some((sm, generated)) if errs.list.is_empty() => {
                let enabled = sm.enabled();
                if !enabled {
                    self.disabled_semantic_models.push(sm);
                } else if self.semantic_models.contains_key(&sm.unique_id) {
                    self.duplicate(SemanticKind::SemanticModel, &sm.unique_id, file);
                    return;
                } else {
                    self.semantic_models.insert(sm.unique_id.clone(), sm);
                }
                for m in generated {
                    self.insert_metric(m, file);
                }
            }
            _ => self.report(SemanticKind::SemanticModel, name.as_deref(), file, errs),
        }
    }

    /// Parses one `metrics:` entry.
    pub fn add_metric(&mut self, entry: &Value, file: &SourceFile, configs: &dyn ProjectConfigs) {
        let mut errs = Errs::default();
        let name = entry_name(entry);
        let scope = Scope {
            file,
            configs,
            root: &self.root_project,
        };
        match parse_metric(entry, &scope, &mut errs) {
            Some(m) if errs.list.is_empty() => self.insert_metric(m, file),
            _ => self.report(SemanticKind::Metric, name.as_deref(), file, errs),
        }
    }

    fn insert_metric(&mut self, m: Metric, file: &SourceFile) {
        if !m.enabled() {
            self.disabled_metrics.push(m);
        } else if self.metrics.contains_key(&m.unique_id) {
            self.duplicate(SemanticKind::Metric, &m.unique_id, file);
        } else {
            self.metrics.insert(m.unique_id.clone(), m);
        }
    }

    /// Parses one `saved_queries:` entry.
    pub fn add_saved_query(
        &mut self,
        entry: &Value,
        file: &SourceFile,
        configs: &dyn ProjectConfigs,
    ) {
        let mut errs = Errs::default();
        let name = entry_name(entry);
        let scope = Scope {
            file,
            configs,
            root: &self.root_project,
        };
        match parse_saved_query(entry, &scope, &mut errs) {
            Some(q) if errs.list.is_empty() => {
                if !q.enabled() {
                    self.disabled_saved_queries.push(q);
                } else if self.saved_queries.contains_key(&q.unique_id) {
                    self.duplicate(SemanticKind::SavedQuery, &q.unique_id, file);
                } else {
                    self.saved_queries.insert(q.unique_id.clone(), q);
                }
            }
            _ => self.report(SemanticKind::SavedQuery, name.as_deref(), file, errs),
        }
    }

    /// Links everything once all properties files are parsed and models are named: refs of
    /// semantic models (`depends_on`, `node_relation`), metrics' `input_measures` and
    /// `depends_on`, saved queries' `depends_on` and export names. Calling it again
    /// recomputes the same results.
    pub fn resolve(&mut self, resolver: &dyn Resolver) {
        self.resolve_semantic_models(resolver);
        self.resolve_metrics();
        self.resolve_saved_queries(resolver);
    }

    fn resolve_semantic_models(&mut self, resolver: &dyn Resolver) {
        let mut diags = Vec::new();
        for sm in self.semantic_models.values_mut() {
            sm.depends_on_nodes.clear();
            sm.node_relation = None;
            if sm.refs.is_empty() {
                diags.push(
                    Diagnostic::error(
                        "unknown-ref",
                        format!(
                            "Semantic model '{}' ({}): model '{}' does not ref() a model",
                            sm.unique_id, sm.original_file_path, sm.model
                        ),
                    )
                    .in_file(sm.file.clone())
                    .for_node(sm.unique_id.clone()),
                );
                continue;
            }
            for r in &sm.refs {
                match resolver.resolve_ref(&sm.package_name, r) {
                    Some(rel) => {
                        if sm.node_relation.is_none() {
                            sm.node_relation = Some(NodeRelation {
                                alias: rel.alias.clone(),
                                schema_name: rel.schema.clone(),
                                database: rel.database.clone(),
                                relation_name: rel.relation_name.clone(),
                            });
                        }
                        if !sm.depends_on_nodes.contains(&rel.unique_id) {
                            sm.depends_on_nodes.push(rel.unique_id);
                        }
                    }
                    None => diags.push(
                        Diagnostic::error(
                            "unknown-ref",
                            target_not_found(
                                "Semantic_Model",
                                &sm.unique_id,
                                &sm.original_file_path,
                                "node",
                                &r.name,
                                r.version_str().as_deref(),
                                r.package.as_deref(),
                            ),
                        )
                        .in_file(sm.file.clone())
                        .for_node(sm.unique_id.clone()),
                    ),
                }
            }
        }
        self.diagnostics.extend(diags);
    }

    /// dbt's package search order for a lookup from `node_package`.
    fn packages_to_search<'a>(
        &'a self,
        node_package: &'a str,
        target: Option<&'a str>,
    ) -> Vec<Option<&'a str>> {
        match target {
            Some(p) => vec![Some(p)],
            None if node_package == self.root_project => {
                vec![Some(self.root_project.as_str()), None]
            }
            None => vec![Some(self.root_project.as_str()), Some(node_package), None],
        }
    }

    /// The enabled metric `name` as seen from `node_package`, or why there is none.
    fn find_metric(&self, name: &str, node_package: &str) -> Result<String, bool> {
        let mut disabled = false;
        for pkg in self.packages_to_search(node_package, None) {
            let found = self
                .metrics
                .values()
                .find(|m| m.name == name && pkg.is_none_or(|p| p == m.package_name));
            if let Some(m) = found {
                return Ok(m.unique_id.clone());
            }
            if !disabled {
                disabled = self
                    .disabled_metrics
                    .iter()
                    .any(|m| m.name == name && pkg.is_none_or(|p| p == m.package_name));
            }
        }
        Err(disabled)
    }

    fn resolve_metrics(&mut self) {
        // measure name -> package -> semantic model unique id (enabled first, then disabled,
        // a later model in the same package replacing an earlier one, as in dbt's lookup).
        let mut by_measure: IndexMap<&str, IndexMap<&str, (&str, &str, bool)>> = IndexMap::new();
        for sm in self
            .semantic_models
            .values()
            .chain(self.disabled_semantic_models.iter())
        {
            for m in &sm.measures {
                by_measure.entry(m.name.as_str()).or_default().insert(
                    sm.package_name.as_str(),
                    (sm.unique_id.as_str(), sm.name.as_str(), sm.enabled()),
                );
            }
        }
        let mut done: IndexMap<String, (Vec<MetricInputMeasure>, Vec<String>)> = IndexMap::new();
        let mut diags = Vec::new();
        let ids: Vec<String> = self.metrics.keys().cloned().collect();
        for id in &ids {
            let mut stack = Vec::new();
            self.process_metric(id, &by_measure, &mut done, &mut stack, &mut diags);
        }
        drop(by_measure);
        for (id, (inputs, deps)) in done {
            if let Some(m) = self.metrics.get_mut(&id) {
                m.type_params.input_measures = inputs;
                m.depends_on_nodes = deps;
            }
        }
        self.diagnostics.extend(diags);
    }

    /// Computes a metric's input measures and dependencies, its input metrics first.
    fn process_metric(
        &self,
        id: &str,
        by_measure: &IndexMap<&str, IndexMap<&str, (&str, &str, bool)>>,
        done: &mut IndexMap<String, (Vec<MetricInputMeasure>, Vec<String>)>,
        stack: &mut Vec<String>,
        diags: &mut Vec<Diagnostic>,
    ) {
        if done.contains_key(id) {
            return;
        }
        let Some(metric) = self.metrics.get(id) else {
            return;
        };
        if stack.iter().any(|s| s == id) {
            let mut path: Vec<String> = stack
                .iter()
                .skip_while(|s| s.as_str() != id)
                .cloned()
                .collect();
            path.push(id.to_string());
            diags.push(
                Diagnostic::error(
                    "cycle",
                    format!(
                        "metrics reference each other in a cycle: {}",
                        path.join(" -> ")
                    ),
                )
                .in_file(metric.file.clone())
                .for_node(id.to_string()),
            );
            return;
        }
        let err = |msg: String| {
            Diagnostic::error("unknown-metric", msg)
                .in_file(metric.file.clone())
                .for_node(metric.unique_id.clone())
        };
        let mut inputs: Vec<MetricInputMeasure> = Vec::new();
        let mut deps: Vec<String> = Vec::new();
        let add_input = |inputs: &mut Vec<MetricInputMeasure>, m: &MetricInputMeasure| {
            if !inputs.contains(m) {
                inputs.push(m.clone());
            }
        };
        let tp = &metric.type_params;
        match metric.metric_type.as_str() {
            "simple" | "cumulative" | "conversion" => {
                if metric.metric_type == "conversion" {
                    if let Some(c) = &tp.conversion_type_params {
                        add_input(&mut inputs, &c.base_measure);
                        add_input(&mut inputs, &c.conversion_measure);
                    } else {
                        diags.push(err(format!(
                            "{} is a conversion metric and must have conversion_type_params defined.",
                            metric.name
                        )));
                    }
                } else if let Some(m) = &tp.measure {
                    add_input(&mut inputs, m);
                } else {
                    diags.push(err(format!(
                        "metric '{}' is a {} metric and must have type_params.measure defined.",
                        metric.name, metric.metric_type
                    )));
                }
                for input in &inputs {
                    let pkgs = self.packages_to_search(&metric.package_name, None);
                    let found = pkgs.iter().find_map(|pkg| {
                        let per_pkg = by_measure.get(input.name.as_str())?;
                        match pkg {
                            Some(p) => per_pkg.get(p).copied(),
                            None => per_pkg.values().next().copied(),
                        }
                    });
                    match found {
                        None => diags.push(
                            Diagnostic::error(
                                "unknown-measure",
                                format!(
                                    "A semantic model having a measure `{}` does not exist but was referenced.",
                                    input.name
                                ),
                            )
                            .in_file(metric.file.clone())
                            .for_node(metric.unique_id.clone()),
                        ),
                        Some((_, sm_name, false)) => diags.push(
                            Diagnostic::error(
                                "unknown-measure",
                                format!(
                                    "The measure `{}` is referenced on disabled semantic model `{sm_name}`.",
                                    input.name
                                ),
                            )
                            .in_file(metric.file.clone())
                            .for_node(metric.unique_id.clone()),
                        ),
                        Some((uid, _, true)) => {
                            if !deps.iter().any(|d| d == uid) {
                                deps.push(uid.to_string());
                            }
                        }
                    }
                }
            }
            _ => {
                let input_metrics: Vec<&MetricInput> = if metric.metric_type == "ratio" {
                    match (&tp.numerator, &tp.denominator) {
                        (Some(n), Some(d)) => vec![n, d],
                        _ => {
                            diags.push(err(
                                "Invalid ratio metric. Both a numerator and denominator must be specified"
                                    .to_string(),
                            ));
                            Vec::new()
                        }
                    }
                } else {
                    tp.metrics.iter().collect()
                };
                stack.push(id.to_string());
                for input in input_metrics {
                    match self.find_metric(&input.name, &metric.package_name) {
                        Ok(target) => {
                            self.process_metric(&target, by_measure, done, stack, diags);
                            if let Some((target_inputs, _)) = done.get(&target) {
                                for m in target_inputs {
                                    add_input(&mut inputs, m);
                                }
                            }
                            if !deps.contains(&target) {
                                deps.push(target);
                            }
                        }
                        Err(true) => diags.push(err(format!(
                            "The metric `{}` is disabled and thus cannot be referenced.",
                            input.name
                        ))),
                        Err(false) => diags.push(err(format!(
                            "The metric `{}` does not exist but was referenced by metric `{}`.",
                            input.name, metric.name
                        ))),
                    }
                }
                stack.pop();
            }
        }
        done.insert(id.to_string(), (inputs, deps));
    }

    fn resolve_saved_queries(&mut self, resolver: &dyn Resolver) {
        let mut results = Vec::new();
        let mut diags = Vec::new();
        for q in self.saved_queries.values() {
            let mut deps: Vec<String> = Vec::new();
            for name in &q.query_params.metrics {
                match self.find_metric(name, &q.package_name) {
                    Ok(uid) => {
                        if !deps.contains(&uid) {
                            deps.push(uid);
                        }
                    }
                    Err(disabled) => diags.push(
                        Diagnostic::error(
                            "unknown-metric",
                            target_not_found(
                                "Saved_Query",
                                &q.unique_id,
                                &q.original_file_path,
                                "metric",
                                name,
                                None,
                                None,
                            )
                            .replace(
                                "which was not found",
                                if disabled {
                                    "which is disabled"
                                } else {
                                    "which was not found"
                                },
                            ),
                        )
                        .in_file(q.file.clone())
                        .for_node(q.unique_id.clone()),
                    ),
                }
            }
            results.push((q.unique_id.clone(), deps));
        }
        for (id, deps) in results {
            if let Some(q) = self.saved_queries.get_mut(&id) {
                q.depends_on_nodes = deps;
                for e in &mut q.exports {
                    let names = resolver.export_names(
                        &q.package_name,
                        &e.name,
                        e.config.database.as_deref(),
                        e.config.alias.as_deref(),
                    );
                    if e.config.schema_name.as_deref().is_none_or(str::is_empty) {
                        e.config.schema_name = names.schema;
                    }
                    if let Some(db) = names.database.filter(|d| !d.is_empty()) {
                        e.config.database = Some(db);
                    }
                    if e.config.alias.as_deref().is_none_or(str::is_empty) {
                        e.config.alias = names.alias;
                    }
                }
            }
        }
        self.diagnostics.extend(diags);
    }

    /// Renders descriptions the way dbt's docs pass does (`{{ doc('x') }}`): a metric's
    /// always, the others' when not empty. Only enabled resources, as in dbt.
    pub fn render_descriptions(&mut self, mut render: impl FnMut(&str) -> String) {
        fn opt(d: &mut Option<String>, render: &mut dyn FnMut(&str) -> String) {
            if let Some(s) = d.as_mut().filter(|s| !s.is_empty()) {
                *s = render(s);
            }
        }
        for m in self.metrics.values_mut() {
            m.description = render(&m.description);
        }
        for sm in self.semantic_models.values_mut() {
            opt(&mut sm.description, &mut render);
            for d in &mut sm.dimensions {
                opt(&mut d.description, &mut render);
            }
            for m in &mut sm.measures {
                opt(&mut m.description, &mut render);
            }
            for e in &mut sm.entities {
                opt(&mut e.description, &mut render);
            }
        }
        for q in self.saved_queries.values_mut() {
            opt(&mut q.description, &mut render);
        }
    }

    /// Every enabled resource's unique id with its parents, for the graph and the
    /// manifest's `parent_map` / `child_map`.
    pub fn dependencies(&self) -> Vec<(&str, &[String])> {
        let mut out: Vec<(&str, &[String])> = Vec::new();
        for sm in self.semantic_models.values() {
            out.push((&sm.unique_id, &sm.depends_on_nodes));
        }
        for m in self.metrics.values() {
            out.push((&m.unique_id, &m.depends_on_nodes));
        }
        for q in self.saved_queries.values() {
            out.push((&q.unique_id, &q.depends_on_nodes));
        }
        out
    }

    /// The manifest's `semantic_models` section.
    pub fn semantic_models_json(&self) -> Map<String, Value> {
        self.semantic_models
            .values()
            .map(|x| (x.unique_id.clone(), x.to_json()))
            .collect()
    }

    /// The manifest's `metrics` section.
    pub fn metrics_json(&self) -> Map<String, Value> {
        self.metrics
            .values()
            .map(|x| (x.unique_id.clone(), x.to_json()))
            .collect()
    }

    /// The manifest's `saved_queries` section.
    pub fn saved_queries_json(&self) -> Map<String, Value> {
        self.saved_queries
            .values()
            .map(|x| (x.unique_id.clone(), x.to_json()))
            .collect()
    }

    /// Disabled resources for the manifest's `disabled` section: unique id -> objects.
    pub fn disabled_json(&self) -> Map<String, Value> {
        let mut out: Map<String, Value> = Map::new();
        let all = self
            .disabled_semantic_models
            .iter()
            .map(|x| (&x.unique_id, x.to_json()))
            .chain(
                self.disabled_metrics
                    .iter()
                    .map(|x| (&x.unique_id, x.to_json())),
            )
            .chain(
                self.disabled_saved_queries
                    .iter()
                    .map(|x| (&x.unique_id, x.to_json())),
            );
        for (id, v) in all {
            if let Value::Array(list) = out
                .entry(id.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                list.push(v);
            }
        }
        out
    }
}

fn target_not_found(
    title: &str,
    unique_id: &str,
    original_file_path: &str,
    kind: &str,
    name: &str,
    version: Option<&str>,
    package: Option<&str>,
) -> String {
    let version = version
        .map(|v| format!("with version '{v}' "))
        .unwrap_or_default();
    let package = package
        .map(|p| format!("in package or project '{p}' "))
        .unwrap_or_default();
    format!(
        "{title} '{unique_id}' ({original_file_path}) depends on a {kind} named '{name}' {version}{package}which was not found"
    )
}

fn entry_name(entry: &Value) -> Option<String> {
    entry
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
}

// ---------------------------------------------------------------------------
// Reading YAML values with dbt's schema
// ---------------------------------------------------------------------------

/// The entry as an object whose keys are all in `allowed` (dbt rejects others).
fn object<'v>(
    v: &'v Value,
    at: &str,
    allowed: &[&str],
    errs: &mut Errs,
) -> Option<&'v Map<String, Value>> {
    let Some(m) = v.as_object() else {
        errs.push(at, format!("expected a mapping, got {}", type_name(v)));
        return None;
    };
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) {
            errs.push(at, format!("unexpected key '{k}'"));
        }
    }
    Some(m)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

fn req_str(m: &Map<String, Value>, key: &str, at: &str, errs: &mut Errs) -> Option<String> {
    match m.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        None => {
            errs.push(at, format!("'{key}' is required"));
            None
        }
        Some(v) => {
            errs.push(
                &join(at, key),
                format!("expected a string, got {}", type_name(v)),
            );
            None
        }
    }
}

fn opt_str(m: &Map<String, Value>, key: &str, at: &str, errs: &mut Errs) -> Option<String> {
    match m.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(v) => {
            errs.push(
                &join(at, key),
                format!("expected a string, got {}", type_name(v)),
            );
            None
        }
    }
}

fn opt_bool(m: &Map<String, Value>, key: &str, at: &str, errs: &mut Errs) -> bool {
    match m.get(key) {
        Some(Value::Bool(b)) => *b,
        None => false,
        Some(v) => {
            errs.push(
                &join(at, key),
                format!("expected a boolean, got {}", type_name(v)),
            );
            false
        }
    }
}

fn opt_int(m: &Map<String, Value>, key: &str, at: &str, errs: &mut Errs) -> Option<i64> {
    match m.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        Some(v) => {
            errs.push(&join(at, key), format!("expected an integer, got {v}"));
            None
        }
    }
}

/// A mapping with free-form keys (`config`, `meta`); absent is empty.
fn opt_map(m: &Map<String, Value>, key: &str, at: &str, errs: &mut Errs) -> Map<String, Value> {
    match m.get(key) {
        None => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(v) => {
            errs.push(
                &join(at, key),
                format!("expected a mapping, got {}", type_name(v)),
            );
            Map::new()
        }
    }
}

fn str_list(m: &Map<String, Value>, key: &str, at: &str, errs: &mut Errs) -> Vec<String> {
    match m.get(key) {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, v) in items.iter().enumerate() {
                match v {
                    Value::String(s) => out.push(s.clone()),
                    other => errs.push(
                        &format!("{}[{i}]", join(at, key)),
                        format!("expected a string, got {}", type_name(other)),
                    ),
                }
            }
            out
        }
        Some(v) => {
            errs.push(
                &join(at, key),
                format!("expected a list, got {}", type_name(v)),
            );
            Vec::new()
        }
    }
}

/// `filter:` / `where:` — a string, a list of strings, or nothing.
fn where_filter(
    m: &Map<String, Value>,
    key: &str,
    at: &str,
    errs: &mut Errs,
) -> Option<WhereFilter> {
    match m.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(WhereFilter {
            where_sql_templates: vec![s.clone()],
        }),
        Some(Value::Array(_)) => Some(WhereFilter {
            where_sql_templates: str_list(m, key, at, errs),
        }),
        Some(v) => {
            errs.push(
                &join(at, key),
                format!(
                    "expected a string or a list of strings, got {}",
                    type_name(v)
                ),
            );
            None
        }
    }
}

/// A list of mappings; each item is handed to `each` with its path.
fn each_item<T>(
    m: &Map<String, Value>,
    key: &str,
    at: &str,
    errs: &mut Errs,
    mut each: impl FnMut(&Value, &str, &mut Errs) -> Option<T>,
) -> Vec<T> {
    match m.get(key) {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| each(v, &format!("{}[{i}]", join(at, key)), errs))
            .collect(),
        Some(v) => {
            errs.push(
                &join(at, key),
                format!("expected a list, got {}", type_name(v)),
            );
            Vec::new()
        }
    }
}

const AGGREGATION_TYPES: &[&str] = &[
    "sum",
    "min",
    "max",
    "count_distinct",
    "sum_boolean",
    "average",
    "percentile",
    "median",
    "count",
];
const TIME_GRANULARITIES: &[&str] = &[
    "nanosecond",
    "microsecond",
    "millisecond",
    "second",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
];
const METRIC_TYPES: &[&str] = &["simple", "ratio", "cumulative", "derived", "conversion"];
const ENTITY_TYPES: &[&str] = &["foreign", "natural", "primary", "unique"];
const DIMENSION_TYPES: &[&str] = &["categorical", "time"];
const PERIOD_AGGREGATIONS: &[&str] = &["first", "last", "average"];
const CONVERSION_CALCULATIONS: &[&str] = &["conversions", "conversion_rate"];
const EXPORT_DESTINATIONS: &[&str] = &["table", "view"];

/// An enum value as dbt-semantic-interfaces reads it: case-insensitive, written lowercase.
fn enum_value(s: &str, allowed: &[&'static str], at: &str, errs: &mut Errs) -> Option<String> {
    let lower = s.to_lowercase();
    match allowed.iter().find(|a| **a == lower) {
        Some(a) => Some((*a).to_string()),
        None => {
            errs.push(
                at,
                format!(
                    "invalid value '{s}' (expected one of: {})",
                    allowed.join(", ")
                ),
            );
            None
        }
    }
}

/// Python's `str()` of a scalar written in YAML (`expr: 1`, `expr: true`).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// Whether Python treats a scalar as false.
fn py_falsy(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// A scalar `expr` accepted when it is one of the given JSON types.
fn opt_expr(
    m: &Map<String, Value>,
    key: &str,
    at: &str,
    allow_int: bool,
    errs: &mut Errs,
) -> Option<String> {
    match m.get(key) {
        None | Some(Value::Null) => None,
        Some(v @ (Value::String(_) | Value::Bool(_))) => Some(py_str(v)),
        Some(Value::Number(n)) if allow_int && (n.is_i64() || n.is_u64()) => Some(n.to_string()),
        Some(v) => {
            errs.push(&join(at, key), format!("invalid expr {v}"));
            None
        }
    }
}

/// `28 days` -> `{count: 28, granularity: day}` (dbt lowercases, and drops a plural `s`
/// from standard grains).
pub fn parse_time_window(window: &str) -> Result<MetricTimeWindow, String> {
    let lower = window.to_lowercase();
    let parts: Vec<&str> = lower.split(' ').collect();
    if parts.len() != 2 {
        return Err(format!(
            "Invalid window ({window}) in cumulative/conversion metric. Should be of the form `<count> <granularity>`, e.g., `28 days`"
        ));
    }
    let mut granularity = parts[1];
    if let Some(singular) = granularity.strip_suffix('s') {
        if TIME_GRANULARITIES.contains(&singular) {
            granularity = singular;
        }
    }
    let count = parts[0];
    let parsed = if !count.is_empty() && count.chars().all(|c| c.is_ascii_digit()) {
        count.parse::<u64>().ok()
    } else {
        None
    };
    match parsed {
        Some(count) => Ok(MetricTimeWindow {
            count,
            granularity: granularity.to_string(),
        }),
        None => Err(format!(
            "Invalid count ({count}) in cumulative/conversion metric window string: ({window})"
        )),
    }
}

fn opt_window(
    m: &Map<String, Value>,
    key: &str,
    at: &str,
    errs: &mut Errs,
) -> Option<MetricTimeWindow> {
    let s = opt_str(m, key, at, errs)?;
    match parse_time_window(&s) {
        Ok(w) => Some(w),
        Err(e) => {
            errs.push(&join(at, key), e);
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------

/// Merges config keys as dbt does for these resources' configs: `meta` is updated key by
/// key, everything else replaced. Unrendered configs replace every key.
fn merge_config(base: &mut Map<String, Value>, update: &Map<String, Value>, unrendered: bool) {
    for (k, v) in update {
        let key = k.trim_start_matches('+').trim().to_string();
        match (key.as_str(), base.get_mut(&key), v) {
            ("meta", Some(Value::Object(old)), Value::Object(new)) if !unrendered => {
                for (mk, mv) in new {
                    old.insert(mk.clone(), mv.clone());
                }
            }
            _ => {
                base.insert(key, v.clone());
            }
        }
    }
}

/// Where an entry is parsed: its file, the project configs and the root project.
struct Scope<'a> {
    file: &'a SourceFile,
    configs: &'a dyn ProjectConfigs,
    root: &'a str,
}

/// The final config (dbt's defaults filled in, validated) and the unrendered config:
/// the package's `dbt_project.yml`, then the entry's `config:`, then (for a package other
/// than the root project) the root project's `dbt_project.yml`.
fn resolve_config(
    kind: SemanticKind,
    scope: &Scope<'_>,
    fqn: &[String],
    entry: &Map<String, Value>,
    at: &str,
    errs: &mut Errs,
) -> (Map<String, Value>, Map<String, Value>) {
    let package = scope.file.package_name.as_str();
    let foreign = package != scope.root;
    let mut merged = Map::new();
    merge_config(
        &mut merged,
        &scope.configs.config(kind, package, fqn),
        false,
    );
    merge_config(&mut merged, entry, false);
    if foreign {
        merge_config(
            &mut merged,
            &scope.configs.config(kind, scope.root, fqn),
            false,
        );
    }
    let mut unrendered = Map::new();
    let project_unrendered = kind == SemanticKind::Metric;
    if project_unrendered {
        let own = scope.configs.unrendered_config(kind, package, fqn);
        merge_config(&mut unrendered, &own, true);
    }
    merge_config(&mut unrendered, entry, true);
    if project_unrendered && foreign {
        let root = scope.configs.unrendered_config(kind, scope.root, fqn);
        merge_config(&mut unrendered, &root, true);
    }

    let at = join(at, "config");
    let mut out = Map::new();
    let enabled = match merged.get("enabled") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            errs.push(
                &join(&at, "enabled"),
                format!("expected a boolean, got {}", type_name(v)),
            );
            true
        }
    };
    out.insert("enabled".into(), json!(enabled));
    let group = match merged.get("group") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => json!(s),
        Some(v) => {
            errs.push(
                &join(&at, "group"),
                format!("expected a string, got {}", type_name(v)),
            );
            Value::Null
        }
    };
    out.insert("group".into(), group);
    let meta = match merged.get("meta") {
        None => json!({}),
        Some(Value::Object(o)) => Value::Object(o.clone()),
        Some(v) => {
            errs.push(
                &join(&at, "meta"),
                format!("expected a mapping, got {}", type_name(v)),
            );
            json!({})
        }
    };
    out.insert("meta".into(), meta);
    let mut known = vec!["enabled", "group", "meta"];
    if kind == SemanticKind::SavedQuery {
        let export_as = match merged.get("export_as") {
            None | Some(Value::Null) => Value::Null,
            Some(Value::String(s)) => {
                enum_value(s, EXPORT_DESTINATIONS, &join(&at, "export_as"), errs)
                    .map(Value::String)
                    .unwrap_or(Value::Null)
            }
            Some(v) => {
                errs.push(&join(&at, "export_as"), format!("invalid value {v}"));
                Value::Null
            }
        };
        out.insert("export_as".into(), export_as);
        let schema = match merged.get("schema") {
            None | Some(Value::Null) => Value::Null,
            Some(Value::String(s)) => json!(s),
            Some(v) => {
                errs.push(
                    &join(&at, "schema"),
                    format!("expected a string, got {}", type_name(v)),
                );
                Value::Null
            }
        };
        out.insert("schema".into(), schema);
        let cache_at = join(&at, "cache");
        let cache_enabled = match merged.get("cache") {
            None => false,
            Some(v) => match object(v, &cache_at, &["enabled"], errs) {
                Some(c) => opt_bool(c, "enabled", &cache_at, errs),
                None => false,
            },
        };
        out.insert("cache".into(), json!({"enabled": cache_enabled}));
        known.extend(["export_as", "schema", "cache"]);
    }
    for (k, v) in &merged {
        if !known.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    (out, unrendered)
}

// ---------------------------------------------------------------------------
// Parsing entries
// ---------------------------------------------------------------------------

fn element_meta(
    sm_meta: &Map<String, Value>,
    m: &Map<String, Value>,
    at: &str,
    errs: &mut Errs,
) -> Map<String, Value> {
    let cfg = opt_map(m, "config", at, errs);
    let mut meta = sm_meta.clone();
    match cfg.get("meta") {
        None => {}
        Some(Value::Object(own)) => {
            for (k, v) in own {
                meta.insert(k.clone(), v.clone());
            }
        }
        Some(v) => errs.push(
            &join(&join(at, "config"), "meta"),
            format!("expected a mapping, got {}", type_name(v)),
        ),
    }
    meta
}

fn parse_entity(
    v: &Value,
    at: &str,
    sm_meta: &Map<String, Value>,
    errs: &mut Errs,
) -> Option<Entity> {
    let m = object(
        v,
        at,
        &[
            "name",
            "type",
            "description",
            "label",
            "role",
            "expr",
            "config",
        ],
        errs,
    )?;
    let name = req_str(m, "name", at, errs);
    let entity_type = req_str(m, "type", at, errs)
        .and_then(|t| enum_value(&t, ENTITY_TYPES, &join(at, "type"), errs));
    let description = opt_str(m, "description", at, errs);
    let label = opt_str(m, "label", at, errs);
    let role = opt_str(m, "role", at, errs);
    let expr = opt_str(m, "expr", at, errs);
    let meta = element_meta(sm_meta, m, at, errs);
    Some(Entity {
        name: name?,
        entity_type: entity_type?,
        description,
        label,
        role,
        expr,
        meta,
    })
}

fn parse_dimension(
    v: &Value,
    at: &str,
    sm_meta: &Map<String, Value>,
    errs: &mut Errs,
) -> Option<Dimension> {
    let m = object(
        v,
        at,
        &[
            "name",
            "type",
            "description",
            "label",
            "is_partition",
            "type_params",
            "expr",
            "config",
        ],
        errs,
    )?;
    let name = req_str(m, "name", at, errs);
    let dimension_type = req_str(m, "type", at, errs)
        .and_then(|t| enum_value(&t, DIMENSION_TYPES, &join(at, "type"), errs));
    let tp_at = join(at, "type_params");
    let type_params = match m.get("type_params") {
        None | Some(Value::Null) => None,
        Some(tp) => {
            object(tp, &tp_at, &["time_granularity", "validity_params"], errs).and_then(|tpm| {
                let granularity = req_str(tpm, "time_granularity", &tp_at, errs).and_then(|g| {
                    enum_value(
                        &g,
                        TIME_GRANULARITIES,
                        &join(&tp_at, "time_granularity"),
                        errs,
                    )
                });
                let vp_at = join(&tp_at, "validity_params");
                let validity = match tpm.get("validity_params") {
                    None | Some(Value::Null) => None,
                    Some(vp) => object(vp, &vp_at, &["is_start", "is_end"], errs).map(|vpm| {
                        (
                            opt_bool(vpm, "is_start", &vp_at, errs),
                            opt_bool(vpm, "is_end", &vp_at, errs),
                        )
                    }),
                };
                Some(DimensionTypeParams {
                    time_granularity: granularity?,
                    validity_params: validity,
                })
            })
        }
    };
    let description = opt_str(m, "description", at, errs);
    let label = opt_str(m, "label", at, errs);
    let is_partition = opt_bool(m, "is_partition", at, errs);
    let expr = opt_str(m, "expr", at, errs);
    let meta = element_meta(sm_meta, m, at, errs);
    Some(Dimension {
        name: name?,
        dimension_type: dimension_type?,
        description,
        label,
        is_partition,
        type_params,
        expr,
        meta,
    })
}

fn parse_measure(
    v: &Value,
    at: &str,
    sm_meta: &Map<String, Value>,
    errs: &mut Errs,
) -> Option<Measure> {
    let m = object(
        v,
        at,
        &[
            "name",
            "agg",
            "description",
            "label",
            "expr",
            "agg_params",
            "non_additive_dimension",
            "agg_time_dimension",
            "create_metric",
            "config",
        ],
        errs,
    )?;
    let name = req_str(m, "name", at, errs);
    let agg = req_str(m, "agg", at, errs)
        .and_then(|a| enum_value(&a, AGGREGATION_TYPES, &join(at, "agg"), errs));
    let ap_at = join(at, "agg_params");
    let agg_params = match m.get("agg_params") {
        None | Some(Value::Null) => None,
        Some(ap) => object(
            ap,
            &ap_at,
            &[
                "percentile",
                "use_discrete_percentile",
                "use_approximate_percentile",
            ],
            errs,
        )
        .map(|apm| {
            let percentile = match apm.get("percentile") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => n.as_f64(),
                Some(v) => {
                    errs.push(
                        &join(&ap_at, "percentile"),
                        format!("expected a number, got {}", type_name(v)),
                    );
                    None
                }
            };
            AggParams {
                percentile,
                use_discrete_percentile: opt_bool(apm, "use_discrete_percentile", &ap_at, errs),
                use_approximate_percentile: opt_bool(
                    apm,
                    "use_approximate_percentile",
                    &ap_at,
                    errs,
                ),
            }
        }),
    };
    let nad_at = join(at, "non_additive_dimension");
    let non_additive_dimension = match m.get("non_additive_dimension") {
        None | Some(Value::Null) => None,
        Some(nad) => object(
            nad,
            &nad_at,
            &["name", "window_choice", "window_groupings"],
            errs,
        )
        .and_then(|nm| {
            let name = req_str(nm, "name", &nad_at, errs);
            let choice = req_str(nm, "window_choice", &nad_at, errs).and_then(|c| {
                enum_value(&c, AGGREGATION_TYPES, &join(&nad_at, "window_choice"), errs)
            });
            let groupings = str_list(nm, "window_groupings", &nad_at, errs);
            Some(NonAdditiveDimension {
                name: name?,
                window_choice: choice?,
                window_groupings: groupings,
            })
        }),
    };
    let description = opt_str(m, "description", at, errs);
    let label = opt_str(m, "label", at, errs);
    let create_metric = opt_bool(m, "create_metric", at, errs);
    let expr = opt_expr(m, "expr", at, true, errs);
    let agg_time_dimension = opt_str(m, "agg_time_dimension", at, errs);
    let meta = element_meta(sm_meta, m, at, errs);
    Some(Measure {
        name: name?,
        agg: agg?,
        description,
        label,
        create_metric,
        expr,
        expr_is_falsy: m.get("expr").is_none_or(py_falsy),
        agg_params,
        non_additive_dimension,
        agg_time_dimension,
        meta,
    })
}

fn parse_semantic_model(
    entry: &Value,
    scope: &Scope<'_>,
    errs: &mut Errs,
) -> Option<(SemanticModel, Vec<Metric>)> {
    let file = scope.file;
    let m = object(
        entry,
        "",
        &[
            "name",
            "model",
            "config",
            "description",
            "label",
            "defaults",
            "entities",
            "measures",
            "dimensions",
            "primary_entity",
        ],
        errs,
    )?;
    let name = req_str(m, "name", "", errs);
    let model = req_str(m, "model", "", errs);
    let name = name?;
    let fqn = file.fqn(&name);
    let entry_config = opt_map(m, "config", "", errs);
    let (config, unrendered_config) = resolve_config(
        SemanticKind::SemanticModel,
        scope,
        &fqn,
        &entry_config,
        "",
        errs,
    );
    let sm_meta = config
        .get("meta")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let entities = each_item(m, "entities", "", errs, |v, at, e| {
        parse_entity(v, at, &sm_meta, e)
    });
    let measures = each_item(m, "measures", "", errs, |v, at, e| {
        parse_measure(v, at, &sm_meta, e)
    });
    let dimensions = each_item(m, "dimensions", "", errs, |v, at, e| {
        parse_dimension(v, at, &sm_meta, e)
    });
    let defaults = match m.get("defaults") {
        None | Some(Value::Null) => None,
        Some(d) => object(d, "defaults", &["agg_time_dimension"], errs)
            .map(|dm| opt_str(dm, "agg_time_dimension", "defaults", errs)),
    };
    let model = model?;
    let refs = match parse_ref_call(&model) {
        Ok(r) => vec![r],
        Err(e) => {
            errs.push("model", e);
            Vec::new()
        }
    };
    let unique_id = format!("semantic_model.{}.{name}", file.package_name);
    let sm = SemanticModel {
        unique_id,
        name: name.clone(),
        package_name: file.package_name.clone(),
        path: file.path.clone(),
        original_file_path: file.original_file_path.clone(),
        file: file.file.clone(),
        fqn,
        model,
        description: opt_str(m, "description", "", errs),
        label: opt_str(m, "label", "", errs),
        defaults,
        entities,
        measures,
        dimensions,
        primary_entity: opt_str(m, "primary_entity", "", errs),
        config,
        unrendered_config,
        refs,
        depends_on_nodes: Vec::new(),
        node_relation: None,
    };
    let mut generated = Vec::new();
    for measure in sm.measures.iter().filter(|x| x.create_metric) {
        generated.push(metric_from_measure(measure, &sm, scope, errs));
    }
    Some((sm, generated))
}

/// The simple metric dbt creates for a measure with `create_metric: true`.
fn metric_from_measure(
    measure: &Measure,
    sm: &SemanticModel,
    scope: &Scope<'_>,
    errs: &mut Errs,
) -> Metric {
    let file = scope.file;
    let fqn = file.fqn(&measure.name);
    let mut patch = Map::new();
    patch.insert("enabled".into(), json!(sm.enabled()));
    patch.insert(
        "meta".into(),
        sm.config.get("meta").cloned().unwrap_or(json!({})),
    );
    let (config, unrendered_config) =
        resolve_config(SemanticKind::Metric, scope, &fqn, &patch, "", errs);
    let meta = config
        .get("meta")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let expr = match (&measure.expr, measure.expr_is_falsy) {
        (Some(e), false) => e.clone(),
        _ => measure.name.clone(),
    };
    Metric {
        unique_id: format!("metric.{}.{}", file.package_name, measure.name),
        name: measure.name.clone(),
        package_name: file.package_name.clone(),
        path: file.path.clone(),
        original_file_path: file.original_file_path.clone(),
        file: file.file.clone(),
        fqn,
        description: measure
            .description
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("Metric created from measure {}", measure.name)),
        label: measure
            .label
            .clone()
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| measure.name.clone()),
        metric_type: "simple".into(),
        type_params: MetricTypeParams {
            measure: Some(MetricInputMeasure::named(&measure.name)),
            expr: Some(expr),
            ..MetricTypeParams::default()
        },
        filter: None,
        time_granularity: None,
        meta,
        tags: Vec::new(),
        config,
        unrendered_config,
        depends_on_nodes: Vec::new(),
        generated_from: Some(sm.name.clone()),
    }
}

fn parse_input_measure(v: &Value, at: &str, errs: &mut Errs) -> Option<MetricInputMeasure> {
    if let Value::String(s) = v {
        return Some(MetricInputMeasure::named(s));
    }
    let m = object(
        v,
        at,
        &[
            "name",
            "filter",
            "alias",
            "join_to_timespine",
            "fill_nulls_with",
        ],
        errs,
    )?;
    Some(MetricInputMeasure {
        name: req_str(m, "name", at, errs)?,
        filter: where_filter(m, "filter", at, errs),
        alias: opt_str(m, "alias", at, errs),
        join_to_timespine: opt_bool(m, "join_to_timespine", at, errs),
        fill_nulls_with: opt_int(m, "fill_nulls_with", at, errs),
    })
}

fn parse_metric_input(v: &Value, at: &str, errs: &mut Errs) -> Option<MetricInput> {
    if let Value::String(s) = v {
        return Some(MetricInput {
            name: s.clone(),
            filter: None,
            alias: None,
            offset_window: None,
            offset_to_grain: None,
        });
    }
    let m = object(
        v,
        at,
        &[
            "name",
            "filter",
            "alias",
            "offset_window",
            "offset_to_grain",
        ],
        errs,
    )?;
    Some(MetricInput {
        name: req_str(m, "name", at, errs)?,
        filter: where_filter(m, "filter", at, errs),
        alias: opt_str(m, "alias", at, errs),
        offset_window: opt_window(m, "offset_window", at, errs),
        offset_to_grain: opt_str(m, "offset_to_grain", at, errs),
    })
}

fn opt_item<T>(
    m: &Map<String, Value>,
    key: &str,
    at: &str,
    errs: &mut Errs,
    parse: impl FnOnce(&Value, &str, &mut Errs) -> Option<T>,
) -> Option<T> {
    match m.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => parse(v, &join(at, key), errs),
    }
}

/// dbt's checks on a metric's name.
fn metric_name_errors(name: &str) -> Vec<&'static str> {
    let mut errors = Vec::new();
    if name.contains(' ') {
        errors.push("cannot contain spaces");
    }
    if name.chars().count() > 250 {
        errors.push("cannot contain more than 250 characters");
    }
    if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        errors.push("must begin with a letter");
    }
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        errors.push("must contain only letters, numbers and underscores");
    }
    errors
}

fn parse_metric(entry: &Value, scope: &Scope<'_>, errs: &mut Errs) -> Option<Metric> {
    let file = scope.file;
    let m = object(
        entry,
        "",
        &[
            "name",
            "label",
            "type",
            "type_params",
            "description",
            "filter",
            "time_granularity",
            "meta",
            "tags",
            "config",
        ],
        errs,
    )?;
    let name = req_str(m, "name", "", errs);
    let label = req_str(m, "label", "", errs);
    let metric_type =
        req_str(m, "type", "", errs).and_then(|t| enum_value(&t, METRIC_TYPES, "type", errs));
    if !m.contains_key("type_params") {
        errs.push("", "'type_params' is required");
    }
    let name = name?;
    let problems = metric_name_errors(&name);
    if !problems.is_empty() {
        errs.push(
            "",
            format!(
                "The metric name '{name}' is invalid.  It {}",
                problems.join(", ")
            ),
        );
    }
    let description = match m.get("description") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => {
            errs.push(
                "description",
                format!("expected a string, got {}", type_name(v)),
            );
            String::new()
        }
    };
    let fqn = file.fqn(&name);
    let entry_config = opt_map(m, "config", "", errs);
    let (config, unrendered_config) =
        resolve_config(SemanticKind::Metric, scope, &fqn, &entry_config, "", errs);
    let config_meta = config
        .get("meta")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let own_meta = opt_map(m, "meta", "", errs);
    let meta = if config_meta.is_empty() {
        own_meta
    } else {
        config_meta
    };
    let tags = str_list(m, "tags", "", errs);
    let metric_type = metric_type?;
    let tp_value = m.get("type_params")?;
    let type_params = parse_metric_type_params(tp_value, &metric_type, errs)?;
    Some(Metric {
        unique_id: format!("metric.{}.{name}", file.package_name),
        name,
        package_name: file.package_name.clone(),
        path: file.path.clone(),
        original_file_path: file.original_file_path.clone(),
        file: file.file.clone(),
        fqn,
        description,
        label: label?,
        metric_type,
        type_params,
        filter: where_filter(m, "filter", "", errs),
        time_granularity: opt_str(m, "time_granularity", "", errs),
        meta,
        tags,
        config,
        unrendered_config,
        depends_on_nodes: Vec::new(),
        generated_from: None,
    })
}

fn parse_metric_type_params(
    v: &Value,
    metric_type: &str,
    errs: &mut Errs,
) -> Option<MetricTypeParams> {
    let at = "type_params";
    let m = object(
        v,
        at,
        &[
            "measure",
            "numerator",
            "denominator",
            "expr",
            "window",
            "grain_to_date",
            "metrics",
            "conversion_type_params",
            "cumulative_type_params",
        ],
        errs,
    )?;
    let measure = opt_item(m, "measure", at, errs, parse_input_measure);
    let numerator = opt_item(m, "numerator", at, errs, parse_metric_input);
    let denominator = opt_item(m, "denominator", at, errs, parse_metric_input);
    let expr = opt_expr(m, "expr", at, false, errs);
    let window_raw = opt_str(m, "window", at, errs);
    let window = opt_window(m, "window", at, errs);
    let grain_raw = opt_str(m, "grain_to_date", at, errs);
    let grain_to_date = grain_raw
        .as_deref()
        .and_then(|g| enum_value(g, TIME_GRANULARITIES, &join(at, "grain_to_date"), errs));
    let metrics = match m.get("metrics") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => each_item(m, "metrics", at, errs, parse_metric_input),
    };
    let conversion_type_params = opt_item(m, "conversion_type_params", at, errs, |v, at, errs| {
        let cm = object(
            v,
            at,
            &[
                "base_measure",
                "conversion_measure",
                "entity",
                "calculation",
                "window",
                "constant_properties",
            ],
            errs,
        )?;
        let base = match cm.get("base_measure") {
            Some(b) => parse_input_measure(b, &join(at, "base_measure"), errs),
            None => {
                errs.push(at, "'base_measure' is required");
                None
            }
        };
        let conversion = match cm.get("conversion_measure") {
            Some(c) => parse_input_measure(c, &join(at, "conversion_measure"), errs),
            None => {
                errs.push(at, "'conversion_measure' is required");
                None
            }
        };
        let entity = req_str(cm, "entity", at, errs);
        let calculation = match opt_str(cm, "calculation", at, errs) {
            None => Some("conversion_rate".to_string()),
            Some(c) => enum_value(&c, CONVERSION_CALCULATIONS, &join(at, "calculation"), errs),
        };
        let window = opt_window(cm, "window", at, errs);
        let constant_properties = match cm.get("constant_properties") {
            None | Some(Value::Null) => None,
            Some(_) => Some(each_item(
                cm,
                "constant_properties",
                at,
                errs,
                |v, at, errs| {
                    let pm = object(v, at, &["base_property", "conversion_property"], errs)?;
                    let b = req_str(pm, "base_property", at, errs);
                    let c = req_str(pm, "conversion_property", at, errs);
                    Some((b?, c?))
                },
            )),
        };
        Some(ConversionTypeParams {
            base_measure: base?,
            conversion_measure: conversion?,
            entity: entity?,
            calculation: calculation?,
            window,
            constant_properties,
        })
    });
    let ctp_at = join(at, "cumulative_type_params");
    let cumulative_raw = match m.get("cumulative_type_params") {
        None | Some(Value::Null) => None,
        Some(v) => object(v, &ctp_at, &["window", "grain_to_date", "period_agg"], errs).map(|cm| {
            (
                opt_str(cm, "window", &ctp_at, errs),
                opt_str(cm, "grain_to_date", &ctp_at, errs),
                opt_str(cm, "period_agg", &ctp_at, errs),
            )
        }),
    };
    let cumulative_type_params = if metric_type == "cumulative" {
        let (w, g, p) = cumulative_raw.unwrap_or((None, None, None));
        // The legacy `type_params.window` / `grain_to_date` fill in what the nested params lack.
        let own_window = w.as_deref().is_some_and(|s| !s.is_empty());
        let w = w
            .filter(|s| !s.is_empty())
            .or(window_raw.filter(|s| !s.is_empty()));
        let g = g
            .filter(|s| !s.is_empty())
            .or(grain_raw.filter(|s| !s.is_empty()));
        let window = match w {
            None => None,
            Some(s) => match parse_time_window(&s) {
                Ok(w) => Some(w),
                Err(e) => {
                    // A legacy `type_params.window` was already reported above.
                    if own_window {
                        errs.push(&join(&ctp_at, "window"), e);
                    }
                    None
                }
            },
        };
        let period_agg = enum_value(
            p.as_deref().unwrap_or("first"),
            PERIOD_AGGREGATIONS,
            &join(&ctp_at, "period_agg"),
            errs,
        );
        period_agg.map(|period_agg| CumulativeTypeParams {
            window,
            grain_to_date: g,
            period_agg,
        })
    } else {
        None
    };
    Some(MetricTypeParams {
        measure,
        input_measures: Vec::new(),
        numerator,
        denominator,
        expr,
        window,
        grain_to_date,
        metrics,
        conversion_type_params,
        cumulative_type_params,
    })
}

fn parse_saved_query(entry: &Value, scope: &Scope<'_>, errs: &mut Errs) -> Option<SavedQuery> {
    let file = scope.file;
    let m = object(
        entry,
        "",
        &[
            "name",
            "query_params",
            "description",
            "label",
            "exports",
            "config",
            "tags",
        ],
        errs,
    )?;
    let name = req_str(m, "name", "", errs)?;
    let fqn = file.fqn(&name);
    let entry_config = opt_map(m, "config", "", errs);
    let (config, unrendered_config) = resolve_config(
        SemanticKind::SavedQuery,
        scope,
        &fqn,
        &entry_config,
        "",
        errs,
    );

    let query_params = match m.get("query_params") {
        None => {
            errs.push("", "'query_params' is required");
            None
        }
        Some(v) => {
            let at = "query_params";
            object(
                v,
                at,
                &["metrics", "group_by", "where", "order_by", "limit"],
                errs,
            )
            .map(|qm| QueryParams {
                metrics: str_list(qm, "metrics", at, errs),
                group_by: str_list(qm, "group_by", at, errs),
                where_filter: where_filter(qm, "where", at, errs),
                order_by: str_list(qm, "order_by", at, errs),
                limit: opt_int(qm, "limit", at, errs),
            })
        }
    };

    let exports = each_item(m, "exports", "", errs, |v, at, errs| {
        let em = object(v, at, &["name", "config"], errs)?;
        let name = req_str(em, "name", at, errs)?;
        let raw = opt_map(em, "config", at, errs);
        let cfg_at = join(at, "config");
        // The saved query's config, then the export's own keys.
        let mut combined = config.clone();
        for (k, v) in &raw {
            combined.insert(k.clone(), v.clone());
        }
        let text = |key: &str, errs: &mut Errs| match combined.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(v) => {
                errs.push(
                    &join(&cfg_at, key),
                    format!("expected a string, got {}", type_name(v)),
                );
                None
            }
        };
        let schema = text("schema", errs);
        let schema_name = text("schema_name", errs).or(schema);
        let alias = text("alias", errs);
        let database = text("database", errs);
        let export_as = match text("export_as", errs) {
            Some(s) => enum_value(&s, EXPORT_DESTINATIONS, &join(&cfg_at, "export_as"), errs),
            None => {
                errs.push(
                    &cfg_at,
                    format!("export '{name}' needs 'export_as' (table or view) in its config or the saved query's"),
                );
                None
            }
        };
        Some(Export {
            name,
            config: ExportConfig {
                export_as: export_as?,
                schema_name,
                alias,
                database,
            },
            unrendered_config: raw,
        })
    });

    let mut tags: BTreeSet<String> = BTreeSet::new();
    let mut add_tags = |v: Option<&Value>, at: &str, errs: &mut Errs| match v {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            tags.insert(s.clone());
        }
        Some(Value::Array(items)) => {
            for t in items {
                match t {
                    Value::String(s) => {
                        tags.insert(s.clone());
                    }
                    other => errs.push(
                        at,
                        format!("expected a string tag, got {}", type_name(other)),
                    ),
                }
            }
        }
        Some(other) => errs.push(
            at,
            format!(
                "expected a string or a list of strings, got {}",
                type_name(other)
            ),
        ),
    };
    add_tags(m.get("tags"), "tags", errs);
    add_tags(config.get("tags"), "config.tags", errs);

    Some(SavedQuery {
        unique_id: format!("saved_query.{}.{name}", file.package_name),
        name,
        package_name: file.package_name.clone(),
        path: file.path.clone(),
        original_file_path: file.original_file_path.clone(),
        file: file.file.clone(),
        fqn,
        description: opt_str(m, "description", "", errs),
        label: opt_str(m, "label", "", errs),
        query_params: query_params?,
        exports,
        config,
        unrendered_config,
        tags: tags.into_iter().collect(),
        depends_on_nodes: Vec::new(),
    })
}

// ---------------------------------------------------------------------------
// ref() in `model:`
// ---------------------------------------------------------------------------

/// Parses a semantic model's `model:` (`ref('name')`, `ref('package', 'name')`,
/// `ref('name', v=2)`, `ref('name', version='x')`).
pub fn parse_ref_call(text: &str) -> Result<RefArgs, String> {
    let mut p = RefParser {
        s: text.as_bytes(),
        i: 0,
        text,
    };
    p.ws();
    // Jinja delimiters around the call are accepted: `{{ ref('x') }}`.
    let braced = p.eat("{{");
    p.ws();
    if !p.eat("ref") {
        return Err(format!("expected ref(...), got '{text}'"));
    }
    p.ws();
    if !p.eat("(") {
        return Err(format!("expected ref(...), got '{text}'"));
    }
    let mut positional: Vec<Value> = Vec::new();
    let mut version: Option<Value> = None;
    loop {
        p.ws();
        if p.eat(")") {
            break;
        }
        let keyword = p.keyword();
        let value = p.literal()?;
        match keyword.as_deref() {
            None => positional.push(value),
            Some("version") | Some("v") => version = Some(value).filter(|v| !v.is_null()),
            Some(_) => {}
        }
        p.ws();
        if p.eat(",") {
            continue;
        }
        p.ws();
        if p.eat(")") {
            break;
        }
        return Err(format!("could not read the ref() call in '{text}'"));
    }
    p.ws();
    if braced {
        p.ws();
        if !p.eat("}}") {
            return Err(format!("could not read the ref() call in '{text}'"));
        }
        p.ws();
    }
    if p.i != p.s.len() {
        return Err(format!("unexpected text after ref() in '{text}'"));
    }
    let as_string = |v: &Value, what: &str| match v {
        Value::String(s) => Ok(s.clone()),
        _ => Err(format!(
            "the {what} argument to ref() must be a string in '{text}'"
        )),
    };
    match positional.as_slice() {
        [name] => Ok(RefArgs {
            name: as_string(name, "name")?,
            package: None,
            version,
        }),
        [package, name] => Ok(RefArgs {
            name: as_string(name, "name")?,
            package: Some(as_string(package, "package")?),
            version,
        }),
        _ => Err(format!(
            "ref() takes at most two arguments (package and name), got {} in '{text}'",
            positional.len()
        )),
    }
}

struct RefParser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl RefParser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|b| b.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        if self.s[self.i..].starts_with(tok.as_bytes()) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    /// `name =` ahead: consumes it and returns the name.
    fn keyword(&mut self) -> Option<String> {
        let start = self.i;
        let mut j = self.i;
        while self
            .s
            .get(j)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            j += 1;
        }
        if j == start || self.s[start].is_ascii_digit() {
            return None;
        }
        let mut k = j;
        while self.s.get(k).is_some_and(|b| b.is_ascii_whitespace()) {
            k += 1;
        }
        if self.s.get(k) == Some(&b'=') && self.s.get(k + 1) != Some(&b'=') {
            self.i = k + 1;
            self.ws();
            return self.text.get(start..j).map(str::to_string);
        }
        None
    }

    fn literal(&mut self) -> Result<Value, String> {
        let err = || format!("could not read the ref() call in '{}'", self.text);
        match self.s.get(self.i) {
            Some(q @ (b'\'' | b'"')) => {
                let quote = *q;
                self.i += 1;
                let mut out: Vec<u8> = Vec::new();
                loop {
                    match self.s.get(self.i) {
                        None => return Err(err()),
                        Some(b'\\') => {
                            let escaped = self.s.get(self.i + 1).copied().ok_or_else(err)?;
                            out.push(match escaped {
                                b'n' => b'\n',
                                b't' => b'\t',
                                other => other,
                            });
                            self.i += 2;
                        }
                        Some(b) if *b == quote => {
                            self.i += 1;
                            break;
                        }
                        Some(b) => {
                            out.push(*b);
                            self.i += 1;
                        }
                    }
                }
                String::from_utf8(out).map(Value::String).map_err(|_| err())
            }
            Some(b) if b.is_ascii_digit() || *b == b'-' || *b == b'.' => {
                let start = self.i;
                while self.s.get(self.i).is_some_and(|b| {
                    b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'_' | b'e' | b'E' | b'+')
                }) {
                    self.i += 1;
                }
                let lit: String = self
                    .text
                    .get(start..self.i)
                    .unwrap_or_default()
                    .replace('_', "");
                if let Ok(i) = lit.parse::<i64>() {
                    Ok(json!(i))
                } else if let Ok(f) = lit.parse::<f64>() {
                    serde_json::Number::from_f64(f)
                        .map(Value::Number)
                        .ok_or_else(err)
                } else {
                    Err(err())
                }
            }
            _ => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    self.i += 1;
                }
                match self.text.get(start..self.i).unwrap_or_default() {
                    "none" | "None" => Ok(Value::Null),
                    "true" | "True" => Ok(Value::Bool(true)),
                    "false" | "False" => Ok(Value::Bool(false)),
                    _ => Err(err()),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = include_str!("../../tests/goldens/kitchen_sink/manifest.json");

    /// examples/kitchen_sink/models/semantic/semantic.yml
    const KITCHEN_SINK_SEMANTIC_YML: &str = r#"version: 2

models:
  - name: metricflow_time_spine
    description: One row per day, used by the semantic layer.
    time_spine:
      standard_granularity_column: date_day
    columns:
      - name: date_day
        granularity: day

semantic_models:
  - name: transactions
    description: Billing transactions in the reporting currency.
    model: ref('fct_transactions')
    defaults:
      agg_time_dimension: created_date
    entities:
      - name: transaction
        type: primary
        expr: transaction_id
      - name: account
        type: foreign
        expr: account_id
    dimensions:
      - name: created_date
        type: time
        type_params:
          time_granularity: day
      - name: status
        type: categorical
    measures:
      - name: amount_usd
        description: Sum of transaction amounts in US dollars.
        agg: sum
      - name: transaction_count
        expr: "1"
        agg: sum

metrics:
  - name: revenue_usd
    label: Revenue (USD)
    description: Total transaction amount in US dollars.
    type: simple
    type_params:
      measure: amount_usd

  - name: transactions
    label: Transactions
    type: simple
    type_params:
      measure: transaction_count

  - name: average_transaction_usd
    label: Average transaction (USD)
    type: ratio
    type_params:
      numerator: revenue_usd
      denominator: transactions

  - name: settled_revenue_usd
    label: Settled revenue (USD)
    type: simple
    type_params:
      measure: amount_usd
    filter: |
      {{ Dimension('transaction__status') }} = 'settled'

saved_queries:
  - name: daily_revenue
    description: Revenue per day.
    query_params:
      metrics: ["revenue_usd", "transactions"]
      group_by: ["TimeDimension('transaction__created_date', 'day')"]
"#;

    fn golden() -> Value {
        serde_json::from_str(GOLDEN).expect("golden manifest is JSON")
    }

    /// Every difference between two JSON values, as `path: expected vs got` lines. Numbers
    /// compare by value (the golden writes the normalized `created_at` as `0`).
    fn diff(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
        match (want, got) {
            (Value::Object(w), Value::Object(g)) => {
                for (k, wv) in w {
                    match g.get(k) {
                        Some(gv) => diff(&format!("{path}.{k}"), wv, gv, out),
                        None => out.push(format!("{path}.{k}: missing (expected {wv})")),
                    }
                }
                for k in g.keys() {
                    if !w.contains_key(k) {
                        out.push(format!("{path}.{k}: unexpected key"));
                    }
                }
            }
            (Value::Array(w), Value::Array(g)) => {
                if w.len() != g.len() {
                    out.push(format!("{path}: expected {want}, got {got}"));
                    return;
                }
                for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                    diff(&format!("{path}[{i}]"), wv, gv, out);
                }
            }
            (Value::Number(w), Value::Number(g)) => {
                if w.as_f64() != g.as_f64() {
                    out.push(format!("{path}: expected {w}, got {g}"));
                }
            }
            _ => {
                if want != got {
                    out.push(format!("{path}: expected {want}, got {got}"));
                }
            }
        }
    }

    fn relation(unique_id: &str, schema: &str, alias: &str) -> ModelRelation {
        ModelRelation {
            unique_id: unique_id.to_string(),
            database: Some("dev".into()),
            schema: schema.to_string(),
            alias: alias.to_string(),
            relation_name: Some(format!("dev.{schema}.{alias}")),
        }
    }

    fn resolver() -> BuiltinResolver<impl Fn(&str, &RefArgs) -> Option<ModelRelation>> {
        BuiltinResolver {
            target_database: Some("dev".into()),
            target_schema: "main".into(),
            refs: |_pkg: &str, r: &RefArgs| {
                let known = ["fct_transactions", "stg_orders", "dim_accounts"];
                known
                    .contains(&r.name.as_str())
                    .then(|| relation(&format!("model.kitchen_sink.{}", r.name), "main", &r.name))
            },
        }
    }

    fn layer_from(yaml: &str, path: &str) -> SemanticLayer {
        let doc = crate::yaml::parse(path, yaml).expect("test YAML parses");
        let mut layer = SemanticLayer::new("kitchen_sink");
        layer.add_properties(
            &doc,
            &SourceFile::new("kitchen_sink", path),
            &NoProjectConfigs,
        );
        layer.resolve(&resolver());
        layer
    }

    #[test]
    fn kitchen_sink_matches_dbt_core() {
        let golden = golden();
        // fct_transactions' final relation, as the compile pipeline names it.
        let node = &golden["nodes"]["model.kitchen_sink.fct_transactions"];
        let model_relation = ModelRelation {
            unique_id: "model.kitchen_sink.fct_transactions".into(),
            database: node["database"].as_str().map(str::to_string),
            schema: node["schema"].as_str().unwrap_or_default().to_string(),
            alias: node["alias"].as_str().unwrap_or_default().to_string(),
            relation_name: node["relation_name"].as_str().map(str::to_string),
        };
        let doc = crate::yaml::parse("models/semantic/semantic.yml", KITCHEN_SINK_SEMANTIC_YML)
            .expect("semantic.yml parses");
        let mut layer = SemanticLayer::new("kitchen_sink");
        let file = SourceFile::new("kitchen_sink", "models/semantic/semantic.yml");
        for kind in [
            SemanticKind::Metric,
            SemanticKind::SemanticModel,
            SemanticKind::SavedQuery,
        ] {
            for entry in doc[kind.yaml_key()].as_array().into_iter().flatten() {
                match kind {
                    SemanticKind::SemanticModel => {
                        layer.add_semantic_model(entry, &file, &NoProjectConfigs)
                    }
                    SemanticKind::Metric => layer.add_metric(entry, &file, &NoProjectConfigs),
                    SemanticKind::SavedQuery => {
                        layer.add_saved_query(entry, &file, &NoProjectConfigs)
                    }
                }
            }
        }
        let refs = |pkg: &str, r: &RefArgs| {
            assert_eq!(pkg, "kitchen_sink");
            (r.name == "fct_transactions" && r.package.is_none() && r.version.is_none())
                .then(|| model_relation.clone())
        };
        layer.resolve(&BuiltinResolver {
            target_database: Some("dev".into()),
            target_schema: "main".into(),
            refs,
        });
        assert!(layer.diagnostics.is_empty(), "{:?}", layer.diagnostics);

        let mut differences = Vec::new();
        let sections = [
            ("semantic_models", layer.semantic_models_json()),
            ("metrics", layer.metrics_json()),
            ("saved_queries", layer.saved_queries_json()),
        ];
        for (section, ours) in &sections {
            let want = golden[*section].as_object().cloned().unwrap_or_default();
            assert!(!want.is_empty(), "golden has no {section}");
            for (id, wv) in &want {
                match ours.get(id) {
                    Some(gv) => diff(id, wv, gv, &mut differences),
                    None => differences.push(format!("{id}: missing")),
                }
            }
            for id in ours.keys() {
                if !want.contains_key(id) {
                    differences.push(format!("{id}: not in the golden"));
                }
            }
        }
        assert!(
            differences.is_empty(),
            "differences from dbt-core:\n{}",
            differences.join("\n")
        );
        // The graph edges the manifest's parent_map shows.
        for (id, parents) in layer.dependencies() {
            assert_eq!(
                golden["parent_map"][id],
                json!(parents),
                "parent_map of {id}"
            );
        }
    }

    #[test]
    fn diff_reports_every_difference() {
        let mut out = Vec::new();
        diff(
            "x",
            &json!({"a": 1, "b": [1, 2], "c": {"d": null}}),
            &json!({"a": 1.0, "b": [1, 3], "c": {}, "e": 1}),
            &mut out,
        );
        assert_eq!(out.len(), 3, "{out:?}");
    }

    #[test]
    fn unknown_measure_model_and_missing_name_are_diagnostics() {
        let yaml = r#"
semantic_models:
  - name: orders
    model: ref('no_such_model')
    measures:
      - name: order_total
        agg: sum
  - model: ref('stg_orders')
metrics:
  - name: m1
    label: M1
    type: simple
    type_params:
      measure: nope
  - name: m2
    label: M2
    type: derived
    type_params:
      expr: m1 + missing
      metrics: [m1, missing]
saved_queries:
  - name: q
    query_params:
      metrics: [m1, ghost]
"#;
        let layer = layer_from(yaml, "models/sem.yml");
        let lines: Vec<String> = layer.diagnostics.iter().map(|d| d.one_line()).collect();
        let has = |code: &str, text: &str| {
            layer.diagnostics.iter().any(|d| {
                d.code == code
                    && d.message.contains(text)
                    && d.file.as_deref() == Some("models/sem.yml")
            })
        };
        assert!(
            has(
                "unknown-ref",
                "depends on a node named 'no_such_model' which was not found"
            ),
            "{lines:#?}"
        );
        assert!(has("yaml-shape", "'name' is required"), "{lines:#?}");
        assert!(
            has("unknown-measure", "measure `nope` does not exist"),
            "{lines:#?}"
        );
        assert!(
            has(
                "unknown-metric",
                "The metric `missing` does not exist but was referenced by metric `m2`"
            ),
            "{lines:#?}"
        );
        assert!(
            has(
                "unknown-metric",
                "depends on a metric named 'ghost' which was not found"
            ),
            "{lines:#?}"
        );
        // The good parts still resolve.
        assert_eq!(
            layer.metrics["metric.kitchen_sink.m2"].depends_on_nodes,
            vec!["metric.kitchen_sink.m1"]
        );
        assert_eq!(
            layer.saved_queries["saved_query.kitchen_sink.q"].depends_on_nodes,
            vec!["metric.kitchen_sink.m1"]
        );
        assert!(layer.semantic_models["semantic_model.kitchen_sink.orders"]
            .node_relation
            .is_none());
    }

    #[test]
    fn schema_errors_skip_the_entry() {
        let yaml = r#"
semantic_models:
  - name: bad
    model: ref('stg_orders')
    colour: red
    measures:
      - name: x
        agg: total
    dimensions:
      - name: d
        type: time
        expr: 1
        type_params:
          time_granularity: fortnight
metrics:
  - name: no label
    type: simple
    type_params: {measure: x}
  - name: w
    label: W
    type: cumulative
    type_params:
      measure: x
      window: 28days
saved_queries:
  - name: nq
"#;
        let layer = layer_from(yaml, "models/sem.yml");
        assert!(layer.semantic_models.is_empty());
        assert!(layer.metrics.is_empty());
        assert!(layer.saved_queries.is_empty());
        let msgs: Vec<&str> = layer
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        for want in [
            "unexpected key 'colour'",
            "measures[0].agg: invalid value 'total'",
            "dimensions[0].expr: expected a string, got a number",
            "invalid value 'fortnight'",
            "'label' is required",
            "It cannot contain spaces",
            "Invalid window (28days)",
            "'query_params' is required",
        ] {
            assert!(
                msgs.iter().any(|m| m.contains(want)),
                "{want} not in {msgs:#?}"
            );
        }
    }

    /// A properties file using every semantic layer feature, with the `dbt_project.yml`
    /// configs `metrics: {kitchen_sink: {marts: {+meta: {team: x}}}}` and
    /// `saved-queries: {kitchen_sink: {+export_as: table}}`; `stg_orders` has versions 1 and 2.
    const FULL_FEATURED_YML: &str = r#"semantic_models:
  - name: orders
    description: Orders.
    label: Orders
    model: ref('stg_orders', v=2)
    config:
      meta: {owner: finance}
    primary_entity: order
    defaults: {agg_time_dimension: ordered_at}
    entities:
      - name: order
        type: UNIQUE
        expr: order_id
        config: {meta: {pii: false}}
    dimensions:
      - name: ordered_at
        type: time
        is_partition: true
        label: Ordered at
        type_params:
          time_granularity: Day
    measures:
      - name: order_total
        agg: sum
        expr: total
        create_metric: true
        label: Order total
        non_additive_dimension: {name: ordered_at, window_choice: MAX}
      - name: order_count
        agg: count
        expr: 1
        create_metric: true
      - name: median_total
        agg: percentile
        expr: total
        agg_params: {percentile: 0.5, use_discrete_percentile: true}
metrics:
  - name: cumulative_total
    label: Cumulative
    type: cumulative
    meta: {a: 1}
    tags: [x]
    type_params:
      measure: {name: order_total, filter: ["{{ Dimension('order__ordered_at') }} > '2020-01-01'"], join_to_timespine: true, fill_nulls_with: 0, alias: filtered_total}
      window: 7 Days
  - name: cumulative_nested
    label: Cumulative nested
    type: cumulative
    type_params:
      measure: order_count
      cumulative_type_params:
        grain_to_date: month
        period_agg: LAST
  - name: conv
    label: Conv
    type: conversion
    type_params:
      conversion_type_params:
        base_measure: order_count
        conversion_measure: {name: order_count, alias: converted}
        entity: order
        calculation: conversions
        window: 1 week
        constant_properties: [{base_property: ordered_at, conversion_property: ordered_at}]
  - name: derived_one
    label: Derived
    type: derived
    config: {meta: {b: 2}}
    type_params:
      expr: cumulative_nested - prev
      metrics:
        - cumulative_nested
        - {name: order_total, offset_window: 2 months, alias: prev}
  - name: ratio_one
    label: Ratio
    description: "A ratio."
    type: ratio
    time_granularity: month
    filter: "{{ Dimension('order__ordered_at') }} > '2020-01-01'"
    type_params:
      numerator: {name: order_total, filter: "{{ Dimension('order__ordered_at') }} > '2020-01-01'"}
      denominator: order_count
saved_queries:
  - name: qq
    label: Q
    description: A query.
    tags: one
    config:
      schema: exports
      cache: {enabled: true}
      tags: [two]
      meta: {m: 1}
    query_params:
      metrics: [derived_one, ratio_one]
      group_by: ["TimeDimension('order__ordered_at', 'day')"]
      where: "{{ Dimension('order__ordered_at') }} > '2020-01-01'"
      order_by: ["Metric('derived_one')"]
      limit: 10
    exports:
      - name: e1
      - name: e2
        config: {export_as: view, alias: custom, database: other}
      - name: e3
        config: {schema: elsewhere}
"#;

    /// What dbt-core 1.11.16 (dbt-duckdb 1.11.1, target database `dev`, schema `main`)
    /// wrote in manifest.json for some of FULL_FEATURED_YML's resources (`created_at` set to 0).
    const FULL_FEATURED_DBT: &str = r#"{
  "metric.kitchen_sink.conv": {
    "config": {"enabled": true, "group": null, "meta": {"team": "x"}}, "created_at": 0,
    "depends_on": {"macros": [], "nodes": ["semantic_model.kitchen_sink.orders"]},
    "description": "", "filter": null, "fqn": ["kitchen_sink", "marts", "conv"], "group": null,
    "label": "Conv", "meta": {"team": "x"}, "metadata": null, "metrics": [], "name": "conv",
    "original_file_path": "models/marts/sem.yml", "package_name": "kitchen_sink",
    "path": "marts/sem.yml", "refs": [], "resource_type": "metric", "sources": [], "tags": [],
    "time_granularity": null, "type": "conversion",
    "type_params": {
      "conversion_type_params": {
        "base_measure": {
          "alias": null, "fill_nulls_with": null, "filter": null, "join_to_timespine": false,
          "name": "order_count"
        },
        "calculation": "conversions",
        "constant_properties": [{"base_property": "ordered_at", "conversion_property": "ordered_at"}],
        "conversion_measure": {
          "alias": "converted", "fill_nulls_with": null, "filter": null,
          "join_to_timespine": false, "name": "order_count"
        },
        "entity": "order", "window": {"count": 1, "granularity": "week"}
      },
      "cumulative_type_params": null, "denominator": null, "expr": null, "grain_to_date": null,
      "input_measures": [
        {
          "alias": null, "fill_nulls_with": null, "filter": null, "join_to_timespine": false,
          "name": "order_count"
        },
        {
          "alias": "converted", "fill_nulls_with": null, "filter": null,
          "join_to_timespine": false, "name": "order_count"
        }
      ],
      "measure": null, "metric_aggregation_params": null, "metrics": [], "numerator": null,
      "window": null
    },
    "unique_id": "metric.kitchen_sink.conv", "unrendered_config": {"meta": {"team": "x"}}
  },
  "metric.kitchen_sink.cumulative_total": {
    "config": {"enabled": true, "group": null, "meta": {"team": "x"}}, "created_at": 0,
    "depends_on": {"macros": [], "nodes": ["semantic_model.kitchen_sink.orders"]},
    "description": "", "filter": null, "fqn": ["kitchen_sink", "marts", "cumulative_total"],
    "group": null, "label": "Cumulative", "meta": {"team": "x"}, "metadata": null, "metrics": [],
    "name": "cumulative_total", "original_file_path": "models/marts/sem.yml",
    "package_name": "kitchen_sink", "path": "marts/sem.yml", "refs": [],
    "resource_type": "metric", "sources": [], "tags": ["x"], "time_granularity": null,
    "type": "cumulative",
    "type_params": {
      "conversion_type_params": null,
      "cumulative_type_params": {
        "grain_to_date": null, "metric": null, "period_agg": "first",
        "window": {"count": 7, "granularity": "day"}
      },
      "denominator": null, "expr": null, "grain_to_date": null,
      "input_measures": [
        {
          "alias": "filtered_total", "fill_nulls_with": 0,
          "filter": {
            "where_filters": [{"where_sql_template": "{{ Dimension('order__ordered_at') }} > '2020-01-01'"}]
          },
          "join_to_timespine": true, "name": "order_total"
        }
      ],
      "measure": {
        "alias": "filtered_total", "fill_nulls_with": 0,
        "filter": {
          "where_filters": [{"where_sql_template": "{{ Dimension('order__ordered_at') }} > '2020-01-01'"}]
        },
        "join_to_timespine": true, "name": "order_total"
      },
      "metric_aggregation_params": null, "metrics": [], "numerator": null,
      "window": {"count": 7, "granularity": "day"}
    },
    "unique_id": "metric.kitchen_sink.cumulative_total",
    "unrendered_config": {"meta": {"team": "x"}}
  },
  "metric.kitchen_sink.order_total": {
    "config": {"enabled": true, "group": null, "meta": {"owner": "finance", "team": "x"}},
    "created_at": 0,
    "depends_on": {"macros": [], "nodes": ["semantic_model.kitchen_sink.orders"]},
    "description": "Metric created from measure order_total", "filter": null,
    "fqn": ["kitchen_sink", "marts", "order_total"], "group": null, "label": "Order total",
    "meta": {"owner": "finance", "team": "x"}, "metadata": null, "metrics": [],
    "name": "order_total", "original_file_path": "models/marts/sem.yml",
    "package_name": "kitchen_sink", "path": "marts/sem.yml", "refs": [],
    "resource_type": "metric", "sources": [], "tags": [], "time_granularity": null,
    "type": "simple",
    "type_params": {
      "conversion_type_params": null, "cumulative_type_params": null, "denominator": null,
      "expr": "total", "grain_to_date": null,
      "input_measures": [
        {
          "alias": null, "fill_nulls_with": null, "filter": null, "join_to_timespine": false,
          "name": "order_total"
        }
      ],
      "measure": {
        "alias": null, "fill_nulls_with": null, "filter": null, "join_to_timespine": false,
        "name": "order_total"
      },
      "metric_aggregation_params": null, "metrics": [], "numerator": null, "window": null
    },
    "unique_id": "metric.kitchen_sink.order_total",
    "unrendered_config": {"enabled": true, "meta": {"owner": "finance"}}
  },
  "saved_query.kitchen_sink.qq": {
    "config": {
      "cache": {"enabled": true}, "enabled": true, "export_as": "table", "group": null,
      "meta": {"m": 1}, "schema": "exports", "tags": ["two"]
    },
    "created_at": 0,
    "depends_on": {
      "macros": [],
      "nodes": ["metric.kitchen_sink.derived_one", "metric.kitchen_sink.ratio_one"]
    },
    "description": "A query.",
    "exports": [
      {
        "config": {"alias": "e1", "database": "dev", "export_as": "table", "schema_name": "exports"},
        "name": "e1", "unrendered_config": {}
      },
      {
        "config": {"alias": "custom", "database": "other", "export_as": "view", "schema_name": "exports"},
        "name": "e2",
        "unrendered_config": {"alias": "custom", "database": "other", "export_as": "view"}
      },
      {
        "config": {"alias": "e3", "database": "dev", "export_as": "table", "schema_name": "elsewhere"},
        "name": "e3", "unrendered_config": {"schema": "elsewhere"}
      }
    ],
    "fqn": ["kitchen_sink", "marts", "qq"], "group": null, "label": "Q", "metadata": null,
    "name": "qq", "original_file_path": "models/marts/sem.yml", "package_name": "kitchen_sink",
    "path": "marts/sem.yml",
    "query_params": {
      "group_by": ["TimeDimension('order__ordered_at', 'day')"], "limit": 10,
      "metrics": ["derived_one", "ratio_one"], "order_by": ["Metric('derived_one')"],
      "where": {
        "where_filters": [{"where_sql_template": "{{ Dimension('order__ordered_at') }} > '2020-01-01'"}]
      }
    },
    "refs": [], "resource_type": "saved_query", "tags": ["one", "two"],
    "unique_id": "saved_query.kitchen_sink.qq",
    "unrendered_config": {"cache": {"enabled": true}, "meta": {"m": 1}, "schema": "exports", "tags": ["two"]}
  },
  "semantic_model.kitchen_sink.orders": {
    "config": {"enabled": true, "group": null, "meta": {"owner": "finance"}}, "created_at": 0,
    "defaults": {"agg_time_dimension": "ordered_at"},
    "depends_on": {"macros": [], "nodes": ["model.kitchen_sink.stg_orders.v2"]},
    "description": "Orders.",
    "dimensions": [
      {
        "config": {"meta": {"owner": "finance"}}, "description": null, "expr": null,
        "is_partition": true, "label": "Ordered at", "metadata": null, "name": "ordered_at",
        "type": "time", "type_params": {"time_granularity": "day", "validity_params": null}
      }
    ],
    "entities": [
      {
        "config": {"meta": {"owner": "finance", "pii": false}}, "description": null,
        "expr": "order_id", "label": null, "name": "order", "role": null, "type": "unique"
      }
    ],
    "fqn": ["kitchen_sink", "marts", "orders"], "group": null, "label": "Orders",
    "measures": [
      {
        "agg": "sum", "agg_params": null, "agg_time_dimension": null,
        "config": {"meta": {"owner": "finance"}}, "create_metric": false, "description": null,
        "expr": "total", "label": "Order total", "name": "order_total",
        "non_additive_dimension": {"name": "ordered_at", "window_choice": "max", "window_groupings": []}
      },
      {
        "agg": "count", "agg_params": null, "agg_time_dimension": null,
        "config": {"meta": {"owner": "finance"}}, "create_metric": false, "description": null,
        "expr": "1", "label": null, "name": "order_count", "non_additive_dimension": null
      },
      {
        "agg": "percentile",
        "agg_params": {
          "percentile": 0.5, "use_approximate_percentile": false,
          "use_discrete_percentile": true
        },
        "agg_time_dimension": null, "config": {"meta": {"owner": "finance"}},
        "create_metric": false, "description": null, "expr": "total", "label": null,
        "name": "median_total", "non_additive_dimension": null
      }
    ],
    "metadata": null, "model": "ref('stg_orders', v=2)", "name": "orders",
    "node_relation": {
      "alias": "stg_orders_v2", "database": "dev",
      "relation_name": "\"dev\".\"main\".\"stg_orders_v2\"", "schema_name": "main"
    },
    "original_file_path": "models/marts/sem.yml", "package_name": "kitchen_sink",
    "path": "marts/sem.yml", "primary_entity": "order",
    "refs": [{"name": "stg_orders", "package": null, "version": 2}],
    "resource_type": "semantic_model", "unique_id": "semantic_model.kitchen_sink.orders",
    "unrendered_config": {"meta": {"owner": "finance"}}
  }
}"#;

    fn full_featured_layer() -> SemanticLayer {
        let configs = |kind: SemanticKind, _project: &str, fqn: &[String]| {
            let mut m = Map::new();
            if kind == SemanticKind::Metric && fqn.get(1).map(String::as_str) == Some("marts") {
                m.insert("+meta".into(), json!({"team": "x"}));
            }
            if kind == SemanticKind::SavedQuery {
                m.insert("+export_as".into(), json!("table"));
            }
            m
        };
        let doc = crate::yaml::parse("models/marts/sem.yml", FULL_FEATURED_YML).expect("parses");
        let mut layer = SemanticLayer::new("kitchen_sink");
        let file = SourceFile::new("kitchen_sink", "models/marts/sem.yml");
        layer.add_properties(&doc, &file, &configs);
        layer.resolve(&BuiltinResolver {
            target_database: Some("dev".into()),
            target_schema: "main".into(),
            refs: |_pkg: &str, r: &RefArgs| {
                (r.name == "stg_orders" && r.version_str().as_deref() == Some("2")).then(|| {
                    ModelRelation {
                        // dbt-duckdb quotes every part by default.
                        relation_name: Some("\"dev\".\"main\".\"stg_orders_v2\"".into()),
                        ..relation("model.kitchen_sink.stg_orders.v2", "main", "stg_orders_v2")
                    }
                })
            },
        });
        layer
    }

    #[test]
    fn full_featured_entries_match_dbt_core() {
        let layer = full_featured_layer();
        assert!(layer.diagnostics.is_empty(), "{:#?}", layer.diagnostics);
        let expected: Value = serde_json::from_str(FULL_FEATURED_DBT).expect("JSON");
        let mut ours = layer.semantic_models_json();
        ours.extend(layer.metrics_json());
        ours.extend(layer.saved_queries_json());
        let mut differences = Vec::new();
        for (id, want) in expected.as_object().into_iter().flatten() {
            match ours.get(id) {
                Some(got) => diff(id, want, got, &mut differences),
                None => differences.push(format!("{id}: missing")),
            }
        }
        assert!(differences.is_empty(), "{}", differences.join("\n"));

        // The other metrics, field by field as dbt-core wrote them.
        let metric = |name: &str| layer.metrics[&format!("metric.kitchen_sink.{name}")].to_json();
        let inputs = |m: &Value| -> Vec<(Value, Value)> {
            m["type_params"]["input_measures"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| (i["name"].clone(), i["alias"].clone()))
                .collect()
        };
        let nested = metric("cumulative_nested");
        assert_eq!(
            nested["type_params"]["cumulative_type_params"],
            json!({"window": null, "grain_to_date": "month", "period_agg": "last", "metric": null})
        );
        let derived = metric("derived_one");
        assert_eq!(
            derived["depends_on"]["nodes"],
            json!([
                "metric.kitchen_sink.cumulative_nested",
                "metric.kitchen_sink.order_total"
            ])
        );
        assert_eq!(
            inputs(&derived),
            vec![
                (json!("order_count"), json!(null)),
                (json!("order_total"), json!(null))
            ]
        );
        assert_eq!(
            derived["type_params"]["metrics"][1],
            json!({"name": "order_total", "filter": null, "alias": "prev",
                   "offset_window": {"count": 2, "granularity": "month"}, "offset_to_grain": null})
        );
        assert_eq!(
            derived["type_params"]["expr"],
            json!("cumulative_nested - prev")
        );
        let ratio = metric("ratio_one");
        assert_eq!(
            ratio["depends_on"]["nodes"],
            json!([
                "metric.kitchen_sink.order_total",
                "metric.kitchen_sink.order_count"
            ])
        );
        assert_eq!(
            inputs(&ratio),
            vec![
                (json!("order_total"), json!(null)),
                (json!("order_count"), json!(null))
            ]
        );
        let filter = json!({"where_filters": [{"where_sql_template": "{{ Dimension('order__ordered_at') }} > '2020-01-01'"}]});
        assert_eq!(ratio["filter"], filter);
        assert_eq!(ratio["type_params"]["numerator"]["filter"], filter);
        assert_eq!(ratio["time_granularity"], json!("month"));
        let count = metric("order_count");
        assert_eq!(count["type_params"]["expr"], json!("1"));
        assert_eq!(
            count["description"],
            json!("Metric created from measure order_count")
        );
    }

    #[test]
    fn disabled_resources_are_kept_apart() {
        let yaml = r#"
semantic_models:
  - name: off
    model: ref('stg_orders')
    config: {enabled: false}
    measures:
      - {name: hidden, agg: sum, create_metric: true}
metrics:
  - name: uses_hidden
    label: U
    type: simple
    type_params: {measure: hidden}
"#;
        let layer = layer_from(yaml, "models/sem.yml");
        assert!(layer.semantic_models.is_empty());
        assert_eq!(layer.disabled_semantic_models.len(), 1);
        assert_eq!(layer.disabled_metrics.len(), 1);
        assert!(layer.diagnostics.iter().any(|d| d
            .message
            .contains("referenced on disabled semantic model `off`")));
        let disabled = layer.disabled_json();
        assert!(disabled.contains_key("semantic_model.kitchen_sink.off"));
        assert!(disabled.contains_key("metric.kitchen_sink.hidden"));
    }

    #[test]
    fn project_configs_apply_by_fqn() {
        // As dbt-core writes it: the project's meta is updated by the entry's in `config`,
        // replaced by it in `unrendered_config`.
        let configs = |kind: SemanticKind, project: &str, fqn: &[String]| {
            let mut m = Map::new();
            let in_sem = fqn.get(1).map(String::as_str) == Some("sem");
            if kind == SemanticKind::Metric && project == "kitchen_sink" && in_sem {
                m.insert("+meta".into(), json!({"team": "x"}));
                m.insert("enabled".into(), json!(true));
            }
            if kind == SemanticKind::SavedQuery && project == "kitchen_sink" {
                m.insert("export_as".into(), json!("view"));
            }
            m
        };
        let yaml = "metrics:\n  - name: m\n    label: M\n    type: simple\n    type_params: {measure: x}\n    config: {meta: {own: 1}}\nsaved_queries:\n  - name: q\n    query_params: {metrics: [m]}\n";
        let doc = crate::yaml::parse("models/sem/a.yml", yaml).expect("parses");
        let mut layer = SemanticLayer::new("kitchen_sink");
        layer.add_properties(
            &doc,
            &SourceFile::new("kitchen_sink", "models/sem/a.yml"),
            &configs,
        );
        let m = layer.metrics["metric.kitchen_sink.m"].to_json();
        assert_eq!(m["config"]["meta"], json!({"team": "x", "own": 1}));
        assert_eq!(m["meta"], json!({"team": "x", "own": 1}));
        assert_eq!(
            m["unrendered_config"],
            json!({"meta": {"own": 1}, "enabled": true})
        );
        // Saved queries (and semantic models) never carry project configs in unrendered_config.
        let q = layer.saved_queries["saved_query.kitchen_sink.q"].to_json();
        assert_eq!(q["config"]["export_as"], json!("view"));
        assert_eq!(q["unrendered_config"], json!({}));

        // In another package, the root project's configs override the entry's.
        let root_disables = |kind: SemanticKind, project: &str, _fqn: &[String]| {
            let mut m = Map::new();
            if kind == SemanticKind::Metric && project == "kitchen_sink" {
                m.insert("+enabled".into(), json!(false));
            }
            m
        };
        let yaml = "metrics:\n  - name: pm\n    label: P\n    type: simple\n    type_params: {measure: x}\n    config: {enabled: true}\n";
        let doc = crate::yaml::parse("models/p.yml", yaml).expect("parses");
        let mut layer = SemanticLayer::new("kitchen_sink");
        layer.add_properties(
            &doc,
            &SourceFile::new("utils", "models/p.yml"),
            &root_disables,
        );
        assert!(layer.metrics.is_empty());
        assert_eq!(layer.disabled_metrics.len(), 1);
        assert_eq!(layer.disabled_metrics[0].unique_id, "metric.utils.pm");
    }

    #[test]
    fn metric_cycles_are_reported_not_followed_forever() {
        let yaml = r#"
metrics:
  - {name: a, label: A, type: derived, type_params: {expr: b, metrics: [b]}}
  - {name: b, label: B, type: derived, type_params: {expr: a, metrics: [a]}}
"#;
        let layer = layer_from(yaml, "models/sem.yml");
        assert!(
            layer.diagnostics.iter().any(|d| d.code == "cycle"),
            "{:?}",
            layer.diagnostics
        );
    }

    #[test]
    fn ref_calls() {
        let r = parse_ref_call("ref('x')").expect("ok");
        assert_eq!((r.name.as_str(), r.package, r.version), ("x", None, None));
        let r = parse_ref_call(" ref( \"pkg\" , 'x', version='1.5' ) ").expect("ok");
        assert_eq!(r.package.as_deref(), Some("pkg"));
        assert_eq!(r.version, Some(json!("1.5")));
        assert_eq!(r.version_str().as_deref(), Some("1.5"));
        let r = parse_ref_call("{{ ref('x', v=3) }}").expect("ok");
        assert_eq!(r.version_str().as_deref(), Some("3"));
        for bad in [
            "x",
            "ref(x)",
            "ref('a', 'b', 'c')",
            "ref('x'",
            "ref('x') + 1",
            "ref(1)",
            "ref('",
            "ref('x', v=)",
        ] {
            assert!(parse_ref_call(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows() {
        assert_eq!(
            parse_time_window("28 Days"),
            Ok(MetricTimeWindow {
                count: 28,
                granularity: "day".into()
            })
        );
        assert_eq!(
            parse_time_window("3 fiscal_quarters"),
            Ok(MetricTimeWindow {
                count: 3,
                granularity: "fiscal_quarters".into()
            })
        );
        assert!(parse_time_window("x days").is_err());
        assert!(parse_time_window("1  day").is_err());
        assert!(parse_time_window("99999999999999999999999 days").is_err());
    }

    #[test]
    fn fqn_and_paths() {
        let f = SourceFile::new("p", "models/a/b/c.yml");
        assert_eq!(f.path, "a/b/c.yml");
        assert_eq!(f.fqn("n"), vec!["p", "a", "b", "n"]);
        let f = SourceFile::new("p", "src/models/c.yml").with_resource_dir("src/models");
        assert_eq!(f.path, "c.yml");
        assert_eq!(f.fqn("n"), vec!["p", "n"]);
    }

    #[test]
    fn descriptions_render_like_dbt() {
        let mut layer = layer_from(KITCHEN_SINK_SEMANTIC_YML, "models/semantic/semantic.yml");
        layer.render_descriptions(|s| format!("<{s}>"));
        assert_eq!(
            layer.metrics["metric.kitchen_sink.transactions"].description,
            "<>"
        );
        let sm = &layer.semantic_models["semantic_model.kitchen_sink.transactions"];
        assert_eq!(sm.measures[1].description, None);
        assert_eq!(
            sm.measures[0].description.as_deref(),
            Some("<Sum of transaction amounts in US dollars.>")
        );
    }

    #[test]
    fn arbitrary_values_never_panic() {
        let samples = [
            json!(null),
            json!(1),
            json!("x"),
            json!([]),
            json!({}),
            json!({"name": 1}),
            json!({"name": "a", "model": 5, "measures": "x", "entities": [1, null], "dimensions": [{"type_params": []}]}),
            json!({"name": "a", "label": "b", "type": "ratio", "type_params": null}),
            json!({"name": "a", "label": "b", "type": "ratio", "type_params": {"numerator": 1, "denominator": {"name": []}}}),
            json!({"name": "a", "label": "b", "type": "conversion", "type_params": {"conversion_type_params": {"constant_properties": [1]}}}),
            json!({"name": "a", "label": "b", "type": "cumulative", "type_params": {"cumulative_type_params": {"period_agg": "median", "window": " "}}}),
            json!({"name": "a", "query_params": {"metrics": [1], "limit": -1.5}, "exports": [{"name": "e", "config": {"export_as": 3, "schema": []}}], "tags": {}}),
            json!({"name": "é", "model": "ref('é', v=-1e999)", "config": {"enabled": "yes", "meta": 3, "cache": 1}}),
        ];
        let file = SourceFile::new("p", "x.yml");
        let mut layer = SemanticLayer::new("p");
        for v in &samples {
            layer.add_semantic_model(v, &file, &NoProjectConfigs);
            layer.add_metric(v, &file, &NoProjectConfigs);
            layer.add_saved_query(v, &file, &NoProjectConfigs);
            layer.add_properties(v, &file, &NoProjectConfigs);
            let doc = json!({"metrics": v, "semantic_models": [v], "saved_queries": [v, v]});
            layer.add_properties(&doc, &file, &NoProjectConfigs);
        }
        layer.resolve(&resolver());
        let _ = (
            layer.semantic_models_json(),
            layer.metrics_json(),
            layer.saved_queries_json(),
            layer.disabled_json(),
        );
        assert!(!layer.diagnostics.is_empty());
        for text in [
            "",
            "ref",
            "ref(",
            "ref('",
            "ref('\\",
            "{{",
            "ref('a')}}",
            "ref(-)",
            "ref(.)",
            "ref(v=)",
            "ref(v='x')",
        ] {
            let _ = parse_ref_call(text);
        }
    }
}
