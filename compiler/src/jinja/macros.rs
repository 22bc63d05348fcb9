//! The macro table: every macro of every package, and dbt's lookup rules.

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
}

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

    pub fn get_by_template(&self, template_name: &str) -> Option<&Arc<MacroDef>> {
        let (pkg, rest) = template_name.strip_prefix("macro:")?.split_once(':')?;
        let name = rest.rsplit_once('#').map(|(_, n)| n).unwrap_or(rest);
        self.by_package.get(pkg)?.get(name)
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<MacroDef>> {
        self.by_package.values().flat_map(|m| m.values())
    }
}
