//! Jinja's `+` and `-` on `datetime` values.
//!
//! dbt projects subtract dates (`run_started_at - modules.datetime.timedelta(days=3)`,
//! `(end.date() - start).days`); in Python that is operator overloading,
//! which minijinja does not have. Templates whose tags use a binary `+` or
//! `-` are rewritten so that each such operation is a call,
//! `__binop("-", a, b)`, which does `datetime` arithmetic and otherwise
//! exactly what the operator does. The places come from minijinja's own
//! parse of the template, so precedence and parentheses are its own; only
//! characters on a line change, never lines.

use minijinja::machinery::ast::{self, BinOpKind, CallArg, Expr, Stmt};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Error, ErrorKind};
use std::sync::OnceLock;

/// `src` with every binary `+` and `-` in its tags turned into a call to
/// `__binop`. A template minijinja cannot parse is returned unchanged, so
/// that its own error is reported as written.
pub fn rewrite(src: &str) -> String {
    let Ok(tree) = minijinja::machinery::parse(src, "<template>", SyntaxConfig::default()) else {
        return src.to_string();
    };
    let mut edits = Vec::new();
    stmt(&tree, src, &mut edits);
    if edits.is_empty() {
        return src.to_string();
    }
    // At one offset: closings first (innermost first), then openings
    // (outermost first).
    edits.sort_by_key(|e| (e.at, e.order));
    let mut out = String::with_capacity(src.len() + edits.len() * 16);
    let mut copied = 0;
    for e in edits {
        out.push_str(&src[copied..e.at]);
        out.push_str(e.text);
        copied = e.at + e.replaces;
    }
    out.push_str(&src[copied..]);
    out
}

struct Edit {
    at: usize,
    /// How many source bytes the text replaces.
    replaces: usize,
    text: &'static str,
    /// Sort key among edits at the same offset.
    order: (u8, i64),
}

fn stmts(list: &[Stmt<'_>], src: &str, edits: &mut Vec<Edit>) {
    for s in list {
        stmt(s, src, edits);
    }
}

fn stmt(s: &Stmt<'_>, src: &str, edits: &mut Vec<Edit>) {
    match s {
        Stmt::Template(t) => stmts(&t.children, src, edits),
        Stmt::EmitExpr(e) => expr(&e.expr, src, edits),
        Stmt::EmitRaw(_) | Stmt::Continue(_) | Stmt::Break(_) => {}
        Stmt::ForLoop(f) => {
            expr(&f.iter, src, edits);
            if let Some(e) = &f.filter_expr {
                expr(e, src, edits);
            }
            stmts(&f.body, src, edits);
            stmts(&f.else_body, src, edits);
        }
        Stmt::IfCond(c) => {
            expr(&c.expr, src, edits);
            stmts(&c.true_body, src, edits);
            stmts(&c.false_body, src, edits);
        }
        Stmt::WithBlock(w) => {
            for (_, e) in &w.assignments {
                expr(e, src, edits);
            }
            stmts(&w.body, src, edits);
        }
        Stmt::Set(s) => {
            expr(&s.target, src, edits);
            expr(&s.expr, src, edits);
        }
        Stmt::SetBlock(s) => {
            if let Some(f) = &s.filter {
                expr(f, src, edits);
            }
            stmts(&s.body, src, edits);
        }
        Stmt::AutoEscape(a) => {
            expr(&a.enabled, src, edits);
            stmts(&a.body, src, edits);
        }
        Stmt::FilterBlock(f) => {
            expr(&f.filter, src, edits);
            stmts(&f.body, src, edits);
        }
        Stmt::Block(b) => stmts(&b.body, src, edits),
        Stmt::Import(i) => expr(&i.expr, src, edits),
        Stmt::FromImport(i) => expr(&i.expr, src, edits),
        Stmt::Extends(e) => expr(&e.name, src, edits),
        Stmt::Include(i) => expr(&i.name, src, edits),
        Stmt::Macro(m) => macro_decl(m, src, edits),
        Stmt::CallBlock(c) => {
            call(&c.call, src, edits);
            macro_decl(&c.macro_decl, src, edits);
        }
        Stmt::Do(d) => call(&d.call, src, edits),
    }
}

fn macro_decl(m: &ast::Macro<'_>, src: &str, edits: &mut Vec<Edit>) {
    for e in &m.defaults {
        expr(e, src, edits);
    }
    stmts(&m.body, src, edits);
}

fn call(c: &ast::Call<'_>, src: &str, edits: &mut Vec<Edit>) {
    expr(&c.expr, src, edits);
    for a in &c.args {
        call_arg(a, src, edits);
    }
}

fn expr(e: &Expr<'_>, src: &str, edits: &mut Vec<Edit>) {
    match e {
        Expr::Var(_) | Expr::Const(_) => {}
        Expr::Slice(s) => {
            expr(&s.expr, src, edits);
            for x in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                expr(x, src, edits);
            }
        }
        Expr::UnaryOp(u) => expr(&u.expr, src, edits),
        Expr::BinOp(b) => {
            expr(&b.left, src, edits);
            expr(&b.right, src, edits);
            let name = match b.op {
                BinOpKind::Add => "__binop(\"+\", ",
                BinOpKind::Sub => "__binop(\"-\", ",
                _ => return,
            };
            let span = b.span();
            let (start, end) = (span.start_offset as usize, span.end_offset as usize);
            // The operator is the first character after the left operand
            // that is neither a space nor a closing parenthesis.
            let left_end = b.left.span().end_offset as usize;
            let Some(op) = src.get(left_end..end).and_then(|rest| {
                rest.char_indices()
                    .find(|(_, c)| !(c.is_whitespace() || *c == ')'))
                    .filter(|(_, c)| *c == '+' || *c == '-')
                    .map(|(i, _)| left_end + i)
            }) else {
                return;
            };
            if start >= end || end > src.len() {
                return;
            }
            let width = (end - start) as i64;
            edits.push(Edit {
                at: start,
                replaces: 0,
                text: name,
                order: (1, -width),
            });
            edits.push(Edit {
                at: op,
                replaces: 1,
                text: ",",
                order: (2, 0),
            });
            edits.push(Edit {
                at: end,
                replaces: 0,
                text: ")",
                order: (0, width),
            });
        }
        Expr::Compare(c) => {
            expr(&c.expr, src, edits);
            for op in &c.ops {
                expr(&op.expr, src, edits);
            }
        }
        Expr::IfExpr(i) => {
            expr(&i.test_expr, src, edits);
            expr(&i.true_expr, src, edits);
            if let Some(f) = &i.false_expr {
                expr(f, src, edits);
            }
        }
        Expr::Filter(f) => {
            if let Some(e) = &f.expr {
                expr(e, src, edits);
            }
            for a in &f.args {
                call_arg(a, src, edits);
            }
        }
        Expr::Test(t) => {
            expr(&t.expr, src, edits);
            for a in &t.args {
                call_arg(a, src, edits);
            }
        }
        Expr::GetAttr(g) => expr(&g.expr, src, edits),
        Expr::GetItem(g) => {
            expr(&g.expr, src, edits);
            expr(&g.subscript_expr, src, edits);
        }
        Expr::Call(c) => call(c, src, edits),
        Expr::List(l) => l.items.iter().for_each(|x| expr(x, src, edits)),
        Expr::Tuple(t) => t.items.iter().for_each(|x| expr(x, src, edits)),
        Expr::Map(m) => {
            for x in m.keys.iter().chain(m.values.iter()) {
                expr(x, src, edits);
            }
        }
    }
}

fn call_arg(a: &CallArg<'_>, src: &str, edits: &mut Vec<Edit>) {
    match a {
        CallArg::Pos(e) | CallArg::Kwarg(_, e) | CallArg::PosSplat(e) | CallArg::KwargSplat(e) => {
            expr(e, src, edits)
        }
    }
}

/// `__binop(op, a, b)`: `datetime` arithmetic when either side is a
/// `datetime` value, and otherwise Jinja's own `a + b` or `a - b`.
pub fn binop(op: &str, a: Value, b: Value) -> Result<Value, Error> {
    if let Some(r) = super::modules::binary_op(op, &a, &b) {
        return r;
    }
    static ENV: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    static ADD: OnceLock<Result<minijinja::Expression<'static, 'static>, Error>> = OnceLock::new();
    static SUB: OnceLock<Result<minijinja::Expression<'static, 'static>, Error>> = OnceLock::new();
    let env = ENV.get_or_init(minijinja::Environment::new);
    let compiled = match op {
        "+" => ADD.get_or_init(|| env.compile_expression("a + b")),
        "-" => SUB.get_or_init(|| env.compile_expression("a - b")),
        other => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("unknown operator {other}"),
            ))
        }
    };
    let compiled = compiled
        .as_ref()
        .map_err(|e| Error::new(e.kind(), e.to_string()))?;
    compiled
        .eval(minijinja::context! { a => a, b => b })
        // The operator's own message, without the helper's location.
        .map_err(|e| match e.detail() {
            Some(d) => Error::new(e.kind(), d.to_string()),
            None => Error::from(e.kind()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_by_precedence_and_parentheses() {
        assert_eq!(rewrite("{{ a - b }}"), "{{ __binop(\"-\", a , b) }}");
        assert_eq!(
            rewrite("{{ a - b - c }}"),
            "{{ __binop(\"-\", __binop(\"-\", a , b) , c) }}"
        );
        assert_eq!(
            rewrite("{{ (x + 1) - y * 2 }}"),
            "{{ __binop(\"-\", (__binop(\"+\", x , 1)) , y * 2) }}"
        );
        assert_eq!(
            rewrite("{% set w = d - m.datetime.timedelta(days=var('n')) %}"),
            "{% set w = __binop(\"-\", d , m.datetime.timedelta(days=var('n'))) %}"
        );
        assert_eq!(
            rewrite("{% set d = (e.date() - s).days %}"),
            "{% set d = (__binop(\"-\", e.date() , s)).days %}"
        );
        assert_eq!(
            rewrite("{% for i in range(n+1) if i - 1 %}{{ i }}{% endfor %}"),
            "{% for i in range(__binop(\"+\", n,1)) if __binop(\"-\", i , 1) %}{{ i }}{% endfor %}"
        );
    }

    #[test]
    fn leaves_the_rest_alone() {
        for src in [
            "select a - b from t -- {{ x }}",
            "{{ -1 }} {{ a * b }} {{ 'a-b' }} {{ x ~ '-' }}",
            "{{ broken + }",
        ] {
            assert_eq!(rewrite(src), src);
        }
    }

    #[test]
    fn keeps_lines() {
        let src = "{% set a = 1 +\n  2 %}\n{{ a\n - 3 }}";
        let out = rewrite(src);
        assert_eq!(out.lines().count(), src.lines().count(), "{out}");
    }

    #[test]
    fn binop_is_the_operator_for_other_values() {
        let r = |op, a: Value, b: Value| binop(op, a, b).map(|v| v.to_string());
        assert_eq!(r("+", 1.into(), 2.into()).unwrap(), "3");
        assert_eq!(r("-", 1.5.into(), 2.into()).unwrap(), "-0.5");
        assert_eq!(
            r("+", Value::from(vec![1]), Value::from(vec![2])).unwrap(),
            "[1, 2]"
        );
        let e = r("-", "a".into(), 1.into()).unwrap_err();
        assert!(e.to_string().contains("unsupported types"), "{e}");
    }
}
