//! Mutable list and dict values, as Jinja2 (and so dbt) has them.

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};
use std::sync::{Arc, Mutex};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// A list that supports `append`, `extend`, `pop`, ... in place.
#[derive(Debug, Default)]
pub struct MutList(pub Mutex<Vec<Value>>);

impl MutList {
    pub fn new_value(items: Vec<Value>) -> Value {
        Value::from_object(MutList(Mutex::new(items)))
    }
    fn items(&self) -> Vec<Value> {
        lock(&self.0).clone()
    }
}

fn index(len: usize, idx: i64) -> Option<usize> {
    let i = if idx < 0 { len as i64 + idx } else { idx };
    (i >= 0 && (i as usize) < len).then_some(i as usize)
}

impl Object for MutList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = lock(&self.0);
        let i = index(items.len(), key.as_i64()?)?;
        items.get(i).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.items())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !lock(&self.0).is_empty()
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let mut items = lock(&self.0);
        match (method, args) {
            ("append", [v]) => {
                items.push(v.clone());
                Ok(Value::from(()))
            }
            ("extend", [v]) => {
                let new: Vec<Value> = v.try_iter()?.collect();
                items.extend(new);
                Ok(Value::from(()))
            }
            ("insert", [i, v]) => {
                let len = items.len() as i64;
                let mut at = i
                    .as_i64()
                    .ok_or_else(|| invalid("insert needs an integer index"))?;
                if at < 0 {
                    at = (len + at).max(0);
                }
                items.insert(at.min(len) as usize, v.clone());
                Ok(Value::from(()))
            }
            ("pop", []) => items.pop().ok_or_else(|| invalid("pop from empty list")),
            ("pop", [i]) => {
                let at = index(items.len(), i.as_i64().unwrap_or(-1))
                    .ok_or_else(|| invalid("pop index out of range"))?;
                Ok(items.remove(at))
            }
            ("remove", [v]) => {
                let at = items
                    .iter()
                    .position(|x| x == v)
                    .ok_or_else(|| invalid("list.remove(x): x not in list"))?;
                items.remove(at);
                Ok(Value::from(()))
            }
            ("index", args) => super::methods::list_index(&items, args),
            ("count", [v]) => Ok(Value::from(items.iter().filter(|x| *x == v).count())),
            ("reverse", []) => {
                items.reverse();
                Ok(Value::from(()))
            }
            ("sort", []) => {
                items.sort();
                Ok(Value::from(()))
            }
            ("copy", []) => Ok(MutList::new_value(items.clone())),
            ("clear", []) => {
                items.clear();
                Ok(Value::from(()))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A dict that supports `update`, `pop`, `setdefault`, ... in place.
#[derive(Debug, Default)]
pub struct MutDict(pub Mutex<indexmap::IndexMap<Value, Value>>);

impl MutDict {
    pub fn new_value(items: indexmap::IndexMap<Value, Value>) -> Value {
        Value::from_object(MutDict(Mutex::new(items)))
    }

    pub fn from_value(v: &Value) -> Result<indexmap::IndexMap<Value, Value>, Error> {
        let mut map = indexmap::IndexMap::new();
        if v.is_undefined() || v.is_none() {
            return Ok(map);
        }
        for k in v.try_iter()? {
            let val = v.get_item(&k)?;
            map.insert(k, val);
        }
        Ok(map)
    }
}

impl Object for MutDict {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        lock(&self.0).get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.0).keys().cloned().collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !lock(&self.0).is_empty()
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (args, kwargs): (&[Value], Option<minijinja::value::Kwargs>) = match args.split_last() {
            Some((last, rest)) if last.is_kwargs() => {
                (rest, minijinja::value::Kwargs::try_from(last.clone()).ok())
            }
            _ => (args, None),
        };
        let mut map = lock(&self.0);
        match (method, args) {
            ("update", rest) => {
                for v in rest {
                    let other = MutDict::from_value(v)?;
                    map.extend(other);
                }
                if let Some(kw) = kwargs {
                    for k in kw.args() {
                        let v: Value = kw.get(k)?;
                        map.insert(Value::from(k), v);
                    }
                }
                Ok(Value::from(()))
            }
            ("get", [k]) => Ok(map.get(k).cloned().unwrap_or(Value::from(()))),
            ("get", [k, d]) => Ok(map.get(k).cloned().unwrap_or_else(|| d.clone())),
            ("keys", []) => Ok(Value::from(map.keys().cloned().collect::<Vec<_>>())),
            ("values", []) => Ok(Value::from(map.values().cloned().collect::<Vec<_>>())),
            ("items", []) => Ok(Value::from(
                map.iter()
                    .map(|(k, v)| Value::from(vec![k.clone(), v.clone()]))
                    .collect::<Vec<_>>(),
            )),
            ("pop", [k]) => map
                .shift_remove(k)
                .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("KeyError: {k}"))),
            ("pop", [k, d]) => Ok(map.shift_remove(k).unwrap_or_else(|| d.clone())),
            ("setdefault", [k]) => Ok(map.entry(k.clone()).or_insert(Value::from(())).clone()),
            ("setdefault", [k, d]) => Ok(map.entry(k.clone()).or_insert(d.clone()).clone()),
            ("copy", []) => Ok(MutDict::new_value(map.clone())),
            ("clear", []) => {
                map.clear();
                Ok(Value::from(()))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A parsed JSON or YAML document as Python has it after `json.loads` or
/// `yaml.safe_load`: lists and dicts that can be changed in place.
pub fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Array(items) => {
            MutList::new_value(items.iter().map(from_json).collect())
        }
        serde_json::Value::Object(map) => MutDict::new_value(
            map.iter()
                .map(|(k, x)| (Value::from(k.as_str()), from_json(x)))
                .collect(),
        ),
        leaf => Value::from(minijinja::value::Serde(leaf)),
    }
}

/// `__tl(list)`: the mutable list for a list literal.
pub fn to_list(v: Value) -> Result<Value, Error> {
    Ok(MutList::new_value(v.try_iter()?.collect()))
}

/// `__td(map)`: the mutable dict for a dict literal.
pub fn to_dict(v: Value) -> Result<Value, Error> {
    Ok(MutDict::new_value(MutDict::from_value(&v)?))
}

/// A read-only mapping from key/value pairs (`Value::from_iter` of pairs
/// would make a sequence of tuples).
pub fn map_value<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let map: std::collections::BTreeMap<String, Value> =
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Value::from(map)
}
