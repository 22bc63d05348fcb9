//! Selection expressions and the parser for command-line selector strings
//! (`--select`, `--exclude`): unions, intersections, graph operators and
//! method prefixes, following dbt's `RAW_SELECTOR_PATTERN`.

use super::error::{ErrorKind, SelectorError, SourceLocation};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A node selection method (`tag:`, `path:`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodName {
    Fqn,
    Tag,
    Group,
    Access,
    Source,
    Path,
    File,
    Package,
    Config,
    TestName,
    TestType,
    ResourceType,
    State,
    Exposure,
    Metric,
    Result,
    SourceStatus,
    Version,
    SemanticModel,
    SavedQuery,
    UnitTest,
}

impl MethodName {
    /// Every method, in dbt's declaration order.
    pub const ALL: [MethodName; 21] = [
        MethodName::Fqn,
        MethodName::Tag,
        MethodName::Group,
        MethodName::Access,
        MethodName::Source,
        MethodName::Path,
        MethodName::File,
        MethodName::Package,
        MethodName::Config,
        MethodName::TestName,
        MethodName::TestType,
        MethodName::ResourceType,
        MethodName::State,
        MethodName::Exposure,
        MethodName::Metric,
        MethodName::Result,
        MethodName::SourceStatus,
        MethodName::Version,
        MethodName::SemanticModel,
        MethodName::SavedQuery,
        MethodName::UnitTest,
    ];

    /// The method's name as written before the colon.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodName::Fqn => "fqn",
            MethodName::Tag => "tag",
            MethodName::Group => "group",
            MethodName::Access => "access",
            MethodName::Source => "source",
            MethodName::Path => "path",
            MethodName::File => "file",
            MethodName::Package => "package",
            MethodName::Config => "config",
            MethodName::TestName => "test_name",
            MethodName::TestType => "test_type",
            MethodName::ResourceType => "resource_type",
            MethodName::State => "state",
            MethodName::Exposure => "exposure",
            MethodName::Metric => "metric",
            MethodName::Result => "result",
            MethodName::SourceStatus => "source_status",
            MethodName::Version => "version",
            MethodName::SemanticModel => "semantic_model",
            MethodName::SavedQuery => "saved_query",
            MethodName::UnitTest => "unit_test",
        }
    }

    /// Parses a method name exactly.
    pub fn parse(name: &str) -> Option<MethodName> {
        MethodName::ALL.iter().copied().find(|m| m.as_str() == name)
    }
}

impl fmt::Display for MethodName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How tests next to selected nodes are pulled in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndirectSelection {
    /// A test is selected when any of its parents is selected.
    #[default]
    Eager,
    /// A test is selected only when all of its parents are selected.
    Cautious,
    /// Like cautious, but parents that are ancestors of the selection count.
    Buildable,
    /// Tests are never selected indirectly.
    Empty,
}

impl IndirectSelection {
    /// Parses `eager`, `cautious`, `buildable` or `empty` (case-sensitive).
    pub fn parse(value: &str) -> Option<IndirectSelection> {
        match value {
            "eager" => Some(IndirectSelection::Eager),
            "cautious" => Some(IndirectSelection::Cautious),
            "buildable" => Some(IndirectSelection::Buildable),
            "empty" => Some(IndirectSelection::Empty),
            _ => None,
        }
    }

    /// The mode's name.
    pub fn as_str(self) -> &'static str {
        match self {
            IndirectSelection::Eager => "eager",
            IndirectSelection::Cautious => "cautious",
            IndirectSelection::Buildable => "buildable",
            IndirectSelection::Empty => "empty",
        }
    }
}

/// One selection criterion such as `2+tag:nightly+`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionCriteria {
    /// The text this criterion came from (a CLI spec, or the YAML definition
    /// rendered as JSON).
    pub raw: String,
    pub method: MethodName,
    /// Dotted arguments after the method (`config.meta.owner` -> `["meta", "owner"]`).
    pub method_arguments: Vec<String>,
    /// The value to search for; a string from the command line, any scalar
    /// from YAML.
    pub value: Value,
    /// `@` prefix.
    pub childrens_parents: bool,
    /// `+` prefix.
    pub parents: bool,
    pub parents_depth: Option<usize>,
    /// `+` suffix.
    pub children: bool,
    pub children_depth: Option<usize>,
    pub indirect_selection: IndirectSelection,
    /// Where the criterion was written.
    pub location: SourceLocation,
}

/// How a group combines the sets of its components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetOperation {
    Union,
    Intersection,
    /// The first component minus all the others.
    Difference,
}

/// A set operation over selection expressions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionGroup {
    pub operation: SetOperation,
    pub components: Vec<SelectionSpec>,
    pub indirect_selection: IndirectSelection,
    /// Warn when this group selects nothing.
    pub expect_exists: bool,
    pub raw: String,
}

/// A parsed selection expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SelectionSpec {
    Criteria(Box<SelectionCriteria>),
    Group(SelectionGroup),
}

impl SelectionSpec {
    /// A group with the given components (indirect selection `eager`, no
    /// warning when empty), as selectors.yml builds them.
    pub fn group(
        operation: SetOperation,
        components: Vec<SelectionSpec>,
        raw: String,
    ) -> SelectionSpec {
        SelectionSpec::Group(SelectionGroup {
            operation,
            components,
            indirect_selection: IndirectSelection::Eager,
            expect_exists: false,
            raw,
        })
    }
}

/// The selectors `dbt` uses when `--select` is not given.
pub const DEFAULT_INCLUDES: [&str; 5] = [
    "fqn:*",
    "source:*",
    "exposure:*",
    "metric:*",
    "semantic_model:*",
];

/// The parts of one criterion found by the selector pattern.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawParts {
    pub childrens_parents: bool,
    pub parents: bool,
    pub parents_depth: Option<String>,
    pub method: Option<String>,
    pub value: String,
    pub children: bool,
    pub children_depth: Option<String>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits one spec the way `RAW_SELECTOR_PATTERN` does; `None` when the
/// pattern does not match (a line break anywhere).
pub(crate) fn split_raw_spec(raw: &str) -> Option<RawParts> {
    if raw.contains('\n') {
        return None;
    }
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    let mut parts = RawParts::default();
    if chars.first() == Some(&'@') {
        parts.childrens_parents = true;
        i = 1;
    }
    // parents: digits followed by '+'
    let mut j = i;
    while j < chars.len() && chars[j].is_ascii_digit() {
        j += 1;
    }
    if j < chars.len() && chars[j] == '+' {
        parts.parents = true;
        parts.parents_depth = Some(chars[i..j].iter().collect());
        i = j + 1;
    }
    // method: a maximal run of word characters and dots, then ':'
    let mut k = i;
    while k < chars.len() && (is_word_char(chars[k]) || chars[k] == '.') {
        k += 1;
    }
    if k > i && k < chars.len() && chars[k] == ':' {
        parts.method = Some(chars[i..k].iter().collect());
        i = k + 1;
    }
    // value (lazy) and children: the first suffix of the form `+\d*`
    let rest = &chars[i..];
    let mut split_at = rest.len();
    for start in 0..rest.len() {
        if rest[start] == '+' && rest[start + 1..].iter().all(|c| c.is_ascii_digit()) {
            split_at = start;
            break;
        }
    }
    parts.value = rest[..split_at].iter().collect();
    if split_at < rest.len() {
        parts.children = true;
        parts.children_depth = Some(rest[split_at + 1..].iter().collect());
    }
    Some(parts)
}

/// `_match_to_int`: an empty depth is "unbounded"; overflowing depths are
/// clamped (they are unbounded in practice).
pub(crate) fn depth_from_digits(raw: &Option<String>) -> Option<usize> {
    let raw = raw.as_deref()?;
    if raw.is_empty() {
        return None;
    }
    Some(raw.parse::<usize>().unwrap_or(usize::MAX))
}

/// The method used when a spec has no `method:` prefix.
pub fn default_method(value: &str) -> MethodName {
    let lower = value.to_lowercase();
    if value.contains('/') {
        MethodName::Path
    } else if lower.ends_with(".sql") || lower.ends_with(".py") || lower.ends_with(".csv") {
        MethodName::File
    } else {
        MethodName::Fqn
    }
}

/// Splits `config.meta.owner` into the method and its arguments.
pub(crate) fn parse_method_name(raw_method: &str) -> Result<(MethodName, Vec<String>), String> {
    let mut parts = raw_method.split('.');
    let first = parts.next().unwrap_or("");
    match MethodName::parse(first) {
        Some(m) => Ok((m, parts.map(str::to_string).collect())),
        None => Err(format!("'{first}' is not a valid method name")),
    }
}

/// Parses one criterion (`@`, `N+`, `method.args:`, value, `+N`).
pub fn parse_criteria(
    raw: &str,
    indirect: IndirectSelection,
    location: SourceLocation,
) -> Result<SelectionCriteria, SelectorError> {
    let err =
        |msg: String| SelectorError::new(ErrorKind::Parse, msg).with_location(location.clone());
    let parts =
        split_raw_spec(raw).ok_or_else(|| err(format!("Invalid selector spec \"{raw}\"")))?;
    let (method, method_arguments) = match &parts.method {
        None => (default_method(&parts.value), Vec::new()),
        Some(m) => parse_method_name(m).map_err(err)?,
    };
    if parts.children && parts.childrens_parents {
        return Err(err(format!(
            "Invalid node spec {raw} - \"@\" prefix and \"+\" suffix are incompatible"
        )));
    }
    Ok(SelectionCriteria {
        raw: raw.to_string(),
        method,
        method_arguments,
        value: Value::String(parts.value.clone()),
        childrens_parents: parts.childrens_parents,
        parents: parts.parents,
        parents_depth: depth_from_digits(&parts.parents_depth),
        children: parts.children,
        children_depth: depth_from_digits(&parts.children_depth),
        indirect_selection: indirect,
        location,
    })
}

/// `parse_union`: each argument is split on single spaces into a union of
/// comma-separated intersections.
pub fn parse_union(
    components: &[String],
    expect_exists: bool,
    indirect: IndirectSelection,
) -> Result<SelectionSpec, SelectorError> {
    let mut union_components = Vec::new();
    for (arg_index, arg) in components.iter().enumerate() {
        let mut offset = 0usize;
        for raw_spec in arg.split(' ') {
            let mut criteria = Vec::new();
            let mut part_offset = offset;
            for part in raw_spec.split(',') {
                let length = part.chars().count();
                let location = SourceLocation::in_argument(arg_index, part_offset, length);
                criteria.push(SelectionSpec::Criteria(Box::new(parse_criteria(
                    part, indirect, location,
                )?)));
                part_offset += length + 1;
            }
            union_components.push(SelectionSpec::Group(SelectionGroup {
                operation: SetOperation::Intersection,
                components: criteria,
                indirect_selection: indirect,
                expect_exists,
                raw: raw_spec.to_string(),
            }));
            offset += raw_spec.chars().count() + 1;
        }
    }
    Ok(SelectionSpec::Group(SelectionGroup {
        operation: SetOperation::Union,
        components: union_components,
        indirect_selection: indirect,
        expect_exists: false,
        raw: python_list_repr(components),
    }))
}

/// `parse_difference`: `--select` (or the default includes) minus `--exclude`.
/// An absent or empty `select` means "everything dbt selects by default".
pub fn parse_difference(
    select: Option<&[String]>,
    exclude: Option<&[String]>,
    indirect: IndirectSelection,
) -> Result<SelectionSpec, SelectorError> {
    let select = select.filter(|s| !s.is_empty());
    let included = match select {
        Some(s) => parse_union(s, true, indirect)?,
        None => {
            let defaults: Vec<String> = DEFAULT_INCLUDES.iter().map(|s| s.to_string()).collect();
            parse_union(&defaults, false, indirect)?
        }
    };
    let excluded = match exclude {
        Some(e) => parse_union(e, true, indirect)?,
        None => parse_union(&[], false, indirect)?,
    };
    Ok(SelectionSpec::group(
        SetOperation::Difference,
        vec![included, excluded],
        String::new(),
    ))
}

/// Renders a list of strings like Python's `repr(list)` (used for raw text).
fn python_list_repr(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", inner.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str) -> RawParts {
        split_raw_spec(raw).unwrap_or_default()
    }

    #[test]
    fn splits_operators() {
        let p = parts("2+tag:nightly+3");
        assert!(p.parents && p.children && !p.childrens_parents);
        assert_eq!(p.parents_depth.as_deref(), Some("2"));
        assert_eq!(p.children_depth.as_deref(), Some("3"));
        assert_eq!(p.method.as_deref(), Some("tag"));
        assert_eq!(p.value, "nightly");

        let p = parts("@a");
        assert!(p.childrens_parents && !p.parents && !p.children);
        assert_eq!(p.value, "a");

        let p = parts("a++");
        assert_eq!(p.value, "a+");
        assert!(p.children);

        let p = parts("a+1+2");
        assert_eq!(p.value, "a+1");
        assert_eq!(p.children_depth.as_deref(), Some("2"));

        let p = parts("+");
        assert!(p.parents && !p.children);
        assert_eq!(p.value, "");

        let p = parts("+1");
        assert!(p.parents);
        assert_eq!(p.value, "1");

        let p = parts("12a");
        assert!(!p.parents);
        assert_eq!(p.value, "12a");

        let p = parts("tag:a:b");
        assert_eq!(p.method.as_deref(), Some("tag"));
        assert_eq!(p.value, "a:b");

        let p = parts("models/a:b");
        assert_eq!(p.method, None);
        assert_eq!(p.value, "models/a:b");

        let p = parts("config.meta.owner:x");
        assert_eq!(p.method.as_deref(), Some("config.meta.owner"));

        assert!(split_raw_spec("a\nb").is_none());
    }

    #[test]
    fn default_methods() {
        assert_eq!(default_method("models/staging"), MethodName::Path);
        assert_eq!(default_method("a.SQL"), MethodName::File);
        assert_eq!(default_method("a.py"), MethodName::File);
        assert_eq!(default_method("a.csv"), MethodName::File);
        assert_eq!(default_method("a.b"), MethodName::Fqn);
    }

    #[test]
    fn criteria_errors() {
        let loc = SourceLocation::default();
        let e = parse_criteria("@a+", IndirectSelection::Eager, loc.clone())
            .err()
            .map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("Invalid node spec @a+ - \"@\" prefix and \"+\" suffix are incompatible")
        );
        let e = parse_criteria("foo:bar", IndirectSelection::Eager, loc.clone())
            .err()
            .map(|e| e.message);
        assert_eq!(e.as_deref(), Some("'foo' is not a valid method name"));
        let e = parse_criteria("a.b:c", IndirectSelection::Eager, loc)
            .err()
            .map(|e| e.message);
        assert_eq!(e.as_deref(), Some("'a' is not a valid method name"));
    }

    #[test]
    fn depths() {
        let c = parse_criteria("0+a+", IndirectSelection::Eager, SourceLocation::default());
        let c = c.ok();
        assert_eq!(c.as_ref().and_then(|c| c.parents_depth), Some(0));
        assert_eq!(c.as_ref().and_then(|c| c.children_depth), None);
        let c = parse_criteria(
            "99999999999999999999999+a",
            IndirectSelection::Eager,
            SourceLocation::default(),
        );
        assert_eq!(c.ok().and_then(|c| c.parents_depth), Some(usize::MAX));
    }

    #[test]
    fn error_positions() {
        let args = vec!["a b,@c+".to_string()];
        let e = parse_union(&args, true, IndirectSelection::Eager).err();
        let loc = e.map(|e| e.location);
        assert_eq!(loc.as_ref().and_then(|l| l.argument), Some(0));
        assert_eq!(loc.as_ref().and_then(|l| l.offset), Some(4));
        assert_eq!(loc.as_ref().and_then(|l| l.length), Some(3));
    }

    #[test]
    fn union_structure() {
        let spec = parse_union(&["a,b c".to_string()], true, IndirectSelection::Cautious);
        let Ok(SelectionSpec::Group(g)) = spec else {
            panic!("expected a group");
        };
        assert_eq!(g.operation, SetOperation::Union);
        assert_eq!(g.components.len(), 2);
        let SelectionSpec::Group(first) = &g.components[0] else {
            panic!("expected an intersection");
        };
        assert_eq!(first.operation, SetOperation::Intersection);
        assert_eq!(first.components.len(), 2);
        assert!(first.expect_exists);
        assert_eq!(first.indirect_selection, IndirectSelection::Cautious);
        assert_eq!(first.raw, "a,b");
    }
}
