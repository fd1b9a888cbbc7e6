//! A small Rust lexer for the tidy checks: identifiers, `::`, punctuation and
//! literals with their line numbers, comments dropped, and the paths a file names
//! (`use` trees expanded, paths in code and inside macro calls alike).
//!
//! It never panics on any input: a file it cannot make sense of yields fewer
//! tokens, never a crash. It knows nothing of name resolution; the rules decide
//! what a path's first segments mean.

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or keyword; a raw identifier keeps its `r#`.
    Ident(String),
    /// A string literal's text between its quotes, escapes left as written.
    Str(String),
    /// A number, character or byte literal.
    OtherLiteral,
    /// `::`.
    PathSep,
    /// Any other punctuation character.
    Punct(char),
}

/// A token and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub line: usize,
}

impl Token {
    pub fn is_ident(&self, name: &str) -> bool {
        matches!(&self.kind, Kind::Ident(ident) if ident == name)
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }

    fn ident(&self) -> Option<&str> {
        match &self.kind {
            Kind::Ident(ident) => Some(ident),
            _ => None,
        }
    }
}

/// The tokens of `text`.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        let mut push = |kind: Kind| {
            tokens.push(Token {
                kind,
                line: start_line,
            })
        };
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if c == '"' {
            let (content, end) = quoted(&chars, i + 1, &mut line);
            push(Kind::Str(content));
            i = end;
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{1F600}') or a lifetime or label
            // ('a, 'static), which names nothing the checks look for.
            if at(i + 1) == '\\' {
                // Past the quote, the backslash and the escaped character.
                i += 3;
                while i < chars.len() && chars[i] != '\'' && chars[i] != '\n' {
                    i += 1;
                }
                i += 1;
                push(Kind::OtherLiteral);
            } else if at(i + 2) == '\'' {
                i += 3;
                push(Kind::OtherLiteral);
            } else {
                i += 1;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            push(Kind::OtherLiteral);
        } else if is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = at(i);
            match (word.as_str(), next) {
                ("r" | "br" | "cr", '"' | '#') if raw_string_follows(&chars, i) => {
                    let (content, end) = raw_quoted(&chars, i, &mut line);
                    push(Kind::Str(content));
                    i = end;
                }
                ("r", '#') if is_ident_start(at(i + 1)) => {
                    let start = i + 1;
                    i += 1;
                    while i < chars.len() && is_ident_char(chars[i]) {
                        i += 1;
                    }
                    let raw: String = chars[start..i].iter().collect();
                    push(Kind::Ident(format!("r#{raw}")));
                }
                ("b" | "c", '"') => {
                    let (content, end) = quoted(&chars, i + 1, &mut line);
                    push(Kind::Str(content));
                    i = end;
                }
                ("b", '\'') => {
                    i += 1;
                    if at(i) == '\\' {
                        i += 1;
                    }
                    i += 1;
                    while i < chars.len() && chars[i] != '\'' && chars[i] != '\n' {
                        i += 1;
                    }
                    i += 1;
                    push(Kind::OtherLiteral);
                }
                _ => push(Kind::Ident(word)),
            }
        } else if c == ':' && at(i + 1) == ':' {
            push(Kind::PathSep);
            i += 2;
        } else {
            push(Kind::Punct(c));
            i += 1;
        }
    }
    tokens
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// A `"…"` literal's content from just after its opening quote, and the index just
/// after its closing quote.
fn quoted(chars: &[char], mut i: usize, line: &mut usize) -> (String, usize) {
    let start = i;
    while i < chars.len() && chars[i] != '"' {
        if chars[i] == '\\' {
            i += 1;
        }
        if chars.get(i) == Some(&'\n') {
            *line += 1;
        }
        i += 1;
    }
    let end = i.min(chars.len());
    (chars[start..end].iter().collect(), end + 1)
}

/// Whether `#…#"` or `"` starts at `i` (after an `r`, `br` or `cr` prefix).
fn raw_string_follows(chars: &[char], mut i: usize) -> bool {
    while chars.get(i) == Some(&'#') {
        i += 1;
    }
    chars.get(i) == Some(&'"')
}

/// A raw string's content, from its hashes at `i`, and the index just after it.
fn raw_quoted(chars: &[char], mut i: usize, line: &mut usize) -> (String, usize) {
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    i += 1;
    let start = i;
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            let content = chars[start..i].iter().collect();
            return (content, i + 1 + hashes);
        }
        *line += usize::from(chars[i] == '\n');
        i += 1;
    }
    (
        chars[start.min(chars.len())..].iter().collect(),
        chars.len(),
    )
}

/// A path a file names: `axum::Json`, `super::api::serve_content`, or one
/// expanded from a `use` tree (`use super::{a, b::c}` gives `super::a` and
/// `super::b::c`; a glob ends in `*`; `self` in a group is dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPath {
    pub segments: Vec<String>,
    /// The line of its last segment.
    pub line: usize,
    /// Whether it comes from a `use` item or `extern crate`.
    pub imported: bool,
    /// Whether it names an attribute (`#[sea_orm(…)]`, `#[tokio::test]`).
    pub attribute: bool,
    /// The inline modules (`mod tests { … }`) it sits in, outermost first.
    pub inline_modules: Vec<String>,
}

impl NamedPath {
    pub fn text(&self) -> String {
        self.segments.join("::")
    }

    /// The first segment, which names a crate unless it is `crate`, `self`,
    /// `super`, or a name in scope.
    pub fn root(&self) -> &str {
        self.segments.first().map_or("", String::as_str)
    }
}

/// Every path `text` names, in order. A path in code is the longest run of
/// `name::name…`; one after a `::` that follows generics (`Vec::<u8>::new`) is
/// skipped, as it starts with no crate or module.
pub fn named_paths(text: &str) -> Vec<NamedPath> {
    let tokens = tokenize(text);
    let mut paths = Vec::new();
    // Open braces, each with the inline module it opened, if any.
    let mut braces: Vec<Option<String>> = Vec::new();
    let inline_modules =
        |braces: &[Option<String>]| -> Vec<String> { braces.iter().flatten().cloned().collect() };
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let previous = i.checked_sub(1).and_then(|p| tokens.get(p));
        if token.is_punct('{') {
            let module = match (i.checked_sub(2).and_then(|p| tokens.get(p)), previous) {
                (Some(keyword), Some(name)) if keyword.is_ident("mod") => {
                    name.ident().map(str::to_owned)
                }
                _ => None,
            };
            braces.push(module);
            i += 1;
        } else if token.is_punct('}') {
            braces.pop();
            i += 1;
        } else if token.is_ident("use") {
            let scope = inline_modules(&braces);
            let mut parser = UseParser {
                tokens: &tokens,
                pos: i + 1,
                out: Vec::new(),
            };
            parser.tree(&mut Vec::new());
            for (segments, line) in parser.out {
                paths.push(NamedPath {
                    segments,
                    line,
                    imported: true,
                    attribute: false,
                    inline_modules: scope.clone(),
                });
            }
            i = parser.pos.max(i + 1);
        } else if token.is_ident("extern") && tokens.get(i + 1).is_some_and(|t| t.is_ident("crate"))
        {
            if let Some(name) = tokens.get(i + 2).and_then(Token::ident) {
                paths.push(NamedPath {
                    segments: vec![name.to_owned()],
                    line: tokens[i + 2].line,
                    imported: true,
                    attribute: false,
                    inline_modules: inline_modules(&braces),
                });
            }
            i += 3;
        } else if starts_path(&tokens, i) {
            let attribute = is_attribute_start(&tokens, i);
            let leading_sep = token.kind == Kind::PathSep;
            let mut j = i + usize::from(leading_sep);
            let mut segments = Vec::new();
            let mut line = token.line;
            while let Some(name) = tokens.get(j).and_then(Token::ident) {
                segments.push(name.to_owned());
                line = tokens[j].line;
                let continues = tokens.get(j + 1).is_some_and(|t| t.kind == Kind::PathSep)
                    && tokens.get(j + 2).and_then(Token::ident).is_some();
                if !continues {
                    break;
                }
                j += 2;
            }
            paths.push(NamedPath {
                segments,
                line,
                imported: false,
                attribute,
                inline_modules: inline_modules(&braces),
            });
            i = j + 1;
        } else {
            i += 1;
        }
    }
    paths
}

/// Whether token `i` follows `#[` or `#![`.
fn is_attribute_start(tokens: &[Token], i: usize) -> bool {
    let before = |back: usize| i.checked_sub(back).and_then(|p| tokens.get(p));
    let is = |back: usize, c: char| before(back).is_some_and(|t| t.is_punct(c));
    is(1, '[') && (is(2, '#') || (is(2, '!') && is(3, '#')))
}

/// Whether a path starts at token `i`: an identifier not after `::` (nor after
/// `.`, a field or method), or a leading `::` before an identifier.
fn starts_path(tokens: &[Token], i: usize) -> bool {
    let previous = i.checked_sub(1).and_then(|p| tokens.get(p));
    match &tokens[i].kind {
        Kind::Ident(_) => !previous.is_some_and(|p| p.kind == Kind::PathSep || p.is_punct('.')),
        Kind::PathSep => {
            let after_name = previous.is_some_and(|p| p.ident().is_some() || p.is_punct('>'));
            !after_name && tokens.get(i + 1).and_then(Token::ident).is_some()
        }
        _ => false,
    }
}

/// Expands one `use` item's tree into paths, reading from `pos` up to its `;`.
struct UseParser<'t> {
    tokens: &'t [Token],
    pos: usize,
    out: Vec<(Vec<String>, usize)>,
}

impl UseParser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// One tree under `prefix`: `a::b`, `a::b as c`, `a::*`, `a::{…}`, `{…}`.
    fn tree(&mut self, prefix: &mut Vec<String>) {
        let depth = prefix.len();
        if self.peek().is_some_and(|t| t.kind == Kind::PathSep) {
            self.pos += 1;
        }
        // Each `name::` goes on, anything else ends the tree.
        while let Some(token) = self.peek().cloned() {
            match &token.kind {
                Kind::Ident(name) => {
                    self.pos += 1;
                    if name != "self" || prefix.is_empty() {
                        prefix.push(name.clone());
                    }
                    if self.peek().is_some_and(|t| t.kind == Kind::PathSep) {
                        self.pos += 1;
                        continue;
                    }
                    self.out.push((prefix.clone(), token.line));
                    if self.peek().is_some_and(|t| t.is_ident("as")) {
                        self.pos += 2;
                    }
                }
                Kind::Punct('*') => {
                    self.pos += 1;
                    let mut glob = prefix.clone();
                    glob.push("*".into());
                    self.out.push((glob, token.line));
                }
                Kind::Punct('{') => {
                    self.pos += 1;
                    self.group(prefix);
                }
                _ => {}
            }
            break;
        }
        prefix.truncate(depth);
        // The `;` ending the whole item is consumed by the outermost call.
        if depth == 0 && self.peek().is_some_and(|t| t.is_punct(';')) {
            self.pos += 1;
        }
    }

    /// The trees of a `{…}` group after its `{`, through its `}`.
    fn group(&mut self, prefix: &mut Vec<String>) {
        loop {
            match self.peek() {
                None => break,
                Some(t) if t.is_punct('}') => {
                    self.pos += 1;
                    break;
                }
                Some(t) if t.is_punct(',') => self.pos += 1,
                Some(t) if t.is_punct(';') => break,
                Some(_) => {
                    let before = self.pos;
                    self.tree(prefix);
                    if self.pos == before {
                        self.pos += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_paths(text: &str, expect: &[&str]) {
        let got: Vec<String> = named_paths(text)
            .iter()
            .filter(|p| p.segments.len() > 1 || p.imported)
            .map(|p| format!("{}@{}", p.text(), p.line))
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn comments_and_literals_name_nothing() {
        check_paths(
            r####"
// use axum::Json;
/* sqlx::query /* nested */ redis::cmd */
/// `sea_orm::DbErr` in a doc comment
let a = "axum::Json";
let b = r#"redis::cmd " still inside"#;
let c = b"sqlx::x";
let d = '"'; let e = 'x'; let q = '\''; let u = '\u{1F600}'; let f: &'static str = "";
let g = br##"tokio::fs::read"##;
http::StatusCode::OK
"####,
            &["http::StatusCode::OK@10"],
        );
    }

    #[test]
    fn use_trees_are_expanded() {
        check_paths(
            "use super::{\n    api,\n    error::{self, ApiError as E},\n    *,\n};\nuse ::tokio::fs;",
            &[
                "super::api@2",
                "super::error@3",
                "super::error::ApiError@3",
                "super::*@4",
                "tokio::fs@6",
            ],
        );
    }

    #[test]
    fn paths_in_code_and_macros() {
        check_paths(
            "fn f() { tokio::select! { _ = super::tree::walk() => {} } x.y::<T>(); Vec::<u8>::new(); <T as sqlx::Type>::name() }",
            &[
                "tokio::select@1",
                "super::tree::walk@1",
                "sqlx::Type@1",
            ],
        );
    }

    #[test]
    fn inline_modules_are_tracked() {
        let paths = named_paths("mod tests { use super::*; }\nfn f() { super::a::b(); }");
        let scopes: Vec<(String, Vec<String>)> = paths
            .iter()
            .filter(|p| p.segments.len() > 1)
            .map(|p| (p.text(), p.inline_modules.clone()))
            .collect();
        assert_eq!(
            scopes,
            [
                ("super::*".to_owned(), vec!["tests".to_owned()]),
                ("super::a::b".to_owned(), vec![]),
            ]
        );
    }

    #[test]
    fn string_literals_keep_their_text_and_lines() {
        let tokens = tokenize("a\n\"x\ny\" \"CAIRN_BIND\"");
        let strings: Vec<(String, usize)> = tokens
            .iter()
            .filter_map(|t| match &t.kind {
                Kind::Str(s) => Some((s.clone(), t.line)),
                _ => None,
            })
            .collect();
        assert_eq!(
            strings,
            [("x\ny".to_owned(), 2), ("CAIRN_BIND".to_owned(), 3)]
        );
    }
}
