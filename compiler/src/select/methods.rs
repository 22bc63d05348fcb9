//! The selector methods (`fqn:`, `tag:`, `path:`, `config.*:`, ...): each
//! finds the graph members that match one value.

use super::engine::{Engine, PathUniverse};
use super::error::{ErrorKind, SelectorError};
use super::pattern::{
    fnmatch, has_wildcard, path_name, path_parts, path_stem, GlobError, GlobPattern, Pattern,
};
use super::spec::MethodName;
use super::state;
use super::types::{ResourceType, SelectNode, TestType};
use serde_json::Value;
use std::collections::BTreeSet;

/// Which manifest tables a method looks at.
#[derive(Clone, Copy)]
enum Category {
    /// Every graph member.
    All,
    /// Manifest `nodes` (models, seeds, snapshots, tests, analyses, hooks).
    Parsed,
    Sources,
    Exposures,
    Metrics,
    UnitTests,
    SemanticModels,
    SavedQueries,
    /// Parsed nodes and sources.
    Configurable,
    /// Everything but sources.
    NonSource,
    /// Parsed nodes and metrics.
    Groupable,
    /// Parsed nodes and unit tests.
    ParsedAndUnit,
}

fn in_category(node: &SelectNode, category: Category) -> bool {
    let rt = node.resource_type;
    match category {
        Category::All => true,
        Category::Parsed => rt.is_manifest_node(),
        Category::Sources => rt == ResourceType::Source,
        Category::Exposures => rt == ResourceType::Exposure,
        Category::Metrics => rt == ResourceType::Metric,
        Category::UnitTests => rt == ResourceType::UnitTest,
        Category::SemanticModels => rt == ResourceType::SemanticModel,
        Category::SavedQueries => rt == ResourceType::SavedQuery,
        Category::Configurable => rt.is_manifest_node() || rt == ResourceType::Source,
        Category::NonSource => rt != ResourceType::Source,
        Category::Groupable => rt.is_manifest_node() || rt == ResourceType::Metric,
        Category::ParsedAndUnit => rt.is_manifest_node() || rt == ResourceType::UnitTest,
    }
}

/// The kind of test a node is, if it is one.
pub(crate) fn test_kind(node: &SelectNode) -> Option<TestType> {
    match node.resource_type {
        ResourceType::UnitTest => Some(TestType::Unit),
        ResourceType::Test => match node.test_type {
            Some(TestType::Generic) => Some(TestType::Generic),
            Some(TestType::Singular) => Some(TestType::Singular),
            _ if node.test_name.is_some() => Some(TestType::Generic),
            _ => Some(TestType::Singular),
        },
        _ => None,
    }
}

/// The selector value as a string, the way Python's `str()` renders a YAML
/// scalar.
pub(crate) fn value_to_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => super::list::python_number(n),
        other => super::list::python_json(other),
    }
}

fn runtime(message: String) -> SelectorError {
    SelectorError::new(ErrorKind::Evaluation, message)
}

impl Engine<'_> {
    fn members_in(
        &self,
        included: &BTreeSet<usize>,
        category: Category,
    ) -> Vec<(usize, &SelectNode)> {
        included
            .iter()
            .filter_map(|&i| self.node(i).map(|n| (i, n)))
            .filter(|(_, n)| in_category(n, category))
            .collect()
    }

    /// Runs one method over the included members.
    pub(crate) fn search(
        &mut self,
        included: &BTreeSet<usize>,
        method: MethodName,
        arguments: &[String],
        value: &Value,
    ) -> Result<BTreeSet<usize>, SelectorError> {
        let text = value_to_string(value);
        let sel = text.as_str();
        let mut out = BTreeSet::new();
        match method {
            MethodName::Fqn => {
                for (i, n) in self.members_in(included, Category::NonSource) {
                    if fqn_node_is_match(sel, &n.fqn, n.is_versioned()) {
                        out.insert(i);
                    }
                }
            }
            MethodName::Tag => {
                let p = Pattern::new(sel);
                for (i, n) in self.members_in(included, Category::All) {
                    if n.tags.iter().any(|t| p.matches(t)) {
                        out.insert(i);
                    }
                }
            }
            MethodName::Group => {
                let p = Pattern::new(sel);
                for (i, n) in self.members_in(included, Category::Groupable) {
                    if let Some(g) = n.group_name() {
                        if !g.is_empty() && p.matches(g) {
                            out.insert(i);
                        }
                    }
                }
            }
            MethodName::Access => {
                for (i, n) in self.members_in(included, Category::Parsed) {
                    if n.resource_type == ResourceType::Model && model_access(n) == sel {
                        out.insert(i);
                    }
                }
            }
            MethodName::Source => {
                let parts: Vec<&str> = sel.split('.').collect();
                let (pkg, src, table) = match parts.as_slice() {
                    [s] => ("*", *s, "*"),
                    [s, t] => ("*", *s, *t),
                    [p, s, t] => (*p, *s, *t),
                    _ => {
                        return Err(runtime(format!(
                            "Invalid source selector value \"{sel}\". Sources must be of the form `${{source_name}}`, \
                             `${{source_name}}.${{target_name}}`, or `${{package_name}}.${{source_name}}.${{target_name}}"
                        )))
                    }
                };
                let (pkg, src, table) = (Pattern::new(pkg), Pattern::new(src), Pattern::new(table));
                for (i, n) in self.members_in(included, Category::Sources) {
                    if pkg.matches(&n.package_name)
                        && src.matches(n.source_name.as_deref().unwrap_or(""))
                        && table.matches(&n.name)
                    {
                        out.insert(i);
                    }
                }
            }
            MethodName::Exposure
            | MethodName::Metric
            | MethodName::SemanticModel
            | MethodName::SavedQuery
            | MethodName::UnitTest => {
                let (category, what) = match method {
                    MethodName::Exposure => (
                        Category::Exposures,
                        "exposure selector value \"{}\". Exposures must be of the form ${exposure_name} or ${exposure_package.exposure_name}",
                    ),
                    MethodName::Metric => (
                        Category::Metrics,
                        "metric selector value \"{}\". Metrics must be of the form ${metric_name} or ${metric_package.metric_name}",
                    ),
                    MethodName::SemanticModel => (
                        Category::SemanticModels,
                        "semantic model selector value \"{}\". Semantic models must be of the form ${semantic_model_name} or ${semantic_model_package.semantic_model_name}",
                    ),
                    MethodName::SavedQuery => (
                        Category::SavedQueries,
                        "saved query selector value \"{}\". Saved queries must be of the form ${saved_query_name} or ${saved_query_package.saved_query_name}",
                    ),
                    _ => (
                        Category::UnitTests,
                        "unit test selector value \"{}\". Saved queries must be of the form ${unit_test_name} or ${unit_test_package_name.unit_test_name}",
                    ),
                };
                let parts: Vec<&str> = sel.split('.').collect();
                let (pkg, name) = match parts.as_slice() {
                    [n] => ("*", *n),
                    [p, n] => (*p, *n),
                    _ => return Err(runtime(format!("Invalid {}", what.replacen("{}", sel, 1)))),
                };
                let (pkg, name) = (Pattern::new(pkg), Pattern::new(name));
                for (i, n) in self.members_in(included, category) {
                    if pkg.matches(&n.package_name) && name.matches(&n.name) {
                        out.insert(i);
                    }
                }
            }
            MethodName::Path => {
                let glob = GlobPattern::new(sel).map_err(|e| {
                    runtime(match e {
                        GlobError::Absolute => "Non-relative patterns are unsupported".to_string(),
                        GlobError::Empty => format!("Unacceptable pattern: '{sel}'"),
                        GlobError::InvalidRecursive => {
                            "Invalid pattern: '**' can only be an entire path component".to_string()
                        }
                    })
                })?;
                self.path_universe();
                if let Some(universe) = self.path_universe.as_ref() {
                    for (i, n) in self.members_in(included, Category::All) {
                        if path_matches(&glob, n, universe) {
                            out.insert(i);
                        }
                    }
                }
            }
            MethodName::File => {
                let p = Pattern::new(sel);
                for (i, n) in self.members_in(included, Category::All) {
                    if p.matches(path_name(&n.original_file_path))
                        || p.matches(path_stem(&n.original_file_path))
                    {
                        out.insert(i);
                    }
                }
            }
            MethodName::Package => {
                let target = match (sel, &self.graph.project_name) {
                    ("this", Some(p)) => p.as_str(),
                    _ => sel,
                };
                let p = Pattern::new(target);
                for (i, n) in self.members_in(included, Category::All) {
                    if p.matches(&n.package_name) {
                        out.insert(i);
                    }
                }
            }
            MethodName::Config => {
                let case_insensitive = arguments.len() == 1 && arguments[0] == "severity";
                for (i, n) in self.members_in(included, Category::Configurable) {
                    if let Some(found) = descend(&n.config, arguments) {
                        if config_value_matches(value, found, case_insensitive) {
                            out.insert(i);
                        }
                    }
                }
            }
            MethodName::ResourceType => {
                let rt = ResourceType::parse(sel)
                    .ok_or_else(|| runtime(format!("Invalid resource_type selector \"{sel}\"")))?;
                for (i, n) in self.members_in(included, Category::All) {
                    if n.resource_type == rt {
                        out.insert(i);
                    }
                }
            }
            MethodName::TestName => {
                let p = Pattern::new(sel);
                for (i, n) in self.members_in(included, Category::ParsedAndUnit) {
                    let hit = match n.resource_type {
                        ResourceType::Test => n.test_name.as_deref().is_some_and(|t| p.matches(t)),
                        ResourceType::UnitTest => p.matches(&n.name),
                        _ => false,
                    };
                    if hit {
                        out.insert(i);
                    }
                }
            }
            MethodName::TestType => {
                // dbt tests membership with `in` on plain strings, so any
                // substring of "data", "singular" or "unit" is accepted.
                let kinds: &[TestType] = if sel == "generic" || sel == "schema" {
                    &[TestType::Generic]
                } else if "data".contains(sel) {
                    &[TestType::Generic, TestType::Singular]
                } else if "singular".contains(sel) {
                    &[TestType::Singular]
                } else if "unit".contains(sel) {
                    &[TestType::Unit]
                } else {
                    return Err(runtime(format!(
                        "Invalid test type selector {sel}: expected \"generic\", \"singular\", \"unit\", or \"data\""
                    )));
                };
                for (i, n) in self.members_in(included, Category::ParsedAndUnit) {
                    if test_kind(n).is_some_and(|k| kinds.contains(&k)) {
                        out.insert(i);
                    }
                }
            }
            MethodName::Version => {
                for (i, n) in self.members_in(included, Category::Parsed) {
                    if n.resource_type != ResourceType::Model {
                        continue;
                    }
                    let hit = match sel {
                        "latest" => n.version.is_some() && n.version == n.latest_version,
                        "prerelease" => match (&n.version, &n.latest_version) {
                            (Some(v), Some(l)) => version_less(l, v),
                            _ => false,
                        },
                        "old" => match (&n.version, &n.latest_version) {
                            (Some(v), Some(l)) => version_less(v, l),
                            _ => false,
                        },
                        "none" => n.version.is_none(),
                        _ => {
                            return Err(runtime(format!(
                                "Invalid version type selector {sel}: expected one of: \"latest\", \"prerelease\", \"old\", or \"none\""
                            )))
                        }
                    };
                    if hit {
                        out.insert(i);
                    }
                }
            }
            MethodName::State => {
                let all = self
                    .members_in(included, Category::All)
                    .into_iter()
                    .map(|(i, _)| i)
                    .collect();
                out = state::search(self, &all, sel)?;
            }
            MethodName::Result => {
                let results = self
                    .state
                    .and_then(|s| s.results.as_ref())
                    .ok_or_else(|| runtime("No comparison run_results".to_string()))?;
                for (i, n) in self.members_in(included, Category::All) {
                    if results
                        .get(&n.unique_id)
                        .is_some_and(|status| status == sel)
                    {
                        out.insert(i);
                    }
                }
            }
            MethodName::SourceStatus => {
                let previous = self.state.and_then(|s| s.sources.as_ref()).ok_or_else(|| {
                    runtime(
                        "No previous state comparison freshness results in sources.json"
                            .to_string(),
                    )
                })?;
                let current = self
                    .state
                    .and_then(|s| s.sources_current.as_ref())
                    .ok_or_else(|| {
                        runtime(
                            "No current state comparison freshness results in sources.json"
                                .to_string(),
                        )
                    })?;
                let mut matches: BTreeSet<&str> = BTreeSet::new();
                if sel == "fresher" {
                    for (uid, fresh) in current {
                        let Some(now) = &fresh.max_loaded_at else {
                            continue;
                        };
                        match previous.get(uid).and_then(|p| p.max_loaded_at.as_ref()) {
                            None => {
                                matches.insert(uid.as_str());
                            }
                            Some(before) if now > before => {
                                matches.insert(uid.as_str());
                            }
                            Some(_) => {}
                        }
                    }
                }
                for (i, n) in self.members_in(included, Category::All) {
                    if matches.contains(n.unique_id.as_str()) {
                        out.insert(i);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A model's access level (dbt defaults it to `protected`).
fn model_access(node: &SelectNode) -> &str {
    match &node.access {
        Some(a) => a.as_str(),
        None => node
            .config
            .get("access")
            .and_then(Value::as_str)
            .unwrap_or("protected"),
    }
}

/// `UnparsedVersion.__lt__`: numeric when both parse as numbers, else
/// string order.
fn version_less(a: &str, b: &str) -> bool {
    match (python_float(a), python_float(b)) {
        (Some(x), Some(y)) => x < y,
        _ => a < b,
    }
}

fn python_float(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    let lower = cleaned.to_ascii_lowercase();
    match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" | "nan" => {}
        other
            if other
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-')) => {}
        _ => return None,
    }
    cleaned.parse::<f64>().ok()
}

/// `QualifiedNameSelectorMethod.node_is_match`: with or without the
/// package prefix.
pub(crate) fn fqn_node_is_match(selector: &str, fqn: &[String], versioned: bool) -> bool {
    if is_selected_node(fqn, selector, versioned) {
        return true;
    }
    match fqn.split_first() {
        Some((_, unscoped)) => is_selected_node(unscoped, selector, versioned),
        None => false,
    }
}

/// `is_selected_node`: exact leaf name, dotted prefix of the fqn, or a
/// wildcard over the rest of the fqn.
pub(crate) fn is_selected_node(fqn: &[String], selector: &str, versioned: bool) -> bool {
    let Some(last) = fqn.last() else {
        return false;
    };
    let sel_parts: Vec<&str> = selector.split('.').collect();
    let n = fqn.len();
    if versioned {
        if n < 2 {
            return false;
        }
        if fqn[n - 2] == selector {
            return true;
        }
        let tail = fqn[n - 2..].join("_");
        let sel_tail = sel_parts[sel_parts.len().saturating_sub(2)..].join("_");
        if tail == sel_tail {
            return true;
        }
    } else if last == selector {
        return true;
    }
    let flat: Vec<&str> = fqn.iter().flat_map(|s| s.split('.')).collect();
    if flat.len() < sel_parts.len() {
        return false;
    }
    let mut slurp_from = None;
    for (i, part) in sel_parts.iter().enumerate() {
        if has_wildcard(part) {
            slurp_from = Some(i);
            break;
        } else if flat[i] != *part {
            return false;
        }
    }
    if let Some(ix) = slurp_from {
        if fnmatch(&flat[ix..].join("."), &sel_parts[ix..].join(".")) {
            return true;
        }
        if !selector.contains('.') {
            let leaf = if versioned { &fqn[n - 2] } else { last };
            return fnmatch(leaf, selector);
        }
        return false;
    }
    true
}

/// True when `path:` matches the node's file, its patch file, or any of its
/// parent directories, among the paths that exist in the root project.
fn path_matches(glob: &GlobPattern, node: &SelectNode, universe: &PathUniverse) -> bool {
    let hit = |parts: &[&str]| {
        universe
            .lookup(parts)
            .is_some_and(|is_dir| glob.matches(parts, is_dir))
    };
    let comps = path_parts(&node.original_file_path);
    if hit(&comps) {
        return true;
    }
    if let Some((_, file)) = node.patch_path.as_deref().and_then(|p| p.split_once("://")) {
        if hit(&path_parts(file)) {
            return true;
        }
    }
    // every parent directory, up to and including the project root
    (0..comps.len()).any(|k| hit(&comps[..k]))
}

/// Walks `config` down the dotted arguments (objects only).
fn descend<'v>(config: &'v Value, arguments: &[String]) -> Option<&'v Value> {
    let mut current = config;
    for arg in arguments {
        current = match current {
            Value::Object(map) => match map.get(arg.as_str()) {
                Some(v) => v,
                None => {
                    let hyphenated = arg.replace('_', "-");
                    if matches!(arg.as_str(), "pre_hook" | "post_hook") {
                        map.get(hyphenated.as_str())?
                    } else {
                        return None;
                    }
                }
            },
            _ => return None,
        };
    }
    Some(current)
}

/// The uppercase text of a value as `str(value).upper()`.
fn upper_text(value: &Value) -> String {
    value_to_string(value).to_uppercase()
}

/// Python `==` between two JSON values (numbers compare by value, `True == 1`).
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => match (numeric(a), numeric(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

fn numeric(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// `ConfigSelectorMethod`'s comparison of the selector with a config value.
fn config_value_matches(selector: &Value, found: &Value, case_insensitive: bool) -> bool {
    let eq = |item: &Value| -> bool {
        if case_insensitive {
            match item {
                Value::String(s) => upper_text(selector) == s.to_uppercase(),
                _ => false,
            }
        } else {
            py_eq(selector, item)
        }
    };
    let sel_upper = upper_text(selector);
    match found {
        Value::Array(items) => {
            items.iter().any(eq)
                || (sel_upper == "TRUE" && items.iter().any(|v| py_eq(v, &Value::Bool(true))))
                || (sel_upper == "FALSE" && items.iter().any(|v| py_eq(v, &Value::Bool(false))))
        }
        other => {
            eq(other)
                || (sel_upper == "TRUE" && *other == Value::Bool(true))
                || (sel_upper == "FALSE" && *other == Value::Bool(false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fqn(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fqn_matching() {
        let f = fqn(&["proj", "staging", "stg_a"]);
        assert!(fqn_node_is_match("stg_a", &f, false));
        assert!(fqn_node_is_match("proj.staging.stg_a", &f, false));
        assert!(fqn_node_is_match("staging.stg_a", &f, false));
        assert!(fqn_node_is_match("proj.staging", &f, false));
        assert!(fqn_node_is_match("staging", &f, false));
        assert!(!fqn_node_is_match("proj.stg_a", &f, false));
        assert!(fqn_node_is_match("proj.*", &f, false));
        assert!(fqn_node_is_match("stg_*", &f, false));
        assert!(fqn_node_is_match("*", &f, false));
        assert!(!fqn_node_is_match("", &f, false));
        assert!(fqn_node_is_match("proj.staging.stg_?", &f, false));
        assert!(!fqn_node_is_match("proj.marts.*", &f, false));
    }

    #[test]
    fn versioned_fqn_matching() {
        let f = fqn(&["proj", "marts", "versioned", "v1"]);
        assert!(fqn_node_is_match("versioned", &f, true));
        assert!(fqn_node_is_match("versioned.v1", &f, true));
        assert!(fqn_node_is_match("versioned_v1", &f, true));
        assert!(!fqn_node_is_match("versioned_v2", &f, true));
        assert!(!fqn_node_is_match("versioned.*", &f, true));
        assert!(fqn_node_is_match("versio*", &f, true));
        assert!(fqn_node_is_match("proj.marts.versioned.v1", &f, true));
    }

    #[test]
    fn dotted_names_flatten() {
        let f = fqn(&["proj", "a.b"]);
        assert!(fqn_node_is_match("proj.a.b", &f, false));
        assert!(fqn_node_is_match("a.b", &f, false));
        assert!(fqn_node_is_match("proj.a", &f, false));
    }

    #[test]
    fn config_comparisons() {
        assert!(config_value_matches(&json!("view"), &json!("view"), false));
        assert!(!config_value_matches(&json!("VIEW"), &json!("view"), false));
        assert!(config_value_matches(&json!("WARN"), &json!("warn"), true));
        assert!(config_value_matches(&json!("true"), &json!(true), false));
        assert!(config_value_matches(&json!("True"), &json!(true), false));
        assert!(!config_value_matches(&json!("true"), &json!("yes"), false));
        assert!(config_value_matches(&json!("false"), &json!(false), false));
        assert!(config_value_matches(&json!("a"), &json!(["a", "b"]), false));
        assert!(config_value_matches(&json!("true"), &json!([1]), false));
        assert!(!config_value_matches(&json!("1"), &json!(1), false));
        assert!(config_value_matches(&json!(1), &json!(1), false));
        assert!(config_value_matches(&json!(true), &json!(1), false));
        assert!(!config_value_matches(&json!("x"), &json!({"x": 1}), false));
    }

    #[test]
    fn versions_compare() {
        assert!(version_less("1", "2"));
        assert!(version_less("2", "10"));
        assert!(!version_less("10", "2"));
        assert!(version_less("10", "2a")); // string order
        assert!(version_less("1.5", "2"));
    }

    #[test]
    fn descend_nested() {
        let c = json!({"meta": {"owner": "alice"}, "pre-hook": []});
        assert_eq!(
            descend(&c, &["meta".into(), "owner".into()]),
            Some(&json!("alice"))
        );
        assert_eq!(descend(&c, &["meta".into(), "nope".into()]), None);
        assert_eq!(descend(&c, &["pre_hook".into()]), Some(&json!([])));
        assert_eq!(descend(&c, &["".into()]), None);
    }
}
