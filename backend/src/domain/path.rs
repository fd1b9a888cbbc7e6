//! Paths inside a user's tree, validated once at the edge and passed around as
//! [`RelPath`].

use std::fmt;

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

    /// Validates a path from a request.
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
    if name.len() > MAX_NAME_BYTES {
        return Err(NameError::TooLong);
    }
    Ok(name.to_string())
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
