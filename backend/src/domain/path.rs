//! Paths inside a user's tree, validated once at the edge and passed around as
//! [`RelPath`], and the one naming rule: which names a new file or folder may have,
//! and which names count as the same in one folder.
//!
//! Every path is held in Unicode NFC. Two names are the same name when their
//! [`name_key`]s are equal (NFC, then lower case): a folder never holds both
//! `Report.txt` and `report.txt`, or two spellings of `é`. New names must also be
//! names that Windows, macOS and Linux can all hold ([`RelPath::parse_new`]); names
//! stored before that rule are still found by [`RelPath::parse`].

use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// Longest name of one file or folder, in bytes (as on common file systems).
pub const MAX_NAME_BYTES: usize = 255;
/// Longest whole path, in bytes.
pub const MAX_PATH_BYTES: usize = 4096;

/// Why a path was refused; each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path does not start with `/`.
    #[error("path {0:?} must start with '/'")]
    NotAbsolute(String),
    /// Two slashes in a row, or a trailing slash.
    #[error("path {0:?} has an empty segment; remove doubled or trailing '/'")]
    EmptySegment(String),
    /// A `.` or `..` segment.
    #[error("path {0:?} contains '.' or '..'; name the folder directly")]
    DotSegment(String),
    /// NUL or another control character.
    #[error("path {0:?} contains a control character; rename the file without it")]
    ControlCharacter(String),
    /// One name is too long.
    #[error("the name {0:?}… is longer than 255 bytes; shorten it")]
    NameTooLong(String),
    /// The whole path is too long.
    #[error("path is longer than 4096 bytes; use a shorter path")]
    PathTooLong,
    /// A backslash, which Windows reads as a folder separator.
    #[error(
        "the name {0:?} contains a backslash; use '/' between folders, or rename it without '\\'"
    )]
    Backslash(String),
    /// One of `<>:"|?*`, which Windows cannot hold in a name.
    #[error("the name {0:?} contains {1:?}, which Windows cannot hold in a name; rename it without any of <>:\"|?*")]
    ReservedCharacter(String, char),
    /// A bidirectional override or isolate, or an invisible formatting character.
    #[error("the name {0:?} contains the invisible character U+{1:04X}, which can disguise a name; rename it without it")]
    InvisibleCharacter(String, u32),
    /// A name Windows keeps for devices (`CON`, `NUL`, `COM1`, …), with any extension.
    #[error("the name {0:?} is reserved on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension); choose another name")]
    ReservedName(String),
    /// A trailing dot or space, which Windows drops.
    #[error("the name {0:?} ends with a dot or a space, which Windows drops; remove it")]
    TrailingDotOrSpace(String),
}

/// An absolute, normalised path in one user's tree: `/` or `/a/b.txt`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelPath {
    segments: Vec<String>,
}

impl RelPath {
    /// The root folder.
    pub fn root() -> RelPath {
        RelPath {
            segments: Vec::new(),
        }
    }

    /// Validates a path that names something that may already exist (a lookup, or a
    /// name stored before the stricter rules of [`RelPath::parse_new`]), in NFC.
    pub fn parse(text: &str) -> Result<RelPath, PathError> {
        if text.len() > MAX_PATH_BYTES {
            return Err(PathError::PathTooLong);
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(PathError::NotAbsolute(text.to_string()));
        };
        if rest.is_empty() {
            return Ok(RelPath::root());
        }
        let mut segments = Vec::new();
        for segment in rest.split('/') {
            segments.push(validate_name(segment).map_err(|e| match e {
                NameError::Empty => PathError::EmptySegment(text.to_string()),
                NameError::Dot => PathError::DotSegment(text.to_string()),
                NameError::Control => PathError::ControlCharacter(text.to_string()),
                NameError::TooLong => PathError::NameTooLong(prefix(segment, 40)),
            })?);
        }
        Ok(RelPath { segments })
    }

    /// Validates a path where new files or folders may be made (an upload, a new
    /// folder, a move or copy target): [`RelPath::parse`], and every name on it one
    /// that every common file system can hold ([`check_new_name`]).
    pub fn parse_new(text: &str) -> Result<RelPath, PathError> {
        let path = RelPath::parse(text)?;
        path.check_new()?;
        Ok(path)
    }

    /// Whether every name on this path passes [`check_new_name`], as the names of a
    /// path where something new is made must.
    pub fn check_new(&self) -> Result<(), PathError> {
        self.segments
            .iter()
            .try_for_each(|name| check_new_name(name))
    }

    /// The segments from the root down.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Whether this is the root folder.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The last segment; `None` for the root.
    pub fn name(&self) -> Option<&str> {
        self.segments.last().map(String::as_str)
    }

    /// The containing folder; `None` for the root.
    pub fn parent(&self) -> Option<RelPath> {
        let (_, parent) = self.segments.split_last()?;
        Some(RelPath {
            segments: parent.to_vec(),
        })
    }

    /// This path with one more segment, which must be a valid name (no `/`).
    pub fn join(&self, name: &str) -> Result<RelPath, PathError> {
        let mut joined = self.to_string();
        if !self.is_root() {
            joined.push('/');
        }
        joined.push_str(name);
        if name.contains('/') {
            return Err(PathError::EmptySegment(joined));
        }
        RelPath::parse(&joined)
    }

    /// Whether `other` is this path or lies below it, comparing names as the same
    /// when their [`name_key`]s are.
    pub fn holds(&self, other: &RelPath) -> bool {
        self.segments.len() <= other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|(a, b)| name_key(a) == name_key(b))
    }

    /// [`RelPath::join`] for a name being made: it must pass [`check_new_name`].
    pub fn join_new(&self, name: &str) -> Result<RelPath, PathError> {
        let path = self.join(name)?;
        if let Some(name) = path.name() {
            check_new_name(name)?;
        }
        Ok(path)
    }
}

/// The key under which a name is unique in its folder: NFC, lower-cased (Unicode's
/// default lower case mapping, not full case folding), NFC again. `Report.txt`,
/// `REPORT.TXT` and `report.txt` have one key; so do `é` and `e` + U+0301.
pub fn name_key(name: &str) -> String {
    name.nfc()
        .collect::<String>()
        .to_lowercase()
        .nfc()
        .collect()
}

/// Whether `c` is a bidirectional override or isolate, or an invisible formatting
/// character (zero-width space, joiners, marks, word joiner, byte order mark).
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The characters Windows cannot hold in a name (besides `/`, `\\` and controls).
const WINDOWS_RESERVED_CHARACTERS: &[char] = &['<', '>', ':', '"', '|', '?', '*'];

/// Names Windows keeps for devices, whatever their extension.
const WINDOWS_RESERVED_NAMES: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The naming rule for a new file or folder, beyond what [`RelPath::parse`] checks:
/// no backslash, none of `<>:"|?*`, no invisible or bidirectional formatting
/// character, not a Windows device name, no trailing dot or space.
pub fn check_new_name(name: &str) -> Result<(), PathError> {
    let shown = || prefix(name, 40);
    if name.contains('\\') {
        return Err(PathError::Backslash(shown()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| WINDOWS_RESERVED_CHARACTERS.contains(c))
    {
        return Err(PathError::ReservedCharacter(shown(), c));
    }
    if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
        return Err(PathError::InvisibleCharacter(shown(), u32::from(c)));
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return Err(PathError::TrailingDotOrSpace(shown()));
    }
    let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    if WINDOWS_RESERVED_NAMES.contains(&stem.to_ascii_lowercase().as_str()) {
        return Err(PathError::ReservedName(shown()));
    }
    Ok(())
}

/// `text` with every character a new name may not hold replaced by `_`, for parts
/// of names that come from elsewhere (a device's name in a conflicted copy's name).
pub fn name_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control()
                || c == '/'
                || c == '\\'
                || WINDOWS_RESERVED_CHARACTERS.contains(&c)
                || is_invisible(c)
            {
                '_'
            } else {
                c
            }
        })
        .collect()
}

enum NameError {
    Empty,
    Dot,
    Control,
    TooLong,
}

fn validate_name(name: &str) -> Result<String, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name == "." || name == ".." {
        return Err(NameError::Dot);
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::Control);
    }
    let name: String = name.nfc().collect();
    if name.len() > MAX_NAME_BYTES {
        return Err(NameError::TooLong);
    }
    Ok(name)
}

fn prefix(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("/");
        }
        for segment in &self.segments {
            write!(f, "/{segment}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RelPath({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: Result<&str, &str>) {
        let got = RelPath::parse(input)
            .map(|p| p.to_string())
            .map_err(|e| e.to_string());
        let expect = expect.map(str::to_string).map_err(str::to_string);
        assert_eq!(got, expect, "input {input:?}");
    }

    #[test]
    fn parses_and_rejects_paths() {
        check("/", Ok("/"));
        check("/a", Ok("/a"));
        check("/Documents/report 1.pdf", Ok("/Documents/report 1.pdf"));
        check("/ünïcødé/ファイル", Ok("/ünïcødé/ファイル"));
        check("a/b", Err("path \"a/b\" must start with '/'"));
        check("", Err("path \"\" must start with '/'"));
        check(
            "/a//b",
            Err("path \"/a//b\" has an empty segment; remove doubled or trailing '/'"),
        );
        check(
            "/a/",
            Err("path \"/a/\" has an empty segment; remove doubled or trailing '/'"),
        );
        check(
            "/a/../b",
            Err("path \"/a/../b\" contains '.' or '..'; name the folder directly"),
        );
        check(
            "/.",
            Err("path \"/.\" contains '.' or '..'; name the folder directly"),
        );
        check(
            "/a\u{0}b",
            Err("path \"/a\\0b\" contains a control character; rename the file without it"),
        );
        check(
            "/a\nb",
            Err("path \"/a\\nb\" contains a control character; rename the file without it"),
        );
        check("/...", Ok("/..."));
        let long = "x".repeat(300);
        check(
            &format!("/{long}"),
            Err("the name \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"… is longer than 255 bytes; shorten it"),
        );
        check(
            &format!("/{}", "a/".repeat(2100)),
            Err("path is longer than 4096 bytes; use a shorter path"),
        );
    }

    #[test]
    fn paths_are_held_in_nfc() {
        // "é" as e + U+0301 becomes the one code point U+00E9.
        check(
            "/cafe\u{301}/re\u{301}sume\u{301}",
            Ok("/caf\u{e9}/r\u{e9}sum\u{e9}"),
        );
        // A name stored before the rules for new names is still found.
        check("/CON/trailing./a<b", Ok("/CON/trailing./a<b"));
    }

    #[track_caller]
    fn check_new(name: &str, expect: Result<(), &str>) {
        let got = check_new_name(name).map_err(|e| e.to_string());
        assert_eq!(got, expect.map_err(str::to_string), "name {name:?}");
        let parsed = RelPath::parse_new(&format!("/ok/{name}")).map(|_| ());
        assert_eq!(parsed.is_ok(), expect.is_ok(), "path of {name:?}");
    }

    #[test]
    fn new_names_every_system_can_hold() {
        for fine in [
            "report.txt",
            ".bashrc",
            "...x",
            "ünïcødé ファイル",
            "CONSOLE",
            "con-notes.txt",
            "COM0",
            "COM10",
            "LPT",
            "a (1).txt",
            "-x",
        ] {
            check_new(fine, Ok(()));
        }
        let backslash = |name: &str| {
            format!("the name {name:?} contains a backslash; use '/' between folders, or rename it without '\\'")
        };
        check_new("a\\b", Err(&backslash("a\\b")));
        for (name, c) in [
            ("a<b", '<'),
            ("a>b", '>'),
            ("C:x", ':'),
            ("say \"hi\"", '"'),
            ("a|b", '|'),
            ("why?", '?'),
            ("*.txt", '*'),
        ] {
            check_new(
                name,
                Err(&format!("the name {name:?} contains {c:?}, which Windows cannot hold in a name; rename it without any of <>:\"|?*")),
            );
        }
        for code in [
            0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060,
            0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
        ] {
            let c = char::from_u32(code).expect("a valid code point");
            let name = format!("invoice{c}exe.pdf");
            check_new(
                &name,
                Err(&format!("the name {name:?} contains the invisible character U+{code:04X}, which can disguise a name; rename it without it")),
            );
        }
        for name in [
            "CON",
            "con",
            "Con.txt",
            "PRN",
            "AUX.tar.gz",
            "nul",
            "NUL.",
            "COM1",
            "com9.log",
            "LPT1",
            "lpt9.txt",
            "CON .txt",
        ] {
            let expect = if name.ends_with('.') {
                format!(
                    "the name {name:?} ends with a dot or a space, which Windows drops; remove it"
                )
            } else {
                format!("the name {name:?} is reserved on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension); choose another name")
            };
            check_new(name, Err(&expect));
        }
        for name in ["notes.", "notes ", "a. ", "..."] {
            check_new(
                name,
                Err(&format!(
                    "the name {name:?} ends with a dot or a space, which Windows drops; remove it"
                )),
            );
        }
        // What the path rules refuse stays refused.
        assert!(RelPath::parse_new("/a/../b").is_err());
        assert!(RelPath::parse_new("/a\u{0}b").is_err());
        // Only the name being made is checked by join_new.
        let legacy = RelPath::parse("/CON").expect("a stored name");
        assert!(legacy.join_new("fine.txt").is_ok());
        assert!(legacy.join_new("AUX").is_err());
        let folder = RelPath::parse("/Docs/Old").expect("valid");
        assert!(folder.holds(&RelPath::parse("/docs/old/x").expect("valid")));
        assert!(folder.holds(&RelPath::parse("/DOCS/OLD").expect("valid")));
        assert!(!folder.holds(&RelPath::parse("/Docs").expect("valid")));
        assert!(!folder.holds(&RelPath::parse("/Docs/Older").expect("valid")));
    }

    #[test]
    fn names_that_are_the_same_name() {
        assert_eq!(name_key("Report.TXT"), "report.txt");
        assert_eq!(name_key("caf\u{e9}"), name_key("CAFE\u{301}"));
        assert_eq!(name_key("Straße"), "straße");
        assert_ne!(name_key("a.txt"), name_key("a.txt "));
        assert_eq!(name_safe("Bob's \"phone\"/2\u{202E}"), "Bob's _phone__2_");
    }

    #[test]
    fn parent_name_and_join() {
        let path = RelPath::parse("/a/b/c.txt").expect("valid");
        assert_eq!(path.name(), Some("c.txt"));
        assert_eq!(
            path.parent().map(|p| p.to_string()),
            Some("/a/b".to_string())
        );
        assert_eq!(RelPath::root().parent(), None);
        assert_eq!(
            RelPath::root().join("x").map(|p| p.to_string()),
            Ok("/x".to_string())
        );
        assert!(RelPath::root().join("..").is_err());
        assert!(RelPath::root().join("a/b").is_err(), "a name holds no '/'");
    }
}
