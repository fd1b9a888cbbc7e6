//! Rule `http-no-cycles`: the modules directly in `backend/src/http/` (a file
//! `x.rs` or a folder `x/`) import no sibling in a cycle.
//!
//! An edge `a → b` is a path in `a` that resolves to `crate::http::b…`:
//! `use super::b…`, `use crate::http::b…` (groups over several lines included),
//! or `super::b::f()` / `crate::http::b::T` in code, with `super` and `self`
//! resolved through the file's place and its inline `mod … { }` blocks. `mod.rs`
//! is the parent, not a sibling: edges into or out of it do not count.

use super::lexer::named_paths;
use super::{SourceFile, Violation};
use std::collections::{BTreeMap, BTreeSet};

/// Where an edge was first seen.
#[derive(Debug, Clone)]
struct Use {
    path: String,
    line: usize,
    text: String,
}

/// The module path of a file under `backend/src/` (`http/tree/mod.rs` is
/// `["http", "tree"]`), and its module directly under `http/`, if any.
fn module_of(path: &str) -> Option<(Vec<String>, String)> {
    let inside = path.strip_prefix("backend/src/")?.strip_suffix(".rs")?;
    let mut module: Vec<String> = inside.split('/').map(str::to_owned).collect();
    if module.last().is_some_and(|last| last == "mod") {
        module.pop();
    }
    match module.as_slice() {
        [http, sibling, ..] if http == "http" => {
            let sibling = sibling.clone();
            Some((module, sibling))
        }
        _ => None,
    }
}

/// `segments` as an absolute module path seen from `scope`, when it starts with
/// `crate`, `super` or `self`.
fn resolve(scope: &[String], segments: &[String]) -> Option<Vec<String>> {
    match segments.first().map(String::as_str) {
        Some("crate") => Some(segments[1..].to_vec()),
        Some("super" | "self") => {
            let mut base = scope.to_vec();
            let mut rest = segments;
            while let Some((first, tail)) = rest.split_first() {
                match first.as_str() {
                    "super" => {
                        base.pop()?;
                    }
                    "self" => {}
                    _ => break,
                }
                rest = tail;
            }
            base.extend(rest.iter().cloned());
            Some(base)
        }
        _ => None,
    }
}

/// The sibling modules of `http/` and the first use of each edge between them.
fn edges(files: &[SourceFile]) -> BTreeMap<(String, String), Use> {
    let siblings: BTreeSet<String> = files
        .iter()
        .filter_map(|file| module_of(&file.path).map(|(_, sibling)| sibling))
        .collect();
    let mut edges = BTreeMap::new();
    for file in files {
        let Some((module, from)) = module_of(&file.path) else {
            continue;
        };
        for named in named_paths(&file.text) {
            let scope: Vec<String> = module
                .iter()
                .chain(&named.inline_modules)
                .cloned()
                .collect();
            let Some(absolute) = resolve(&scope, &named.segments) else {
                continue;
            };
            let [http, to, ..] = absolute.as_slice() else {
                continue;
            };
            if http != "http" || *to == from || !siblings.contains(to) {
                continue;
            }
            edges
                .entry((from.clone(), to.clone()))
                .or_insert_with(|| Use {
                    path: file.path.clone(),
                    line: named.line,
                    text: named.text(),
                });
        }
    }
    edges
}

/// At most this many cycles are listed; breaking those shows the rest.
const MAX_CYCLES: usize = 50;

/// Every elementary cycle of the graph, each starting at its smallest module.
fn cycles(edges: &BTreeMap<(String, String), Use>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
    }
    let mut found = Vec::new();
    for &start in next.keys() {
        // Depth-first over modules after `start`, so each cycle is found once.
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut on_path: Vec<&str> = vec![start];
        while let Some((node, child)) = stack.pop() {
            let children = next.get(node).map_or(&[][..], Vec::as_slice);
            let Some(&to) = children.get(child) else {
                on_path.pop();
                continue;
            };
            stack.push((node, child + 1));
            if to == start {
                found.push(on_path.iter().map(|m| (*m).to_owned()).collect());
                if found.len() >= MAX_CYCLES {
                    return found;
                }
            } else if to > start && !on_path.contains(&to) {
                on_path.push(to);
                stack.push((to, 0));
            }
        }
    }
    found
}

/// One violation per import cycle among `http/`'s modules, at its first edge, with
/// every edge's place.
pub fn check(files: &[SourceFile]) -> Vec<Violation> {
    let edges = edges(files);
    cycles(&edges)
        .into_iter()
        .filter_map(|cycle| {
            let hops: Vec<&Use> = cycle
                .iter()
                .zip(cycle.iter().cycle().skip(1))
                .map(|(from, to)| edges.get(&(from.clone(), to.clone())))
                .collect::<Option<_>>()?;
            let first = hops.first()?;
            let mut names = cycle.clone();
            names.push(cycle.first()?.clone());
            let places: Vec<String> = hops
                .iter()
                .map(|hop| format!("{}:{} uses {}", hop.path, hop.line, hop.text))
                .collect();
            Some(Violation {
                path: first.path.clone(),
                line: first.line,
                rule: "http-no-cycles",
                message: format!(
                    "http/ modules import each other in a cycle: {}\n      {}",
                    names.join(" → "),
                    places.join("\n      ")
                ),
                fix: "break the cycle: move what both sides use into a module that imports \
                      neither (or into mod.rs), so imports between http/ modules go one way"
                    .into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// The cycle line of each violation.
    fn cycles_in(files: &[SourceFile]) -> Vec<String> {
        check(files)
            .iter()
            .map(|v| {
                let first_line = v.message.lines().next().unwrap_or_default();
                format!("{}:{}: {first_line}", v.path, v.line)
            })
            .collect()
    }

    #[test]
    fn finds_cycles_through_use_groups_and_paths_in_code() {
        let files = [
            file(
                "backend/src/http/mod.rs",
                "mod a; mod b; mod c; use a::x; use b::y;",
            ),
            file(
                "backend/src/http/a.rs",
                "use super::{\n    error::E,\n    b::{self, Thing},\n};",
            ),
            file(
                "backend/src/http/b.rs",
                "fn f() { crate::http::c::g() }\nmod tests { use super::*; }",
            ),
            file("backend/src/http/c/mod.rs", "mod inner;\nfn g() {}"),
            file(
                "backend/src/http/c/inner.rs",
                "fn h() { super::super::a::f() }",
            ),
            file("backend/src/http/error.rs", "use super::a::x;"),
        ];
        assert_eq!(
            cycles_in(&files),
            [
                "backend/src/http/a.rs:3: http/ modules import each other in a cycle: \
                 a → b → c → a",
                "backend/src/http/a.rs:2: http/ modules import each other in a cycle: \
                 a → error → a",
            ]
        );
    }

    #[test]
    fn one_way_imports_and_own_tests_are_no_cycle() {
        let files = [
            file(
                "backend/src/http/a.rs",
                "use super::b::x;\nuse super::AppState;",
            ),
            file(
                "backend/src/http/b.rs",
                "use super::c;\nmod tests { use super::*; use super::super::c::y; }",
            ),
            file(
                "backend/src/http/c.rs",
                "// super::a::x in a comment\nuse crate::core::a;",
            ),
            file("backend/src/core/a.rs", "use crate::http::b;"),
        ];
        assert_eq!(cycles_in(&files), Vec::<String>::new());
    }
}
