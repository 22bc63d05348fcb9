//! The dependency graph between nodes and sources (petgraph), with cycles and order.

use crate::nodes::Manifest;
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, HashMap};

/// Directed graph, parent -> child, over unique ids.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    pub graph: DiGraph<String, ()>,
    pub index: BTreeMap<String, NodeIndex>,
}

impl Graph {
    pub fn build(m: &Manifest) -> Graph {
        let mut graph: DiGraph<String, ()> = DiGraph::new();
        // Ids are looked up by hash while the graph is built (tens of
        // thousands of long ids with long common prefixes); the sorted index
        // is made once, at the end.
        let mut ids: HashMap<&str, NodeIndex> = HashMap::new();
        fn add<'a>(
            graph: &mut DiGraph<String, ()>,
            ids: &mut HashMap<&'a str, NodeIndex>,
            id: &'a str,
        ) -> NodeIndex {
            *ids.entry(id)
                .or_insert_with(|| graph.add_node(id.to_string()))
        }
        for id in m.sources.keys().chain(m.nodes.keys()) {
            add(&mut graph, &mut ids, id);
        }
        let deps = m
            .nodes
            .values()
            .map(|n| (&n.unique_id, &n.depends_on_nodes))
            .chain(
                m.exposures
                    .values()
                    .map(|e| (&e.unique_id, &e.depends_on_nodes)),
            )
            .chain(
                m.unit_tests
                    .values()
                    .map(|u| (&u.unique_id, &u.depends_on_nodes)),
            )
            .chain(m.semantic_dependencies.iter().map(|(id, deps)| (id, deps)));
        for (id, parents) in deps {
            let child = add(&mut graph, &mut ids, id);
            for p in parents {
                let parent = add(&mut graph, &mut ids, p);
                graph.add_edge(parent, child, ());
            }
        }
        // In the order added: sources, then nodes, each sorted already,
        // which the map's sort takes as runs.
        let index = graph
            .node_indices()
            .map(|i| (graph[i].clone(), i))
            .collect();
        Graph { graph, index }
    }

    /// Every cycle, as a path of unique ids that ends where it starts.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for scc in tarjan_scc(&self.graph) {
            let is_cycle = scc.len() > 1
                || scc
                    .first()
                    .is_some_and(|n| self.graph.contains_edge(*n, *n));
            if !is_cycle {
                continue;
            }
            // Walk the cycle inside the component from its smallest id.
            let mut members: Vec<NodeIndex> = scc.clone();
            members.sort_by(|a, b| self.graph[*a].cmp(&self.graph[*b]));
            let start = members[0];
            let mut path = vec![self.graph[start].clone()];
            let mut cur = start;
            for _ in 0..scc.len() {
                let next = self
                    .graph
                    .neighbors(cur)
                    .filter(|n| scc.contains(n))
                    .min_by(|a, b| self.graph[*a].cmp(&self.graph[*b]));
                match next {
                    Some(n) => {
                        path.push(self.graph[n].clone());
                        if n == start {
                            break;
                        }
                        cur = n;
                    }
                    None => break,
                }
            }
            out.push(path);
        }
        out.sort();
        out
    }

    /// Unique ids with parents before children; nodes in cycles come last, in id order.
    pub fn topo_order(&self) -> Vec<String> {
        match toposort(&self.graph, None) {
            Ok(order) => order.into_iter().map(|i| self.graph[i].clone()).collect(),
            Err(_) => {
                let mut order = Vec::new();
                let sccs = tarjan_scc(&self.graph);
                // tarjan_scc returns components in reverse topological order.
                for scc in sccs.into_iter().rev() {
                    let mut ids: Vec<String> =
                        scc.into_iter().map(|i| self.graph[i].clone()).collect();
                    ids.sort();
                    order.extend(ids);
                }
                order
            }
        }
    }

    pub fn parents(&self, id: &str) -> Vec<String> {
        self.neighbors(id, petgraph::Direction::Incoming)
    }

    pub fn children(&self, id: &str) -> Vec<String> {
        self.neighbors(id, petgraph::Direction::Outgoing)
    }

    fn neighbors(&self, id: &str, dir: petgraph::Direction) -> Vec<String> {
        let Some(i) = self.index.get(id) else {
            return Vec::new();
        };
        let mut v: Vec<String> = self
            .graph
            .neighbors_directed(*i, dir)
            .map(|n| self.graph[n].clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}
