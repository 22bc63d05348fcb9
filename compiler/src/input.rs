//! What the caller hands the compiler: files in memory, the target, vars and env.
//!
//! The core never reads the file system; the CLI, the browser and the tests
//! each build a [`ProjectInput`] their own way.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A project as in-memory files, keyed by path relative to the project root
/// with forward slashes (`models/stg/orders.sql`, `dbt_packages/utils/macros/x.sql`).
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    /// Files as the compiler reads them, line endings translated to `\n`
    /// (see [`ProjectInput::add_file`]).
    pub files: BTreeMap<String, Arc<str>>,
    /// The files whose line endings were translated, as written: checksums,
    /// `raw_code` and `macro_sql` keep `\r\n` as dbt-core does.
    pub written: BTreeMap<String, Arc<str>>,
    pub target: Target,
    /// `--vars`, already parsed (YAML or JSON object).
    pub cli_vars: serde_json::Map<String, serde_json::Value>,
    /// Environment for `env_var()`.
    pub env: BTreeMap<String, String>,
    /// Fixed invocation values so that output is reproducible.
    pub invocation: Invocation,
    /// Answers introspection (columns of relations); `None` is an empty
    /// warehouse.
    pub warehouse: Option<Arc<dyn crate::warehouse::Introspection>>,
    /// Threads the core may render on (natively; wasm always uses one).
    /// 0 and 1 both mean the calling thread only. Output is the same either way.
    pub threads: usize,
}

impl ProjectInput {
    /// Adds a file, with line endings translated to `\n`, as Jinja's lexer
    /// and the YAML reader see them. dbt-core reads files in binary, so what
    /// it records of the file itself (checksums, `raw_code`, `macro_sql`)
    /// keeps them: such a file is also kept as written.
    pub fn add_file(&mut self, path: impl Into<String>, content: impl Into<Arc<str>>) {
        let path = normalize_path(&path.into());
        let content: Arc<str> = content.into();
        if content.contains('\r') {
            let translated: Arc<str> = translate_line_endings(&content).into();
            self.files.insert(path.clone(), translated);
            self.written.insert(path, content);
        } else {
            self.written.remove(&path);
            self.files.insert(path, content);
        }
    }

    /// A file as written (line endings untranslated).
    pub fn as_written(&self, path: &str) -> Option<&str> {
        self.written
            .get(path)
            .or_else(|| self.files.get(path))
            .map(|t| &**t)
    }

    /// What `files[path][start..end]` was as written: the same text, with
    /// the line endings it had.
    pub fn written_span(&self, path: &str, start: usize, end: usize) -> Option<&str> {
        let Some(written) = self.written.get(path) else {
            return self.files.get(path).and_then(|t| t.get(start..end));
        };
        let (a, b) = (written_offset(written, start), written_offset(written, end));
        written.get(a..b)
    }
}

/// `text` with `\r\n` and lone `\r` line endings made `\n`, as Jinja's
/// lexer and the YAML reader read them.
pub fn translate_line_endings(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// The offset in `written` of what is at `offset` once its line endings
/// are translated (`\r\n` and a lone `\r` each became one `\n`).
fn written_offset(written: &str, offset: usize) -> usize {
    let bytes = written.as_bytes();
    let (mut at, mut translated) = (0, 0);
    while translated < offset && at < bytes.len() {
        if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            at += 1;
        }
        at += 1;
        translated += 1;
    }
    at
}

/// Top-level directories that are never part of a project's sources.
pub const SKIP_DIRS: &[&str] = &[
    "target",
    "logs",
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
];

/// Extensions of the files the compiler reads.
pub const PROJECT_FILE_EXTS: &[&str] = &["sql", "yml", "yaml", "csv", "md", "py"];

/// Whether a path relative to the project root names a file the compiler
/// reads: a known extension, not under a skipped top-level directory, and no
/// hidden directory on the way.
pub fn is_project_file(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some((name, dirs)) = parts.split_last() else {
        return false;
    };
    if dirs.first().is_some_and(|d| SKIP_DIRS.contains(d))
        || dirs.iter().any(|d| d.starts_with('.'))
    {
        return false;
    }
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| PROJECT_FILE_EXTS.contains(&ext))
}

/// Values that in dbt come from the clock or a random source.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub invocation_id: String,
    /// ISO-8601 UTC timestamp used for `run_started_at`.
    pub run_started_at: String,
}

impl Default for Invocation {
    fn default() -> Self {
        Invocation {
            invocation_id: "00000000-0000-0000-0000-000000000000".into(),
            run_started_at: "2000-01-01T00:00:00.000000+00:00".into(),
        }
    }
}

impl Invocation {
    /// An invocation started `unix_micros` after 1970-01-01 UTC (the caller
    /// reads the clock), with an id in the shape of a version-4 UUID made
    /// from `seed`.
    pub fn started_at(unix_micros: i64, seed: u64) -> Invocation {
        let secs = unix_micros.div_euclid(1_000_000);
        let micros = unix_micros.rem_euclid(1_000_000);
        let (y, m, d) = crate::jinja::modules::civil_from_days(secs.div_euclid(86_400));
        let t = secs.rem_euclid(86_400);
        let run_started_at = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+00:00",
            t / 3600,
            t / 60 % 60,
            t % 60
        );
        // Two rounds of a 64-bit mix give the id's 128 bits.
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let a = mix(seed ^ unix_micros as u64);
        let b = mix(a.wrapping_add(0x9e37_79b9_7f4a_7c15));
        let invocation_id = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        );
        Invocation {
            invocation_id,
            run_started_at,
        }
    }
}

/// The active target of `profiles.yml`.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    /// Adapter type: `duckdb`, `postgres`, ...
    pub adapter_type: String,
    pub database: String,
    pub schema: String,
    pub threads: u32,
    /// Every key of the target as written (credentials are the caller's to strip).
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub profile_name: String,
}

impl Default for Target {
    fn default() -> Self {
        Target {
            name: "dev".into(),
            adapter_type: "duckdb".into(),
            database: "dev".into(),
            schema: "main".into(),
            threads: 1,
            extra: Default::default(),
            profile_name: "default".into(),
        }
    }
}

impl Target {
    /// The `target` variable templates see: every key of the output but
    /// credentials, and the resolved name, type, database, schema, threads.
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.extra {
            if !matches!(k.as_str(), "password" | "pass" | "token" | "private_key") {
                m.insert(k.clone(), v.clone());
            }
        }
        m.insert("name".into(), self.name.clone().into());
        m.insert("target_name".into(), self.name.clone().into());
        m.insert("type".into(), self.adapter_type.clone().into());
        m.insert("database".into(), self.database.clone().into());
        m.insert("schema".into(), self.schema.clone().into());
        m.insert("threads".into(), self.threads.into());
        m.insert("profile_name".into(), self.profile_name.clone().into());
        m
    }

    /// Builds a target from one output of `profiles.yml`, as dbt reads it.
    pub fn from_profile_output(
        profile_name: &str,
        target_name: &str,
        output: &serde_json::Value,
    ) -> Result<Target, String> {
        let obj = output
            .as_object()
            .ok_or_else(|| format!("target '{target_name}' is not a mapping"))?;
        let s = |k: &str| obj.get(k).and_then(value_to_string);
        let adapter_type =
            s("type").ok_or_else(|| format!("target '{target_name}' has no type"))?;
        let database = match adapter_type.as_str() {
            "duckdb" => s("database").unwrap_or_else(|| {
                let path = s("path").unwrap_or_else(|| ":memory:".into());
                duckdb_database_from_path(&path)
            }),
            _ => s("database")
                .or_else(|| s("dbname"))
                .or_else(|| s("project"))
                .unwrap_or_default(),
        };
        let schema = s("schema")
            .or_else(|| s("dataset"))
            .unwrap_or_else(|| "main".into());
        let threads = obj.get("threads").and_then(|v| v.as_u64()).unwrap_or(1) as u32;
        Ok(Target {
            name: target_name.into(),
            adapter_type,
            database,
            schema,
            threads,
            extra: obj.clone(),
            profile_name: profile_name.into(),
        })
    }
}

/// dbt-duckdb names the database after the file stem of `path` (`memory` for `:memory:`).
pub fn duckdb_database_from_path(path: &str) -> String {
    if path == ":memory:" || path.is_empty() {
        return "memory".into();
    }
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = match file.find('.') {
        Some(i) if i > 0 => &file[..i],
        _ => file,
    };
    stem.to_string()
}

pub(crate) fn value_to_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Forward slashes, no leading `./`.
pub fn normalize_path(p: &str) -> String {
    let p = p.replace('\\', "/");
    let p = p.trim_start_matches("./");
    p.to_string()
}

/// Picks the target from a `profiles.yml` text, rendering `env_var()` as dbt does.
pub fn load_profile(
    profiles_yml: &str,
    profile_name: &str,
    target_override: Option<&str>,
    env: &BTreeMap<String, String>,
) -> Result<Target, crate::Diagnostic> {
    let path = "profiles.yml";
    let raw = crate::yaml::parse(path, profiles_yml)?;
    let renderer = crate::render::config_env(env.clone(), Default::default(), None);
    let raw = crate::render::render_value(&renderer, raw);
    let profile = raw.get(profile_name).ok_or_else(|| {
        crate::Diagnostic::error(
            "no-profile",
            format!("profile '{profile_name}' not found in profiles.yml"),
        )
        .in_file(path)
    })?;
    let target_name = match target_override {
        Some(t) => t.to_string(),
        None => profile
            .get("target")
            .and_then(value_to_string)
            .unwrap_or_else(|| "default".into()),
    };
    let output = profile
        .get("outputs")
        .and_then(|o| o.get(&target_name))
        .ok_or_else(|| {
            crate::Diagnostic::error(
                "no-target",
                format!("target '{target_name}' not found in profile '{profile_name}'"),
            )
            .in_file(path)
        })?;
    Target::from_profile_output(profile_name, &target_name, output)
        .map_err(|m| crate::Diagnostic::error("bad-target", m).in_file(path))
}

#[cfg(test)]
mod written_tests {
    use super::*;

    #[test]
    fn a_file_with_crlf_is_read_translated_and_kept_as_written() {
        let mut input = ProjectInput::default();
        input.add_file("m.sql", "a\r\nb\rc\r\n\r\nd");
        input.add_file("n.sql", "plain\n");
        assert_eq!(&*input.files["m.sql"], "a\nb\nc\n\nd");
        assert_eq!(input.as_written("m.sql"), Some("a\r\nb\rc\r\n\r\nd"));
        assert_eq!(input.as_written("n.sql"), Some("plain\n"));
        assert!(!input.written.contains_key("n.sql"));
        // "b\nc" is translated 2..5.
        assert_eq!(input.written_span("m.sql", 2, 5), Some("b\rc"));
        assert_eq!(
            input.written_span("m.sql", 0, 9),
            Some("a\r\nb\rc\r\n\r\nd")
        );
        assert_eq!(input.written_span("n.sql", 0, 5), Some("plain"));
        // Adding it again without CRLF forgets the old text.
        input.add_file("m.sql", "x");
        assert_eq!(input.as_written("m.sql"), Some("x"));
    }

    #[test]
    fn an_invocation_reads_the_callers_clock() {
        // 2026-12-07 23:22:45.5 UTC
        let i = Invocation::started_at(1_796_685_765_500_000, 7);
        assert_eq!(i.run_started_at, "2026-12-07T23:22:45.500000+00:00");
        let id: Vec<&str> = i.invocation_id.split('-').collect();
        assert_eq!(
            id.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(id[2].starts_with('4'));
        assert!(i
            .invocation_id
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_ne!(
            i.invocation_id,
            Invocation::started_at(1_796_685_765_500_000, 8).invocation_id
        );
    }
}
