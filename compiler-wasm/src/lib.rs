//! wasm-bindgen API over the compiler core: one thin call per export.
//!
//! From JavaScript:
//!
//! ```js
//! import init, { compile, version } from "./trellis_compiler_wasm.js";
//! await init();
//! const { manifest, diagnostics } = compile(
//!   { "dbt_project.yml": "...", "models/orders.sql": "select 1" },
//!   { target: { type: "duckdb", database: "dev", schema: "main", name: "dev" },
//!     vars: { start: "2024-01-01" }, env: { REGION: "amer" } },
//! );
//! ```
//!
//! Values cross the boundary as JSON text: the export calls the engine's own
//! `JSON.stringify` on the arguments and `JSON.parse` on the result. The core
//! already links serde_json, so this adds no serializer to the module, and a
//! manifest of thousands of objects crosses in one call instead of one call
//! per value as with serde-wasm-bindgen.
//!
//! Natively the same pipeline is [`compile_json`] (what the exports wrap), so
//! tests run it on both sides.

pub mod archive;
pub mod heads;
pub mod session;

use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use trellis_compiler::input::{ProjectInput, Target};

/// The second argument of `compile`; every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// One output of `profiles.yml` plus its `name` (default `dev`) and,
    /// optionally, `profile_name` (default: `profile:` of `dbt_project.yml`).
    /// `type` defaults to `duckdb`; the whole default is DuckDB `dev.main`.
    pub target: Option<Map<String, Value>>,
    /// `--vars`: a mapping, or YAML/JSON text of one.
    pub vars: Option<Value>,
    /// The environment `env_var()` reads.
    pub env: BTreeMap<String, String>,
}

/// Builds the core's input from files keyed by project-relative path.
pub fn project_input(
    files: BTreeMap<String, impl Into<std::sync::Arc<str>>>,
    options: Options,
) -> Result<ProjectInput, String> {
    let mut input = ProjectInput::default();
    for (path, text) in files {
        input.add_file(path, text);
    }
    input.env = options.env;
    input.cli_vars = match options.vars {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(Value::String(text)) => match trellis_compiler::yaml::parse("--vars", &text) {
            Ok(Value::Object(m)) => m,
            Ok(Value::Null) => Map::new(),
            Ok(_) => return Err("options.vars must be a mapping".into()),
            Err(d) => return Err(format!("options.vars: {}", d.message)),
        },
        Some(_) => return Err("options.vars must be an object or YAML text".into()),
    };
    let project_profile = input
        .files
        .get("dbt_project.yml")
        .and_then(|t| trellis_compiler::yaml::parse("dbt_project.yml", t).ok())
        .and_then(|v| {
            v.get("profile")
                .and_then(|p| p.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "default".into());
    input.target = match options.target {
        None => Target {
            profile_name: project_profile,
            ..Target::default()
        },
        Some(mut t) => {
            let name = match t.remove("name") {
                Some(Value::String(s)) => s,
                None => "dev".into(),
                Some(_) => return Err("options.target.name must be a string".into()),
            };
            let profile = match t.remove("profile_name") {
                Some(Value::String(s)) => s,
                None => project_profile,
                Some(_) => return Err("options.target.profile_name must be a string".into()),
            };
            t.entry("type").or_insert_with(|| "duckdb".into());
            Target::from_profile_output(&profile, &name, &Value::Object(t))
                .map_err(|e| format!("options.target: {e}"))?
        }
    };
    Ok(input)
}

/// Compiles and returns `{manifest, diagnostics}`.
pub fn compile_value(input: &ProjectInput) -> Value {
    let out = trellis_compiler::compile(input);
    json!({
        "manifest": trellis_compiler::manifest::to_json(&out, input),
        "diagnostics": out.diagnostics,
    })
}

/// The whole call on JSON text: `files` is `{path: text}`, `options` is
/// [`Options`] or `null`; returns `{manifest, diagnostics}` as JSON text. Errors are
/// about malformed arguments only: problems in the project are diagnostics.
pub fn compile_json(files: &str, options: &str) -> Result<String, String> {
    let files: BTreeMap<String, String> = serde_json::from_str(files)
        .map_err(|e| format!("files must be an object of path to text: {e}"))?;
    let options: Option<Options> =
        serde_json::from_str(options).map_err(|e| format!("options: {e}"))?;
    let options = options.unwrap_or_default();
    let input = project_input(files, options)?;
    Ok(compile_value(&input).to_string())
}

/// The version of this package.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(target_arch = "wasm32")]
pub use exports::{compile, version};

#[cfg(target_arch = "wasm32")]
mod exports {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = JSON, catch)]
        fn stringify(value: &JsValue) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_namespace = JSON, catch)]
        fn parse(text: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_namespace = console, js_name = error)]
        fn console_error(message: &str);
    }

    #[wasm_bindgen(typescript_custom_section)]
    const TYPES: &'static str = r#"
export interface CompileOptions {
  target?: { type?: string; database?: string; schema?: string; name?: string; profile_name?: string; threads?: number; [key: string]: unknown };
  vars?: Record<string, unknown> | string;
  env?: Record<string, string>;
}
export interface Diagnostic {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  file: string | null;
  position: { line: number; column: number } | null;
  span: [number, number] | null;
  node: string | null;
  help: string | null;
}
export interface CompileResult {
  manifest: Record<string, any>;
  diagnostics: Diagnostic[];
}
"#;

    /// A panic is a bug in the compiler: say where in the console before the trap.
    fn panic_hook() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| console_error(&format!("trellis: {info}"))))
        });
    }

    fn json_text(value: &JsValue, what: &str) -> Result<String, JsError> {
        stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| JsError::new(&format!("{what} must be a plain object")))
    }

    /// Compiles a project given as `{path: text}`; never throws for problems
    /// in the project (those are `diagnostics`), only for malformed arguments.
    #[wasm_bindgen(unchecked_return_type = "CompileResult")]
    pub fn compile(
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CompileOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        panic_hook();
        let files = json_text(&files, "files")?;
        let options = if options.is_undefined() || options.is_null() {
            "{}".to_string()
        } else {
            json_text(&options, "options")?
        };
        let out = crate::compile_json(&files, &options).map_err(|e| JsError::new(&e))?;
        parse(&out).map_err(|_| JsError::new("result is not JSON"))
    }

    /// The version of the compiler.
    #[wasm_bindgen]
    pub fn version() -> String {
        crate::VERSION.to_string()
    }
}
