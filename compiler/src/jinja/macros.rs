//! The macro table: every macro of every package, and dbt's lookup rules.

use super::calls::PossibleCall;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One macro (or generic test, as `test_<name>`) as parsed from a file.
#[derive(Debug, Clone)]
pub struct MacroDef {
    pub unique_id: String,
    pub package: String,
    pub name: String,
    /// File path relative to the root of its package.
    pub original_file_path: String,
    /// File path relative to the project root (for diagnostics).
    pub file: String,
    /// Name of the template holding just this macro.
    pub template_name: String,
    /// The macro's source as written (`{% macro ... %}...{% endmacro %}`).
    pub macro_sql: String,
    /// Template text: the macro padded so that line numbers match the file.
    pub template_source: String,
    /// Argument names in order.
    pub arguments: Vec<String>,
    /// What the text calls that may be a macro (see [`super::calls`]).
    pub calls: Vec<PossibleCall>,
    /// The macros it calls, as dbt-core records them (`depends_on.macros`):
    /// filled in by [`MacroTable::resolve_depends_on`].
    pub depends_on: Vec<String>,
    /// Its entry under `macros:` in a properties file, if any.
    pub patch: Option<Box<MacroPatch>>,
}

/// What a properties file says of a macro, as dbt-core keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct MacroPatch {
    /// `<package>://<path of the properties file>`.
    pub patch_path: String,
    pub description: String,
    /// `{name, type, description}` for each argument listed.
    pub arguments: Vec<serde_json::Value>,
    /// `meta` with `config.meta` over it.
    pub meta: serde_json::Value,
    /// `config.docs`, else `docs`, as `{show, node_color}`.
    pub docs: serde_json::Value,
}

/// dbt's macros that this compiler provides natively rather than as
/// macros (calls of them still count as calls of dbt's macros).
const NATIVE_DBT_MACROS: &[&str] = &[
    "run_query",
    "statement",
    "should_full_refresh",
    "should_store_failures",
];

/// Macros by package, with dbt's resolution order.
#[derive(Debug, Default, Clone)]
pub struct MacroTable {
    by_package: BTreeMap<String, BTreeMap<String, Arc<MacroDef>>>,
    root: String,
    /// Internal packages, highest priority first (adapter's own, then `dbt`).
    internal: Vec<String>,
    internal_merged: BTreeMap<String, Arc<MacroDef>>,
}

impl MacroTable {
    pub fn new(root: &str, internal: Vec<String>) -> MacroTable {
        MacroTable {
            root: root.to_string(),
            internal,
            ..Default::default()
        }
    }

    /// Adds a macro; returns the existing one if the name is taken in that package.
    pub fn insert(&mut self, def: MacroDef) -> Result<(), Arc<MacroDef>> {
        let pkg = self.by_package.entry(def.package.clone()).or_default();
        if let Some(existing) = pkg.get(&def.name) {
            return Err(existing.clone());
        }
        pkg.insert(def.name.clone(), Arc::new(def));
        Ok(())
    }

    /// Call after all inserts: builds the merged internal namespace.
    pub fn finish(&mut self) {
        let mut merged = BTreeMap::new();
        for pkg in self.internal.iter().rev() {
            if let Some(m) = self.by_package.get(pkg) {
                merged.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        self.internal_merged = merged;
    }

    pub fn is_internal(&self, package: &str) -> bool {
        self.internal.iter().any(|p| p == package)
    }

    /// Whether `name` is a non-internal package (usable as `name.macro`).
    pub fn is_package(&self, name: &str) -> bool {
        !self.is_internal(name) && self.by_package.contains_key(name)
    }

    /// Unqualified lookup from a node in `node_package`: local package, root
    /// project, then dbt's internal packages.
    pub fn lookup(&self, node_package: &str, name: &str) -> Option<Arc<MacroDef>> {
        if !self.is_internal(node_package) {
            if let Some(m) = self.by_package.get(node_package).and_then(|p| p.get(name)) {
                return Some(m.clone());
            }
        }
        if let Some(m) = self.by_package.get(&self.root).and_then(|p| p.get(name)) {
            return Some(m.clone());
        }
        self.internal_merged.get(name).cloned()
    }

    /// `package.name` lookup; `dbt` means the merged internal namespace.
    pub fn lookup_in(&self, package: &str, name: &str) -> Option<Arc<MacroDef>> {
        if package == "dbt" {
            return self.internal_merged.get(name).cloned();
        }
        if self.is_internal(package) {
            return None;
        }
        self.by_package
            .get(package)
            .and_then(|p| p.get(name))
            .cloned()
    }

    /// A macro of a package to change (call [`MacroTable::finish`] after).
    pub fn get_mut(&mut self, package: &str, name: &str) -> Option<&mut MacroDef> {
        self.by_package
            .get_mut(package)
            .and_then(|p| p.get_mut(name))
            .map(Arc::make_mut)
    }

    /// A macro by name as dbt-core's parser resolves `package.name` (or a
    /// plain name called from a macro of `package`): in that package first,
    /// then by name alone: the root project's, another package's (of two,
    /// the later by name), dbt's internal ones.
    fn parser_lookup(&self, package: &str, name: &str) -> Option<&Arc<MacroDef>> {
        self.by_package
            .get(package)
            .and_then(|p| p.get(name))
            .or_else(|| self.parser_lookup_by_name(name))
    }

    /// The unique id [`MacroTable::parser_lookup`] finds, or that of dbt's
    /// own macro for those this compiler provides natively, not as macros.
    fn parser_lookup_id(&self, package: &str, name: &str) -> Option<String> {
        // dbt's own package has these too: `dbt.run_query` is dbt's even
        // where a project's macro of that name would be found by name.
        if self.is_internal(package)
            && NATIVE_DBT_MACROS.contains(&name)
            && !self
                .by_package
                .get(package)
                .is_some_and(|p| p.contains_key(name))
        {
            return Some(format!("macro.dbt.{name}"));
        }
        match self.parser_lookup(package, name) {
            Some(m) => Some(m.unique_id.clone()),
            None => NATIVE_DBT_MACROS
                .contains(&name)
                .then(|| format!("macro.dbt.{name}")),
        }
    }

    fn parser_lookup_by_name(&self, name: &str) -> Option<&Arc<MacroDef>> {
        self.by_package
            .get(&self.root)
            .and_then(|p| p.get(name))
            .or_else(|| {
                self.by_package
                    .iter()
                    .rev()
                    .filter(|(p, _)| **p != self.root && !self.is_internal(p))
                    .find_map(|(_, m)| m.get(name))
            })
            .or_else(|| self.internal_merged.get(name))
    }

    /// Fills in every macro's `depends_on` from its calls, as dbt-core does
    /// after it has read all macros: each call resolved from the macro's
    /// package (a call of its own name is not a dependency), a dispatch
    /// resolved as at parse time (search packages from `search`, names
    /// with each of `prefixes`), each macro once, in order of first call.
    pub fn resolve_depends_on(
        &mut self,
        search: &dyn Fn(Option<&str>) -> Vec<Option<String>>,
        prefixes: &[&str],
    ) {
        let mut resolved = Vec::new();
        for m in self.all() {
            let mut deps: Vec<String> = Vec::new();
            // `name` or `package.name`.
            let mut add = |name: &str| {
                if name == m.name {
                    return;
                }
                let (package, name) = name.split_once('.').unwrap_or((&m.package, name));
                if let Some(id) = self.parser_lookup_id(package, name) {
                    if !deps.contains(&id) {
                        deps.push(id);
                    }
                }
            };
            for call in &m.calls {
                match call {
                    PossibleCall::Named(name) => add(name),
                    PossibleCall::Dispatch { names, namespace } => {
                        names.iter().for_each(|n| add(n));
                        let target = names.last().and_then(|name| {
                            search(namespace.as_deref()).iter().find_map(|pkg| {
                                prefixes.iter().find_map(|prefix| {
                                    let candidate = format!("{prefix}__{name}");
                                    match pkg {
                                        None => self.parser_lookup_by_name(&candidate),
                                        Some(p) => self.lookup_in_ref(p, &candidate),
                                    }
                                })
                            })
                        });
                        if let Some(t) = target {
                            add(&format!("{}.{}", t.package, t.name));
                        }
                    }
                }
            }
            if deps != m.depends_on {
                resolved.push((m.package.clone(), m.name.clone(), deps));
            }
        }
        for (package, name, deps) in resolved {
            if let Some(m) = self
                .by_package
                .get_mut(&package)
                .and_then(|p| p.get_mut(&name))
            {
                Arc::make_mut(m).depends_on = deps;
            }
        }
        // The internal namespace shares the macros: take the updated ones.
        self.finish();
    }

    /// [`MacroTable::lookup_in`] without the clone.
    fn lookup_in_ref(&self, package: &str, name: &str) -> Option<&Arc<MacroDef>> {
        if package == "dbt" {
            return self.internal_merged.get(name);
        }
        if self.is_internal(package) {
            return None;
        }
        self.by_package.get(package).and_then(|p| p.get(name))
    }

    pub fn get_by_template(&self, template_name: &str) -> Option<&Arc<MacroDef>> {
        let (pkg, rest) = template_name.strip_prefix("macro:")?.split_once(':')?;
        let name = rest.rsplit_once('#').map(|(_, n)| n).unwrap_or(rest);
        self.by_package.get(pkg)?.get(name)
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<MacroDef>> {
        self.by_package.values().flat_map(|m| m.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn table(files: &[(&str, &str)]) -> MacroTable {
        let mut t = MacroTable::new("root", vec!["dbt_duckdb".into(), "dbt".into()]);
        for (package, text) in files {
            for d in crate::test_support::macro_defs(package, text) {
                t.insert(d).expect("no duplicates");
            }
        }
        t.finish();
        t
    }

    fn deps(t: &MacroTable, package: &str, name: &str) -> Vec<String> {
        t.by_package[package][name].depends_on.clone()
    }

    #[test]
    fn depends_on_resolves_as_dbt_cores_parser() {
        let mut t = table(&[
            (
                "dbt",
                "{% macro statement() %}{% endmacro %}{% macro default__helper() %}{% endmacro %}\
                 {% macro shared() %}{% endmacro %}{% macro run() %}{{ statement() }}{% endmacro %}",
            ),
            ("dbt_duckdb", "{% macro shared() %}{% endmacro %}"),
            (
                "pkg",
                "{% macro helper() %}{{ adapter.dispatch('helper', 'pkg')() }}{% endmacro %}\
                 {% macro default__helper() %}{{ own() }}{{ shared() }}{{ dbt.shared() }}{% endmacro %}\
                 {% macro own() %}{{ own() }}{% call statement('x') %}{% endcall %}{% endmacro %}\
                 {% macro natively() %}{{ run_query('q') }}{{ dbt.should_full_refresh() }}{% endmacro %}",
            ),
            (
                "root",
                "{% macro own() %}{% endmacro %}\
                 {% macro user() %}{{ pkg.helper() }}{{ own() }}{{ pkg.helper() }}{{ missing() }}\
                 {{ adapter.dispatch('helper', 'pkg')() }}{% endmacro %}",
            ),
        ]);
        let dependencies: BTreeSet<String> = ["root", "pkg", "dbt", "dbt_duckdb"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let dispatch = BTreeMap::new();
        t.resolve_depends_on(
            &|ns| super::super::context::dispatch_search(&dispatch, &dependencies, "root", ns),
            &["duckdb", "default"],
        );
        // A dispatch's own name is not a dependency; its target is.
        assert_eq!(deps(&t, "pkg", "helper"), ["macro.pkg.default__helper"]);
        // A package's own macro first; by name the internal one whose
        // package comes first; `dbt.` is dbt's own.
        assert_eq!(
            deps(&t, "pkg", "default__helper"),
            [
                "macro.pkg.own",
                "macro.dbt_duckdb.shared",
                "macro.dbt.shared"
            ]
        );
        // A macro calling itself does not depend on itself.
        assert_eq!(deps(&t, "pkg", "own"), ["macro.dbt.statement"]);
        // dbt's macros provided natively are dbt's.
        assert_eq!(
            deps(&t, "pkg", "natively"),
            ["macro.dbt.run_query", "macro.dbt.should_full_refresh"]
        );
        // Each once, in order of first call; unknown names are left out.
        assert_eq!(
            deps(&t, "root", "user"),
            [
                "macro.pkg.helper",
                "macro.root.own",
                "macro.pkg.default__helper"
            ]
        );
        // The internal namespace sees the same macros.
        assert_eq!(
            t.lookup("root", "run").map(|m| m.depends_on.clone()),
            Some(vec!["macro.dbt.statement".to_string()])
        );
    }

    #[test]
    fn dbt_namespace_is_dbts_own_for_native_macros() {
        let mut t = table(&[
            ("dbt", "{% macro statement() %}{% endmacro %}"),
            (
                "root",
                "{% macro run_query(q) %}{{ dbt.run_query(q) }}{{ dbt.statement() }}{% endmacro %}\
                 {% macro user() %}{{ run_query('q') }}{{ dbt.should_full_refresh() }}{% endmacro %}",
            ),
        ]);
        let dependencies: BTreeSet<String> =
            ["root", "dbt"].iter().map(|s| s.to_string()).collect();
        let dispatch = BTreeMap::new();
        t.resolve_depends_on(
            &|ns| super::super::context::dispatch_search(&dispatch, &dependencies, "root", ns),
            &["duckdb", "default"],
        );
        // `dbt.run_query` inside a macro named `run_query` is dbt's, not itself.
        assert_eq!(
            deps(&t, "root", "run_query"),
            ["macro.dbt.run_query", "macro.dbt.statement"]
        );
        // Called by name, the project's own comes first.
        assert_eq!(
            deps(&t, "root", "user"),
            ["macro.root.run_query", "macro.dbt.should_full_refresh"]
        );
    }
}
