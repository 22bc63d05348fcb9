//! Discovery: from files to macros, docs, nodes, sources and exposures.

use crate::diagnostics::Diagnostic;
use crate::jinja::lexer::{scan_blocks, BlockKind};
use crate::jinja::macros::MacroDef;
use crate::nodes::*;
use crate::project::Project;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Strips a file extension.
fn stem(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once('.').map(|x| x.0).unwrap_or(file)
}

fn dirs_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    parts.pop();
    parts.retain(|p| !p.is_empty());
    parts
}

fn join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_string()
    } else {
        format!("{dir}/{rest}")
    }
}

/// Macros (and generic tests) of one file.
pub fn parse_macro_file(
    package: &str,
    file: &str,
    original_file_path: &str,
    text: &str,
    out: &mut Vec<MacroDef>,
    docs: &mut Vec<DocBlock>,
    diags: &mut Vec<Diagnostic>,
) {
    let blocks = match scan_blocks(text) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::error("jinja-syntax", e.message)
                    .in_file(file)
                    .at_offset(text, e.offset),
            );
            return;
        }
    };
    for b in blocks {
        match b.kind {
            BlockKind::Macro | BlockKind::Test => {
                let name = if b.kind == BlockKind::Test {
                    format!("test_{}", b.name)
                } else {
                    b.name.clone()
                };
                let (sql_start, sql_end) = full_block_span(text, b.start, b.end);
                let macro_sql = text[sql_start..sql_end].to_string();
                // Rewrite `test x(` -> `macro test_x(` and `endtest` -> `endmacro`, keeping offsets of everything before.
                let mut tmpl = String::new();
                let line = text[..b.start].matches('\n').count();
                tmpl.push_str(&"\n".repeat(line));
                tmpl.push_str(&text[b.start..b.keyword_start]);
                tmpl.push_str("macro ");
                tmpl.push_str(&name);
                let after_kw = &text[b.keyword_start..b.body_start];
                let kw_len = if b.kind == BlockKind::Test { 4 } else { 5 };
                let after_name = after_kw[kw_len..].trim_start();
                let after_name = &after_name[b.name.len()..];
                tmpl.push_str(after_name);
                tmpl.push_str(&text[b.body_start..b.end_keyword_start]);
                tmpl.push_str("endmacro");
                let end_kw_len = if b.kind == BlockKind::Test { 7 } else { 8 };
                tmpl.push_str(&text[b.end_keyword_start + end_kw_len..b.end]);
                let arguments = arg_names(after_name);
                let calls = crate::jinja::calls::macro_calls(&tmpl);
                out.push(MacroDef {
                    unique_id: format!("macro.{package}.{name}"),
                    package: package.to_string(),
                    name: name.clone(),
                    original_file_path: original_file_path.to_string(),
                    file: file.to_string(),
                    template_name: format!("macro:{package}:{file}#{name}"),
                    macro_sql,
                    template_source: crate::jinja::lexer::rewrite_literals(&tmpl),
                    arguments,
                    calls,
                    depends_on: Vec::new(),
                    patch: None,
                });
            }
            BlockKind::Docs => docs.push(DocBlock {
                unique_id: format!("doc.{package}.{}", b.name),
                package_name: package.to_string(),
                name: b.name.clone(),
                path: String::new(),
                original_file_path: original_file_path.to_string(),
                block_contents: text[b.body_start..b.body_end].trim().to_string(),
            }),
            BlockKind::Snapshot | BlockKind::Materialization => {}
        }
    }
}

/// Python's `\s`: Unicode whitespace and the four separators `str.isspace`
/// adds (`\x1c`..`\x1f`).
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// The bytes dbt keeps as a block's text (its `macro_sql`), given the
/// offsets of the opening `{%` and just past the closing `%}`. dbt's block
/// scanner reads an opening `{%-` together with the whitespace before it
/// (back to whatever it read last; a tag closed by `-%}` has already taken
/// the whitespace after it), and a closing `-%}` together with the
/// whitespace after it; it reads the file with surrounding whitespace
/// stripped.
fn full_block_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let first = text.len() - text.trim_start_matches(is_py_space).len();
    let last = text.trim_end_matches(is_py_space).len();
    let mut from = start;
    if text[start..].starts_with("{%-") {
        while let Some(c) = text[..from].chars().next_back().filter(|c| is_py_space(*c)) {
            from -= c.len_utf8();
        }
        if text[..from].ends_with("-%}") {
            from = start;
        }
    }
    let mut to = end;
    if text[..end].ends_with("-%}") {
        to = text[end..]
            .char_indices()
            .find(|(_, c)| !is_py_space(*c))
            .map_or(text.len(), |(i, _)| end + i);
    }
    (from.max(first), to.min(last))
}

/// Argument names from `(a, b=1, c='x')`.
fn arg_names(header: &str) -> Vec<String> {
    let Some(open) = header.find('(') else {
        return Vec::new();
    };
    let inner = &header[open + 1..];
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' if depth == 0 => break,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter()
        .filter_map(|a| {
            let n = a.split('=').next()?.trim().to_string();
            (!n.is_empty()).then_some(n)
        })
        .collect()
}

/// A macro's entry under `macros:` in a properties file, as dbt-core's
/// macro patch keeps it; `None` without a name.
pub fn macro_patch(
    package: &str,
    original_file_path: &str,
    entry: &Value,
) -> Option<(String, crate::jinja::macros::MacroPatch)> {
    let name = entry.get("name")?.as_str()?.to_string();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let config = entry.get("config");
    let mut meta = entry
        .get("meta")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(m) = config
        .and_then(|c| c.get("meta"))
        .and_then(Value::as_object)
    {
        meta.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let docs = config
        .and_then(|c| c.get("docs"))
        .filter(|d| d.as_object().is_some_and(|o| !o.is_empty()))
        .or_else(|| entry.get("docs"));
    let docs = serde_json::json!({
        "show": docs.and_then(|d| d.get("show")).and_then(Value::as_bool).unwrap_or(true),
        "node_color": docs.and_then(|d| d.get("node_color")).cloned().unwrap_or(Value::Null),
    });
    let arguments = entry
        .get("arguments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some(serde_json::json!({
                "name": a.get("name")?.as_str()?,
                "type": a.get("type").and_then(Value::as_str),
                "description": text(a.get("description")),
            }))
        })
        .collect();
    Some((
        name,
        crate::jinja::macros::MacroPatch {
            patch_path: format!("{package}://{original_file_path}"),
            description: text(entry.get("description")),
            arguments,
            meta: Value::Object(meta),
            docs,
        },
    ))
}

/// A SQL file found in a resource directory.
pub struct FoundFile<'a> {
    pub file: &'a str,
    /// Relative to the resource directory.
    pub rel: &'a str,
    /// The resource directory (`models`).
    pub dir: &'a str,
}

/// Lists the files of a project under some of its directories with one of the extensions.
pub fn find_files<'a>(
    files: &'a BTreeMap<String, std::sync::Arc<str>>,
    project: &Project,
    dirs: &[String],
    exts: &[&str],
    other_prefixes: &[String],
) -> Vec<FoundFile<'a>> {
    let mut out = Vec::new();
    let start = project.prefix.clone();
    for (path, _) in files.range(start.clone()..) {
        if !path.starts_with(&start) {
            break;
        }
        // Files of nested packages belong to them, not to us.
        if other_prefixes
            .iter()
            .any(|p| p.len() > start.len() && path.starts_with(p.as_str()))
        {
            continue;
        }
        if !exts.iter().any(|e| path.ends_with(e)) {
            continue;
        }
        if let Some((dir, rel)) = project.relative_in(path, dirs) {
            out.push(FoundFile {
                file: path,
                rel,
                dir,
            });
        }
    }
    out
}

/// Builds a node for a SQL file.
pub fn sql_node(rt: ResourceType, project: &Project, f: &FoundFile<'_>, text: &str) -> Node {
    let name = stem(f.rel).to_string();
    let uid = format!("{}.{}.{}", rt.as_str(), project.name, name);
    let mut n = Node::new(rt, &project.name, &name, uid);
    n.path = if rt == ResourceType::Analysis {
        format!("analysis/{}", f.rel)
    } else {
        f.rel.to_string()
    };
    n.original_file_path = join(f.dir, f.rel);
    n.file = f.file.to_string();
    let mut fqn = vec![project.name.clone()];
    if rt == ResourceType::Analysis {
        fqn.push("analysis".into());
    }
    fqn.extend(dirs_of(f.rel));
    fqn.push(name);
    n.fqn = fqn;
    // dbt strips a file's surrounding whitespace before it renders it.
    let stripped = text.trim();
    n.raw_code = stripped.to_string();
    n.raw_offset = text.len() - text.trim_start().len();
    // dbt's file checksum, `file_checksum(text)`, is that of `raw_code`.
    n.checksum_pending = true;
    n
}

/// Python truthiness of a JSON value (`None` for a missing one).
pub fn py_truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

/// dbt's file checksum: SHA-256 of the contents with surrounding whitespace stripped.
pub fn file_checksum(text: &str) -> String {
    sha256_hex(text.trim().as_bytes())
}

/// Block snapshots (`{% snapshot name %}`) of a file.
pub fn snapshot_nodes(
    project: &Project,
    f: &FoundFile<'_>,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Node> {
    let blocks = match scan_blocks(text) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::error("jinja-syntax", e.message)
                    .in_file(f.file)
                    .at_offset(text, e.offset),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for b in blocks.into_iter().filter(|b| b.kind == BlockKind::Snapshot) {
        let uid = format!("snapshot.{}.{}", project.name, b.name);
        let mut n = Node::new(ResourceType::Snapshot, &project.name, &b.name, uid);
        n.path = f.rel.to_string();
        n.original_file_path = join(f.dir, f.rel);
        n.file = f.file.to_string();
        let mut fqn = vec![project.name.clone()];
        fqn.extend(dirs_of(f.rel));
        fqn.push(stem(f.rel).to_string());
        fqn.push(b.name.clone());
        n.fqn = fqn;
        n.raw_code = text[b.body_start..b.body_end].to_string();
        n.raw_offset = b.body_start;
        n.checksum = file_checksum(text);
        out.push(n);
    }
    out
}

/// `on-run-start` / `on-run-end` hooks as operation nodes.
pub fn hook_nodes(project: &Project, project_yml: &str) -> Vec<Node> {
    let mut out = Vec::new();
    for (kind, hooks) in [
        ("on-run-start", &project.on_run_start),
        ("on-run-end", &project.on_run_end),
    ] {
        for (i, sql) in hooks.iter().enumerate() {
            let name = format!("{}-{kind}-{i}", project.name);
            let uid = format!("operation.{}.{name}", project.name);
            let mut n = Node::new(ResourceType::Operation, &project.name, &name, uid);
            n.path = format!("hooks/{name}.sql");
            n.original_file_path = "./dbt_project.yml".into();
            n.file = format!("{}dbt_project.yml", project.prefix);
            n.fqn = vec![project.name.clone(), "hooks".into(), name.clone()];
            n.raw_code = sql.clone();
            n.checksum = file_checksum(project_yml);
            n.index = Some(i);
            n.hook_tag = Some(kind.to_string());
            out.push(n);
        }
    }
    out
}

/// One properties YAML file, parsed.
pub struct PropertiesFile {
    pub project: String,
    pub file: String,
    pub original_file_path: String,
    pub value: Value,
}

/// A properties YAML file from its parsed text, reporting syntax errors.
pub fn properties_file(
    project: &Project,
    file: &str,
    dir: &str,
    rel: &str,
    parsed: Result<Value, Diagnostic>,
    diags: &mut Vec<Diagnostic>,
) -> Option<PropertiesFile> {
    match parsed {
        Ok(Value::Null) => None,
        Ok(v) if v.is_object() => Some(PropertiesFile {
            project: project.name.clone(),
            file: file.to_string(),
            original_file_path: join(dir, rel),
            value: v,
        }),
        Ok(_) => {
            diags.push(
                Diagnostic::error("yaml-shape", "a properties file must be a mapping")
                    .in_file(file)
                    .at(1, 1),
            );
            None
        }
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

pub fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(|x| x.as_str()).map(str::to_string)
}

/// Columns of a properties entry.
pub fn columns_of(v: Option<&Value>) -> indexmap::IndexMap<String, Column> {
    let mut out = indexmap::IndexMap::new();
    if let Some(Value::Array(cols)) = v {
        out.reserve(cols.len());
        for c in cols {
            let Some(fields) = c.as_object() else {
                continue;
            };
            let mut col = Column::default();
            let mut named = false;
            // One pass over the entry's few keys, rather than a hashed lookup
            // for each field (tens of thousands of columns are read).
            for (k, v) in fields {
                match k.as_str() {
                    "name" => match v.as_str() {
                        Some(n) => {
                            col.name = n.to_string();
                            named = true;
                        }
                        None => break,
                    },
                    "description" => col.description = str_of(Some(v)).unwrap_or_default(),
                    "meta" => col.meta = v.as_object().cloned().unwrap_or_default(),
                    "data_type" => col.data_type = str_of(Some(v)),
                    "constraints" => {
                        col.constraints = v
                            .as_array()
                            .map(|a| a.iter().map(|x| normalize_constraint(x, false)).collect())
                            .unwrap_or_default()
                    }
                    "quote" => col.quote = v.as_bool(),
                    "config" => col.config = v.as_object().cloned().unwrap_or_default(),
                    "tags" => {
                        col.tags = match v {
                            Value::Array(a) => a
                                .iter()
                                .filter_map(|t| t.as_str().map(str::to_string))
                                .collect(),
                            Value::String(s) => vec![s.clone()],
                            _ => Vec::new(),
                        }
                    }
                    "granularity" => col.granularity = str_of(Some(v)),
                    _ => {}
                }
            }
            if named {
                merge_column_config(&mut col);
                out.insert(col.name.clone(), col);
            }
        }
    }
    out
}

/// A column's `config.meta` and `config.tags` join its own, as dbt-core
/// merges them (the config's meta wins; tags once each).
fn merge_column_config(col: &mut Column) {
    if let Some(Value::Object(m)) = col.config.get("meta") {
        for (k, v) in m {
            col.meta.insert(k.clone(), v.clone());
        }
    }
    match col.config.get("tags") {
        Some(Value::Array(a)) => col
            .tags
            .extend(a.iter().filter_map(|t| t.as_str().map(str::to_string))),
        Some(Value::String(t)) => col.tags.push(t.clone()),
        _ => {}
    }
    let mut seen = std::collections::BTreeSet::new();
    col.tags.retain(|t| seen.insert(t.clone()));
}

/// A constraint with every field dbt records (`columns` only for model-level ones).
pub fn normalize_constraint(c: &Value, model_level: bool) -> Value {
    let get = |k: &str, d: Value| c.get(k).cloned().unwrap_or(d);
    let mut m = Map::new();
    m.insert("type".into(), get("type", Value::Null));
    m.insert("name".into(), get("name", Value::Null));
    m.insert("expression".into(), get("expression", Value::Null));
    m.insert(
        "warn_unenforced".into(),
        get("warn_unenforced", Value::Bool(true)),
    );
    m.insert(
        "warn_unsupported".into(),
        get("warn_unsupported", Value::Bool(true)),
    );
    m.insert("to".into(), get("to", Value::Null));
    m.insert(
        "to_columns".into(),
        get("to_columns", Value::Array(Vec::new())),
    );
    if model_level {
        m.insert("columns".into(), get("columns", Value::Array(Vec::new())));
    }
    Value::Object(m)
}

/// Python's `repr()` of a list of constraint dataclasses, as dbt hashes contracts.
pub fn constraints_repr(list: &[Value], model_level: bool) -> String {
    let class = if model_level {
        "ModelLevelConstraint"
    } else {
        "ColumnLevelConstraint"
    };
    let items: Vec<String> = list
        .iter()
        .map(|c| {
            let t = c.get("type").and_then(|t| t.as_str()).unwrap_or("");
            let f = |k: &str| python_repr(c.get(k).unwrap_or(&Value::Null));
            let mut s = format!(
                "{class}(type=<ConstraintType.{t}: '{t}'>, name={}, expression={}, warn_unenforced={}, warn_unsupported={}, to={}, to_columns={}",
                f("name"), f("expression"), f("warn_unenforced"), f("warn_unsupported"), f("to"), f("to_columns")
            );
            if model_level {
                s.push_str(&format!(", columns={}", f("columns")));
            }
            s.push(')');
            s
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// Hex SHA-256 of bytes (dbt's file checksum).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// Hex MD5 of a string.
pub fn md5_hex(s: &str) -> String {
    use md5::Digest;
    hex(&md5::Md5::digest(s.as_bytes()))
}

/// Lowercase hex of bytes.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Python's `repr()` of a JSON-like value whose leaves are strings (dbt hashes it).
pub fn python_repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v, false);
    out
}

/// `python_repr(&hashable(v))`, without building the hashable copy.
pub fn hashable_repr(v: &Value) -> String {
    let mut out = String::new();
    write_hashable_repr(&mut out, v);
    out
}

/// Appends `hashable_repr(v)` to `out`.
pub fn write_hashable_repr(out: &mut String, v: &Value) {
    write_repr(out, v, true);
}

/// Writes Python's `repr()` of `v`; with `hashable`, of `hashable(v)`.
fn write_repr(out: &mut String, v: &Value, hashable: bool) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            if hashable {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_str(out, k);
                out.push_str(": ");
                write_repr(out, x, hashable);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, x, hashable);
            }
            out.push(']');
        }
        Value::String(s) => write_py_str(out, s),
        Value::Null if hashable => write_py_str(out, "None"),
        Value::Bool(b) if hashable => write_py_str(out, if *b { "True" } else { "False" }),
        Value::Number(n) if hashable => write_py_str(out, &py_number(n)),
        Value::Null => out.push_str("None"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Number(n) => out.push_str(&n.to_string()),
    }
}

fn write_py_str(out: &mut String, s: &str) {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.reserve(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(q);
}

/// dbt's `get_hashable_md`: keys sorted, every leaf turned into its `str()`.
pub fn hashable(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), hashable(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(hashable).collect()),
        Value::String(s) => Value::String(s.clone()),
        Value::Null => Value::String("None".into()),
        Value::Bool(b) => Value::String(if *b { "True" } else { "False" }.into()),
        Value::Number(n) => Value::String(py_number(n)),
    }
}

fn py_number(n: &serde_json::Number) -> String {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        if f.fract() == 0.0 && f.abs() < 1e16 {
            return format!("{f:.1}");
        }
    }
    n.to_string()
}

/// Python's `str()` of a scalar, as used in test names.
pub fn py_display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(b) => {
            if *b {
                "True".into()
            } else {
                "False".into()
            }
        }
        Value::Number(n) => py_number(n),
        other => python_repr(other),
    }
}

/// `synthesize_generic_test_names`: (short name, full name).
pub fn generic_test_names(
    test_type: &str,
    target_name: &str,
    args: &Map<String, Value>,
) -> (String, String) {
    let mut keys: Vec<(&String, &Value)> = args.iter().filter(|(k, _)| *k != "model").collect();
    keys.sort_by(|a, b| a.0.cmp(b.0));
    // `{test_type}_{target_name}_` and the arguments' values, cleaned and
    // joined by `__`.
    let mut full = format!("{test_type}_{target_name}_");
    let ident_len = full.len() - 1;
    let mut first = true;
    let mut push = |v: &Value| {
        if !first {
            full.push_str("__");
        }
        first = false;
        match v {
            Value::String(s) => push_clean(&mut full, s),
            other => push_clean(&mut full, &py_display(other)),
        }
    };
    for (_, v) in keys {
        match v {
            Value::Object(m) => m.values().for_each(&mut push),
            Value::Array(a) => a.iter().for_each(&mut push),
            other => push(other),
        }
    }
    if full.chars().count() >= 64 {
        let trunc: String = full[..ident_len].chars().take(30).collect();
        (format!("{trunc}_{}", md5_hex(&full)), full)
    } else {
        (full.clone(), full)
    }
}

/// Appends `s` with runs of characters outside `[0-9a-zA-Z_]` replaced by
/// one `_`.
fn push_clean(out: &mut String, s: &str) {
    let mut in_run = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_repr_matches_python() {
        let v = json!({"kwargs": {"column_name": "id", "model": "{{ get_where_subquery(ref('orders')) }}"}, "name": "not_null", "namespace": null});
        assert_eq!(
            python_repr(&hashable(&v)),
            r#"{'kwargs': {'column_name': 'id', 'model': "{{ get_where_subquery(ref('orders')) }}"}, 'name': 'not_null', 'namespace': 'None'}"#
        );
        let v =
            json!({"z": [1, 2.0, true, null, {"b": "it's", "a": "x\ny"}], "a": false, "m": 3.5});
        assert_eq!(hashable_repr(&v), python_repr(&hashable(&v)));
        assert_eq!(
            hashable_repr(&v),
            r#"{'a': 'False', 'm': '3.5', 'z': ['1', '2.0', 'True', 'None', {'a': 'x\ny', 'b': "it's"}]}"#
        );
        assert_eq!(python_repr(&json!([1, null, true])), "[1, None, True]");
    }

    #[test]
    fn test_names_are_synthesized() {
        let args = json!({"column_name": "status", "values": ["placed", "shipped"], "model": "x"});
        let (short, full) =
            generic_test_names("accepted_values", "orders", args.as_object().unwrap());
        assert_eq!(full, "accepted_values_orders_status__placed__shipped");
        assert_eq!(short, full);
    }

    fn macro_sqls(text: &str) -> Vec<String> {
        crate::test_support::macro_defs("p", text)
            .into_iter()
            .map(|d| d.macro_sql)
            .collect()
    }

    #[test]
    fn macro_sql_keeps_the_whitespace_dbt_reads_with_trimming_tags() {
        // Plain tags: the block from `{%` to `%}`.
        assert_eq!(
            macro_sqls("\n{% macro a() %}x{% endmacro %}\n"),
            ["{% macro a() %}x{% endmacro %}"]
        );
        // `{%-` takes the whitespace before it, `-%}` the whitespace after.
        assert_eq!(
            macro_sqls("-- c\n\n  {%- macro a() -%}\n x\n{%- endmacro -%}\n\n-- d"),
            ["\n\n  {%- macro a() -%}\n x\n{%- endmacro -%}\n\n"]
        );
        // Whitespace already taken by a tag closed with `-%}` is not taken
        // again; a plain `%}` leaves it to the next block.
        assert_eq!(
            macro_sqls(
                "{% macro a() %}1{% endmacro -%}\n\n{%- macro b() %}2{% endmacro %}\n {%- macro c() %}3{%- endmacro %}"
            ),
            [
                "{% macro a() %}1{% endmacro -%}\n\n",
                "{%- macro b() %}2{% endmacro %}",
                "\n {%- macro c() %}3{%- endmacro %}"
            ]
        );
        // After an expression or a comment, the whitespace is the block's.
        assert_eq!(
            macro_sqls(
                "{{ x }}  {%- macro a() %}{% endmacro %}{# c #} {%- macro b() %}{% endmacro %}"
            ),
            [
                "  {%- macro a() %}{% endmacro %}",
                " {%- macro b() %}{% endmacro %}"
            ]
        );
        // Tests too; the file's own surrounding whitespace is never taken.
        assert_eq!(
            macro_sqls(" \n{%- test t(model) -%}x{%- endtest -%}\n"),
            ["{%- test t(model) -%}x{%- endtest -%}"]
        );
    }

    #[test]
    fn macro_patches_merge_config_as_dbt_core_does() {
        let entry = json!({
            "name": "m", "description": "d",
            "meta": {"a": 1, "b": 1}, "config": {"meta": {"b": 2}, "docs": {"show": false}},
            "docs": {"node_color": "red"},
            "arguments": [{"name": "x", "type": "string"}, {"name": "y", "description": "why"}, {"type": "no name"}],
        });
        let (name, p) = macro_patch("pkg", "macros/m.yml", &entry).unwrap();
        assert_eq!(name, "m");
        assert_eq!(p.patch_path, "pkg://macros/m.yml");
        assert_eq!(p.description, "d");
        assert_eq!(p.meta, json!({"a": 1, "b": 2}));
        // `config.docs` wins over `docs` whole, not key by key.
        assert_eq!(p.docs, json!({"show": false, "node_color": null}));
        assert_eq!(
            p.arguments,
            [
                json!({"name": "x", "type": "string", "description": ""}),
                json!({"name": "y", "type": null, "description": "why"})
            ]
        );
        let (_, p) = macro_patch(
            "pkg",
            "m.yml",
            &json!({"name": "m", "docs": {"node_color": "red"}}),
        )
        .unwrap();
        assert_eq!(p.docs, json!({"show": true, "node_color": "red"}));
        assert_eq!((p.description.as_str(), &p.meta), ("", &json!({})));
        assert!(macro_patch("pkg", "m.yml", &json!({"description": "no name"})).is_none());
    }

    #[test]
    fn macro_arguments() {
        assert_eq!(arg_names("(a, b=[1,2], c='x,y')"), vec!["a", "b", "c"]);
    }
}
