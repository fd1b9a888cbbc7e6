//! The project's invariants, checked over its source text: `cargo xtask tidy`
//! prints every violation with its place and what to do, and the `tidy` test
//! (run by `cargo test --workspace`, so by `cargo xtask test`) fails on any.
//!
//! Each rule is a pure function over one file's path and text, or over all the
//! files, so its unit test can feed it a violation and see it caught:
//! - `domain-is-pure`, `storage-in-adapters`, `responses-in-http` (layers.rs):
//!   what `domain/` and `core/` never name, that only `adapters/` names a
//!   database or SDK, that only `http/` builds a response;
//! - `http-no-cycles` (http_cycles.rs): `http/`'s modules import each other one
//!   way only;
//! - `file-header`, `file-size` (files.rs): every `.rs` file starts with `//!`
//!   and stays under 600 lines unless listed with a reason;
//! - `config-table` (config_table.rs): README's configuration table lists
//!   exactly the `CAIRN_*` variables the server reads.
//!
//! Files are read as tokens by a small lexer (lexer.rs), not parsed with `syn`: it
//! gives each path its line without extra dependencies, never reads comments or
//! strings as code, and also sees the paths inside macro calls, which `syn`
//! leaves as unparsed tokens.

mod config_table;
mod files;
mod http_cycles;
mod layers;
mod lexer;

use anyhow::{bail, Context, Result};
use std::fmt;
use std::path::Path;

/// A broken rule: where, which rule, what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Relative to the workspace root, with `/`.
    pub path: String,
    /// 1-based.
    pub line: usize,
    pub rule: &'static str,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: [{}] {}\n    to fix: {}",
            self.path, self.line, self.rule, self.message, self.fix
        )
    }
}

/// A file of the workspace.
pub struct SourceFile {
    /// Relative to the workspace root, with `/`.
    pub path: String,
    pub text: String,
}

/// What the rules read: every `.rs` file and the README.
pub struct Workspace {
    pub rust_files: Vec<SourceFile>,
    pub readme: String,
}

impl Workspace {
    /// Every `.rs` file under `root` but in build output (`target`, or any
    /// directory cargo tagged with `CACHEDIR.TAG`), `node_modules` and hidden
    /// directories, in path order.
    pub fn load(root: &Path) -> Result<Workspace> {
        let mut rust_files = Vec::new();
        collect_rust_files(root, root, &mut rust_files)?;
        rust_files.sort_by(|a, b| a.path.cmp(&b.path));
        let readme_path = root.join("README.md");
        let readme = std::fs::read_to_string(&readme_path)
            .with_context(|| format!("while reading {}", readme_path.display()))?;
        Ok(Workspace { rust_files, readme })
    }
}

fn collect_rust_files(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("while listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("while listing {}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_type = entry
            .file_type()
            .with_context(|| format!("while reading the type of {}", path.display()))?;
        if file_type.is_dir() {
            let skipped = name.starts_with('.')
                || name == "target"
                || name == "node_modules"
                || path.join("CACHEDIR.TAG").exists();
            if !skipped {
                collect_rust_files(root, &path, out)?;
            }
        } else if file_type.is_file() && name.ends_with(".rs") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("while reading {}", path.display()))?;
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<String> = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(SourceFile {
                path: parts.join("/"),
                text,
            });
        }
    }
    Ok(())
}

/// Every violation of every rule, rule by rule.
pub fn check(workspace: &Workspace) -> Vec<Violation> {
    let sources = &workspace.rust_files;
    let each_file = |rule: fn(&str, &str) -> Vec<Violation>| {
        sources
            .iter()
            .flat_map(move |file| rule(&file.path, &file.text))
    };
    let mut violations = Vec::new();
    violations.extend(each_file(layers::domain_names_no_infrastructure));
    violations.extend(each_file(layers::only_adapters_name_storage));
    violations.extend(each_file(layers::only_http_builds_responses));
    violations.extend(http_cycles::check(sources));
    violations.extend(
        sources
            .iter()
            .filter_map(|file| files::check_header(&file.path, &file.text)),
    );
    violations.extend(files::check_sizes(sources, files::OVERSIZED));
    violations.extend(config_table::check(&workspace.readme, sources));
    violations
}

/// `cargo xtask tidy`: prints every violation and fails if there is one.
pub fn run(root: &Path) -> Result<()> {
    let workspace = Workspace::load(root)?;
    let violations = check(&workspace);
    for violation in &violations {
        println!("{violation}\n");
    }
    if !violations.is_empty() {
        bail!(
            "tidy: {} violation(s) in {} files",
            violations.len(),
            workspace.rust_files.len()
        );
    }
    eprintln!(
        "tidy: every rule holds over {} files",
        workspace.rust_files.len()
    );
    Ok(())
}

#[test]
fn tidy() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask lives one level below the workspace root")?;
    let workspace = Workspace::load(root)?;
    let violations = check(&workspace);
    if !violations.is_empty() {
        let listing: Vec<String> = violations.iter().map(ToString::to_string).collect();
        bail!(
            "{} tidy violation(s); `cargo xtask tidy` lists them too:\n\n{}",
            violations.len(),
            listing.join("\n\n")
        );
    }
    Ok(())
}
