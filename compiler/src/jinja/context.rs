//! The dbt Jinja context of one node: `ref`, `source`, `config`, `var`,
//! `adapter`, macros by name, and the rest, resolved lazily by name.

use super::containers::{to_dict, to_list, MutList};
use super::macros::{MacroDef, MacroTable};
use super::relation::{Policy, Relation};
use crate::diagnostics::Diagnostic;
use crate::input::{Invocation, Target};
use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Rest, Value};
use minijinja::{Error, ErrorKind, State};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

/// How deep macro calls may nest before a render is stopped.
pub const MAX_MACRO_DEPTH: usize = 64;

/// Whether this render is dbt's parse pass or its compile pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `execute` is false; `ref`/`source`/`config` are recorded.
    Parse,
    /// `execute` is true; `ref`/`source` resolve to relations.
    Compile,
}

/// Adapter facts that differ between warehouses: a table, not special cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdapterSpec {
    pub type_name: &'static str,
    /// Adapter types whose macros this one inherits (`redshift` -> `postgres`).
    pub parents: &'static [&'static str],
    pub quote_char: char,
    pub default_quoting: Policy,
    /// The adapter's internal macro package (`dbt_duckdb`, `dbt_postgres`).
    pub internal_package: &'static str,
    /// `Column.TYPE_LABELS`: generic type names the adapter spells its own way.
    pub type_labels: &'static [(&'static str, &'static str)],
}

impl AdapterSpec {
    /// The prefixes `adapter.dispatch` tries, in order: this adapter's type,
    /// its parents', then `default`.
    pub fn macro_prefixes(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.type_name)
            .chain(self.parents.iter().copied())
            .chain(std::iter::once("default"))
    }
}

pub const ADAPTERS: &[AdapterSpec] = &[
    AdapterSpec {
        type_name: "duckdb",
        parents: &[],
        quote_char: '"',
        default_quoting: Policy::ALL,
        internal_package: "dbt_duckdb",
        type_labels: &[("STRING", "TEXT")],
    },
    AdapterSpec {
        type_name: "postgres",
        parents: &[],
        quote_char: '"',
        default_quoting: Policy::ALL,
        internal_package: "dbt_postgres",
        type_labels: &[("STRING", "TEXT")],
    },
];

pub fn adapter_spec(type_name: &str) -> Option<&'static AdapterSpec> {
    ADAPTERS.iter().find(|a| a.type_name == type_name)
}

/// Resolves `ref` and `source` during the compile pass.
pub trait Resolver: Send + Sync {
    /// Returns the relation and unique id of the referenced node.
    fn resolve_ref(
        &self,
        from_package: &str,
        package: Option<&str>,
        name: &str,
        version: Option<&str>,
    ) -> Result<(Relation, String), String>;
    fn resolve_source(&self, source: &str, table: &str) -> Result<(Relation, String), String>;
    /// The `graph` context variable.
    fn graph(&self) -> Value;
}

/// A `ref()` call as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct RefCall {
    pub package: Option<String>,
    pub name: String,
    pub version: Option<String>,
}

/// What a render recorded: the calls dbt turns into node properties.
#[derive(Debug, Default)]
pub struct Recorded {
    pub refs: Vec<RefCall>,
    pub sources: Vec<(String, String)>,
    pub configs: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Macros called directly by the node, in first-call order.
    pub macros: Vec<String>,
    /// Read by the static parser, not rendered: `configs` holds one map
    /// per keyword argument, as written.
    pub static_read: bool,
    pub depth: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// Ephemeral nodes referenced (unique ids), in order of first reference.
    pub ephemeral: Vec<String>,
    pub dependencies: BTreeSet<String>,
    pub statements: BTreeMap<String, Value>,
}

/// The packages `adapter.dispatch(.., namespace)` looks in, in order
/// (`None`: by name, as an unqualified call would find it): the root
/// project's `dispatch:` search order for the namespace, else the root
/// project then the namespace if it is a known package, else by name.
pub fn dispatch_search(
    dispatch: &BTreeMap<String, Vec<String>>,
    dependencies: &BTreeSet<String>,
    root_project: &str,
    namespace: Option<&str>,
) -> Vec<Option<String>> {
    match namespace {
        None => vec![None],
        Some(ns) => match dispatch.get(ns) {
            Some(order) => order.iter().cloned().map(Some).collect(),
            None if dependencies.contains(ns) => {
                vec![Some(root_project.to_string()), Some(ns.to_string())]
            }
            None => vec![None],
        },
    }
}

/// Everything shared by all renders of one compile.
pub struct Shared {
    pub macros: MacroTable,
    pub adapter: &'static AdapterSpec,
    pub target: Target,
    pub env: BTreeMap<String, String>,
    pub invocation: Invocation,
    pub root_project: String,
    /// `dispatch:` from the root project: namespace -> search order.
    pub dispatch: BTreeMap<String, Vec<String>>,
    /// Package names known to the project (root, installed, internal).
    pub dependencies: BTreeSet<String>,
    pub target_value: OnceLock<Value>,
    /// `flags:` of the root project (behaviour flags among them).
    pub project_flags: serde_json::Map<String, serde_json::Value>,
    /// Introspection answers; `None` is an empty warehouse.
    pub warehouse: Option<Arc<dyn crate::warehouse::Introspection>>,
}

impl Shared {
    fn target_value(&self) -> Value {
        self.target_value
            .get_or_init(|| {
                let m = self.target.to_json();
                Value::from(minijinja::value::Serde(&m))
            })
            .clone()
    }

    fn macro_prefixes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.adapter.macro_prefixes()
    }
}

/// The per-node facts a render needs.
pub struct NodeFacts {
    pub unique_id: String,
    pub package: String,
    pub name: String,
    pub resource_type: String,
    pub file: String,
    /// `this`: the node's own relation, if it has one.
    pub this: Option<Relation>,
    /// The node's config as known so far (final during compile).
    pub config: Arc<serde_json::Map<String, serde_json::Value>>,
    /// The `model` variable, built the first time a template looks inside
    /// it; `None` when the render has no model.
    pub model: Option<Arc<dyn Fn() -> Value + Send + Sync>>,
    /// Variables visible to this node (cli vars, project vars), merged.
    pub vars: Arc<serde_json::Map<String, serde_json::Value>>,
    /// Extra top-level names (`_dbt_generic_test_kwargs`, ...).
    pub extra: BTreeMap<String, Value>,
    /// Environment variables that win over the shared ones (unit test
    /// overrides).
    pub env_overrides: BTreeMap<String, String>,
    /// Introspection for this render only, asked when the shared one has
    /// no answer.
    pub warehouse: Option<Arc<dyn crate::warehouse::Introspection>>,
}

/// The root context object of a render.
pub struct NodeCtx {
    pub shared: Arc<Shared>,
    pub resolver: Option<Arc<dyn Resolver>>,
    pub mode: Mode,
    pub node: NodeFacts,
    pub rec: Mutex<Recorded>,
    /// Names added after creation (rendered generic test kwargs).
    pub late: Mutex<BTreeMap<String, Value>>,
    model_value: OnceLock<Value>,
    /// `graph` for this render: one dict that templates may change.
    graph_value: OnceLock<Value>,
    /// What `ref` and `source` return while parsing (relations are
    /// immutable values, so one serves every call).
    placeholder: OnceLock<Value>,
}

impl fmt::Debug for NodeCtx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<context of {}>", self.node.unique_id)
    }
}

fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// The error `return()` raises to end a macro with a value.
#[derive(Debug)]
pub struct ReturnSignal(pub Value);

impl fmt::Display for ReturnSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("return() called outside of a macro")
    }
}

impl std::error::Error for ReturnSignal {}

/// Finds a `return()` value in an error chain.
pub fn return_value(e: &Error) -> Option<Value> {
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(r) = s.downcast_ref::<ReturnSignal>() {
            return Some(r.0.clone());
        }
        src = s.source();
    }
    None
}

/// Raised by `exceptions.raise_compiler_error`.
#[derive(Debug)]
pub struct CompilerError(pub String);

impl fmt::Display for CompilerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CompilerError {}

fn kwargs_of(args: &[Value]) -> (&[Value], Option<Kwargs>) {
    match args.split_last() {
        Some((last, rest)) if last.is_kwargs() => (rest, Kwargs::try_from(last.clone()).ok()),
        _ => (args, None),
    }
}

fn kw_str(kw: &Option<Kwargs>, key: &str) -> Result<Option<String>, Error> {
    match kw {
        Some(k) if k.has(key) => {
            let v: Value = k.get(key)?;
            Ok(if v.is_none() || v.is_undefined() {
                None
            } else {
                Some(
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
        }
        _ => Ok(None),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Converts a Jinja value into JSON (for config, vars, tojson).
pub fn to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

impl NodeCtx {
    pub fn new(
        shared: Arc<Shared>,
        resolver: Option<Arc<dyn Resolver>>,
        mode: Mode,
        node: NodeFacts,
    ) -> Arc<NodeCtx> {
        Arc::new(NodeCtx {
            shared,
            resolver,
            mode,
            node,
            rec: Mutex::new(Recorded::default()),
            late: Mutex::new(BTreeMap::new()),
            model_value: OnceLock::new(),
            graph_value: OnceLock::new(),
            placeholder: OnceLock::new(),
        })
    }

    pub fn value(self: &Arc<Self>) -> Value {
        Value::from_dyn_object(self.clone())
    }

    fn warn(&self, code: &'static str, msg: String) {
        let d = Diagnostic::warning(code, msg)
            .in_file(self.node.file.clone())
            .for_node(self.node.unique_id.clone());
        let mut rec = lock(&self.rec);
        if !rec.diagnostics.iter().any(|x| x.message == d.message) {
            rec.diagnostics.push(d);
        }
    }

    fn this_or_placeholder(&self) -> Value {
        self.placeholder
            .get_or_init(|| {
                self.node
                    .this
                    .clone()
                    .unwrap_or_else(|| {
                        Relation::new(
                            Some(self.shared.target.database.clone()),
                            Some(self.shared.target.schema.clone()),
                            Some(self.node.name.clone()),
                            self.shared.adapter.default_quoting,
                            self.shared.adapter.quote_char,
                        )
                    })
                    .to_value()
            })
            .clone()
    }

    fn call_ref(&self, args: &[Value]) -> Result<Value, Error> {
        let (pos, kw) = kwargs_of(args);
        let strs: Vec<String> = pos
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| err(format!("ref() arguments must be strings, got {v}")))
            })
            .collect::<Result<_, _>>()?;
        let version = kw_str(&kw, "version")?.or(kw_str(&kw, "v")?);
        let given = strs.len();
        let mut strs = strs.into_iter();
        let (package, name) = match (strs.next(), strs.next(), strs.next()) {
            (Some(name), None, _) => (None, name),
            (Some(pkg), Some(name), None) => (Some(pkg), name),
            _ => {
                return Err(err(format!(
                    "ref() takes at most two arguments ({given} given)"
                )))
            }
        };
        match self.mode {
            Mode::Parse => {
                // dbt records every call, repeats included.
                lock(&self.rec).refs.push(RefCall {
                    package,
                    name,
                    version,
                });
                Ok(self.this_or_placeholder())
            }
            Mode::Compile => {
                let resolver = self
                    .resolver
                    .as_ref()
                    .ok_or_else(|| err("ref() is not available here"))?;
                let (rel, uid) = resolver
                    .resolve_ref(
                        &self.node.package,
                        package.as_deref(),
                        &name,
                        version.as_deref(),
                    )
                    .map_err(|m| {
                        Error::new(ErrorKind::InvalidOperation, m)
                            .with_source(CompilerError(String::new()))
                    })?;
                let mut rec = lock(&self.rec);
                if rel.is_cte && !rec.ephemeral.contains(&uid) {
                    rec.ephemeral.push(uid.clone());
                }
                rec.dependencies.insert(uid);
                Ok(rel.to_value())
            }
        }
    }

    fn call_source(&self, args: &[Value]) -> Result<Value, Error> {
        let (pos, _kw) = kwargs_of(args);
        let (s, t) = match pos {
            [s, t] => (
                s.as_str()
                    .ok_or_else(|| err("source() arguments must be strings"))?
                    .to_string(),
                t.as_str()
                    .ok_or_else(|| err("source() arguments must be strings"))?
                    .to_string(),
            ),
            _ => {
                return Err(err(format!(
                    "source() takes exactly two arguments ({} given)",
                    pos.len()
                )))
            }
        };
        match self.mode {
            Mode::Parse => {
                lock(&self.rec).sources.push((s, t));
                Ok(self.this_or_placeholder())
            }
            Mode::Compile => {
                let resolver = self
                    .resolver
                    .as_ref()
                    .ok_or_else(|| err("source() is not available here"))?;
                let (rel, uid) = resolver.resolve_source(&s, &t).map_err(err)?;
                let mut rec = lock(&self.rec);
                if rel.is_cte && !rec.ephemeral.contains(&uid) {
                    rec.ephemeral.push(uid.clone());
                }
                rec.dependencies.insert(uid);
                Ok(rel.to_value())
            }
        }
    }

    fn call_config(&self, args: &[Value]) -> Result<Value, Error> {
        if self.mode == Mode::Compile {
            return Ok(Value::from(""));
        }
        let (pos, kw) = kwargs_of(args);
        let mut map = serde_json::Map::new();
        if let Some(first) = pos.first() {
            if let serde_json::Value::Object(o) = to_json(first) {
                map.extend(o);
            }
        }
        if let Some(kw) = kw {
            for k in kw.args().map(str::to_string).collect::<Vec<_>>() {
                let v: Value = kw.get(&k)?;
                map.insert(k, to_json(&v));
            }
        }
        lock(&self.rec).configs.push(map);
        Ok(Value::from(""))
    }

    fn config_get(&self, key: &str) -> Option<serde_json::Value> {
        if self.mode == Mode::Parse {
            let rec = lock(&self.rec);
            for c in rec.configs.iter().rev() {
                if let Some(v) = c.get(key) {
                    return Some(v.clone());
                }
            }
        }
        self.node.config.get(key).cloned()
    }

    fn call_var(&self, args: &[Value]) -> Result<Value, Error> {
        let (pos, _) = kwargs_of(args);
        let name = pos
            .first()
            .and_then(|v| v.as_str())
            .ok_or_else(|| err("var() needs a variable name"))?;
        if let Some(v) = self.node.vars.get(name) {
            return Ok(Value::from(minijinja::value::Serde(v)));
        }
        if let Some(d) = pos.get(1) {
            return Ok(d.clone());
        }
        if self.mode == Mode::Parse {
            // dbt only fails on missing vars when it compiles.
            return Ok(Value::from(()));
        }
        Err(err(format!(
            "Required var '{name}' not found in config:\nVars supplied to {} = {}",
            self.node.name,
            serde_json::to_string_pretty(&*self.node.vars).unwrap_or_default()
        )))
    }

    fn call_env_var(&self, args: &[Value]) -> Result<Value, Error> {
        let (pos, _) = kwargs_of(args);
        let name = pos
            .first()
            .and_then(|v| v.as_str())
            .ok_or_else(|| err("env_var() needs a variable name"))?;
        if let Some(v) = self
            .node
            .env_overrides
            .get(name)
            .or_else(|| self.shared.env.get(name))
        {
            return Ok(Value::from(v.clone()));
        }
        if let Some(d) = pos.get(1) {
            return Ok(if d.is_none() {
                d.clone()
            } else {
                Value::from(d.to_string())
            });
        }
        Err(err(format!("Env var required but not provided: '{name}'")))
    }

    /// Finds a macro by unqualified name for this node.
    pub fn lookup_macro(&self, name: &str) -> Option<Arc<MacroDef>> {
        self.shared.macros.lookup(&self.node.package, name)
    }

    fn dispatch(self: &Arc<Self>, args: &[Value]) -> Result<Value, Error> {
        let (pos, kw) = kwargs_of(args);
        let macro_name = pos
            .first()
            .and_then(|v| v.as_str())
            .ok_or_else(|| err("adapter.dispatch() needs a macro name"))?
            .to_string();
        let namespace = match pos.get(1) {
            Some(v) if !v.is_none() => v.as_str().map(str::to_string),
            _ => kw_str(&kw, "macro_namespace")?,
        };
        if macro_name.contains('.') {
            return Err(err(format!("In adapter.dispatch, got a macro name of \"{macro_name}\", but \".\" is not a valid macro name component.")));
        }
        match self.dispatch_target(&macro_name, namespace.as_deref()) {
            Ok(def) => Ok(MacroCall::value(def, self.clone())),
            Err(attempts) => Err(err(format!(
                "In dispatch: No macro named '{macro_name}' found within namespace: '{}'\n    Searched for: {}",
                namespace.as_deref().unwrap_or("None"),
                attempts.join(", ")
            ))),
        }
    }

    /// The macro `adapter.dispatch(macro_name, namespace)` calls for this
    /// node, or the names it looked for.
    pub(crate) fn dispatch_target(
        &self,
        macro_name: &str,
        namespace: Option<&str>,
    ) -> Result<Arc<MacroDef>, Vec<String>> {
        let search = dispatch_search(
            &self.shared.dispatch,
            &self.shared.dependencies,
            &self.shared.root_project,
            namespace,
        );
        let mut candidate = String::new();
        for pkg in &search {
            for prefix in self.shared.macro_prefixes() {
                candidate.clear();
                candidate.push_str(prefix);
                candidate.push_str("__");
                candidate.push_str(macro_name);
                let found = match pkg {
                    None => self.lookup_macro(&candidate),
                    Some(p) => self.shared.macros.lookup_in(p, &candidate),
                };
                if let Some(def) = found {
                    return Ok(def);
                }
            }
        }
        // What was looked for, in order, for the error.
        let mut attempts = Vec::new();
        for pkg in &search {
            for prefix in self.shared.macro_prefixes() {
                attempts.push(match pkg {
                    None => format!("'{prefix}__{macro_name}'"),
                    Some(p) => format!("'{p}.{prefix}__{macro_name}'"),
                });
            }
        }
        Err(attempts)
    }

    /// Whether `get_where_subquery(relation)` returns `relation` itself for
    /// this node: its `get_where_subquery` is dbt's own and no `where` is
    /// configured. A generic test's `model` argument then needs no macro
    /// call; the macro's id is given for [`NodeCtx::record_call`].
    pub fn plain_where_subquery(&self) -> Option<String> {
        let def = self.lookup_macro("get_where_subquery")?;
        let builtin = |d: &MacroDef| d.package == "dbt";
        if !builtin(&def)
            || !self
                .dispatch_target("get_where_subquery", Some("dbt"))
                .is_ok_and(|d| builtin(&d) && d.name == "default__get_where_subquery")
        {
            return None;
        }
        match self.config_get("where") {
            None | Some(serde_json::Value::Null) => Some(def.unique_id.clone()),
            Some(serde_json::Value::String(w)) if w.is_empty() => Some(def.unique_id.clone()),
            Some(_) => None,
        }
    }

    /// Records a call of a macro from the node itself, as calling it does.
    pub fn record_call(&self, unique_id: &str) {
        let mut rec = lock(&self.rec);
        if rec.depth == 0 && !rec.macros.iter().any(|m| m == unique_id) {
            rec.macros.push(unique_id.to_string());
        }
    }

    fn model_value(&self) -> Value {
        self.model_value
            .get_or_init(|| match &self.node.model {
                None => Value::from(()),
                Some(make) => Value::from_object(LazyMap {
                    make: make.clone(),
                    value: OnceLock::new(),
                }),
            })
            .clone()
    }

    /// dbt's `graph` is a plain dict (caches live in it); here it is a
    /// mutable view over the run's shared graph, one per render.
    fn graph_value(&self) -> Value {
        self.graph_value
            .get_or_init(|| {
                let shared = match (&self.resolver, self.mode) {
                    (Some(r), Mode::Compile) => r.graph(),
                    _ => Value::from(
                        GRAPH_SECTIONS
                            .into_iter()
                            .map(|k| (k, Value::from(BTreeMap::<String, Value>::new())))
                            .collect::<BTreeMap<_, _>>(),
                    ),
                };
                super::containers::CowView::wrap(shared)
            })
            .clone()
    }

    fn statement_result(&self, name: &str) -> Value {
        lock(&self.rec)
            .statements
            .get(name)
            .cloned()
            .unwrap_or(Value::from(()))
    }

    fn offline_result(&self, what: &str) -> Value {
        if self.mode == Mode::Compile {
            self.warn(
                "offline-query",
                format!(
                    "{what} is not executed without a warehouse connection: it returned no rows"
                ),
            );
        }
        empty_table()
    }
}

/// A map built the first time something looks inside it. Every macro
/// that mentions `model` captures it when its file is loaded, and most never
/// read it, so building the node's whole entry up front is wasted.
struct LazyMap {
    make: Arc<dyn Fn() -> Value + Send + Sync>,
    value: OnceLock<Value>,
}

impl fmt::Debug for LazyMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

impl LazyMap {
    fn get(&self) -> &Value {
        self.value.get_or_init(|| (self.make)())
    }
}

impl Object for LazyMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get().get_item(key).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.get().try_iter() {
            Ok(keys) => Enumerator::Values(keys.collect()),
            Err(_) => Enumerator::Empty,
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        Self: Sized + 'static,
    {
        fmt::Display::fmt(self.get(), f)
    }
}

/// Calls a callable outside of any template (module functions and the like).
fn call_without_state(f: &Value, args: &[Value]) -> Result<Value, Error> {
    let env = minijinja::Environment::new();
    let tmpl = env.template_from_str("")?;
    let mut state = tmpl.new_state();
    f.call(&mut state, args)
}

/// The `agate.Table` that an empty result set gives.
pub fn empty_table() -> Value {
    Value::from_object(EmptyTable)
}

#[derive(Debug)]
struct EmptyTable;

impl Object for EmptyTable {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "rows" | "columns" | "column_names" | "column_types" => {
                Some(Value::from(Vec::<Value>::new()))
            }
            _ => None,
        }
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }
    fn call_method(
        self: &Arc<Self>,
        _s: &mut State<'_, '_>,
        m: &str,
        _a: &[Value],
    ) -> Result<Value, Error> {
        match m {
            "print_table" => Ok(Value::from("")),
            "limit" | "where" | "select" | "order_by" => Ok(empty_table()),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A context function that receives its arguments raw (keyword arguments
/// included), as dbt's Python functions do.
struct NativeFn {
    ctx: Arc<NodeCtx>,
    name: &'static str,
    f: fn(&NodeCtx, &[Value]) -> Result<Value, Error>,
}

impl fmt::Debug for NativeFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<function {}>", self.name)
    }
}

impl Object for NativeFn {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        (self.f)(&self.ctx, args)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<function {}>", self.name)
    }
}

/// `var()`: a variable whose value is text with Jinja in it is rendered
/// when it is read, in the reading node's context, as dbt renders the
/// `vars:` of `dbt_project.yml` (left unrendered when the project loads).
struct VarFn(Arc<NodeCtx>);

impl fmt::Debug for VarFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<function var>")
    }
}

impl Object for VarFn {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let (pos, _) = kwargs_of(args);
        let value = self.0.call_var(args)?;
        let name = pos.first().and_then(|v| v.as_str()).unwrap_or_default();
        match value.as_str() {
            Some(text)
                if self.0.node.vars.contains_key(name)
                    && (text.contains("{{") || text.contains("{%")) =>
            {
                let source = super::lexer::rewrite_literals(text);
                state
                    .env()
                    .render_str(&source, self.0.value())
                    .map(Value::from)
            }
            _ => Ok(value),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<function var>")
    }
}

/// A function that takes raw arguments (keyword arguments included) and
/// needs no node context.
struct RawFn<F>(&'static str, F);

impl<F> fmt::Debug for RawFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<function {}>", self.0)
    }
}

impl<F> Object for RawFn<F>
where
    F: Fn(&[Value]) -> Result<Value, Error> + Send + Sync + 'static,
{
    /// Like any Python function, it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        (self.1)(args)
    }
}

fn raw_fn<F>(name: &'static str, f: F) -> Value
where
    F: Fn(&[Value]) -> Result<Value, Error> + Send + Sync + 'static,
{
    Value::from_object(RawFn(name, f))
}

fn positional(args: &[Value]) -> &[Value] {
    kwargs_of(args).0
}

macro_rules! func {
    ($self:ident, $method:ident) => {{
        Value::from_object(NativeFn {
            ctx: $self.clone(),
            name: stringify!($method),
            f: |c, a| c.$method(a),
        })
    }};
}

impl Object for NodeCtx {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        if let Some(v) = self.node.extra.get(key) {
            return Some(v.clone());
        }
        if let Some(v) = lock(&self.late).get(key) {
            return Some(v.clone());
        }
        Some(match key {
            "ref" => func!(self, call_ref),
            "source" => func!(self, call_source),
            "config" => Value::from_object(ConfigObj(self.clone())),
            "var" => Value::from_object(VarFn(self.clone())),
            "env_var" => func!(self, call_env_var),
            "this" => match &self.node.this {
                Some(r) => r.clone().to_value(),
                None => Value::from(()),
            },
            "target" => self.shared.target_value(),
            "execute" => Value::from(self.mode == Mode::Compile),
            "flags" => super::containers::map_value([
                ("FULL_REFRESH", Value::from(false)),
                ("STORE_FAILURES", Value::from(false)),
                ("WHICH", Value::from("compile")),
                ("EMPTY", Value::from(false)),
            ]),
            "should_store_failures" => {
                let me = self.clone();
                Value::from_function(move |_: Rest<Value>| {
                    Ok::<_, Error>(Value::from(matches!(
                        me.config_get("store_failures"),
                        Some(serde_json::Value::Bool(true))
                    )))
                })
            }
            "should_full_refresh" => {
                Value::from_function(|_: Rest<Value>| Ok::<_, Error>(Value::from(false)))
            }
            "adapter" => Value::from_object(AdapterObj(self.clone())),
            "api" => Value::from_object(ApiObj(self.clone())),
            "exceptions" => Value::from_object(ExceptionsObj(self.clone())),
            "return" => raw_fn("return", |args| {
                let v = positional(args).first().cloned().unwrap_or(Value::from(()));
                Err(Error::new(ErrorKind::InvalidOperation, "return").with_source(ReturnSignal(v)))
            }),
            "log" | "print" => raw_fn("log", |_| Ok(Value::from(""))),
            "run_started_at" => super::modules::run_started_at(&self.shared.invocation),
            "invocation_id" => Value::from(self.shared.invocation.invocation_id.clone()),
            "project_name" => Value::from(self.shared.root_project.clone()),
            "dbt_version" => Value::from("1.11.16"),
            "model" => self.model_value(),
            "graph" => self.graph_value(),
            "selected_resources" => Value::from(Vec::<Value>::new()),
            "database" => Value::from(self.shared.target.database.clone()),
            "schema" => Value::from(self.shared.target.schema.clone()),
            "__tl" => Value::from_function(|v: Value| to_list(v)),
            "__td" => Value::from_function(|v: Value| to_dict(v)),
            "__binop" => Value::from_function(|op: String, a: Value, b: Value| {
                super::arith::binop(&op, a, b)
            }),
            "fromjson" => raw_fn("fromjson", |args| {
                let a = positional(args);
                let s = a.first().map(|v| v.to_string()).unwrap_or_default();
                match serde_json::from_str::<serde_json::Value>(&s) {
                    Ok(v) => Ok(super::containers::from_json(&v)),
                    Err(e) => a
                        .get(1)
                        .cloned()
                        .ok_or_else(|| err(format!("fromjson: {e}"))),
                }
            }),
            "tojson" => raw_fn("tojson", |args| {
                let (pos, kw) = kwargs_of(args);
                let v = pos.first().cloned().unwrap_or(Value::from(()));
                let sort = match &kw {
                    Some(k) if k.has("sort_keys") => k.get::<bool>("sort_keys")?,
                    _ => pos.get(2).map(|x| x.is_true()).unwrap_or(false),
                };
                if let Some(k) = &kw {
                    if k.has("default") {
                        let _: Value = k.get("default")?;
                    }
                }
                Ok(Value::from(crate::pyjson::dumps_with(&to_json(&v), sort)))
            }),
            "fromyaml" => raw_fn("fromyaml", |args| {
                let a = positional(args);
                let s = a.first().map(|v| v.to_string()).unwrap_or_default();
                match crate::yaml::parse("<fromyaml>", &s) {
                    Ok(v) => Ok(super::containers::from_json(&v)),
                    Err(e) => a
                        .get(1)
                        .cloned()
                        .ok_or_else(|| err(format!("fromyaml: {}", e.message))),
                }
            }),
            "toyaml" => raw_fn("toyaml", |args| {
                let v = positional(args).first().cloned().unwrap_or(Value::from(()));
                crate::yaml::to_string(&to_json(&v))
                    .map(Value::from)
                    .map_err(err)
            }),
            "zip" => Value::from_function(|args: Rest<Value>| -> Result<Value, Error> {
                let lists: Vec<Vec<Value>> = args
                    .iter()
                    .map(|a| a.try_iter().map(|i| i.collect()))
                    .collect::<Result<_, _>>()?;
                let n = lists.iter().map(Vec::len).min().unwrap_or(0);
                Ok(Value::from(
                    (0..n)
                        .map(|i| {
                            Value::from(lists.iter().map(|l| l[i].clone()).collect::<Vec<_>>())
                        })
                        .collect::<Vec<_>>(),
                ))
            }),
            "set" | "set_strict" => Value::from_function(|v: Value| -> Result<Value, Error> {
                let mut out: Vec<Value> = Vec::new();
                for x in v.try_iter()? {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                }
                Ok(MutList::new_value(out))
            }),
            "local_md5" => Value::from_function(|s: String| {
                use md5::Digest;
                let d = md5::Md5::digest(s.as_bytes());
                Value::from(d.iter().map(|b| format!("{b:02x}")).collect::<String>())
            }),
            "try_or_compiler_error" => Value::from_object(NativeFn {
                ctx: self.clone(),
                name: "try_or_compiler_error",
                f: |_c, args| {
                    let (pos, kw) = kwargs_of(args);
                    let msg = pos.first().map(|v| v.to_string()).unwrap_or_default();
                    let Some(f) = pos.get(1) else {
                        return Err(err(msg));
                    };
                    let mut rest: Vec<Value> = pos[2..].to_vec();
                    if let Some(kw) = kw {
                        rest.push(Value::from(kw));
                    }
                    // A callable from the context (a module function) needs no template state.
                    call_without_state(f, &rest).map_err(|_| {
                        Error::new(ErrorKind::InvalidOperation, msg.clone())
                            .with_source(CompilerError(msg))
                    })
                },
            }),
            "run_query" => Value::from_object(NativeFn {
                ctx: self.clone(),
                name: "run_query",
                f: |c, _| Ok(c.offline_result("run_query()")),
            }),
            "statement" => Value::from_object(StatementObj(self.clone())),
            "load_result" => {
                let me = self.clone();
                Value::from_function(move |name: String| me.statement_result(&name))
            }
            "store_result" | "store_raw_result" => raw_fn("store_result", |_| Ok(Value::from(""))),
            "modules" => super::modules::modules(&self.shared.invocation),
            "builtins" => super::containers::map_value([
                ("ref", func!(self, call_ref)),
                ("source", func!(self, call_source)),
                ("config", Value::from_object(ConfigObj(self.clone()))),
            ]),
            "context" => self.value(),
            _ => {
                if let Some(def) = self.lookup_macro(key) {
                    return Some(MacroCall::value(def, self.clone()));
                }
                if key == "dbt" || self.shared.macros.is_package(key) {
                    return Some(Value::from_object(PackageNs {
                        ctx: self.clone(),
                        package: key.to_string(),
                    }));
                }
                return None;
            }
        })
    }
}

/// `config`: callable, with `get` and `require`.
#[derive(Debug)]
struct ConfigObj(Arc<NodeCtx>);

impl Object for ConfigObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call(self: &Arc<Self>, _s: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        self.0.call_config(args)
    }

    fn call_method(
        self: &Arc<Self>,
        _s: &mut State<'_, '_>,
        m: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (pos, kw) = kwargs_of(args);
        let key = pos.first().and_then(|v| v.as_str()).map(str::to_string);
        match m {
            "get" => {
                let key = key.ok_or_else(|| err("config.get() needs a key"))?;
                let default = match pos.get(1) {
                    Some(d) => d.clone(),
                    None => match &kw {
                        Some(k) if k.has("default") => k.get::<Value>("default")?,
                        _ => Value::from(()),
                    },
                };
                Ok(match self.0.config_get(&key) {
                    Some(serde_json::Value::Null) | None => default,
                    Some(v) => Value::from(minijinja::value::Serde(&v)),
                })
            }
            "require" => {
                let key = key.ok_or_else(|| err("config.require() needs a key"))?;
                match self.0.config_get(&key) {
                    Some(v) if !v.is_null() => Ok(Value::from(minijinja::value::Serde(&v))),
                    _ => Err(err(format!("missing config: {key}"))),
                }
            }
            "set" => {
                if self.0.mode == Mode::Parse {
                    if let (Some(k), Some(v)) = (key, pos.get(1)) {
                        let mut m = serde_json::Map::new();
                        m.insert(k, to_json(v));
                        lock(&self.0.rec).configs.push(m);
                    }
                }
                Ok(Value::from(""))
            }
            "persist_relation_docs" | "persist_column_docs" => Ok(Value::from(false)),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A callable macro bound to the context of the node that calls it.
#[derive(Debug)]
pub struct MacroCall {
    pub def: Arc<MacroDef>,
    pub ctx: Arc<NodeCtx>,
}

impl MacroCall {
    pub fn value(def: Arc<MacroDef>, ctx: Arc<NodeCtx>) -> Value {
        Value::from_object(MacroCall { def, ctx })
    }
}

struct DepthGuard<'a>(&'a NodeCtx);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        let mut rec = lock(&self.0.rec);
        rec.depth = rec.depth.saturating_sub(1);
    }
}

impl MacroCall {
    /// Whether this is a generic test's own call of dbt's `accepted_values`
    /// or `relationships` test at parse time, which may be skipped: after
    /// dispatch to dbt's `default__` body, the call only writes SQL that
    /// parsing throws away. That body calls no `ref`, `source`, `config`
    /// or other recorded macro, and with every argument bound (no unknown
    /// one, `values` a list) it cannot fail either.
    fn parse_time_no_op(&self, args: &[Value]) -> bool {
        let required: &[&str] = match self.def.name.as_str() {
            "test_accepted_values" => &["model", "column_name", "values"],
            "test_relationships" => &["model", "column_name", "to", "field"],
            _ => return false,
        };
        if self.ctx.mode != Mode::Parse
            || self.def.package != "dbt"
            || self.ctx.node.resource_type != "test"
            || lock(&self.ctx.rec).depth != 1
        {
            return false;
        }
        let body = format!("default__{}", self.def.name);
        if !self
            .ctx
            .dispatch_target(&self.def.name, Some("dbt"))
            .is_ok_and(|d| d.package == "dbt" && d.name == body)
        {
            return false;
        }
        let (pos, kw) = kwargs_of(args);
        if pos.len() > self.def.arguments.len() {
            return false;
        }
        let mut bound: Vec<(&str, Value)> = self
            .def
            .arguments
            .iter()
            .map(String::as_str)
            .zip(pos.iter().cloned())
            .collect();
        if let Some(kw) = &kw {
            for k in kw.args() {
                let known = self.def.arguments.iter().any(|a| a == k);
                if !known || bound.iter().any(|(n, _)| *n == k) {
                    return false;
                }
                match kw.get::<Value>(k) {
                    Ok(v) => bound.push((k, v)),
                    Err(_) => return false,
                }
            }
        }
        let arg = |name: &str| bound.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
        required
            .iter()
            .all(|r| arg(r).is_some_and(|v| !v.is_undefined() && !v.is_none()))
            && arg("values").is_none_or(|v| v.kind() == minijinja::value::ValueKind::Seq)
    }
}

impl Object for MacroCall {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "name" => Some(Value::from(self.def.name.clone())),
            "package_name" => Some(Value::from(self.def.package.clone())),
            _ => None,
        }
    }

    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        self.ctx.record_call(&self.def.unique_id);
        {
            let mut rec = lock(&self.ctx.rec);
            if rec.depth >= MAX_MACRO_DEPTH {
                return Err(err(format!(
                    "macro calls nested deeper than {MAX_MACRO_DEPTH} levels (runaway recursion in '{}'?)",
                    self.def.name
                )));
            }
            rec.depth += 1;
        }
        let _guard = DepthGuard(&self.ctx);
        if self.parse_time_no_op(args) {
            return Ok(Value::from_safe_string(String::new()));
        }
        // A `{% call %}` block's body belongs to the caller's template state,
        // which the callee cannot reach: render it here, hand over the text.
        let mut args_owned: Vec<Value> = args.to_vec();
        if let Some(last) = args_owned.last_mut() {
            if last.is_kwargs() {
                let kw = Kwargs::try_from(last.clone())?;
                if kw.has("caller") {
                    let caller: Value = kw.get("caller")?;
                    let body = caller.call(state, &[])?;
                    let body_fn =
                        Value::from_function(move |_: Rest<Value>| Ok::<_, Error>(body.clone()));
                    let mut pairs: Vec<(String, Value)> = Vec::new();
                    for k in kw.args().map(str::to_string).collect::<Vec<_>>() {
                        let v: Value = kw.get(&k)?;
                        pairs.push((k.clone(), if k == "caller" { body_fn.clone() } else { v }));
                    }
                    *last = Value::from(Kwargs::from_iter(pairs));
                }
            }
        }
        // Jinja2 gives a macro that mentions `varargs`/`kwargs` the extra
        // positional and keyword arguments it was called with.
        let mut root = self.ctx.value();
        if self.def.macro_sql.contains("kwargs") || self.def.macro_sql.contains("varargs") {
            let declared = &self.def.arguments;
            let (pos, kw) = kwargs_of(&args_owned);
            let mut keep: Vec<Value> = pos.iter().take(declared.len()).cloned().collect();
            let varargs: Vec<Value> = pos.iter().skip(declared.len()).cloned().collect();
            let mut extra = indexmap::IndexMap::new();
            if let Some(kw) = kw {
                let mut known: Vec<(String, Value)> = Vec::new();
                for k in kw.args().map(str::to_string).collect::<Vec<_>>() {
                    let v: Value = kw.get(&k)?;
                    if declared.contains(&k) || k == "caller" {
                        known.push((k, v));
                    } else {
                        extra.insert(Value::from(k), v);
                    }
                }
                if !known.is_empty() {
                    keep.push(Value::from(Kwargs::from_iter(known)));
                }
            }
            args_owned = keep;
            root = Value::from_object(CallCtx {
                base: self.ctx.clone(),
                varargs: MutList::new_value(varargs),
                kwargs: super::containers::MutDict::new_value(extra),
            });
        }
        let args = &args_owned[..];
        let env = state.env();
        let tmpl = env.get_template(&self.def.template_name)?;
        let mut cap = tmpl.render_captured(root)?;
        let name = self.def.name.clone();
        let result = cap.with_state_mut(|st| {
            let m = st
                .lookup(&name)
                .ok_or_else(|| err(format!("macro '{name}' is not defined")))?;
            m.call(st, args)
        });
        match result {
            Ok(v) => Ok(v),
            Err(e) => match return_value(&e) {
                Some(v) => Ok(v),
                None => Err(e),
            },
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<macro {}>", self.def.name)
    }
}

/// The context of one macro call that takes `varargs`/`kwargs`.
#[derive(Debug)]
struct CallCtx {
    base: Arc<NodeCtx>,
    varargs: Value,
    kwargs: Value,
}

impl Object for CallCtx {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "varargs" => Some(self.varargs.clone()),
            "kwargs" => Some(self.kwargs.clone()),
            other => self.base.get_value_by_str(other),
        }
    }
}

/// `package_name.macro_name` namespaces (and `dbt.`).
#[derive(Debug)]
struct PackageNs {
    ctx: Arc<NodeCtx>,
    package: String,
}

impl Object for PackageNs {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        match self.ctx.shared.macros.lookup_in(&self.package, name) {
            Some(def) => Some(MacroCall::value(def, self.ctx.clone())),
            // dbt's own macros that this compiler provides natively.
            None if self.package == "dbt"
                && matches!(
                    name,
                    "run_query"
                        | "statement"
                        | "load_result"
                        | "should_full_refresh"
                        | "should_store_failures"
                        | "store_result"
                ) =>
            {
                self.ctx.get_value_by_str(name)
            }
            None => None,
        }
    }
}

/// `adapter`: dispatch, quoting, and introspection that finds nothing offline.
#[derive(Debug)]
struct AdapterObj(Arc<NodeCtx>);

impl Object for AdapterObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "type" => Some(Value::from(self.0.shared.adapter.type_name)),
            "Relation" => Some(Value::from_object(ApiRelation(self.0.clone()))),
            "behavior" => Some(Value::from_object(Behavior(self.0.clone()))),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _s: &mut State<'_, '_>,
        m: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (pos, kw) = kwargs_of(args);
        let q = self.0.shared.adapter.quote_char;
        let first = || {
            pos.first()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .unwrap_or_default()
        };
        if m == "get_columns_in_relation" {
            if let Some(cols) = self.0.known_columns(pos.first()) {
                return Ok(MutList::new_value(
                    cols.into_iter()
                        .map(|c| {
                            Value::from_object(ColumnObj::new(
                                &c.name,
                                &c.data_type,
                                self.0.shared.adapter,
                            ))
                        })
                        .collect(),
                ));
            }
        }
        match m {
            "dispatch" => self.0.dispatch(args),
            "type" => Ok(Value::from(self.0.shared.adapter.type_name)),
            "quote" => Ok(Value::from(format!("{q}{}{q}", first()))),
            "quote_as_configured" | "quote_seed_column" => Ok(Value::from(first())),
            "escape_single_quotes" => Ok(Value::from(first().replace('\'', "''"))),
            // An empty warehouse has no relations: `none` is the true answer.
            "get_relation" | "load_relation" | "get_relation_by_name" => Ok(Value::from(())),
            "get_columns_in_relation"
            | "get_columns_in_table"
            | "list_relations_without_caching"
            | "get_missing_columns"
            | "list_schemas"
            | "get_relations_by_pattern" => {
                if self.0.mode == Mode::Compile {
                    self.0.warn(
                        "offline-introspection",
                        format!("adapter.{m}() returns nothing without a warehouse connection"),
                    );
                }
                Ok(MutList::new_value(Vec::new()))
            }
            "check_schema_exists" => Ok(Value::from(false)),
            "already_exists" => Ok(Value::from(false)),
            "execute" => Ok(super::containers::map_value([
                ("response", Value::from(())),
                ("table", empty_table()),
            ])),
            "commit"
            | "drop_relation"
            | "truncate_relation"
            | "rename_relation"
            | "create_schema"
            | "drop_schema"
            | "expand_target_column_types"
            | "cache_added"
            | "cache_dropped"
            | "cache_renamed" => Ok(Value::from("")),
            "get_incremental_strategy_macro" => Err(err(
                "incremental materializations are not run by the compiler",
            )),
            "build_catalog_relation" => Ok(Value::from(())),
            "standardize_grants_dict" => Ok(MutList::new_value(Vec::new())),
            "is_replaceable" => Ok(Value::from(true)),
            _ => {
                let _ = kw;
                Err(Error::new(
                    ErrorKind::UnknownMethod,
                    format!("adapter has no method '{m}'"),
                ))
            }
        }
    }
}

impl NodeCtx {
    /// The columns the render's introspection knows for a relation value.
    fn known_columns(
        &self,
        relation: Option<&Value>,
    ) -> Option<Vec<crate::warehouse::WarehouseColumn>> {
        let r = relation?.downcast_object_ref::<Relation>()?;
        let rel = crate::warehouse::RelationRef {
            database: r.database.as_deref(),
            schema: r.schema.as_deref(),
            identifier: r.identifier.as_deref()?,
        };
        // The warehouse answers first; this render's own answers fill in.
        self.shared
            .warehouse
            .as_ref()
            .and_then(|w| w.columns(rel))
            .or_else(|| self.node.warehouse.as_ref()?.columns(rel))
    }
}

/// A column of a relation, as dbt's `Column` class presents it.
#[derive(Debug)]
pub struct ColumnObj {
    name: String,
    ty: crate::warehouse::ColumnType,
    adapter: &'static AdapterSpec,
}

impl ColumnObj {
    /// A described column (`Column.from_description`).
    pub fn new(name: &str, data_type: &str, adapter: &'static AdapterSpec) -> ColumnObj {
        ColumnObj {
            name: name.to_string(),
            ty: crate::warehouse::ColumnType::from_description(data_type),
            adapter,
        }
    }

    /// `Column.create(name, label)`: the type label translated, not parsed.
    fn create(name: &str, label: &str, adapter: &'static AdapterSpec) -> ColumnObj {
        ColumnObj {
            name: name.to_string(),
            ty: crate::warehouse::ColumnType {
                dtype: ApiColumn(adapter).translate(label),
                char_size: None,
                numeric_precision: None,
                numeric_scale: None,
            },
            adapter,
        }
    }

    /// `data_type`; postgres' column class leaves `text` and an unsized
    /// `character varying` as they are.
    fn data_type(&self) -> String {
        let lower = self.ty.dtype.to_lowercase();
        if self.adapter.type_name == "postgres"
            && (lower == "text" || (lower == "character varying" && self.ty.char_size.is_none()))
        {
            return self.ty.dtype.clone();
        }
        self.ty.data_type()
    }
}

impl Object for ColumnObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let num = |n: Option<i64>| n.map(Value::from).unwrap_or(Value::from(()));
        Some(match key.as_str()? {
            "name" | "column" => Value::from(self.name.clone()),
            "dtype" => Value::from(self.ty.dtype.clone()),
            "data_type" => Value::from(self.data_type()),
            "quoted" => Value::from(format!("{q}{}{q}", self.name, q = self.adapter.quote_char)),
            "char_size" => num(self.ty.char_size),
            "numeric_precision" => num(self.ty.numeric_precision),
            "numeric_scale" => num(self.ty.numeric_scale),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _s: &mut State<'_, '_>,
        m: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let lower = self.ty.dtype.to_lowercase();
        let integer = matches!(
            lower.as_str(),
            "smallint"
                | "integer"
                | "bigint"
                | "smallserial"
                | "serial"
                | "bigserial"
                | "int2"
                | "int4"
                | "int8"
                | "tinyint"
                | "hugeint"
                | "int"
        );
        let float = matches!(
            lower.as_str(),
            "real" | "float4" | "float" | "double precision" | "float8" | "double"
        );
        match m {
            "is_string" => Ok(Value::from(self.ty.is_string())),
            "is_numeric" => Ok(Value::from(self.ty.is_numeric())),
            "is_integer" => Ok(Value::from(integer)),
            "is_float" => Ok(Value::from(float)),
            "is_number" => Ok(Value::from(integer || float || self.ty.is_numeric())),
            "string_size" if self.ty.is_string() => Ok(Value::from(self.ty.string_size())),
            "literal" => Ok(Value::from(format!(
                "{}::{}",
                args.first().cloned().unwrap_or_default(),
                self.data_type()
            ))),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        Self: Sized + 'static,
    {
        write!(f, "<Column {} ({})>", self.name, self.data_type())
    }
}

/// `adapter.behavior.<flag>`: the project's behaviour flags, off unless set.
#[derive(Debug)]
struct Behavior(Arc<NodeCtx>);

impl Object for Behavior {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let on = self
            .0
            .shared
            .project_flags
            .get(key.as_str()?)
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        Some(Value::from_object(BehaviorFlag(on)))
    }
}

/// A boolean that prints as Python's (`True`, `False`).
pub fn py_bool(b: bool) -> Value {
    Value::from_object(BehaviorFlag(b))
}

#[derive(Debug)]
struct BehaviorFlag(bool);

impl Object for BehaviorFlag {
    fn is_true(self: &Arc<Self>) -> bool {
        self.0
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        (key.as_str()? == "no_warn").then(|| Value::from(self.0))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "True" } else { "False" })
    }
}

/// `api.Relation`.
#[derive(Debug)]
struct ApiObj(Arc<NodeCtx>);

impl Object for ApiObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "Relation" => Some(Value::from_object(ApiRelation(self.0.clone()))),
            "Column" => Some(Value::from_object(ApiColumn(self.0.shared.adapter))),
            _ => None,
        }
    }
}

/// `api.Column`: type translation as the adapter's Column class does it.
#[derive(Debug)]
struct ApiColumn(&'static AdapterSpec);

impl ApiColumn {
    fn translate(&self, dtype: &str) -> String {
        let upper = dtype.to_uppercase();
        self.0
            .type_labels
            .iter()
            .find(|(k, _)| *k == upper)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| dtype.to_string())
    }
}

impl Object for ApiColumn {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call_method(
        self: &Arc<Self>,
        _s: &mut State<'_, '_>,
        m: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (pos, _) = kwargs_of(args);
        let arg = |i: usize| {
            pos.get(i)
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .unwrap_or_default()
        };
        match m {
            "translate_type" => Ok(Value::from(self.translate(&arg(0)))),
            "string_type" => Ok(Value::from(format!("character varying({})", arg(0)))),
            "numeric_type" => {
                let (dtype, p, sc) = (arg(0), pos.get(1), pos.get(2));
                match (p, sc) {
                    (Some(p), Some(sc)) if !p.is_none() && !sc.is_none() => {
                        Ok(Value::from(format!("{dtype}({p},{sc})")))
                    }
                    _ => Ok(Value::from(dtype)),
                }
            }
            "create" => Ok(Value::from_object(ColumnObj::create(
                &arg(0),
                &arg(1),
                self.0,
            ))),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

#[derive(Debug)]
struct ApiRelation(Arc<NodeCtx>);

impl Object for ApiRelation {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call_method(
        self: &Arc<Self>,
        _s: &mut State<'_, '_>,
        m: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (_pos, kw) = kwargs_of(args);
        match m {
            "create" => {
                let a = self.0.shared.adapter;
                let mut r = Relation::new(
                    kw_str(&kw, "database")?,
                    kw_str(&kw, "schema")?,
                    kw_str(&kw, "identifier")?,
                    a.default_quoting,
                    a.quote_char,
                );
                r.relation_type = kw_str(&kw, "type")?;
                Ok(r.to_value())
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// `exceptions.raise_compiler_error` and friends.
#[derive(Debug)]
struct ExceptionsObj(Arc<NodeCtx>);

impl Object for ExceptionsObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call_method(
        self: &Arc<Self>,
        _s: &mut State<'_, '_>,
        m: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let msg = args
            .first()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default();
        match m {
            "warn" => {
                self.0.warn("jinja-warning", msg);
                Ok(Value::from(""))
            }
            "raise_compiler_error"
            | "raise_not_implemented"
            | "raise_fail_fast_error"
            | "raise_database_error"
            | "column_type_missing"
            | "raise_contract_error" => Err(Error::new(ErrorKind::InvalidOperation, msg.clone())
                .with_source(CompilerError(msg))),
            _ => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("exceptions.{m}: {msg}"),
            )),
        }
    }
}

/// `{% call statement(name, fetch_result=True) %}...{% endcall %}`: nothing is
/// executed offline; `load_result(name)` then gives an empty table. As dbt's
/// macro, it counts as a macro the node calls, and renders its body only
/// while compiling.
#[derive(Debug)]
struct StatementObj(Arc<NodeCtx>);

impl Object for StatementObj {
    /// Like any Python object (functions, macros, modules), it is true.
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn call(self: &Arc<Self>, state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let (pos, kw) = kwargs_of(args);
        let name = pos
            .first()
            .and_then(|v| v.as_str())
            .unwrap_or("main")
            .to_string();
        // dbt's `statement` is a macro the node calls, and it renders its
        // body only `if execute`: refs in the body are not dependencies.
        self.0.record_call("macro.dbt.statement");
        if let Some(kw) = &kw {
            if kw.has("caller") {
                let caller: Value = kw.get("caller")?;
                if self.0.mode == Mode::Compile {
                    caller.call(state, &[])?;
                }
            }
            for k in kw.args().map(str::to_string).collect::<Vec<_>>() {
                let _: Value = kw.get(&k)?;
            }
        }
        let table = self.0.offline_result("statement()");
        lock(&self.0.rec).statements.insert(
            name,
            super::containers::map_value([
                ("response", Value::from(())),
                ("data", Value::from(Vec::<Value>::new())),
                ("table", table),
            ]),
        );
        Ok(Value::from(""))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_statement_body_renders_only_when_executing() {
        // dbt-core 1.11.16 parses `b` to depends_on {nodes: [], macros:
        // [macro.dbt.statement]}: its `statement` renders the body only
        // `if execute`, so the ref inside is no dependency.
        let mut input = crate::test_support::project_t();
        input.add_file("models/a.sql", "select 1 as id".to_string());
        input.add_file(
            "models/b.sql",
            "{% call statement('x', fetch_result=True) %}\nselect * from {{ ref('a') }}\n{% endcall %}\nselect 1 as id"
                .to_string(),
        );
        let out = crate::compile(&input);
        let b = &out.manifest.nodes["model.t.b"];
        assert!(b.depends_on_nodes.is_empty(), "{:?}", b.depends_on_nodes);
        assert_eq!(b.depends_on_macros, ["macro.dbt.statement"]);
        assert_eq!(
            b.compiled_code.as_deref().map(str::trim),
            Some("select 1 as id")
        );
    }
}

/// The sections of the `graph` variable, `nodes` and `sources` first.
pub(crate) const GRAPH_SECTIONS: [&str; 8] = [
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "groups",
    "semantic_models",
    "saved_queries",
    "unit_tests",
];
