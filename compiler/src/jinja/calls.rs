//! The calls in a macro's text that may be macro calls, read without
//! rendering, as dbt-core reads them for a macro's `depends_on.macros`.
//!
//! dbt-core parses the macro and walks its tree in Jinja2's order (each
//! node before its children, children in the order of the node's fields).
//! A call of a plain name is a possible macro call unless the name is
//! `ref`, `source`, `config` or one of the names its macro-resolving context
//! holds (`var`, `return`, `log`, ...); a call of `x.name` is `x.name`,
//! to be looked up as macro `name` of package `x`; `adapter.dispatch(..)`
//! with literal arguments names the macro it dispatches to; any other
//! callee (`a.b.c()`, `f()()`, `d['k']()`) is not read.

use minijinja::machinery::ast::{self, CallArg, Expr, Stmt};
use minijinja::syntax::SyntaxConfig;

/// A possible macro call, in the order dbt-core reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PossibleCall {
    /// `name(..)`, or `x.name(..)` as `x.name`.
    Named(String),
    /// `adapter.dispatch(name, namespace)`: `names` are the macro names
    /// given literally (first positional, then `macro_name=`).
    Dispatch {
        names: Vec<String>,
        namespace: Option<String>,
    },
}

/// Calls of these names are never macro calls: `ref`, `source`, `config`,
/// and what dbt-core's macro-resolving context holds.
const NOT_MACROS: &[&str] = &[
    "source",
    "ref",
    "config",
    "builtins",
    "context",
    "dbt_version",
    "diff_of_two_dicts",
    "env_var",
    "flags",
    "fromjson",
    "fromyaml",
    "invocation_id",
    "local_md5",
    "log",
    "modules",
    "print",
    "project_name",
    "return",
    "run_started_at",
    "set",
    "set_strict",
    "target",
    "thread_id",
    "tojson",
    "toyaml",
    "var",
    "zip",
    "zip_strict",
];

/// The possible macro calls of a template (a macro definition), or none
/// when minijinja cannot parse it (then it cannot be rendered either).
pub fn macro_calls(src: &str) -> Vec<PossibleCall> {
    let Ok(tree) = minijinja::machinery::parse(src, "<macro>", SyntaxConfig::default()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    stmt(&tree, &mut out);
    out
}

fn stmts(list: &[Stmt<'_>], out: &mut Vec<PossibleCall>) {
    list.iter().for_each(|s| stmt(s, out));
}

fn stmt(s: &Stmt<'_>, out: &mut Vec<PossibleCall>) {
    match s {
        Stmt::Template(t) => stmts(&t.children, out),
        Stmt::EmitExpr(e) => expr(&e.expr, out),
        Stmt::EmitRaw(_) | Stmt::Continue(_) | Stmt::Break(_) => {}
        // Jinja2's `For` fields: target, iter, body, else, test.
        Stmt::ForLoop(f) => {
            expr(&f.target, out);
            expr(&f.iter, out);
            stmts(&f.body, out);
            stmts(&f.else_body, out);
            if let Some(e) = &f.filter_expr {
                expr(e, out);
            }
        }
        // An `elif` is an `If` in the first one's false branch either way.
        Stmt::IfCond(c) => {
            expr(&c.expr, out);
            stmts(&c.true_body, out);
            stmts(&c.false_body, out);
        }
        // Jinja2's `With`: all targets, then all values.
        Stmt::WithBlock(w) => {
            w.assignments.iter().for_each(|(t, _)| expr(t, out));
            w.assignments.iter().for_each(|(_, v)| expr(v, out));
            stmts(&w.body, out);
        }
        Stmt::Set(s) => {
            expr(&s.target, out);
            expr(&s.expr, out);
        }
        Stmt::SetBlock(s) => {
            expr(&s.target, out);
            if let Some(f) = &s.filter {
                expr(f, out);
            }
            stmts(&s.body, out);
        }
        Stmt::AutoEscape(a) => {
            expr(&a.enabled, out);
            stmts(&a.body, out);
        }
        // Jinja2's `FilterBlock` holds its body before its filter.
        Stmt::FilterBlock(f) => {
            stmts(&f.body, out);
            expr(&f.filter, out);
        }
        Stmt::Block(b) => stmts(&b.body, out),
        Stmt::Import(i) => expr(&i.expr, out),
        Stmt::FromImport(i) => expr(&i.expr, out),
        Stmt::Extends(e) => expr(&e.name, out),
        Stmt::Include(i) => expr(&i.name, out),
        Stmt::Macro(m) => macro_decl(m, out),
        Stmt::CallBlock(c) => {
            call(&c.call, out);
            macro_decl(&c.macro_decl, out);
        }
        Stmt::Do(d) => call(&d.call, out),
    }
}

fn macro_decl(m: &ast::Macro<'_>, out: &mut Vec<PossibleCall>) {
    m.args.iter().for_each(|e| expr(e, out));
    m.defaults.iter().for_each(|e| expr(e, out));
    stmts(&m.body, out);
}

/// Arguments in Jinja2's order: positional, keyword, `*args`, `**kwargs`.
fn args(list: &[CallArg<'_>], out: &mut Vec<PossibleCall>) {
    for pass in 0..4 {
        for a in list {
            match (pass, a) {
                (0, CallArg::Pos(e))
                | (1, CallArg::Kwarg(_, e))
                | (2, CallArg::PosSplat(e))
                | (3, CallArg::KwargSplat(e)) => expr(e, out),
                _ => {}
            }
        }
    }
}

fn call(c: &ast::Call<'_>, out: &mut Vec<PossibleCall>) {
    match &c.expr {
        Expr::Var(v) if !NOT_MACROS.contains(&v.id) => {
            push(out, PossibleCall::Named(v.id.to_string()))
        }
        Expr::GetAttr(g) => match &g.expr {
            Expr::Var(v) if v.id != "adapter" => {
                push(out, PossibleCall::Named(format!("{}.{}", v.id, g.name)))
            }
            // Other `adapter.` calls are the adapter's own methods.
            Expr::Var(_) if g.name == "dispatch" => out.extend(dispatch(&c.args)),
            _ => {}
        },
        _ => {}
    }
    expr(&c.expr, out);
    args(&c.args, out);
}

/// Each name once, at its first call.
fn push(out: &mut Vec<PossibleCall>, c: PossibleCall) {
    if !out.contains(&c) {
        out.push(c);
    }
}

/// `adapter.dispatch(..)` with the macro name as a literal.
fn dispatch(list: &[CallArg<'_>]) -> Option<PossibleCall> {
    let literal = |e: &Expr<'_>| match e {
        Expr::Const(c) => Some(c.value.as_str().map(str::to_string)),
        _ => None,
    };
    let positional: Vec<&Expr<'_>> = list
        .iter()
        .filter_map(|a| match a {
            CallArg::Pos(e) => Some(e),
            _ => None,
        })
        .collect();
    let mut names = Vec::new();
    names.extend(positional.first().and_then(|e| literal(e)).flatten());
    let mut namespace = None;
    for a in list {
        match a {
            CallArg::Kwarg("macro_name", e) => names.push(literal(e)??),
            CallArg::Kwarg("macro_namespace", e) => namespace = literal(e)?,
            _ => {}
        }
    }
    // A literal namespace given second wins over `macro_namespace=`; a
    // list there (the old `packages`) is not a namespace.
    if let Some(Expr::Const(c)) = positional.get(1) {
        namespace = c.value.as_str().map(str::to_string);
    }
    (!names.is_empty()).then_some(PossibleCall::Dispatch { names, namespace })
}

fn expr(e: &Expr<'_>, out: &mut Vec<PossibleCall>) {
    match e {
        Expr::Var(_) | Expr::Const(_) => {}
        Expr::Slice(s) => {
            expr(&s.expr, out);
            for x in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                expr(x, out);
            }
        }
        Expr::UnaryOp(u) => expr(&u.expr, out),
        Expr::BinOp(b) => {
            expr(&b.left, out);
            expr(&b.right, out);
        }
        Expr::Compare(c) => {
            expr(&c.expr, out);
            c.ops.iter().for_each(|op| expr(&op.expr, out));
        }
        Expr::IfExpr(i) => {
            expr(&i.test_expr, out);
            expr(&i.true_expr, out);
            if let Some(f) = &i.false_expr {
                expr(f, out);
            }
        }
        Expr::Filter(f) => {
            if let Some(e) = &f.expr {
                expr(e, out);
            }
            args(&f.args, out);
        }
        Expr::Test(t) => {
            expr(&t.expr, out);
            args(&t.args, out);
        }
        Expr::GetAttr(g) => expr(&g.expr, out),
        Expr::GetItem(g) => {
            expr(&g.expr, out);
            expr(&g.subscript_expr, out);
        }
        Expr::Call(c) => call(c, out),
        Expr::List(l) => l.items.iter().for_each(|x| expr(x, out)),
        Expr::Tuple(t) => t.items.iter().for_each(|x| expr(x, out)),
        // Jinja2 keeps a dict as key-value pairs.
        Expr::Map(m) => {
            for (k, v) in m.keys.iter().zip(&m.values) {
                expr(k, out);
                expr(v, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(names: &[&str]) -> Vec<PossibleCall> {
        names
            .iter()
            .map(|n| PossibleCall::Named(n.to_string()))
            .collect()
    }

    #[test]
    fn reads_calls_in_jinja2_order() {
        let src = "{% macro m(a=d()) %}{% set x = f(g(1), k=h()) | i(j()) %}\
                   {% for r in rows() if keep(r) %}{{ body() }}{% else %}{{ empty() }}{% endfor %}\
                   {% filter upper %}{{ inside() }}{% endfilter %}\
                   {{ {'k': key(), 'v': [val()]} }}{% endmacro %}";
        assert_eq!(
            macro_calls(src),
            named(&[
                "d", "f", "g", "h", "j", "rows", "body", "empty", "keep", "inside", "key", "val"
            ])
        );
    }

    #[test]
    fn skips_context_names_and_deep_callees() {
        let src = "{% macro m() %}{{ return(ref('a') ~ var('b') ~ log('c')) }}\
                   {% do cols.append(dbt_utils.star(x)) %}{{ api.Relation.create() }}\
                   {{ d['k']() }}{{ adapter.get_columns_in_relation(r) }}\
                   {% call statement('s') %}select {{ caller() }}{% endcall %}\
                   {{ m2() }}{{ m2() }}{% endmacro %}";
        assert_eq!(
            macro_calls(src),
            named(&["cols.append", "dbt_utils.star", "statement", "caller", "m2"])
        );
    }

    #[test]
    fn reads_dispatch() {
        let d = |names: &[&str], ns: Option<&str>| PossibleCall::Dispatch {
            names: names.iter().map(|n| n.to_string()).collect(),
            namespace: ns.map(str::to_string),
        };
        let src = "{% macro m() %}{{ return(adapter.dispatch('a', 'pkg')(x())) }}\
                   {{ adapter.dispatch('b')() }}\
                   {{ adapter.dispatch('c', macro_namespace='ns')() }}\
                   {{ adapter.dispatch(macro_name='e', macro_namespace='ns')() }}\
                   {{ adapter.dispatch('f', ['old'])() }}\
                   {{ adapter.dispatch(name)() }}{% endmacro %}";
        assert_eq!(
            macro_calls(src),
            vec![
                d(&["a"], Some("pkg")),
                PossibleCall::Named("x".into()),
                d(&["b"], None),
                d(&["c"], Some("ns")),
                d(&["e"], Some("ns")),
                d(&["f"], None),
            ]
        );
    }

    #[test]
    fn unparsable_text_has_no_calls() {
        assert_eq!(macro_calls("{% macro m() %}{{ f( {% endmacro %}"), vec![]);
    }
}
