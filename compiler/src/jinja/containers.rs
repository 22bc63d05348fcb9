//! Mutable list and dict values, as Jinja2 (and so dbt) has them.

use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
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

/// A map or list that can be changed in place over a shared read-only one
/// (the `graph` variable: dbt hands macros a plain dict they cache into
/// with `graph.setdefault(...)`, while the graph itself is built once and
/// read by every render).
///
/// Reads come from the shared value. A nested map or list is handed out
/// as its own view, the same one each time it is read (remembered by
/// position, so reading costs no more hashing than the shared value's
/// own lookup), so what is done to it stays. The first change (any method
/// but `get`, `keys`, `values` and `items`) copies this level's entries,
/// not what they hold, into a [`MutDict`] or [`MutList`], which answers
/// from then on.
#[derive(Debug)]
pub struct CowView {
    base: Base,
    state: Mutex<CowState>,
}

type PlainMap = indexmap::IndexMap<Value, Value>;

#[derive(Debug)]
enum Base {
    Map(Arc<PlainMap>),
    Seq(Arc<Vec<Value>>),
}

#[derive(Debug)]
enum CowState {
    /// Views handed out for nested maps and lists, by position (sized on
    /// first use).
    Shared(Vec<Option<Value>>),
    Owned(Value),
}

fn is_container(v: &Value) -> bool {
    matches!(v.kind(), ValueKind::Map | ValueKind::Seq)
}

impl CowView {
    /// `v` as a view if it is a plain map or list; other values as they are.
    pub fn wrap(v: Value) -> Value {
        if !is_container(&v)
            || v.downcast_object_ref::<MutDict>().is_some()
            || v.downcast_object_ref::<MutList>().is_some()
            || v.downcast_object_ref::<CowView>().is_some()
        {
            return v;
        }
        let base = if let Some(m) = v.downcast_object::<PlainMap>() {
            Base::Map(m)
        } else if let Some(l) = v.downcast_object::<Vec<Value>>() {
            Base::Seq(l)
        } else if v.kind() == ValueKind::Map {
            match MutDict::from_value(&v) {
                Ok(m) => Base::Map(Arc::new(m)),
                Err(_) => return v,
            }
        } else {
            match v.try_iter() {
                Ok(items) => Base::Seq(Arc::new(items.collect())),
                Err(_) => return v,
            }
        };
        Value::from_object(CowView {
            base,
            state: Mutex::new(CowState::Shared(Vec::new())),
        })
    }

    fn len(&self) -> usize {
        match &self.base {
            Base::Map(m) => m.len(),
            Base::Seq(l) => l.len(),
        }
    }

    /// The shared entry at `pos`, a nested container as its (remembered)
    /// view.
    fn at(&self, views: &mut Vec<Option<Value>>, pos: usize, v: &Value) -> Value {
        if !is_container(v) {
            return v.clone();
        }
        if views.is_empty() {
            views.resize(self.len(), None);
        }
        views[pos]
            .get_or_insert_with(|| CowView::wrap(v.clone()))
            .clone()
    }

    fn shared_get(&self, views: &mut Vec<Option<Value>>, key: &Value) -> Option<Value> {
        match &self.base {
            Base::Map(m) => {
                let (pos, _, v) = m.get_full(key)?;
                Some(self.at(views, pos, v))
            }
            Base::Seq(l) => {
                let i = key.as_i64()?;
                let pos = if i < 0 { i + l.len() as i64 } else { i };
                let v = l.get(usize::try_from(pos).ok()?)?;
                Some(self.at(views, pos as usize, v))
            }
        }
    }

    /// Every shared entry (a map's as `(key, value)`), nested containers
    /// as their views.
    fn shared_entries(&self, views: &mut Vec<Option<Value>>) -> Vec<(Value, Value)> {
        match &self.base {
            Base::Map(m) => m
                .iter()
                .enumerate()
                .map(|(pos, (k, v))| (k.clone(), self.at(views, pos, v)))
                .collect(),
            Base::Seq(l) => l
                .iter()
                .enumerate()
                .map(|(pos, v)| (Value::from(pos), self.at(views, pos, v)))
                .collect(),
        }
    }

    /// This level as a mutable container (made on first use).
    fn owned(&self) -> Value {
        let mut state = lock(&self.state);
        let views = match &mut *state {
            CowState::Owned(v) => return v.clone(),
            CowState::Shared(views) => views,
        };
        let entries = self.shared_entries(views);
        let owned = match self.base {
            Base::Map(_) => MutDict::new_value(entries.into_iter().collect()),
            Base::Seq(_) => MutList::new_value(entries.into_iter().map(|(_, v)| v).collect()),
        };
        *state = CowState::Owned(owned.clone());
        owned
    }
}

impl Object for CowView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match self.base {
            Base::Map(_) => ObjectRepr::Map,
            Base::Seq(_) => ObjectRepr::Seq,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match &mut *lock(&self.state) {
            CowState::Owned(v) => v.get_item(key).ok().filter(|v| !v.is_undefined()),
            CowState::Shared(views) => self.shared_get(views, key),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut state = lock(&self.state);
        match (&mut *state, &self.base) {
            (CowState::Owned(v), _) => {
                Enumerator::Values(v.try_iter().map(|i| i.collect()).unwrap_or_default())
            }
            (CowState::Shared(_), Base::Map(m)) => Enumerator::Values(m.keys().cloned().collect()),
            (CowState::Shared(views), Base::Seq(_)) => Enumerator::Values(
                self.shared_entries(views)
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect(),
            ),
        }
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        match &*lock(&self.state) {
            CowState::Owned(v) => v.len(),
            CowState::Shared(_) => Some(self.len()),
        }
    }

    fn is_true(self: &Arc<Self>) -> bool {
        self.enumerator_len().unwrap_or(0) > 0
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        if let (CowState::Shared(views), Base::Map(m)) = (&mut *lock(&self.state), &self.base) {
            // Reading methods answer from the shared map.
            match (method, args) {
                ("get", [k]) => return Ok(self.shared_get(views, k).unwrap_or(Value::from(()))),
                ("get", [k, d]) => {
                    return Ok(self.shared_get(views, k).unwrap_or_else(|| d.clone()))
                }
                ("keys", []) => return Ok(Value::from(m.keys().cloned().collect::<Vec<_>>())),
                ("values", []) => {
                    let entries = self.shared_entries(views);
                    return Ok(Value::from(
                        entries.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
                    ));
                }
                ("items", []) => {
                    let entries = self.shared_entries(views);
                    return Ok(Value::from(
                        entries
                            .into_iter()
                            .map(|(k, v)| Value::from(vec![k, v]))
                            .collect::<Vec<_>>(),
                    ));
                }
                _ => {}
            }
        }
        let owned = self.owned();
        if let Some(d) = owned.downcast_object::<MutDict>() {
            d.call_method(state, method, args)
        } else if let Some(l) = owned.downcast_object::<MutList>() {
            l.call_method(state, method, args)
        } else {
            Err(Error::from(ErrorKind::UnknownMethod))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_changes_in_place_and_leaves_the_shared_value_alone() {
        let shared = Value::from(minijinja::value::Serde(serde_json::json!({
            "nodes": {"a": {"columns": {"c": {"name": "c"}}, "tags": ["x"]}, "b": {}},
            "sources": {},
        })));
        let mut env = minijinja::Environment::new();
        env.add_function("fresh", || MutDict::new_value(Default::default()));
        let src = "{% do g.setdefault('cache', fresh()).update(k=1) %}{{ g.cache.k }} \
            {% do g.nodes.a.columns.c.update(meta=2) %}{{ g.nodes['a'].columns.c.meta }} \
            {% do g.nodes.get('a').tags.append('y') %}{{ g.nodes.a.tags | join(',') }} \
            {{ g.nodes.a.tags[-1] }} {{ g.nodes | list | join(',') }} {{ g.nodes | length }} \
            {% for k, v in g.nodes.items() %}{% do v.update(seen=k) %}{% endfor %}{{ g.nodes.b.seen }} \
            {% do g.nodes.pop('b') %}{{ g.nodes.keys() | list | join(',') }} \
            {{ g.nodes.a.columns.c.meta }} {{ g | list | join(',') }}";
        let view = CowView::wrap(shared.clone());
        let out = env
            .render_str(src, minijinja::context! { g => view })
            .unwrap();
        assert_eq!(out, "1 2 x,y y a,b 2 b a 2 nodes,sources,cache");
        assert_eq!(
            shared.to_string(),
            Value::from(minijinja::value::Serde(serde_json::json!({
                "nodes": {"a": {"columns": {"c": {"name": "c"}}, "tags": ["x"]}, "b": {}},
                "sources": {},
            })))
            .to_string()
        );
        // Other values are not wrapped.
        assert_eq!(CowView::wrap(Value::from(1)), Value::from(1));
    }
}
