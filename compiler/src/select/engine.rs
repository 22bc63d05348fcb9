//! Evaluation of a selection expression over a graph: graph operators, set
//! operations, indirect selection of tests, and the final resource-type and
//! empty-node filter.

use super::error::{SelectorError, SourceLocation};
use super::spec::{
    IndirectSelection, SelectionCriteria, SelectionGroup, SelectionSpec, SetOperation,
};
use super::types::{PreviousState, ResourceType, SelectGraph, SelectNode};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Options of one selection run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SelectOptions {
    /// Keep only these resource types in the result (`None`: keep all).
    pub resource_types: Option<BTreeSet<ResourceType>>,
    /// Keep nodes without code (`dbt ls` does; `dbt run` does not).
    pub include_empty_nodes: bool,
    /// The current time as an ISO-8601 string, used to decide whether a
    /// removed contracted model is past its deprecation date. Without it no
    /// deprecation date counts as past.
    pub now: Option<String>,
}

/// A warning dbt would print while selecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectorWarning {
    pub message: String,
    pub location: SourceLocation,
}

/// The outcome of a selection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Selected unique ids, after the resource-type and empty-node filter.
    pub selected: BTreeSet<String>,
    /// Tests that were candidates for indirect selection but not selected
    /// (before filtering).
    pub indirect_only: BTreeSet<String>,
    /// Warnings such as "The selection criterion 'x' does not match any
    /// enabled nodes".
    pub warnings: Vec<SelectorWarning>,
}

type Set = BTreeSet<usize>;

/// Graph indices and caches shared by the methods.
pub(crate) struct Engine<'a> {
    pub graph: &'a SelectGraph,
    pub state: Option<&'a PreviousState>,
    pub options: &'a SelectOptions,
    nodes: Vec<&'a SelectNode>,
    members: Set,
    /// member -> member children
    children: Vec<Vec<usize>>,
    /// member -> member parents
    parents: Vec<Vec<usize>>,
    /// node -> every parent it depends on (edges and `depends_on_nodes`);
    /// `None` for an id that is not in the graph.
    depends_on: Vec<Vec<Option<usize>>>,
    pub warnings: Vec<SelectorWarning>,
    pub modified_macros: Option<BTreeSet<String>>,
    /// Existing files and directories of the root project, for `path:`.
    pub path_universe: Option<PathUniverse>,
}

/// The files and directories that exist in the root project.
#[derive(Debug, Default)]
pub(crate) struct PathUniverse {
    pub files: BTreeSet<String>,
    pub dirs: BTreeSet<String>,
}

impl PathUniverse {
    fn add_file(&mut self, path: &str) {
        let parts = super::pattern::path_parts(path);
        for k in 0..parts.len() {
            self.dirs.insert(parts[..k].join("/"));
        }
        if !parts.is_empty() {
            self.files.insert(parts.join("/"));
        }
    }

    /// Whether the path exists, and whether it is a directory.
    pub fn lookup(&self, parts: &[&str]) -> Option<bool> {
        let key = parts.join("/");
        if self.dirs.contains(&key) || parts.is_empty() {
            Some(true)
        } else if self.files.contains(&key) {
            Some(false)
        } else {
            None
        }
    }
}

impl<'a> Engine<'a> {
    pub(crate) fn new(
        graph: &'a SelectGraph,
        state: Option<&'a PreviousState>,
        options: &'a SelectOptions,
    ) -> Self {
        let nodes: Vec<&SelectNode> = graph.nodes.values().collect();
        let index: BTreeMap<&str, usize> = graph
            .nodes
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let members: Set = nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.resource_type.is_graph_member_type() && n.enabled())
            .map(|(i, _)| i)
            .collect();
        let mut children = vec![Vec::new(); nodes.len()];
        let mut parents = vec![Vec::new(); nodes.len()];
        let mut depends_on: Vec<BTreeSet<Option<usize>>> = vec![BTreeSet::new(); nodes.len()];
        for (parent, kids) in &graph.edges {
            let p = index.get(parent.as_str()).copied();
            for kid in kids {
                let Some(&c) = index.get(kid.as_str()) else {
                    continue;
                };
                depends_on[c].insert(p);
                if let Some(p) = p {
                    if members.contains(&p) && members.contains(&c) && p != c {
                        children[p].push(c);
                        parents[c].push(p);
                    }
                }
            }
        }
        for (i, node) in nodes.iter().enumerate() {
            for dep in &node.depends_on_nodes {
                depends_on[i].insert(index.get(dep.as_str()).copied());
            }
        }
        for list in children.iter_mut().chain(parents.iter_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        Engine {
            graph,
            state,
            options,
            nodes,
            members,
            children,
            parents,
            depends_on: depends_on
                .into_iter()
                .map(|s| s.into_iter().collect())
                .collect(),
            warnings: Vec::new(),
            modified_macros: None,
            path_universe: None,
        }
    }

    /// The root project's existing paths (computed once).
    pub(crate) fn path_universe(&mut self) -> &PathUniverse {
        let graph = self.graph;
        self.path_universe.get_or_insert_with(|| {
            let mut u = PathUniverse::default();
            if let Some(files) = &graph.project_files {
                for f in files {
                    u.add_file(f);
                }
            }
            let root = graph.project_name.as_deref();
            for node in graph.nodes.values() {
                if root.is_none_or(|r| r == node.package_name) {
                    u.add_file(&node.original_file_path);
                    if let Some((_, file)) =
                        node.patch_path.as_deref().and_then(|p| p.split_once("://"))
                    {
                        u.add_file(file);
                    }
                }
            }
            u
        })
    }

    pub(crate) fn node(&self, i: usize) -> Option<&'a SelectNode> {
        self.nodes.get(i).copied()
    }

    pub(crate) fn id(&self, i: usize) -> &'a str {
        self.nodes
            .get(i)
            .map(|n| n.unique_id.as_str())
            .unwrap_or("")
    }

    /// Ancestors of `selected` within `max_depth` layers (excluding nodes of
    /// `selected` unless they are ancestors of other selected nodes).
    pub(crate) fn select_parents(&self, selected: &Set, max_depth: Option<usize>) -> Set {
        self.walk(selected, max_depth, &self.parents)
    }

    /// Descendants of `selected` within `max_depth` layers.
    pub(crate) fn select_children(&self, selected: &Set, max_depth: Option<usize>) -> Set {
        self.walk(selected, max_depth, &self.children)
    }

    fn walk(&self, selected: &Set, max_depth: Option<usize>, adjacency: &[Vec<usize>]) -> Set {
        let mut found = Set::new();
        let mut layer: Set = selected.clone();
        let mut depth = 0usize;
        while !layer.is_empty() && max_depth.is_none_or(|d| depth < d) {
            let mut next = Set::new();
            for &n in &layer {
                if let Some(adj) = adjacency.get(n) {
                    next.extend(adj.iter().copied().filter(|m| !found.contains(m)));
                }
            }
            found.extend(next.iter().copied());
            layer = next;
            depth += 1;
        }
        found
    }

    fn select_childrens_parents(&self, selected: &Set) -> Set {
        let mut ancestors_for = self.select_children(selected, None);
        ancestors_for.extend(selected.iter().copied());
        let mut out = self.select_parents(&ancestors_for, None);
        out.extend(ancestors_for);
        out
    }

    fn successors(&self, selected: &Set) -> Set {
        let mut out = Set::new();
        for &n in selected {
            if let Some(kids) = self.children.get(n) {
                out.extend(kids.iter().copied());
            }
        }
        out
    }

    /// True when every dependency of `test` is in `pool`.
    fn depends_within(&self, test: usize, pool: &Set) -> bool {
        self.depends_on
            .get(test)
            .is_none_or(|deps| deps.iter().all(|d| d.is_some_and(|d| pool.contains(&d))))
    }

    fn all_sources(&self) -> Set {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.resource_type == ResourceType::Source && n.enabled())
            .map(|(i, _)| i)
            .collect()
    }

    fn expand_selection(&self, selected: Set, mode: IndirectSelection) -> (Set, Set) {
        let mut direct = selected.clone();
        let mut indirect = Set::new();
        let selected_and_parents = if mode == IndirectSelection::Buildable {
            let mut s = selected.clone();
            s.extend(self.select_parents(&selected, None));
            s.extend(self.all_sources());
            s
        } else {
            Set::new()
        };
        for candidate in self.successors(&selected) {
            let Some(node) = self.node(candidate) else {
                continue;
            };
            if !matches!(
                node.resource_type,
                ResourceType::Test | ResourceType::UnitTest
            ) {
                continue;
            }
            let take = mode == IndirectSelection::Eager
                || self.depends_within(candidate, &selected)
                || (mode == IndirectSelection::Buildable
                    && self.depends_within(candidate, &selected_and_parents));
            if take {
                direct.insert(candidate);
            } else if mode != IndirectSelection::Empty {
                indirect.insert(candidate);
            }
        }
        (direct, indirect)
    }

    fn incorporate_indirect_nodes(
        &self,
        direct: Set,
        indirect: &Set,
        mode: IndirectSelection,
    ) -> Set {
        if direct == *indirect {
            return direct;
        }
        let mut selected = direct;
        match mode {
            IndirectSelection::Cautious => {
                for &candidate in indirect {
                    if self
                        .node(candidate)
                        .is_some_and(|n| n.resource_type.is_manifest_node())
                        && self.depends_within(candidate, &selected)
                    {
                        selected.insert(candidate);
                    }
                }
            }
            IndirectSelection::Buildable => {
                let mut pool = selected.clone();
                pool.extend(self.select_parents(&selected, None));
                for &candidate in indirect {
                    if self
                        .node(candidate)
                        .is_some_and(|n| n.resource_type.is_manifest_node())
                        && self.depends_within(candidate, &pool)
                    {
                        selected.insert(candidate);
                    }
                }
            }
            IndirectSelection::Eager | IndirectSelection::Empty => {}
        }
        selected
    }

    fn nodes_from_criteria(
        &mut self,
        spec: &SelectionCriteria,
    ) -> Result<(Set, Set), SelectorError> {
        let members = self.members.clone();
        let collected = self
            .search(&members, spec.method, &spec.method_arguments, &spec.value)
            .map_err(|e| e.with_location(spec.location.clone()))?;
        let mut selected = collected.clone();
        if spec.childrens_parents {
            selected.extend(self.select_childrens_parents(&collected));
        }
        if spec.parents {
            selected.extend(self.select_parents(&collected, spec.parents_depth));
        }
        if spec.children {
            selected.extend(self.select_children(&collected, spec.children_depth));
        }
        if spec.indirect_selection == IndirectSelection::Empty {
            return Ok((selected, Set::new()));
        }
        Ok(self.expand_selection(selected, spec.indirect_selection))
    }

    fn combine(operation: SetOperation, sets: Vec<Set>) -> Set {
        let mut iter = sets.into_iter();
        let Some(first) = iter.next() else {
            return Set::new();
        };
        match operation {
            SetOperation::Union => iter.fold(first, |mut acc, s| {
                acc.extend(s);
                acc
            }),
            SetOperation::Intersection => {
                iter.fold(first, |acc, s| acc.intersection(&s).copied().collect())
            }
            SetOperation::Difference => {
                iter.fold(first, |acc, s| acc.difference(&s).copied().collect())
            }
        }
    }

    fn nodes_from_group(&mut self, group: &SelectionGroup) -> Result<(Set, Set), SelectorError> {
        let mut direct_sets = Vec::with_capacity(group.components.len());
        let mut indirect_sets = Vec::with_capacity(group.components.len());
        for component in &group.components {
            let (direct, indirect) = self.select_recursively(component)?;
            let mut both = direct.clone();
            both.extend(indirect);
            direct_sets.push(direct);
            indirect_sets.push(both);
        }
        let initial_direct = Self::combine(group.operation, direct_sets);
        let indirect = Self::combine(group.operation, indirect_sets);
        let direct =
            self.incorporate_indirect_nodes(initial_direct, &indirect, group.indirect_selection);
        if group.expect_exists && direct.is_empty() {
            let location = match group.components.first() {
                Some(SelectionSpec::Criteria(c)) => c.location.clone(),
                _ => SourceLocation::default(),
            };
            self.warnings.push(SelectorWarning {
                message: format!(
                    "The selection criterion '{}' does not match any enabled nodes",
                    group.raw
                ),
                location,
            });
        }
        Ok((direct, indirect))
    }

    fn select_recursively(&mut self, spec: &SelectionSpec) -> Result<(Set, Set), SelectorError> {
        match spec {
            SelectionSpec::Criteria(c) => self.nodes_from_criteria(c),
            SelectionSpec::Group(g) => self.nodes_from_group(g),
        }
    }

    fn keep(&self, i: usize) -> bool {
        let Some(node) = self.node(i) else {
            return false;
        };
        let type_ok = self
            .options
            .resource_types
            .as_ref()
            .is_none_or(|t| t.contains(&node.resource_type));
        type_ok && (self.options.include_empty_nodes || !node.is_empty_node())
    }

    pub(crate) fn run(mut self, spec: &SelectionSpec) -> Result<Selection, SelectorError> {
        let (direct, indirect) = self.select_recursively(spec)?;
        let indirect_only: BTreeSet<String> = indirect
            .difference(&direct)
            .map(|&i| self.id(i).to_string())
            .collect();
        let selected: BTreeSet<String> = direct
            .iter()
            .copied()
            .filter(|&i| self.keep(i))
            .map(|i| self.id(i).to_string())
            .collect();
        Ok(Selection {
            selected,
            indirect_only,
            warnings: self.warnings,
        })
    }
}

/// Selects the nodes of `graph` matching `spec` (dbt's
/// `NodeSelector.get_selected`).
pub fn select(
    graph: &SelectGraph,
    spec: &SelectionSpec,
    options: &SelectOptions,
    state: Option<&PreviousState>,
) -> Result<Selection, SelectorError> {
    Engine::new(graph, state, options).run(spec)
}
