//! The SQL `dbt test` runs for a unit test: the tested model's SQL with every
//! given input replaced by an ephemeral CTE of its fixture rows.
//!
//! Fixture rows are cast to the columns of the relation each input stands
//! for, so they need introspection: the input's columns from the warehouse
//! (or a `catalog.json`), else the columns its properties YAML declares with
//! a `data_type`. Without either there is no SQL, as with dbt against an
//! empty warehouse, and the unit test gets a warning saying why.

use super::{CompileResolver, State};
use crate::diagnostics::Diagnostic;
use crate::jinja::context::{py_bool, Mode, NodeCtx, NodeFacts, Resolver};
use crate::jinja::relation::Relation;
use crate::jinja::{self, Sources};
use crate::nodes::*;
use crate::warehouse::{Declared, Introspection, WarehouseColumn};
use minijinja::Value as JValue;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Name of the template that renders one fixture.
pub(super) const FIXTURE_TEMPLATE: &str = "__unit_fixture__";
pub(super) const FIXTURE_SOURCE: &str = "{{ get_fixture_sql(__rows, none) }}";

/// A given input, standing in for one node or source.
struct Input {
    /// `model.<package>.<name>` (sources: `<source>__<name>`).
    fixture_id: String,
    /// The CTE's name after `__dbt__cte__`.
    cte: String,
    /// The input's name in `-- Fixture for <name>`.
    name: String,
    package: String,
    /// The relation the fixture stands for (its columns give the types).
    relation: Relation,
    declared: Vec<WarehouseColumn>,
    given: Value,
}

/// What a unit test's `overrides` set, for its render and its fixtures'.
struct Overrides {
    /// The tested model's vars with the overridden ones.
    vars: Arc<Map<String, Value>>,
    /// Macros replaced by functions that return the given value.
    macros: BTreeMap<String, JValue>,
    env: BTreeMap<String, String>,
}

/// `ref` and `source` inside a unit test: the given inputs' CTEs.
struct FixtureResolver {
    lookup: Arc<CompileResolver>,
    /// original unique id -> (CTE relation, fixture id)
    inputs: BTreeMap<String, (Relation, String)>,
    test: String,
}

impl Resolver for FixtureResolver {
    fn resolve_ref(
        &self,
        from_package: &str,
        package: Option<&str>,
        name: &str,
        version: Option<&str>,
    ) -> Result<(Relation, String), String> {
        let (_, uid) = self
            .lookup
            .resolve_ref(from_package, package, name, version)?;
        self.inputs.get(&uid).cloned().ok_or_else(|| {
            format!(
                "unit test '{}' has no given input for ref('{name}'); every model it selects from must be given",
                self.test
            )
        })
    }

    fn resolve_source(&self, source: &str, table: &str) -> Result<(Relation, String), String> {
        let (_, uid) = self.lookup.resolve_source(source, table)?;
        self.inputs.get(&uid).cloned().ok_or_else(|| {
            format!(
                "unit test '{}' has no given input for source('{source}', '{table}')",
                self.test
            )
        })
    }

    fn graph(&self) -> JValue {
        self.lookup.graph()
    }
}

/// Fixture rows as the template sees them: booleans print as Python's, and
/// empty CSV cells are null.
fn rows_value(given: &Value) -> JValue {
    let csv = given.get("format").and_then(|f| f.as_str()) == Some("csv");
    let rows = given
        .get("rows")
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    JValue::from(
        rows.iter()
            .map(|row| {
                let cells: indexmap::IndexMap<JValue, JValue> = row
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| {
                                let v = match v {
                                    Value::Bool(b) => py_bool(*b),
                                    Value::String(s) if csv && s.is_empty() => JValue::from(()),
                                    other => JValue::from(minijinja::value::Serde(other)),
                                };
                                (JValue::from(k.clone()), v)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                crate::jinja::containers::MutDict::new_value(cells)
            })
            .collect::<Vec<_>>(),
    )
}

/// Columns declared in properties YAML, when every one has a type.
fn declared_columns(cols: &indexmap::IndexMap<String, Column>) -> Vec<WarehouseColumn> {
    if cols.is_empty() || cols.values().any(|c| c.data_type.is_none()) {
        return Vec::new();
    }
    cols.values()
        .map(|c| WarehouseColumn {
            name: c.name.clone(),
            data_type: c.data_type.clone().unwrap_or_default(),
        })
        .collect()
}

impl State<'_> {
    /// Compiles every enabled unit test whose model compiled.
    pub(super) fn compile_unit_tests(
        &mut self,
        env: &Arc<minijinja::Environment<'static>>,
        sources: &Sources,
        resolver: &Arc<CompileResolver>,
    ) {
        let ids: Vec<String> = self.manifest.unit_tests.keys().cloned().collect();
        for id in ids {
            let Some(u) = self.manifest.unit_tests.get(&id).cloned() else {
                continue;
            };
            if u.config.get("enabled") == Some(&Value::Bool(false)) {
                continue;
            }
            let Some(tested) = u
                .depends_on_nodes
                .first()
                .and_then(|t| self.manifest.nodes.get(t))
                .cloned()
            else {
                continue;
            };
            if tested.has_error {
                continue;
            }
            let result = self.unit_test_sql(&u, &tested, env, sources, resolver);
            match result {
                Ok(sql) => {
                    if let Some(t) = self.manifest.unit_tests.get_mut(&id) {
                        t.compiled_code = Some(sql);
                    }
                }
                Err(message) => {
                    let mut d = Diagnostic::warning("unit-test-sql", message.clone())
                        .in_file(u.file.clone())
                        .for_node(u.unique_id.clone());
                    // At the unit test's name in its properties file.
                    if let Some(text) = self.input.files.get(&u.file) {
                        if let Some(at) = text.find(&format!(" {}", u.name)) {
                            d = d.at_offset(text, at + 1);
                        }
                    }
                    if message.contains("Not able to get columns") {
                        d = d.with_help(
                            "fixture rows are cast to the input's column types: declare its columns with a data_type in properties YAML, or compile with a catalog.json (--catalog)",
                        );
                    }
                    self.diagnostics.push(d);
                }
            }
        }
    }

    /// The given inputs, each with the unique id of what it replaces (`None`
    /// for the input that stands for `this`).
    fn unit_test_inputs(
        &self,
        u: &UnitTest,
        tested: &Node,
        env: &minijinja::Environment<'static>,
        resolver: &CompileResolver,
    ) -> Result<Vec<(Option<String>, Input)>, String> {
        let mut out = Vec::new();
        for given in &u.given {
            let input = given.get("input").and_then(|i| i.as_str()).unwrap_or("");
            let is_this = input.trim() == "this";
            let original = if is_this {
                Some(tested.unique_id.clone())
            } else {
                // The input is read as dbt reads it: a `ref` or `source` call.
                let ctx = NodeCtx::new(
                    self.shared.clone(),
                    None,
                    Mode::Parse,
                    self.facts(tested, None, super::fixed(Value::Null)),
                );
                env.compile_expression(input)
                    .and_then(|x| x.eval(ctx.value()))
                    .map_err(|e| format!("unit test '{}': input '{input}': {e}", u.name))?;
                let rec = std::mem::take(&mut *ctx.rec.lock().unwrap_or_else(|e| e.into_inner()));
                let found = if let Some(r) = rec.refs.first() {
                    resolver.resolve_ref(
                        &u.package_name,
                        r.package.as_deref(),
                        &r.name,
                        r.version.as_deref(),
                    )
                } else if let Some((s, t)) = rec.sources.first() {
                    resolver.resolve_source(s, t)
                } else {
                    return Err(format!(
                        "unit test '{}': input '{input}' is not this, ref(...) or source(...)",
                        u.name
                    ));
                };
                found.ok().map(|(_, uid)| uid)
            };
            let original = original.ok_or_else(|| {
                format!(
                    "unit test '{}' had an input ({input}) which was not found in the manifest",
                    u.name
                )
            })?;
            // A node's CTE is named by its alias, a source's by its source and
            // table names.
            let (id_name, cte, name, package, database, schema, identifier, columns) =
                if let Some(n) = self.manifest.nodes.get(&original) {
                    (
                        n.name.clone(),
                        n.alias.clone(),
                        &n.name,
                        &n.package_name,
                        &n.database,
                        &n.schema,
                        &n.alias,
                        &n.columns,
                    )
                } else if let Some(s) = self.manifest.sources.get(&original) {
                    let cte = format!("{}__{}", s.source_name, s.name);
                    (
                        cte.clone(),
                        cte,
                        &s.name,
                        &s.package_name,
                        &s.database,
                        &s.schema,
                        &s.identifier,
                        &s.columns,
                    )
                } else {
                    return Err(format!(
                        "unit test '{}': input {input} is neither a node nor a source",
                        u.name
                    ));
                };
            let entry = Input {
                fixture_id: format!("model.{package}.{id_name}"),
                cte,
                name: name.clone(),
                package: package.clone(),
                relation: Relation::new(
                    database.clone(),
                    Some(schema.clone()),
                    Some(identifier.clone()),
                    self.shared.adapter.default_quoting,
                    self.shared.adapter.quote_char,
                ),
                declared: declared_columns(columns),
                given: given.clone(),
            };
            out.push(((!is_this).then_some(original), entry));
        }
        Ok(out)
    }

    fn unit_test_sql(
        &self,
        u: &UnitTest,
        tested: &Node,
        env: &Arc<minijinja::Environment<'static>>,
        sources: &Sources,
        resolver: &Arc<CompileResolver>,
    ) -> Result<String, String> {
        let qc = self.shared.adapter.quote_char;
        let inputs = self.unit_test_inputs(u, tested, env, resolver)?;
        let overrides = |k: &str| -> Map<String, Value> {
            u.overrides
                .get(k)
                .and_then(|o| o.as_object())
                .cloned()
                .unwrap_or_default()
        };
        let mut vars = (*self.vars_for(&tested.package_name)).clone();
        vars.extend(overrides("vars"));
        let env_vars: BTreeMap<String, String> = overrides("env_vars")
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or(v.to_string())))
            .collect();
        let mut macros: BTreeMap<String, JValue> = BTreeMap::new();
        for (name, v) in overrides("macros") {
            let value = match v {
                Value::Bool(b) => py_bool(b),
                other => JValue::from(minijinja::value::Serde(&other)),
            };
            macros.insert(
                name,
                JValue::from_function(move |_: minijinja::value::Rest<JValue>| {
                    Ok::<_, minijinja::Error>(value.clone())
                }),
            );
        }

        let mut by_original: BTreeMap<String, (Relation, String)> = BTreeMap::new();
        let mut this_input: Option<&Input> = None;
        for (original, input) in &inputs {
            match original {
                Some(o) => {
                    by_original.insert(
                        o.clone(),
                        (
                            Relation::ephemeral(&input.cte, qc),
                            input.fixture_id.clone(),
                        ),
                    );
                }
                None => this_input = Some(input),
            }
        }
        let fixture_resolver: Arc<dyn Resolver> = Arc::new(FixtureResolver {
            lookup: resolver.clone(),
            inputs: by_original,
            test: u.name.clone(),
        });

        let set = Overrides {
            vars: Arc::new(vars),
            macros,
            env: env_vars,
        };
        let name = u.test_name();
        let expect_rows = u.expect.get("rows").cloned().unwrap_or(Value::Null);
        let sql_expect = u.expect.get("format").and_then(|f| f.as_str()) == Some("sql");
        let config: Map<String, Value> = json!({
            "materialized": "unit",
            "expected_rows": if sql_expect { json!([]) } else { expect_rows.clone() },
            "expected_sql": if sql_expect { expect_rows } else { Value::Null },
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        let this = match this_input {
            Some(i) => Relation::ephemeral(&i.cte, qc),
            None => Relation::new(
                tested.database.clone(),
                Some(tested.schema.clone()),
                Some(name.clone()),
                self.shared.adapter.default_quoting,
                qc,
            ),
        };
        let model = json!({
            "unique_id": u.unique_id, "name": name, "resource_type": "unit_test",
            "package_name": u.package_name, "original_file_path": u.original_file_path,
            "config": config, "raw_code": tested.raw_code, "tested_node_unique_id": tested.unique_id,
        });
        let facts = NodeFacts {
            unique_id: u.unique_id.clone(),
            package: u.package_name.clone(),
            name: name.clone(),
            resource_type: "unit_test".into(),
            file: tested.file.clone(),
            this: Some(this),
            config: Arc::new(config.clone()),
            model: Some(Arc::new(move || {
                JValue::from(minijinja::value::Serde(&model))
            })),
            vars: set.vars.clone(),
            extra: set.macros.clone(),
            env_overrides: set.env.clone(),
            warehouse: None,
        };
        let ctx = NodeCtx::new(
            self.shared.clone(),
            Some(fixture_resolver.clone()),
            Mode::Compile,
            facts,
        );
        let template = format!("node:{}#{}", tested.file, tested.unique_id);
        let sql = jinja::render_once(env, sources, &template, &ctx).map_err(|d| d.message)?;
        let rec = std::mem::take(&mut *ctx.rec.lock().unwrap_or_else(|e| e.into_inner()));

        // The `this` input's CTE comes first (dbt adds it when it builds the
        // context), then the others in the order the SQL refers to them.
        let mut used: Vec<&Input> = this_input.into_iter().collect();
        for fixture_id in &rec.ephemeral {
            if let Some((_, i)) = inputs
                .iter()
                .find(|(o, i)| o.is_some() && &i.fixture_id == fixture_id)
            {
                if !used.iter().any(|x| x.fixture_id == i.fixture_id) {
                    used.push(i);
                }
            }
        }
        let mut ctes = Vec::new();
        for input in used {
            let body = self.fixture_sql(u, input, env, sources, &fixture_resolver, &set)?;
            ctes.push((
                input.fixture_id.clone(),
                format!(" __dbt__cte__{} as (\n{}\n)", input.cte, body),
            ));
        }
        Ok(crate::sql::inject_ctes(&sql, &ctes))
    }

    /// One input's fixture: its SQL as given, or `get_fixture_sql` over its rows.
    fn fixture_sql(
        &self,
        u: &UnitTest,
        input: &Input,
        env: &Arc<minijinja::Environment<'static>>,
        sources: &Sources,
        resolver: &Arc<dyn Resolver>,
        set: &Overrides,
    ) -> Result<String, String> {
        let mut extra = set.macros.clone();
        extra.insert("__rows".into(), rows_value(&input.given));
        let model = json!({
            "unique_id": input.fixture_id, "name": input.name, "resource_type": "model",
            "package_name": input.package, "original_file_path": u.original_file_path,
            "config": {"materialized": "ephemeral"},
        });
        let declared: Option<Arc<dyn Introspection>> = (!input.declared.is_empty()).then(|| {
            Arc::new(Declared {
                database: input.relation.database.clone(),
                schema: input.relation.schema.clone().unwrap_or_default(),
                identifier: input.relation.identifier.clone().unwrap_or_default(),
                columns: input.declared.clone(),
            }) as Arc<dyn Introspection>
        });
        let facts = NodeFacts {
            unique_id: input.fixture_id.clone(),
            package: input.package.clone(),
            name: input.name.clone(),
            resource_type: "model".into(),
            file: u.file.clone(),
            this: Some(input.relation.clone()),
            config: Arc::new(
                json!({"materialized": "ephemeral"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
            model: Some(Arc::new(move || {
                JValue::from(minijinja::value::Serde(&model))
            })),
            vars: set.vars.clone(),
            extra,
            env_overrides: set.env.clone(),
            warehouse: declared,
        };
        let ctx = NodeCtx::new(
            self.shared.clone(),
            Some(resolver.clone()),
            Mode::Compile,
            facts,
        );
        let rendered = if input.given.get("format").and_then(|f| f.as_str()) == Some("sql") {
            let text = input
                .given
                .get("rows")
                .and_then(|r| r.as_str())
                .unwrap_or_default();
            env.render_str(text, ctx.value())
                .map_err(|e| format!("unit test '{}': input {}: {e}", u.name, input.name))
        } else {
            jinja::render(env, sources, FIXTURE_TEMPLATE, &ctx).map_err(|d| {
                format!(
                    "unit test '{}': fixture for '{}': {}",
                    u.name, input.name, d.message
                )
            })
        }?;
        Ok(rendered)
    }
}
