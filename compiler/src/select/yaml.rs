//! `selectors.yml`: parsing named selector definitions (method/value dicts,
//! unions, intersections, excludes and references to earlier selectors)
//! into selection expressions, with file positions in errors.

use super::error::{ErrorKind, SelectorError, SourceLocation};
use super::spec::{
    default_method, parse_criteria, parse_difference, parse_method_name, IndirectSelection,
    SelectionCriteria, SelectionSpec, SetOperation,
};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Number, Value};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;

/// One named selector from selectors.yml.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectorDefinition {
    pub name: String,
    pub description: String,
    /// `default: true`: used when neither `--select` nor `--exclude` is given.
    pub default: bool,
    pub definition: SelectionSpec,
    /// Where the selector entry starts.
    pub location: SourceLocation,
}

/// The selectors of one selectors.yml, by name. A name defined twice keeps
/// its first position and its last definition, as dbt's dictionary does.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SelectorsFile {
    pub selectors: Vec<SelectorDefinition>,
}

impl SelectorsFile {
    /// Looks a selector up by name (`--selector name`).
    pub fn get(&self, name: &str) -> Result<&SelectionSpec, SelectorError> {
        match self.selectors.iter().find(|s| s.name == name) {
            Some(s) => Ok(&s.definition),
            None => {
                let names: Vec<String> = self
                    .selectors
                    .iter()
                    .map(|s| format!("'{}'", s.name))
                    .collect();
                Err(SelectorError::new(
                    ErrorKind::Selectors,
                    format!(
                        "Could not find selector named {name}, expected one of [{}]",
                        names.join(", ")
                    ),
                ))
            }
        }
    }

    /// The selector marked `default: true`, if any.
    pub fn default_selector_name(&self) -> Option<&str> {
        self.selectors
            .iter()
            .find(|s| s.default)
            .map(|s| s.name.as_str())
    }
}

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    value: Kind,
    line: u64,
    column: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Null,
    Bool(bool),
    Number(Number),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Kind, Node)>),
}

/// Deserialization target: a YAML value whose children carry spans.
#[derive(Debug, Clone)]
enum Raw {
    Null,
    Bool(bool),
    Number(Number),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Raw, Spanned<Raw>)>),
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(match Number::from_f64(v) {
            Some(n) => Raw::Number(n),
            None => Raw::Str(v.to_string()),
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries: Vec<(Raw, Spanned<Raw>)> = Vec::new();
        while let Some(key) = map.next_key::<Raw>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

/// YAML 1.1 boolean spellings PyYAML accepts; saphyr also accepts `y`/`n`
/// and mixed case, which PyYAML reads as strings.
fn pyyaml_bool(raw: &str) -> bool {
    matches!(
        raw,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

fn raw_key_to_kind(raw: Raw) -> Kind {
    match raw {
        Raw::Null => Kind::Null,
        Raw::Bool(b) => Kind::Bool(b),
        Raw::Number(n) => Kind::Number(n),
        Raw::Str(s) => Kind::Str(s),
        Raw::Seq(_) | Raw::Map(_) => Kind::Str(String::new()),
    }
}

fn convert(spanned: Spanned<Raw>, source: &str) -> Node {
    let loc = spanned.referenced;
    let (line, column) = (loc.line(), loc.column());
    let value = match spanned.value {
        Raw::Null => Kind::Null,
        Raw::Bool(b) => {
            let span = loc.span();
            let text = match (span.byte_offset(), span.byte_len()) {
                (Some(off), Some(len)) => {
                    let (start, end) = (off as usize, (off + len) as usize);
                    source.get(start..end).map(str::trim)
                }
                _ => None,
            };
            match text {
                Some(t) if !pyyaml_bool(t) && !t.is_empty() && !t.starts_with(['!', '&', '*']) => {
                    Kind::Str(t.to_string())
                }
                _ => Kind::Bool(b),
            }
        }
        Raw::Number(n) => Kind::Number(n),
        Raw::Str(s) => Kind::Str(s),
        Raw::Seq(items) => Kind::Seq(items.into_iter().map(|i| convert(i, source)).collect()),
        Raw::Map(entries) => {
            let mut out: Vec<(Kind, Node)> = Vec::new();
            for (k, v) in entries {
                let key = raw_key_to_kind(k);
                let node = convert(v, source);
                // a repeated key keeps its first position and its last value
                match out.iter_mut().find(|(existing, _)| *existing == key) {
                    Some(slot) => slot.1 = node,
                    None => out.push((key, node)),
                }
            }
            Kind::Map(out)
        }
    };
    Node {
        value,
        line,
        column,
    }
}

fn from_json(value: &Value) -> Node {
    let kind = match value {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => Kind::Number(n.clone()),
        Value::String(s) => Kind::Str(s.clone()),
        Value::Array(items) => Kind::Seq(items.iter().map(from_json).collect()),
        Value::Object(map) => Kind::Map(
            map.iter()
                .map(|(k, v)| (Kind::Str(k.clone()), from_json(v)))
                .collect(),
        ),
    };
    Node {
        value: kind,
        line: 0,
        column: 0,
    }
}

fn to_json(kind: &Kind) -> Value {
    match kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Number(n) => Value::Number(n.clone()),
        Kind::Str(s) => Value::String(s.clone()),
        Kind::Seq(items) => Value::Array(items.iter().map(|n| to_json(&n.value)).collect()),
        Kind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (python_repr_key(k), to_json(&v.value)))
                .collect(),
        ),
    }
}

fn python_repr_key(k: &Kind) -> String {
    match k {
        Kind::Str(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python `repr()` of a YAML value (used in messages and raw text).
fn python_repr(kind: &Kind) -> String {
    match kind {
        Kind::Null => "None".into(),
        Kind::Bool(true) => "True".into(),
        Kind::Bool(false) => "False".into(),
        Kind::Number(n) => super::list::python_number(n),
        Kind::Str(s) => {
            if s.contains('\'') && !s.contains('"') {
                format!("\"{s}\"")
            } else {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        }
        Kind::Seq(items) => {
            let inner: Vec<String> = items.iter().map(|n| python_repr(&n.value)).collect();
            format!("[{}]", inner.join(", "))
        }
        Kind::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", python_repr(k), python_repr(&v.value)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python's type name for a value (`str`, `int`, `dict`, ...).
fn python_type(kind: &Kind) -> &'static str {
    match kind {
        Kind::Null => "NoneType",
        Kind::Bool(_) => "bool",
        Kind::Number(n) if n.is_f64() => "float",
        Kind::Number(_) => "int",
        Kind::Str(_) => "str",
        Kind::Seq(_) => "list",
        Kind::Map(_) => "dict",
    }
}

/// Python truthiness.
fn truthy(kind: &Kind) -> bool {
    match kind {
        Kind::Null => false,
        Kind::Bool(b) => *b,
        Kind::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Kind::Str(s) => !s.is_empty(),
        Kind::Seq(items) => !items.is_empty(),
        Kind::Map(entries) => !entries.is_empty(),
    }
}

fn map_get<'n>(entries: &'n [(Kind, Node)], key: &str) -> Option<&'n Node> {
    entries
        .iter()
        .find(|(k, _)| matches!(k, Kind::Str(s) if s == key))
        .map(|(_, v)| v)
}

fn map_has(entries: &[(Kind, Node)], key: &str) -> bool {
    map_get(entries, key).is_some()
}

struct Parser<'a> {
    file: &'a str,
    indirect: IndirectSelection,
}

impl Parser<'_> {
    fn location(&self, node: &Node) -> SourceLocation {
        SourceLocation::in_file(self.file, node.line, node.column)
    }

    fn error(&self, node: &Node, message: String) -> SelectorError {
        SelectorError::new(ErrorKind::Selectors, message).with_location(self.location(node))
    }

    fn file(&self, root: &Node) -> Result<SelectorsFile, SelectorError> {
        let entries = match &root.value {
            Kind::Null => return Ok(SelectorsFile::default()),
            Kind::Map(e) if e.is_empty() => return Ok(SelectorsFile::default()),
            Kind::Map(e) => e,
            _ => {
                return Err(self.invalid(root, "the file must be a mapping with a 'selectors' list"))
            }
        };
        for (k, v) in entries {
            match k {
                Kind::Str(s) if s == "selectors" => {}
                Kind::Str(s) if s == "version" => {
                    if !matches!(&v.value, Kind::Number(n) if !n.is_f64()) {
                        return Err(self.invalid(v, "'version' must be an integer"));
                    }
                }
                other => {
                    return Err(
                        self.invalid(root, &format!("unexpected key {}", python_repr(other)))
                    )
                }
            }
        }
        let Some(list_node) = map_get(entries, "selectors") else {
            return Err(self.invalid(root, "'selectors' is a required property"));
        };
        let Kind::Seq(items) = &list_node.value else {
            return Err(self.invalid(list_node, "'selectors' must be a list"));
        };

        // validate entries first, as dbt validates the whole file up front
        struct Entry<'n> {
            name: String,
            description: String,
            default: bool,
            definition: &'n Node,
            node: &'n Node,
        }
        let mut raw_entries: Vec<Entry> = Vec::new();
        for item in items {
            let Kind::Map(fields) = &item.value else {
                return Err(self.invalid(item, "each selector must be a mapping"));
            };
            for (k, v) in fields {
                match k {
                    Kind::Str(s)
                        if matches!(
                            s.as_str(),
                            "name" | "definition" | "description" | "default"
                        ) =>
                    {
                        let ok = match s.as_str() {
                            "name" | "description" => matches!(v.value, Kind::Str(_)),
                            "default" => matches!(v.value, Kind::Bool(_)),
                            _ => matches!(v.value, Kind::Str(_) | Kind::Map(_)),
                        };
                        if !ok {
                            let what = match s.as_str() {
                                "name" | "description" => format!("'{s}' must be a string"),
                                "default" => "'default' must be a boolean".to_string(),
                                _ => "Valid root-level selector definitions: union, intersection, string, dictionary. No lists.".to_string(),
                            };
                            return Err(self.invalid(v, &what));
                        }
                    }
                    other => {
                        return Err(self.invalid(
                            item,
                            &format!("unexpected key {} in selector", python_repr(other)),
                        ))
                    }
                }
            }
            let name = match map_get(fields, "name").map(|n| &n.value) {
                Some(Kind::Str(s)) => s.clone(),
                _ => return Err(self.invalid(item, "'name' is a required property")),
            };
            let Some(definition) = map_get(fields, "definition") else {
                return Err(self.invalid(item, "'definition' is a required property"));
            };
            let description = match map_get(fields, "description").map(|n| &n.value) {
                Some(Kind::Str(s)) => s.clone(),
                _ => String::new(),
            };
            let default = matches!(
                map_get(fields, "default").map(|n| &n.value),
                Some(Kind::Bool(true))
            );
            raw_entries.push(Entry {
                name,
                description,
                default,
                definition,
                node: item,
            });
        }

        let mut first_default: Option<&str> = None;
        for e in &raw_entries {
            if e.default {
                match first_default {
                    None => first_default = Some(&e.name),
                    Some(first) => {
                        return Err(self.error(
                            e.node,
                            format!(
                                "Error when parsing the selector file. Found multiple selectors with `default: true`:{first} and {}",
                                e.name
                            ),
                        ))
                    }
                }
            }
        }

        let mut out = SelectorsFile::default();
        let mut known: BTreeMap<String, SelectionSpec> = BTreeMap::new();
        for e in raw_entries {
            let definition = self.definition(e.definition, true, &known)?;
            known.insert(e.name.clone(), definition.clone());
            let parsed = SelectorDefinition {
                name: e.name.clone(),
                description: e.description,
                default: e.default,
                definition,
                location: self.location(e.node),
            };
            match out.selectors.iter_mut().find(|s| s.name == e.name) {
                Some(slot) => *slot = parsed,
                None => out.selectors.push(parsed),
            }
        }
        Ok(out)
    }

    fn invalid(&self, node: &Node, detail: &str) -> SelectorError {
        self.error(
            node,
            format!("Could not parse selector file data: {detail}"),
        )
    }

    /// `parse_from_definition`.
    fn definition(
        &self,
        node: &Node,
        rootlevel: bool,
        known: &BTreeMap<String, SelectionSpec>,
    ) -> Result<SelectionSpec, SelectorError> {
        match &node.value {
            Kind::Str(s) => {
                Ok(SelectionSpec::Criteria(Box::new(parse_criteria(s, self.indirect, self.location(node))?)))
            }
            Kind::Map(entries) => {
                let has_set_op = map_has(entries, "union") || map_has(entries, "intersection");
                if has_set_op && rootlevel && entries.len() > 1 {
                    let keys: Vec<String> = entries.iter().map(|(k, _)| python_repr_key(k)).collect();
                    return Err(self.error(
                        node,
                        format!(
                            "Only a single 'union' or 'intersection' key is allowed in a root level selector definition; found {}.",
                            keys.join(",")
                        ),
                    ));
                }
                if let Some(parts) = map_get(entries, "union") {
                    self.set_operation(node, parts, "union", SetOperation::Union, known)
                } else if let Some(parts) = map_get(entries, "intersection") {
                    self.set_operation(node, parts, "intersection", SetOperation::Intersection, known)
                } else {
                    self.dict_definition(node, entries, known)
                }
            }
            other => Err(self.error(
                node,
                format!(
                    "Expected to find union, intersection, str or dict, instead found <class '{}'>: {}",
                    python_type(other),
                    python_repr(other)
                ),
            )),
        }
    }

    /// `_get_list_dicts`: the items of a list of strings and mappings.
    fn list_items<'n>(&self, value: &'n Node, key: &str) -> Result<&'n [Node], SelectorError> {
        let Kind::Seq(items) = &value.value else {
            return Err(self.error(
                value,
                format!("Invalid value for key \"{key}\". Expected a list."),
            ));
        };
        for item in items {
            match &item.value {
                Kind::Map(entries) => {
                    if let Some((k, _)) = entries.iter().find(|(k, _)| !matches!(k, Kind::Str(_))) {
                        return Err(self.error(
                            item,
                            format!(
                                "Expected all keys to \"{key}\" dict to be strings, but \"{}\" is a \"<class '{}'>\"",
                                python_repr(k),
                                python_type(k)
                            ),
                        ));
                    }
                }
                Kind::Str(_) => {}
                other => {
                    return Err(self.error(
                        item,
                        format!(
                            "Invalid value type <class '{}'> in key \"{key}\", expected dict or str (value: {}).",
                            python_type(other),
                            python_repr(other)
                        ),
                    ))
                }
            }
        }
        Ok(items)
    }

    /// `_parse_exclusions`: `exclude:` of a definition, as one expression.
    fn exclusions(
        &self,
        node: &Node,
        entries: &[(Kind, Node)],
        known: &BTreeMap<String, SelectionSpec>,
    ) -> Result<Option<SelectionSpec>, SelectorError> {
        let Some(value) = map_get(entries, "exclude") else {
            return Err(self.error(node, "Expected to find key exclude in dict".to_string()));
        };
        let items = self.list_items(value, "exclude")?;
        let mut parsed = Vec::with_capacity(items.len());
        for item in items {
            parsed.push(self.definition(item, false, known)?);
        }
        Ok(match parsed.len() {
            0 => None,
            1 => parsed.pop(),
            _ => Some(SelectionSpec::group(
                SetOperation::Union,
                parsed,
                python_repr(&value.value),
            )),
        })
    }

    /// `parse_union_definition` / `parse_intersection_definition`.
    fn set_operation(
        &self,
        node: &Node,
        parts: &Node,
        key: &str,
        operation: SetOperation,
        known: &BTreeMap<String, SelectionSpec>,
    ) -> Result<SelectionSpec, SelectorError> {
        let items = self.list_items(parts, key)?;
        let mut include = Vec::new();
        let mut exclude: Option<SelectionSpec> = None;
        for item in items {
            match &item.value {
                Kind::Map(entries) if map_has(entries, "exclude") => {
                    if exclude.is_some() {
                        return Err(self.error(
                            item,
                            format!(
                                "You cannot provide multiple exclude arguments to the same selector set operator:\n{}",
                                python_repr(&item.value)
                            ),
                        ));
                    }
                    exclude = self.exclusions(item, entries, known)?;
                }
                _ => include.push(self.definition(item, false, known)?),
            }
        }
        let raw = python_repr(&node.value);
        let group = SelectionSpec::group(operation, include, raw.clone());
        Ok(match exclude {
            None => group,
            Some(ex) => SelectionSpec::group(SetOperation::Difference, vec![group, ex], raw),
        })
    }

    /// `parse_dict_definition`.
    fn dict_definition(
        &self,
        node: &Node,
        entries: &[(Kind, Node)],
        known: &BTreeMap<String, SelectionSpec>,
    ) -> Result<SelectionSpec, SelectorError> {
        let raw = python_repr(&node.value);
        let mut exclude: Option<SelectionSpec> = None;
        let (method, value, fields): (Kind, &Node, &[(Kind, Node)]) = if entries.len() == 1 {
            let (key, value) = &entries[0];
            if !matches!(key, Kind::Str(_)) {
                return Err(self.error(
                    node,
                    format!(
                        "Expected definition key to be a \"str\", got one of type \"<class '{}'>\" ({})",
                        python_type(key),
                        python_repr(key)
                    ),
                ));
            }
            (key.clone(), value, &[])
        } else if matches!(map_get(entries, "method").map(|n| &n.value), Some(Kind::Str(s)) if s == "selector")
        {
            let target = map_get(entries, "value").map(|n| &n.value);
            let name = match target {
                Some(Kind::Str(s)) => s.clone(),
                Some(other) => python_repr(other),
                None => "None".to_string(),
            };
            return match (target, known.get(&name)) {
                (Some(Kind::Str(_)), Some(spec)) => Ok(spec.clone()),
                _ => Err(self.error(
                    node,
                    format!("Existing selector definition for {name} not found."),
                )),
            };
        } else if let (Some(m), Some(v)) = (map_get(entries, "method"), map_get(entries, "value")) {
            if map_has(entries, "exclude") {
                exclude = self.exclusions(node, entries, known)?;
            }
            (m.value.clone(), v, entries)
        } else {
            let keys: Vec<String> = entries.iter().map(|(k, _)| python_repr(k)).collect();
            return Err(self.error(
                node,
                format!(
                    "Expected either 1 key or else \"method\" and \"value\" keys, but got [{}]",
                    keys.join(", ")
                ),
            ));
        };
        let base = self.criteria_from_dict(node, &raw, &method, value, fields)?;
        Ok(match exclude {
            None => SelectionSpec::Criteria(Box::new(base)),
            Some(ex) => SelectionSpec::group(
                SetOperation::Difference,
                vec![SelectionSpec::Criteria(Box::new(base)), ex],
                raw,
            ),
        })
    }

    /// `_match_to_int` over a YAML value: falsy means unbounded.
    fn depth(&self, key: &str, fields: &[(Kind, Node)]) -> Result<Option<usize>, SelectorError> {
        let Some(v) = map_get(fields, key) else {
            return Ok(None);
        };
        if !truthy(&v.value) {
            return Ok(None);
        }
        let invalid = || {
            self.error(
                v,
                format!(
                    "Invalid node spec - could not handle parent depth {}",
                    value_text(&v.value)
                ),
            )
        };
        let n: i128 = match &v.value {
            Kind::Bool(b) => i128::from(*b),
            Kind::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => i128::from(i),
                (_, Some(u), _) => i128::from(u),
                (_, _, Some(f)) => f.trunc() as i128,
                _ => return Err(invalid()),
            },
            Kind::Str(s) => {
                let t: String = s.trim().chars().filter(|c| *c != '_').collect();
                t.parse::<i128>().map_err(|_| invalid())?
            }
            _ => return Err(invalid()),
        };
        Ok(Some(if n < 0 {
            0
        } else {
            usize::try_from(n).unwrap_or(usize::MAX)
        }))
    }

    /// `SelectionCriteria.selection_criteria_from_dict`.
    fn criteria_from_dict(
        &self,
        node: &Node,
        raw: &str,
        method: &Kind,
        value: &Node,
        fields: &[(Kind, Node)],
    ) -> Result<SelectionCriteria, SelectorError> {
        let (method, method_arguments) = match method {
            Kind::Str(m) => parse_method_name(m).map_err(|msg| self.error(node, msg))?,
            Kind::Null => match &value.value {
                Kind::Str(v) => (default_method(v), Vec::new()),
                _ => (super::spec::MethodName::Fqn, Vec::new()),
            },
            other => {
                return Err(self.error(
                    node,
                    format!("'{}' is not a valid method name", value_text(other)),
                ))
            }
        };
        let flag = |key: &str| map_get(fields, key).is_some_and(|v| truthy(&v.value));
        let parents_depth = self.depth("parents_depth", fields)?;
        let children_depth = self.depth("children_depth", fields)?;
        let indirect_selection = match map_get(fields, "indirect_selection") {
            None => self.indirect,
            Some(v) => match &v.value {
                Kind::Str(s) => IndirectSelection::parse(s).ok_or_else(|| {
                    self.error(v, format!("'{s}' is not a valid IndirectSelection"))
                })?,
                other => {
                    return Err(self.error(
                        v,
                        format!("{} is not a valid IndirectSelection", python_repr(other)),
                    ))
                }
            },
        };
        let (childrens_parents, children) = (flag("childrens_parents"), flag("children"));
        if children && childrens_parents {
            return Err(self.error(
                node,
                format!("Invalid node spec {raw} - \"@\" prefix and \"+\" suffix are incompatible"),
            ));
        }
        Ok(SelectionCriteria {
            raw: raw.to_string(),
            method,
            method_arguments,
            value: to_json(&value.value),
            childrens_parents,
            parents: flag("parents"),
            parents_depth,
            children,
            children_depth,
            indirect_selection,
            location: self.location(node),
        })
    }
}

/// `str()` of a scalar.
fn value_text(kind: &Kind) -> String {
    match kind {
        Kind::Str(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Parses the text of a selectors.yml. `file` names it in error locations;
/// `indirect` is the `--indirect-selection` default for criteria that do
/// not set their own. The text is taken as already rendered (dbt renders
/// `env_var`/`var` calls before parsing).
pub fn parse_selectors_yaml(
    text: &str,
    file: &str,
    indirect: IndirectSelection,
) -> Result<SelectorsFile, SelectorError> {
    let parser = Parser { file, indirect };
    if text.trim().is_empty() {
        return Ok(SelectorsFile::default());
    }
    let root: Spanned<Raw> = serde_saphyr::from_str(text).map_err(|e| {
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("").trim().to_string();
        let location = match e.location() {
            Some(l) => SourceLocation::in_file(file, l.line(), l.column()),
            None => SourceLocation {
                file: Some(file.to_string()),
                ..Default::default()
            },
        };
        SelectorError::new(
            ErrorKind::Selectors,
            format!("Could not read selector file: {first}"),
        )
        .with_location(location)
    })?;
    let node = convert(root, text);
    parser.file(&node)
}

/// Parses selectors.yml data that was already loaded (and rendered) as JSON.
pub fn parse_selectors_value(
    data: &Value,
    file: &str,
    indirect: IndirectSelection,
) -> Result<SelectorsFile, SelectorError> {
    Parser { file, indirect }.file(&from_json(data))
}

/// The command-line flags that choose what to select.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SelectionArgs {
    /// `--select` values.
    pub select: Vec<String>,
    /// `--exclude` values.
    pub exclude: Vec<String>,
    /// `--selector` name.
    pub selector: Option<String>,
    /// `--indirect-selection` (applies to command-line criteria; selectors.yml
    /// criteria take it when parsed).
    pub indirect_selection: IndirectSelection,
}

/// dbt's `get_selection_spec`: `--selector` wins; otherwise the default
/// selector when neither `--select` nor `--exclude` is given; otherwise
/// `--select` minus `--exclude`. Returns the spec and the name of the
/// default selector when it was used.
pub fn resolve_selection(
    args: &SelectionArgs,
    selectors: Option<&SelectorsFile>,
) -> Result<(SelectionSpec, Option<String>), SelectorError> {
    let empty = SelectorsFile::default();
    let file = selectors.unwrap_or(&empty);
    if let Some(name) = &args.selector {
        return Ok((file.get(name)?.clone(), None));
    }
    if args.select.is_empty() && args.exclude.is_empty() {
        if let Some(name) = file.default_selector_name() {
            return Ok((file.get(name)?.clone(), Some(name.to_string())));
        }
    }
    let select = (!args.select.is_empty()).then_some(args.select.as_slice());
    let exclude = (!args.exclude.is_empty()).then_some(args.exclude.as_slice());
    Ok((
        parse_difference(select, exclude, args.indirect_selection)?,
        None,
    ))
}
