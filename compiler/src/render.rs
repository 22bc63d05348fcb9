//! Rendering of YAML values that may hold Jinja (`dbt_project.yml`, `profiles.yml`).

use crate::input::ProjectInput;
use minijinja::value::{Rest, Value as JValue};
use minijinja::{Environment, Error, ErrorKind};
use serde_json::Value;
use std::collections::BTreeMap;

/// Renders a properties file (`models:`, `sources:`, ...) the way dbt
/// does: every string of every entry, except at the key paths dbt renders
/// later or never (descriptions, tests, hooks, `loaded_at_query`, metric and
/// saved query filters).
pub fn render_properties(env: &Environment<'static>, mut v: Value) -> Value {
    if let Value::Object(file) = &mut v {
        for (section, entries) in file.iter_mut() {
            if let Value::Array(list) = entries {
                for e in list {
                    render_at(env, e, &Path::ROOT, section);
                }
            }
        }
    }
    v
}

/// One step of a key path: a mapping key, or `None` for a list position.
type Step<'a> = Option<&'a str>;

/// A key path within an entry, kept on the stack as the values are walked
/// (each step borrows its key from the value being rendered in place).
struct Path<'a> {
    step: Step<'a>,
    up: Option<&'a Path<'a>>,
    len: usize,
}

impl<'a> Path<'a> {
    const ROOT: Path<'static> = Path {
        step: None,
        up: None,
        len: 0,
    };

    fn then(&'a self, step: Step<'a>) -> Path<'a> {
        Path {
            step,
            up: Some(self),
            len: self.len + 1,
        }
    }

    /// The steps from the entry down.
    fn steps(&self) -> Vec<Step<'a>> {
        let mut out = vec![None; self.len];
        let mut at = self;
        while let Some(up) = at.up {
            out[at.len - 1] = at.step;
            at = up;
        }
        out
    }
}

/// Renders the strings of `v` that dbt renders, in place.
fn render_at(env: &Environment<'static>, v: &mut Value, path: &Path, section: &str) {
    match v {
        Value::String(s) => {
            // Only a string with a tag can change, or one with a trailing
            // newline (a template drops one); its path is looked at then.
            let tagged = s.contains("{{") || s.contains("{%");
            if (tagged || s.ends_with('\n')) && should_render(section, &path.steps()) {
                *v = render_string(env, std::mem::take(s));
            }
        }
        Value::Array(a) => {
            for x in a {
                render_at(env, x, &path.then(None), section);
            }
        }
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                render_at(env, x, &path.then(Some(k)), section);
            }
        }
        _ => {}
    }
}

fn key_is(path: &[Step], i: usize, names: &[&str]) -> bool {
    matches!(path.get(i), Some(Some(k)) if names.contains(k))
}

/// Whether dbt renders the value at `path` of an entry of `section`.
fn should_render(section: &str, path: &[Step]) -> bool {
    if path.is_empty() {
        return true;
    }
    match section {
        "sources" => {
            !(key_is(path, 0, &["description", "loaded_at_query"])
                || (key_is(path, 0, &["config"]) && key_is(path, 1, &["loaded_at_query"]))
                || (key_is(path, 0, &["tables"]) && path.len() > 2 && left_for_later(&path[2..])))
        }
        "macros" if key_is(path, 0, &["arguments"]) => !left_for_later(&path[1..]),
        "metrics" => {
            let n = path.len();
            !(key_is(path, n - 1, &["filter"])
                || (n > 1 && key_is(path, n - 2, &["filter"]))
                || left_for_later(path))
        }
        "saved_queries" => {
            !((key_is(path, 0, &["query_params"]) && key_is(path, 1, &["where"]))
                || left_for_later(path))
        }
        _ => !left_for_later(path),
    }
}

/// dbt's key paths that properties rendering leaves alone: descriptions
/// and tests (rendered later, with docs and the tests themselves), hooks
/// and `loaded_at_query`.
fn left_for_later(path: &[Step]) -> bool {
    const LATER: &[&str] = &["tests", "data_tests", "description", "loaded_at_query"];
    (!path.is_empty() && key_is(path, 0, LATER))
        || (path.len() == 2 && key_is(path, 1, LATER))
        || (path.len() >= 2
            && key_is(path, 0, &["config"])
            && key_is(path, 1, &["pre_hook", "post_hook", "loaded_at_query"]))
        || (path.len() == 5 && key_is(path, 4, &["description"]))
        || (path.len() >= 3
            && key_is(path, 0, &["columns", "dimensions", "measures", "entities"])
            && key_is(path, 2, &["tests", "data_tests", "description"]))
}

const UNRENDERED_KEYS: &[&str] = &[
    "on-run-start",
    "on-run-end",
    "pre-hook",
    "post-hook",
    "+pre-hook",
    "+post-hook",
    "pre_hook",
    "post_hook",
    "+pre_hook",
    "+post_hook",
];

/// A small environment with `env_var`, `var` and, once it is known,
/// `target` for configuration files.
pub fn config_env(
    env: BTreeMap<String, String>,
    vars: std::sync::Arc<serde_json::Map<String, Value>>,
    target: Option<&crate::input::Target>,
) -> Environment<'static> {
    let mut e = Environment::new();
    if let Some(t) = target {
        e.add_global("target", JValue::from(minijinja::value::Serde(t.to_json())));
    }
    e.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    e.set_fuel(Some(100_000));
    // Python's string and dict methods (`target.database.replace(..)`).
    e.set_unknown_method_callback(crate::jinja::methods::unknown_method);
    crate::jinja::add_native_filters(&mut e);
    e.add_function(
        "env_var",
        move |args: Rest<JValue>| -> Result<JValue, Error> {
            let name = args
                .first()
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            match env.get(&name) {
                Some(v) => Ok(JValue::from(v.clone())),
                None => args.get(1).cloned().ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("Env var required but not provided: '{name}'"),
                    )
                }),
            }
        },
    );
    e.add_function("var", move |args: Rest<JValue>| -> Result<JValue, Error> {
        let name = args
            .first()
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        match vars.get(&name) {
            Some(v) => Ok(JValue::from(minijinja::value::Serde(v.clone()))),
            None => args.get(1).cloned().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("Required var '{name}' not found in config"),
                )
            }),
        }
    });
    e
}

/// Renders every string with Jinja in it, except hooks (dbt renders those later).
pub fn render_value(env: &Environment<'static>, v: Value) -> Value {
    match v {
        Value::String(s) => render_string(env, s),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| render_value(env, x)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, x)| {
                    if UNRENDERED_KEYS.contains(&k.as_str()) {
                        (k, x)
                    } else {
                        let r = render_value(env, x);
                        (k, r)
                    }
                })
                .collect(),
        ),
        other => other,
    }
}

/// One configuration string rendered as dbt renders it (natively): Jinja
/// is evaluated and the result turned back into a value where it looks
/// like one; text without Jinja goes through the template engine too, which
/// drops one trailing newline. A string that fails to render stays as it is.
pub fn render_string(env: &Environment<'static>, s: String) -> Value {
    if s.contains("{{") || s.contains("{%") {
        return match env.render_str(&s, ()) {
            Ok(r) => coerce(r),
            Err(_) => Value::String(s),
        };
    }
    Value::String(without_trailing_newline(s))
}

/// Text as a Jinja template renders it: one trailing newline dropped.
pub fn without_trailing_newline(s: String) -> String {
    match s.strip_suffix('\n') {
        Some(t) => t.strip_suffix('\r').unwrap_or(t).to_string(),
        None => s,
    }
}

/// dbt turns rendered strings back into native values where they look like one.
fn coerce(s: String) -> Value {
    match s.trim() {
        "True" | "true" => Value::Bool(true),
        "False" | "false" => Value::Bool(false),
        "None" | "none" => Value::Null,
        t => {
            if let Ok(i) = t.parse::<i64>() {
                Value::from(i)
            } else {
                Value::String(s)
            }
        }
    }
}

/// Renders `dbt_project.yml` with `target`, `env_var` and the command-line vars.
pub fn render_project_yaml(raw: Value, input: &ProjectInput) -> Value {
    let env = config_env(
        input.env.clone(),
        std::sync::Arc::new(input.cli_vars.clone()),
        Some(&input.target),
    );
    render_value(&env, raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn properties_render_where_dbt_does() {
        let target = crate::input::Target {
            name: "dev".into(),
            ..Default::default()
        };
        let env = config_env(Default::default(), Default::default(), Some(&target));
        let file = json!({
            "version": 2,
            "models": [{
                "name": "m",
                "description": "kept\n",
                "meta": {"note": "text\n", "items": [{"description": "nested\n"}], "description": "second level\n"},
                "config": {"enabled": "{{ target.name == 'dev' }}", "pre_hook": "{{ this }}\n"},
                "columns": [{"name": "c", "description": "{{ doc('x') }}", "meta": {"n": "{{ 1 + 1 }}"}}],
            }],
            "sources": [{"name": "s", "description": "kept\n", "tables": [{"name": "t", "description": "kept\n", "meta": {"a": "x\n"}}]}],
        });
        let out = render_properties(&env, file);
        let m = &out["models"][0];
        assert_eq!(m["description"], "kept\n");
        assert_eq!(m["meta"]["note"], "text");
        // Inside meta, a `description` deeper than the entry's own is rendered.
        assert_eq!(m["meta"]["items"][0]["description"], "nested");
        // `meta.description` is at the second level: dbt leaves it.
        assert_eq!(m["meta"]["description"], "second level\n");
        assert_eq!(m["config"]["enabled"], true);
        assert_eq!(m["config"]["pre_hook"], "{{ this }}\n");
        assert_eq!(m["columns"][0]["description"], "{{ doc('x') }}");
        assert_eq!(m["columns"][0]["meta"]["n"], 2);
        let s = &out["sources"][0];
        assert_eq!(s["description"], "kept\n");
        assert_eq!(s["tables"][0]["description"], "kept\n");
        assert_eq!(s["tables"][0]["meta"]["a"], "x");
        assert_eq!(out["version"], 2);
    }

    #[test]
    fn project_yaml_sees_the_target() {
        let mut input = ProjectInput::default();
        input.target.adapter_type = "duckdb".into();
        let raw = json!({"models": {"p": {"+materialized": "{{ 'table' if target.type == 'duckdb' else 'view' }}", "+post-hook": "{{ this }}"}}});
        let out = render_project_yaml(raw, &input);
        assert_eq!(out["models"]["p"]["+materialized"], "table");
        let raw =
            json!({"models": {"p": {"+database": "{{ target.database.replace('de', 'pro') }}"}}});
        assert_eq!(
            render_project_yaml(raw, &input)["models"]["p"]["+database"],
            "prov"
        );
        assert_eq!(out["models"]["p"]["+post-hook"], "{{ this }}");
    }
}
