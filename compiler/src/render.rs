//! Rendering of YAML values that may hold Jinja (`dbt_project.yml`, `profiles.yml`).

use crate::input::ProjectInput;
use minijinja::value::{Rest, Value as JValue};
use minijinja::{Environment, Error, ErrorKind};
use serde_json::Value;
use std::collections::BTreeMap;

const NOT_RENDERED_IN_PROPERTIES: &[&str] = &[
    "description",
    "tests",
    "data_tests",
    "loaded_at_query",
    "pre-hook",
    "post-hook",
    "pre_hook",
    "post_hook",
    "+pre-hook",
    "+post-hook",
];

/// Renders one entry of a properties file (`models:`, `sources:`, ...) the
/// way dbt does: everything but descriptions, tests and hooks.
pub fn render_properties(env: &Environment<'static>, v: Value) -> Value {
    match v {
        Value::String(s) => render_string(env, s),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| render_properties(env, x)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, x)| {
                    if NOT_RENDERED_IN_PROPERTIES.contains(&k.as_str()) {
                        (k, x)
                    } else {
                        let r = render_properties(env, x);
                        (k, r)
                    }
                })
                .collect(),
        ),
        other => other,
    }
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

/// A small environment with `env_var` and `var` for configuration files.
pub fn config_env(
    env: BTreeMap<String, String>,
    vars: std::sync::Arc<serde_json::Map<String, Value>>,
) -> Environment<'static> {
    let mut e = Environment::new();
    e.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    e.set_fuel(Some(100_000));
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
    match s.strip_suffix('\n') {
        Some(t) => Value::String(t.strip_suffix('\r').unwrap_or(t).to_string()),
        None => Value::String(s),
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
    let mut env = config_env(
        input.env.clone(),
        std::sync::Arc::new(input.cli_vars.clone()),
    );
    env.add_global(
        "target",
        JValue::from(minijinja::value::Serde(input.target.to_json())),
    );
    render_value(&env, raw)
}
