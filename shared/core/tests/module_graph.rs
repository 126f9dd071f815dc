//! The core's modules form no circle: if `a` names `b` (a `use`, a path in code, a path inside a
//! macro's arguments, test code included), `b` never names `a`, directly or through others. A
//! circle would mean neither module can be read, changed or tested without the other.
//!
//! The graph is read from the source with `syn`: every top-level module of `src/lib.rs` (a file
//! `src/x.rs` or a folder `src/x/`), each path that starts with `crate::`, `super::` or `self::`
//! (in a `use`, in code, in a macro's tokens, in an attribute's string such as serde's
//! `with = "…"`; never in docs) resolved to the top-level module it names (`crate::Outcome`, a
//! re-export of `lib.rs`, counts as the module it comes from). A method called on a value whose type is merely
//! inferred names no module and is not seen; everything written out is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// Top-level module → the top-level modules it names (never itself).
type Graph = BTreeMap<String, BTreeSet<String>>;

// ---------------------------------------------------------------- reading the source

/// What resolving a path needs: the crate's top-level modules and the names `lib.rs`
/// re-exports, each with the module it comes from.
struct Crate {
    modules: BTreeSet<String>,
    reexports: BTreeMap<String, String>,
}

impl Crate {
    /// `lib.rs`'s `mod x;` items and `pub use x::{A, B}` re-exports.
    fn from_lib(lib: &syn::File) -> Crate {
        let mut modules = BTreeSet::new();
        let mut reexports = BTreeMap::new();
        for item in &lib.items {
            match item {
                syn::Item::Mod(m) => {
                    modules.insert(m.ident.to_string());
                }
                syn::Item::Use(u) => {
                    let mut leaves = Vec::new();
                    use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
                    for (path, name) in leaves {
                        let from = match path.first().map(String::as_str) {
                            Some("crate" | "self") => path.get(1),
                            _ => path.first(),
                        };
                        if let (Some(from), Some(name)) = (from, name) {
                            reexports.insert(name, from.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        Crate { modules, reexports }
    }

    /// The top-level module an absolute path (after `crate::`) names, if any.
    fn module_of(&self, first: &str) -> Option<String> {
        if self.modules.contains(first) {
            return Some(first.to_string());
        }
        self.reexports.get(first).cloned()
    }
}

/// Every leaf of a `use` tree: the path to it and the name it binds (`None` for a glob).
fn use_leaves(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push((path, Some(n.ident.to_string())));
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push((path, Some(r.rename.to_string())));
        }
        syn::UseTree::Glob(_) => out.push((prefix.clone(), None)),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_leaves(t, prefix, out);
            }
        }
    }
}

/// Walks one file of top-level module `top`, at module path `at` (`["words", "en"]` for
/// `src/words/en.rs`), collecting the top-level modules its paths name.
struct Reader<'a> {
    krate: &'a Crate,
    at: Vec<String>,
    named: BTreeSet<String>,
}

impl Reader<'_> {
    /// A path's segments as written (`crate`, `super`, `self` included). `crate::x::…` and
    /// `super::…` are resolved against the module the path is written in.
    fn path(&mut self, segments: &[String]) {
        let mut here: Vec<String> = match segments.first().map(String::as_str) {
            Some("crate") => Vec::new(),
            Some("super" | "self") => self.at.clone(),
            _ => return,
        };
        let mut rest = segments;
        if rest[0] == "crate" {
            rest = &rest[1..];
        } else {
            while let Some(s) = rest.first() {
                match s.as_str() {
                    "super" => {
                        here.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
        let top = match here.first() {
            Some(top) => Some(top.clone()),
            None => rest.first().and_then(|first| self.krate.module_of(first)),
        };
        if let Some(top) = top {
            self.named.insert(top);
        }
    }

    /// A string literal as written (quotes included) that holds a path: `"crate::x::f"`.
    fn quoted(&mut self, literal: &str) {
        let Some(text) = literal.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
            return;
        };
        let segments: Vec<String> = text.split("::").map(str::to_string).collect();
        let is_path = segments.len() > 1
            && segments
                .iter()
                .all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if is_path {
            self.path(&segments);
        }
    }

    /// `crate :: x`, `super :: x` and `self :: x` inside a macro's tokens (`assert_eq!`,
    /// `format!`, `vec!` … are not parsed as code).
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            if let TokenTree::Group(g) = &trees[i] {
                self.tokens(g.stream());
                i += 1;
                continue;
            }
            if let TokenTree::Literal(lit) = &trees[i] {
                self.quoted(&lit.to_string());
                i += 1;
                continue;
            }
            let is_root = |t: &TokenTree| matches!(t, TokenTree::Ident(id) if id == "crate" || id == "super" || id == "self");
            if !is_root(&trees[i]) || (i > 0 && is_path_sep_before(&trees, i)) {
                i += 1;
                continue;
            }
            // Collect `ident (:: ident)*`.
            let mut segments = vec![trees[i].to_string()];
            let mut j = i + 1;
            while let (
                Some(TokenTree::Punct(a)),
                Some(TokenTree::Punct(b)),
                Some(TokenTree::Ident(id)),
            ) = (trees.get(j), trees.get(j + 1), trees.get(j + 2))
            {
                if a.as_char() != ':' || b.as_char() != ':' {
                    break;
                }
                segments.push(id.to_string());
                j += 3;
            }
            if segments.len() > 1 {
                self.path(&segments);
            }
            i = j;
        }
    }
}

/// Whether `trees[i]` follows a `::` (so it is not the start of a path).
fn is_path_sep_before(trees: &[TokenTree], i: usize) -> bool {
    i >= 2
        && matches!((&trees[i - 2], &trees[i - 1]),
            (TokenTree::Punct(a), TokenTree::Punct(b)) if a.as_char() == ':' && b.as_char() == ':')
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.at.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.at.pop();
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut leaves = Vec::new();
        use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
        for (path, _) in leaves {
            self.path(&path);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.path(&segments);
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }

    /// `#[serde(with = "crate::x::y")]` and the like: a path in an attribute's string.
    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        if a.path().is_ident("doc") {
            return;
        }
        match &a.meta {
            syn::Meta::List(list) => self.tokens(list.tokens.clone()),
            syn::Meta::NameValue(nv) => {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                {
                    self.quoted(&format!("{:?}", s.value()));
                }
            }
            syn::Meta::Path(_) => {}
        }
    }
}

/// The top-level modules one source file names, the file being at module path `at`.
fn named_by(krate: &Crate, at: Vec<String>, source: &str) -> BTreeSet<String> {
    let file = syn::parse_file(source).expect("the core's source parses");
    let top = at.first().cloned();
    let mut reader = Reader {
        krate,
        at,
        named: BTreeSet::new(),
    };
    reader.visit_file(&file);
    let mut named = reader.named;
    if let Some(top) = top {
        named.remove(&top);
    }
    named
}

/// Every `.rs` file under `dir`, with its module path below the folder's module.
fn files_under(dir: &Path, at: &[String], out: &mut Vec<(Vec<String>, PathBuf)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let mut here = at.to_vec();
        if path.is_dir() {
            here.push(stem);
            files_under(&path, &here, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            if stem != "mod" {
                here.push(stem);
            }
            out.push((here, path));
        }
    }
}

/// The graph of the crate whose `src` folder is `src`.
fn graph_of(src: &Path) -> Graph {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let krate = Crate::from_lib(&syn::parse_file(&lib).unwrap());
    let mut graph = Graph::new();
    for module in &krate.modules {
        let mut files = Vec::new();
        let file = src.join(format!("{module}.rs"));
        if file.exists() {
            files.push((vec![module.clone()], file));
        }
        let dir = src.join(module);
        if dir.is_dir() {
            files_under(&dir, std::slice::from_ref(module), &mut files);
        }
        assert!(!files.is_empty(), "module {module} has no file");
        let edges = graph.entry(module.clone()).or_default();
        for (at, path) in files {
            let source = std::fs::read_to_string(&path).unwrap();
            edges.extend(named_by(&krate, at, &source));
        }
    }
    graph
}

// ---------------------------------------------------------------- finding circles

/// Each group of modules that reach each other (Tarjan's strongly connected components), by
/// name, with one circle through it (`a → b → c → a`, from the group's first module).
fn circles(graph: &Graph) -> Vec<(Vec<String>, Vec<String>)> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        groups: Vec<BTreeSet<&'g str>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.insert(w);
                    if w == v {
                        break;
                    }
                }
                self.groups.push(group);
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    let mut found: Vec<(Vec<String>, Vec<String>)> = t
        .groups
        .iter()
        .filter(|g| g.len() > 1)
        .map(|group| {
            let names = group.iter().map(|m| m.to_string()).collect();
            (circle_in(graph, group), names)
        })
        .collect();
    found.sort();
    found
}

/// A shortest circle from the group's first module back to it, staying inside the group.
fn circle_in(graph: &Graph, group: &BTreeSet<&str>) -> Vec<String> {
    let start = *group.iter().next().unwrap();
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !group.contains(w) {
                continue;
            }
            if w == start {
                let mut back = Vec::new();
                let mut at = v;
                while at != start {
                    back.push(at.to_string());
                    at = came_from[at];
                }
                back.reverse();
                let mut circle = vec![start.to_string()];
                circle.extend(back);
                circle.push(start.to_string());
                return circle;
            }
            if !came_from.contains_key(w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    unreachable!("a strongly connected group has a circle through each of its modules")
}

// ---------------------------------------------------------------- the check

#[test]
fn no_module_of_the_core_reaches_itself_through_others() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph_of(&src);
    assert!(graph.len() > 10, "the core's modules were read: {graph:?}");
    let found = circles(&graph);
    assert!(
        found.is_empty(),
        "the core's modules name each other in a circle (move what both need below both, or \
         the mapping to the module that uses it):\n{}",
        found
            .iter()
            .map(|(c, group)| format!(
                "  {} (all of {} reach each other)",
                c.join(" → "),
                group.join(", ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---------------------------------------------------------------- the check itself

fn made_up(edges: &[(&str, &str)]) -> Graph {
    let mut g = Graph::new();
    for (a, b) in edges {
        g.entry(a.to_string()).or_default().insert(b.to_string());
        g.entry(b.to_string()).or_default();
    }
    g
}

#[test]
fn the_finder_names_a_made_up_circle() {
    let g = made_up(&[
        ("a", "b"),
        ("b", "c"),
        ("c", "a"),
        ("d", "a"),
        ("c", "e"),
        ("x", "y"),
        ("y", "x"),
    ]);
    assert_eq!(
        circles(&g),
        vec![
            (vec!["a", "b", "c", "a"], vec!["a", "b", "c"]),
            (vec!["x", "y", "x"], vec!["x", "y"])
        ]
        .into_iter()
        .map(|(c, g)| (
            c.into_iter().map(String::from).collect(),
            g.into_iter().map(String::from).collect()
        ))
        .collect::<Vec<(Vec<String>, Vec<String>)>>()
    );
    // The shortest way round, inside the group.
    let g = made_up(&[("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")]);
    let found = circles(&g);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, ["a", "b", "a"]);
}

#[test]
fn the_finder_passes_a_made_up_graph_without_circles() {
    let g = made_up(&[("a", "b"), ("b", "c"), ("a", "c"), ("d", "a"), ("d", "c")]);
    assert!(circles(&g).is_empty());
    assert!(circles(&Graph::new()).is_empty());
}

#[test]
fn the_reader_sees_every_way_a_module_is_named() {
    let lib = syn::parse_file(
        "pub mod a; pub mod b; pub mod c; pub mod d; pub mod e; pub mod f; pub mod g; \
         pub mod h; pub mod i; pub mod j; pub mod me; pub use g::{Thing, Other as Renamed};",
    )
    .unwrap();
    let krate = Crate::from_lib(&lib);
    let source = r#"
        use crate::{a, b::X};
        use super::c::Y;
        pub(crate) fn f() -> u32 {
            crate::d::go();
            let _: crate::Renamed = todo!();
            format!("{}", crate::e::NAME);
            0
        }
        #[derive(serde::Deserialize)]
        struct S {
            #[serde(with = "crate::i::hhmm")]
            at: u32,
        }
        #[doc = "crate::zz::x"]
        struct D;
        #[deprecated = "crate::j::x"]
        struct E;
        #[cfg(test)]
        mod tests {
            use super::*;
            use super::super::f::Z;
            #[test]
            fn t() {
                assert_eq!(crate::h::x(), self::inner());
            }
        }
        // Not modules of the crate, or this module itself:
        use std::collections::BTreeMap;
        use serde::Serialize;
        fn own() { crate::me::inner(); self::inner(); }
        /// Docs naming [`crate::zz`] are no use.
        fn doc() {}
    "#;
    let named = named_by(&krate, vec!["me".into()], source);
    let expected: BTreeSet<String> = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        .map(String::from)
        .into();
    assert_eq!(named, expected);
    // In a file of a folder module (`src/me/part.rs`), `super::` is the module itself.
    let named = named_by(
        &krate,
        vec!["me".into(), "part".into()],
        "use super::Shared; use super::super::a::A; fn f() { crate::b::x() }",
    );
    assert_eq!(named, ["a", "b"].map(String::from).into());
}
