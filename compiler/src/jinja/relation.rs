//! `Relation`: a database object reference as dbt renders it (`"db"."schema"."name"`).

use minijinja::value::{Kwargs, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};
use std::fmt;
use std::sync::Arc;

/// Which of database, schema and identifier to quote or include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub database: bool,
    pub schema: bool,
    pub identifier: bool,
}

impl Policy {
    pub const ALL: Policy = Policy {
        database: true,
        schema: true,
        identifier: true,
    };

    fn update_from(mut self, kw: &Kwargs) -> Result<Policy, Error> {
        for (key, slot) in [
            ("database", &mut self.database),
            ("schema", &mut self.schema),
            ("identifier", &mut self.identifier),
        ] {
            if kw.has(key) {
                let v: Option<bool> = kw.get(key)?;
                if let Some(v) = v {
                    *slot = v;
                }
            }
        }
        Ok(self)
    }

    fn to_value(self) -> Value {
        super::containers::map_value([
            ("database", Value::from(self.database)),
            ("schema", Value::from(self.schema)),
            ("identifier", Value::from(self.identifier)),
        ])
    }
}

/// A relation (table, view, CTE) as `ref`, `source` and `this` return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub identifier: Option<String>,
    pub quote_policy: Policy,
    pub include_policy: Policy,
    pub quote_char: char,
    /// `table`, `view`, `cte`, `materialized_view`, `external`, ...
    pub relation_type: Option<String>,
    /// Whether this is an ephemeral model rendered as a bare CTE name.
    pub is_cte: bool,
}

impl Relation {
    pub fn new(
        database: Option<String>,
        schema: Option<String>,
        identifier: Option<String>,
        quote_policy: Policy,
        quote_char: char,
    ) -> Relation {
        Relation {
            database,
            schema,
            identifier,
            quote_policy,
            include_policy: Policy::ALL,
            quote_char,
            relation_type: None,
            is_cte: false,
        }
    }

    /// The bare `__dbt__cte__<name>` relation of an ephemeral model.
    pub fn ephemeral(identifier: &str, quote_char: char) -> Relation {
        Relation {
            database: None,
            schema: None,
            identifier: Some(format!("__dbt__cte__{identifier}")),
            quote_policy: Policy {
                database: false,
                schema: false,
                identifier: false,
            },
            include_policy: Policy {
                database: false,
                schema: false,
                identifier: true,
            },
            quote_char,
            relation_type: Some("cte".into()),
            is_cte: true,
        }
    }

    /// dbt's `render()`: included parts, quoted as the policy says, joined by dots.
    pub fn render(&self) -> String {
        let parts = [
            (
                &self.database,
                self.include_policy.database,
                self.quote_policy.database,
            ),
            (
                &self.schema,
                self.include_policy.schema,
                self.quote_policy.schema,
            ),
            (
                &self.identifier,
                self.include_policy.identifier,
                self.quote_policy.identifier,
            ),
        ];
        let mut out = String::with_capacity(64);
        let mut first = true;
        for (part, include, quote) in parts {
            if let (Some(p), true) = (part, include) {
                if !first {
                    out.push('.');
                }
                first = false;
                if quote {
                    out.push(self.quote_char);
                    out.push_str(p);
                    out.push(self.quote_char);
                } else {
                    out.push_str(p);
                }
            }
        }
        out
    }

    pub fn to_value(self) -> Value {
        Value::from_object(self)
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

fn opt(v: &Option<String>) -> Value {
    v.as_deref().map(Value::from).unwrap_or(Value::from(()))
}

impl Object for Relation {
    /// dbt relations are mappings (`relation is mapping`, `relation.get(..)`),
    /// which packages rely on to tell relations from strings.
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Str(&[
            "path",
            "type",
            "quote_policy",
            "include_policy",
            "metadata",
        ])
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "database" => opt(&self.database),
            "schema" => opt(&self.schema),
            "identifier" | "name" | "table" => opt(&self.identifier),
            "type" => opt(&self.relation_type),
            "is_table" => Value::from(self.relation_type.as_deref() == Some("table")),
            "is_view" => Value::from(self.relation_type.as_deref() == Some("view")),
            "is_materialized_view" => {
                Value::from(self.relation_type.as_deref() == Some("materialized_view"))
            }
            "is_cte" => Value::from(self.is_cte),
            "quote_policy" => self.quote_policy.to_value(),
            "include_policy" => self.include_policy.to_value(),
            "quote_character" => Value::from(self.quote_char.to_string()),
            "metadata" => super::containers::map_value([("type", Value::from("BaseRelation"))]),
            "limit" | "require_alias" | "event_time_filter" => Value::from(()),
            "path" => super::containers::map_value([
                ("database", opt(&self.database)),
                ("schema", opt(&self.schema)),
                ("identifier", opt(&self.identifier)),
            ]),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let kw = match args.last() {
            Some(v) if v.is_kwargs() => Kwargs::try_from(v.clone())?,
            _ => Kwargs::from_iter(std::iter::empty::<(String, Value)>()),
        };
        let mut r = (**self).clone();
        match method {
            "render" => Ok(Value::from(Relation::render(self))),
            "get" => {
                let (pos, _) = (
                    args.iter()
                        .filter(|a| !a.is_kwargs())
                        .cloned()
                        .collect::<Vec<_>>(),
                    (),
                );
                let key = pos.first().cloned().unwrap_or(Value::from(()));
                Ok(self
                    .get_value(&key)
                    .unwrap_or_else(|| pos.get(1).cloned().unwrap_or(Value::from(()))))
            }
            "render_limited" | "render_pretty" => Ok(Value::from(Relation::render(self))),
            "relation_max_name_length" => Ok(Value::from(63)),
            "include" => {
                r.include_policy = r.include_policy.update_from(&kw)?;
                Ok(r.to_value())
            }
            "quote" => {
                r.quote_policy = r.quote_policy.update_from(&kw)?;
                Ok(r.to_value())
            }
            "without_identifier" => {
                r.include_policy.identifier = false;
                Ok(r.to_value())
            }
            "incorporate" | "replace_path" => {
                let path_kw = if kw.has("path") {
                    let p: Value = kw.get("path")?;
                    Some(p)
                } else {
                    None
                };
                let mut set = |key: &str, v: Value| {
                    let s = v
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| (!v.is_none() && !v.is_undefined()).then(|| v.to_string()));
                    match key {
                        "database" => r.database = s,
                        "schema" => r.schema = s,
                        "identifier" => r.identifier = s,
                        _ => {}
                    }
                };
                if let Some(p) = path_kw {
                    for key in ["database", "schema", "identifier"] {
                        if let Ok(v) = p.get_attr(key) {
                            if !v.is_undefined() {
                                set(key, v);
                            }
                        }
                    }
                }
                for key in ["database", "schema", "identifier"] {
                    if kw.has(key) {
                        set(key, kw.get::<Value>(key)?);
                    }
                }
                if kw.has("type") {
                    let t: Option<String> = kw.get("type")?;
                    r.relation_type = t;
                }
                Ok(r.to_value())
            }
            _ => Err(Error::new(
                ErrorKind::UnknownMethod,
                format!("relation has no method named {method}"),
            )),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Relation::render(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_quoted_parts() {
        let r = Relation::new(
            Some("db".into()),
            Some("main".into()),
            Some("orders".into()),
            Policy::ALL,
            '"',
        );
        assert_eq!(r.render(), r#""db"."main"."orders""#);
        let e = Relation::ephemeral("stg", '"');
        assert_eq!(e.render(), "__dbt__cte__stg");
    }
}
