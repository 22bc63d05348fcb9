//! dbt's Jinja on minijinja: the environment, template sources and rendering.
//!
//! Every macro is its own template, so `return()` ends exactly one macro and
//! macros resolve each other through the node's context, as in dbt.

pub mod arith;
pub mod calls;
pub mod containers;
pub mod context;
pub mod extract;
pub mod lexer;
pub mod macros;
pub mod methods;
pub mod modules;
pub mod relation;

use crate::diagnostics::{position_of, Diagnostic};
use context::{return_value, CompilerError, NodeCtx};
use minijinja::{AutoEscape, Environment, Error};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Fuel for one template render (each macro call gets its own render).
pub const FUEL_PER_RENDER: u64 = 2_000_000;

/// Template sources by template name, handed to the environment's loader,
/// with the line each template starts at in its file (block snapshots).
#[derive(Debug, Default, Clone)]
pub struct TemplateSources {
    pub texts: BTreeMap<String, String>,
    pub line_offsets: BTreeMap<String, u32>,
}

impl TemplateSources {
    pub fn get(&self, name: &str) -> Option<&String> {
        self.texts.get(name)
    }
}

pub type Sources = Arc<TemplateSources>;

/// dbt's `as_bool`, `as_native`, `as_number` and `as_text` filters, which
/// mark a value for dbt's native rendering; here values are already native.
pub fn add_native_filters(env: &mut Environment<'static>) {
    env.add_filter("as_bool", |v: minijinja::Value| v);
    env.add_filter("as_native", |v: minijinja::Value| v);
    env.add_filter("as_number", |v: minijinja::Value| v);
    env.add_filter("as_text", |v: minijinja::Value| v.to_string());
}

/// Builds the environment that loads templates from `sources`.
pub fn environment(sources: Sources) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(FUEL_PER_RENDER));
    env.set_recursion_limit(200);
    env.set_unknown_method_callback(methods::unknown_method);
    env.set_loader(move |name| Ok(sources.get(name).cloned()));
    add_native_filters(&mut env);
    // Python lists: what `list` and `sort` return can be changed in place
    // (`{% do (names | list).pop() %}`).
    env.add_filter("list", |state: &minijinja::State, v: minijinja::Value| {
        containers::to_list(minijinja::filters::list(state, v)?)
    });
    env.add_filter(
        "sort",
        |state: &minijinja::State, v: minijinja::Value, kwargs: minijinja::value::Kwargs| {
            containers::to_list(minijinja::filters::sort(state, v, kwargs)?)
        },
    );
    // Jinja2's undefined has length 0 (a macro returning an unset variable
    // is counted as empty), and its `int` gives the default for text that
    // is no number instead of failing.
    for name in ["length", "count"] {
        env.add_filter(name, |v: minijinja::Value| {
            if v.is_undefined() {
                Ok(0)
            } else {
                minijinja::filters::length(&v)
            }
        });
    }
    env.add_filter(
        "int",
        |state: &minijinja::State,
         v: minijinja::Value,
         default: Option<minijinja::Value>,
         base: Option<u32>,
         kwargs: minijinja::value::Kwargs| {
            let fallback = match &default {
                Some(d) => Some(d.clone()),
                None => kwargs.get::<Option<minijinja::Value>>("default")?,
            };
            match minijinja::filters::int(state, &v, default, base, kwargs) {
                Err(_) if v.as_str().is_some() => Ok(fallback.unwrap_or(minijinja::Value::from(0))),
                other => other,
            }
        },
    );
    env
}

/// Renders `template` with a node context. On error, a diagnostic located in
/// the file the failing template came from.
pub fn render(
    env: &Environment<'static>,
    sources: &Sources,
    template: &str,
    ctx: &Arc<NodeCtx>,
) -> Result<String, Diagnostic> {
    let result = env
        .get_template(template)
        .and_then(|t| t.render(ctx.value()));
    finish_render(result, sources, ctx)
}

/// Renders a node's own template (a model, a test, a snapshot block). Unlike
/// [`render`], the compiled template is not kept in the environment: each is
/// rendered once per phase, and keeping tens of thousands of them alive
/// costs more memory than compiling twice costs time.
pub fn render_once(
    env: &Environment<'static>,
    sources: &Sources,
    template: &str,
    ctx: &Arc<NodeCtx>,
) -> Result<String, Diagnostic> {
    let result = match sources.get(template) {
        Some(text) => env.render_named_str(template, text, ctx.value()),
        None => env
            .get_template(template)
            .and_then(|t| t.render(ctx.value())),
    };
    finish_render(result, sources, ctx)
}

fn finish_render(
    result: Result<String, minijinja::Error>,
    sources: &Sources,
    ctx: &Arc<NodeCtx>,
) -> Result<String, Diagnostic> {
    match result {
        Ok(s) => Ok(s),
        Err(e) => {
            if return_value(&e).is_some() {
                // `return()` at the top level of a node: dbt ends the render there.
                return Ok(String::new());
            }
            Err(to_diagnostic(&e, sources).for_node(ctx.node.unique_id.clone()))
        }
    }
}

/// Renders the kwargs of a generic test in the test's context, as dbt does
/// before calling the test macro: every string is rendered natively (a lone
/// `{{ expr }}` keeps its value), bare `ref(..)`/`source(..)`/`var(..)`/
/// `env_var(..)`/`doc(..)` calls are wrapped in `{{ }}`, and `column_name` is
/// left as written. `props` is the text of the properties file the test
/// was declared in, where a failing argument is located.
pub fn render_test_kwargs(
    env: &Environment<'static>,
    sources: &Sources,
    kwargs: &serde_json::Map<String, serde_json::Value>,
    ctx: &Arc<NodeCtx>,
    props: Option<&str>,
) -> Result<(), Diagnostic> {
    let mut out: BTreeMap<String, minijinja::Value> = BTreeMap::new();
    for (k, v) in kwargs {
        let rendered = if k == "column_name" {
            minijinja::Value::from(minijinja::value::Serde(v.clone()))
        } else {
            let arg = Argument {
                key: k,
                props,
                sources,
                ctx,
            };
            render_native(env, v, &arg)?
        };
        out.insert(k.clone(), rendered);
    }
    ctx.late.lock().unwrap_or_else(|e| e.into_inner()).insert(
        "_dbt_generic_test_kwargs".to_string(),
        minijinja::Value::from(out),
    );
    Ok(())
}

/// `x` of an expression that is exactly `get_where_subquery(x)`, where `x`
/// is one `ref(..)` or `source(..)` call.
fn where_subquery_arg(expr: &str) -> Option<&str> {
    let arg = expr
        .strip_prefix("get_where_subquery(")?
        .strip_suffix(')')?
        .trim();
    if !(arg.starts_with("ref(") || arg.starts_with("source(")) || !arg.ends_with(')') {
        return None;
    }
    // The call's own parentheses close only at the end (quotes aside).
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in arg.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 && i + 1 != arg.len() {
                    return None;
                }
            }
            _ => {}
        }
    }
    (depth == 0 && quote.is_none()).then_some(arg)
}

fn looks_like_call(s: &str) -> bool {
    let t = s.trim();
    ["env_var", "ref", "var", "source", "doc"].iter().any(|f| {
        t.strip_prefix(f)
            .map(|rest| {
                rest.trim_start().starts_with('(')
                    && t.ends_with(')')
                    && rest.trim_start().len() > 2
            })
            .unwrap_or(false)
    })
}

/// `expr` with the rewrites a template's tags get (mutable list and dict
/// literals, `datetime` arithmetic), so that an expression evaluated on its
/// own means what it means inside `{{ }}` of a model.
fn rewrite_expression(expr: &str) -> std::borrow::Cow<'_, str> {
    let wrapped = format!("{{{{ {expr} }}}}");
    let rewritten = lexer::rewrite_literals(&wrapped);
    if rewritten == wrapped {
        return std::borrow::Cow::Borrowed(expr);
    }
    match rewritten
        .strip_prefix("{{ ")
        .and_then(|r| r.strip_suffix(" }}"))
    {
        Some(inner) => std::borrow::Cow::Owned(inner.to_string()),
        None => std::borrow::Cow::Borrowed(expr),
    }
}

/// Python-literal coercion of a rendered string, as dbt's native renderer does.
fn native_literal(s: String) -> minijinja::Value {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        if !t.starts_with('+') && !(t.len() > 1 && t.starts_with('0')) {
            return minijinja::Value::from(i);
        }
    }
    match t {
        "True" => minijinja::Value::from(true),
        "False" => minijinja::Value::from(false),
        "None" => minijinja::Value::from(()),
        _ => minijinja::Value::from(s),
    }
}

/// The test argument being rendered, for locating its errors.
struct Argument<'a> {
    key: &'a str,
    props: Option<&'a str>,
    sources: &'a Sources,
    ctx: &'a Arc<NodeCtx>,
}

impl Argument<'_> {
    /// The diagnostic for `e`, raised while rendering `text` (a string of
    /// this argument). An error inside a macro the argument called is
    /// located in the macro; one in the argument's own text, at the text in
    /// the properties file when it is found there once, or else at that
    /// file.
    fn diagnostic(&self, e: &Error, text: &str) -> Diagnostic {
        let ctx = self.ctx;
        let mut d = to_diagnostic(e, self.sources);
        let inside_macro = e.name().is_some_and(|n| self.sources.get(n).is_some());
        if !inside_macro {
            d.file = Some(ctx.node.file.clone());
            d.position = None;
            d.span = None;
            if let Some((props, at)) = self.props.and_then(|p| Some((p, find_in_yaml(p, text)?))) {
                d = d.at_offset(props, at);
            }
        }
        d.message = format!(
            "in argument '{}' of test '{}': {}",
            self.key, ctx.node.name, d.message
        );
        d.for_node(ctx.node.unique_id.clone())
    }
}

/// Where a YAML string's `text` starts in `props`, if it is written there
/// exactly once: as is, or single-quoted (quotes doubled). Only its first
/// line is looked for.
fn find_in_yaml(props: &str, text: &str) -> Option<usize> {
    let first = text.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return None;
    }
    let once = |needle: &str| {
        let mut hits = props.match_indices(needle).map(|(i, _)| i);
        match (hits.next(), hits.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    };
    once(first).or_else(|| {
        first
            .contains('\'')
            .then(|| once(&first.replace('\'', "''")))
            .flatten()
    })
}

fn render_native(
    env: &Environment<'static>,
    v: &serde_json::Value,
    arg: &Argument<'_>,
) -> Result<minijinja::Value, Diagnostic> {
    let ctx = arg.ctx;
    Ok(match v {
        serde_json::Value::String(raw) => {
            let s = if looks_like_call(raw) {
                format!("{{{{ {raw} }}}}")
            } else {
                raw.clone()
            };
            if !(s.contains("{{") || s.contains("{%")) {
                // Text goes through the template engine in dbt too, which
                // drops one trailing newline.
                return Ok(native_literal(crate::render::without_trailing_newline(s)));
            }
            let t = s.trim();
            let single =
                t.starts_with("{{") && t.ends_with("}}") && !t[2..t.len() - 2].contains("}}");
            let res = if single {
                let expr = t[2..t.len() - 2].trim_matches(|c: char| c == '-' || c.is_whitespace());
                // Most generic tests' `model`: what dbt's own macro returns,
                // without calling it (see `plain_where_subquery`). The
                // argument is evaluated first, as for the call; if it fails,
                // the whole expression is, for the same error.
                let plain = where_subquery_arg(expr).and_then(|arg| {
                    let id = ctx.plain_where_subquery()?;
                    let v = env
                        .compile_expression(arg)
                        .and_then(|e| e.eval(ctx.value()));
                    v.ok().map(|v| (v, id))
                });
                match plain {
                    Some((v, id)) => {
                        ctx.record_call(&id);
                        Ok(v)
                    }
                    None => env
                        .compile_expression(&rewrite_expression(expr))
                        .and_then(|e| e.eval(ctx.value())),
                }
            } else {
                env.render_str(&lexer::rewrite_literals(&s), ctx.value())
                    .map(native_literal)
            };
            match res {
                Ok(v) => v,
                Err(e) => match return_value(&e) {
                    Some(v) => v,
                    None => return Err(arg.diagnostic(&e, raw)),
                },
            }
        }
        serde_json::Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| render_native(env, x, arg))
                .collect::<Result<Vec<_>, _>>()?;
            containers::MutList::new_value(items)
        }
        serde_json::Value::Object(o) => {
            let mut m = indexmap::IndexMap::new();
            for (k, x) in o {
                m.insert(
                    minijinja::Value::from(k.clone()),
                    render_native(env, x, arg)?,
                );
            }
            containers::MutDict::new_value(m)
        }
        other => minijinja::Value::from(minijinja::value::Serde(other.clone())),
    })
}

/// The file a template was made from.
pub fn template_file(name: &str) -> &str {
    let name = name
        .strip_prefix("macro:")
        .map(|r| r.split_once(':').map(|x| x.1).unwrap_or(r))
        .unwrap_or(name);
    let name = name.rsplit_once('#').map(|x| x.0).unwrap_or(name);
    name.strip_prefix("node:").unwrap_or(name)
}

/// Converts a minijinja error into a diagnostic with file, line and column.
pub fn to_diagnostic(e: &Error, sources: &Sources) -> Diagnostic {
    let mut msg = None;
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(c) = s.downcast_ref::<CompilerError>() {
            if !c.0.is_empty() {
                msg = Some(c.0.clone());
            }
        }
        src = s.source();
    }
    let message = msg.unwrap_or_else(|| match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    });
    let code = match e.kind() {
        minijinja::ErrorKind::SyntaxError => "jinja-syntax",
        minijinja::ErrorKind::OutOfFuel => "jinja-fuel",
        _ => "jinja-error",
    };
    let mut d = Diagnostic::error(code, message);
    if let Some(name) = e.name() {
        d = d.in_file(template_file(name));
        let source = sources.get(name);
        match (e.range(), source) {
            (Some(r), Some(s)) => {
                let p = position_of(s, r.start);
                let offset = sources.line_offsets.get(name).copied().unwrap_or(0);
                d = d.at(p.line + offset, p.column);
                d.span = Some((r.start, r.end));
            }
            _ => {
                if let Some(line) = e.line() {
                    d = d.at(line as u32, 1);
                }
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::where_subquery_arg;

    #[test]
    fn the_argument_of_a_lone_get_where_subquery_call() {
        for (expr, arg) in [
            ("get_where_subquery(ref('a'))", Some("ref('a')")),
            (
                "get_where_subquery(ref('p', 'a', v=2))",
                Some("ref('p', 'a', v=2)"),
            ),
            (
                "get_where_subquery(source('s', 't'))",
                Some("source('s', 't')"),
            ),
            ("get_where_subquery(ref('a)'))", Some("ref('a)')")),
            (
                "get_where_subquery(ref('a')) ~ get_where_subquery(ref('b'))",
                None,
            ),
            ("get_where_subquery(ref('a'), ref('b'))", None),
            ("get_where_subquery(ref('a')).x", None),
            ("get_where_subquery(this)", None),
            ("other(ref('a'))", None),
        ] {
            assert_eq!(where_subquery_arg(expr), arg, "{expr}");
        }
    }
}
