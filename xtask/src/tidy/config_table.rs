//! Rule `config-table`: README's configuration table and the `CAIRN_*` variables
//! the server reads agree, both ways.
//!
//! The table is README's Markdown table whose first column is headed `variable`;
//! a variable is in it when a row names it in any cell (the S3 row names its
//! companions in its meaning). The server reads a variable when its name is a
//! string literal in `backend/src/` (`get("CAIRN_BIND")`, `("CAIRN_QUOTA_BYTES",
//! &mut config.quota_bytes)`), leaving out items under `#[cfg(test)]` and the
//! `KNOWN_VARIABLES` list, which names what the server warns about, not what it
//! reads. That list must name exactly the variables read too: a variable read but
//! not listed would be reported as ignored while it is used. `CAIRN_TEST_*`
//! variables belong to the tests and are left out.

use super::lexer::{tokenize, Kind, Token};
use super::{SourceFile, Violation};
use std::collections::BTreeMap;

/// The list of variable names config.rs warns about when unknown; naming one
/// there is not reading it.
const WARN_LIST: &str = "KNOWN_VARIABLES";

/// The `CAIRN_*` names in `text`, skipping test-only ones.
fn variable_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("CAIRN_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        let word_start = start == 0 || !rest[..start].ends_with(|c: char| c.is_alphanumeric());
        if word_start && name.len() > "CAIRN_".len() && !name.starts_with("CAIRN_TEST_") {
            names.push(name.to_owned());
        }
        rest = &tail[end.max(1)..];
    }
    names
}

/// The index just after the item starting at `i`: at its `;`, or at the `}`
/// closing its first top-level `{`.
fn item_end(tokens: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some(token) = tokens.get(i) {
        i += 1;
        match token.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']') => depth = depth.saturating_sub(1),
            Kind::Punct('}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            Kind::Punct(';') if depth == 0 => return i,
            _ => {}
        }
    }
    i
}

/// Whether `#[cfg(test)]` starts at token `i`.
fn is_cfg_test(tokens: &[Token], i: usize) -> bool {
    let attribute = [
        Kind::Punct('#'),
        Kind::Punct('['),
        Kind::Ident("cfg".into()),
        Kind::Punct('('),
        Kind::Ident("test".into()),
        Kind::Punct(')'),
        Kind::Punct(']'),
    ];
    tokens
        .get(i..i + attribute.len())
        .is_some_and(|window| window.iter().map(|t| &t.kind).eq(attribute.iter()))
}

/// The `CAIRN_*` variables `text` reads, each at the line of its first read.
fn variables_read(text: &str) -> Vec<(String, usize)> {
    let tokens = tokenize(text);
    let mut read = Vec::new();
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        if is_cfg_test(&tokens, i) {
            i = item_end(&tokens, i + 7);
            continue;
        }
        let declares_warn_list = (token.is_ident("const") || token.is_ident("static"))
            && tokens.get(i + 1).is_some_and(|t| t.is_ident(WARN_LIST));
        if declares_warn_list {
            i = item_end(&tokens, i);
            continue;
        }
        if let Kind::Str(literal) = &token.kind {
            if let [name] = variable_names(literal).as_slice() {
                if name == literal {
                    read.push((name.clone(), token.line));
                }
            }
        }
        i += 1;
    }
    read
}

/// The names the `KNOWN_VARIABLES` list of `text` holds, each at its line, or
/// `None` when `text` declares no such list.
fn warn_list(text: &str) -> Option<Vec<(String, usize)>> {
    let tokens = tokenize(text);
    let start = tokens.iter().enumerate().position(|(i, token)| {
        (token.is_ident("const") || token.is_ident("static"))
            && tokens.get(i + 1).is_some_and(|t| t.is_ident(WARN_LIST))
    })?;
    let end = item_end(&tokens, start);
    Some(
        tokens[start..end]
            .iter()
            .filter_map(|token| match &token.kind {
                Kind::Str(literal) => Some((literal.clone(), token.line)),
                _ => None,
            })
            .collect(),
    )
}

/// The variables README's configuration table names, each at its first row's
/// line, or `None` when README has no such table.
fn table_variables(readme: &str) -> Option<Vec<(String, usize)>> {
    let lines: Vec<&str> = readme.lines().collect();
    let header = lines.iter().position(|line| {
        let mut cells = line.trim().trim_start_matches('|').split('|');
        line.trim_start().starts_with('|')
            && cells.next().is_some_and(|cell| {
                cell.trim()
                    .trim_matches('`')
                    .eq_ignore_ascii_case("variable")
            })
    })?;
    let mut names = Vec::new();
    for (index, line) in lines.iter().enumerate().skip(header + 1) {
        if !line.trim_start().starts_with('|') {
            break;
        }
        for name in variable_names(line) {
            names.push((name, index + 1));
        }
    }
    Some(names)
}

/// Rule `config-table`: every `CAIRN_*` variable the server reads is in
/// README's configuration table, and every one in the table is read.
pub fn check(readme: &str, files: &[SourceFile]) -> Vec<Violation> {
    let Some(table) = table_variables(readme) else {
        return vec![Violation {
            path: "README.md".into(),
            line: 1,
            rule: "config-table",
            message: "README has no configuration table (a table whose first column is headed \
                      `variable`)"
                .into(),
            fix: "list every CAIRN_* variable in a `| variable | meaning | default |` table".into(),
        }];
    };
    let mut in_table: BTreeMap<String, usize> = BTreeMap::new();
    for (name, line) in table {
        in_table.entry(name).or_insert(line);
    }
    let mut read: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for file in files.iter().filter(|f| f.path.starts_with("backend/src/")) {
        for (name, line) in variables_read(&file.text) {
            read.entry(name).or_insert((file.path.clone(), line));
        }
    }
    let mut violations = Vec::new();
    let listed = files
        .iter()
        .find_map(|file| Some((file, warn_list(&file.text)?)));
    if let Some((file, listed)) = listed {
        let listed: BTreeMap<String, usize> = listed.into_iter().collect();
        for (name, (path, line)) in &read {
            if !listed.contains_key(name) {
                violations.push(Violation {
                    path: path.clone(),
                    line: *line,
                    rule: "config-table",
                    message: format!(
                        "the server reads `{name}`, but {WARN_LIST} lacks it, so setting it \
                         logs that it is ignored"
                    ),
                    fix: format!("add \"{name}\" to {WARN_LIST} in {}", file.path),
                });
            }
        }
        for (name, line) in &listed {
            if !read.contains_key(name) {
                violations.push(Violation {
                    path: file.path.clone(),
                    line: *line,
                    rule: "config-table",
                    message: format!("{WARN_LIST} names `{name}`, which the server never reads"),
                    fix: format!("drop it from {WARN_LIST}, or read it"),
                });
            }
        }
    }
    for (name, (path, line)) in &read {
        if !in_table.contains_key(name) {
            violations.push(Violation {
                path: path.clone(),
                line: *line,
                rule: "config-table",
                message: format!(
                    "the server reads `{name}`, but README's configuration table lacks it"
                ),
                fix: "add a row to the table in README.md: the variable, what it sets, its default"
                    .into(),
            });
        }
    }
    for (name, line) in &in_table {
        if !read.contains_key(name) {
            violations.push(Violation {
                path: "README.md".into(),
                line: *line,
                rule: "config-table",
                message: format!(
                    "README's configuration table names `{name}`, but the server never reads it"
                ),
                fix: "drop it from the table, or read it in backend/src/config.rs".into(),
            });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# Cairn\n\n\
        | variable | meaning | default |\n\
        | --- | --- | --- |\n\
        | `CAIRN_BIND` | address | `127.0.0.1:8080` |\n\
        | `CAIRN_S3_ENDPOINT` | S3; then also `CAIRN_S3_BUCKET` | disk |\n\
        | `CAIRN_GONE` | no longer read | 1 |\n\
        \n\
        | limit | default | set by |\n\
        | --- | --- | --- |\n\
        | log-ins | 5 | `CAIRN_ELSEWHERE` |\n";

    const CONFIG: &str = r#"//! Config.
const KNOWN_VARIABLES: [&str; 4] =
    ["CAIRN_BIND", "CAIRN_S3_ENDPOINT", "CAIRN_S3_BUCKET", "CAIRN_ONLY_WARNED"];
fn from_vars() {
    // CAIRN_IN_A_COMMENT is not read.
    get("CAIRN_BIND");
    if let Some(endpoint) = get("CAIRN_S3_ENDPOINT") { required("CAIRN_S3_BUCKET"); }
    for (variable, field) in [("CAIRN_NEW", &mut config.new)] {}
    let message = "set CAIRN_IN_A_MESSAGE";
}
#[cfg(test)]
mod tests {
    fn t() { vars(&[("CAIRN_ONLY_IN_TESTS", "1"), ("CAIRN_TEST_DATABASE", "x")]); }
}
"#;

    fn config(text: &str) -> [SourceFile; 1] {
        [SourceFile {
            path: "backend/src/config.rs".into(),
            text: text.into(),
        }]
    }

    #[test]
    fn table_and_reads_agree_both_ways() {
        let got: Vec<String> = check(README, &config(CONFIG))
            .iter()
            .map(|v| format!("{}:{}: {}", v.path, v.line, v.message))
            .collect();
        assert_eq!(
            got,
            [
                "backend/src/config.rs:8: the server reads `CAIRN_NEW`, but KNOWN_VARIABLES \
                 lacks it, so setting it logs that it is ignored",
                "backend/src/config.rs:3: KNOWN_VARIABLES names `CAIRN_ONLY_WARNED`, which the \
                 server never reads",
                "backend/src/config.rs:8: the server reads `CAIRN_NEW`, but README's \
                 configuration table lacks it",
                "README.md:7: README's configuration table names `CAIRN_GONE`, but the server \
                 never reads it",
            ]
        );
    }

    #[test]
    fn agreeing_sources_pass_and_a_missing_table_fails() {
        let readme = README.replace("| `CAIRN_GONE` | no longer read | 1 |\n", "");
        let config_text = CONFIG
            .replace("(\"CAIRN_NEW\", &mut config.new)", "")
            .replace(", \"CAIRN_ONLY_WARNED\"", "");
        assert_eq!(check(&readme, &config(&config_text)), []);
        let no_table = check("# Cairn\n", &config(CONFIG));
        assert_eq!(no_table.len(), 1);
        assert_eq!(no_table[0].line, 1);
    }
}
