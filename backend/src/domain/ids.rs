//! Opaque identifiers: 128 random bits as 32 lowercase hex digits.
//!
//! Ids from requests are opaque: one that names nothing is simply not found. Only
//! text that no store could hold (control characters, such as NUL, which
//! PostgreSQL refuses in text), empty text or absurd lengths are refused, with a 400.

use std::fmt;

/// Longest id a request may name, in characters; no stored id is longer.
pub const MAX_ID_CHARS: usize = 128;

/// Why `id` cannot be an id of kind `kind`, if it cannot.
pub fn check_id(kind: &str, id: &str) -> Result<(), super::Error> {
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control) {
        let shown: String = id.chars().take(40).collect();
        return Err(super::Error::BadRequest(format!(
            "{kind} {shown:?} is not an id: ids have at most {MAX_ID_CHARS} characters, at least one, and no control characters; use an id the API gave you"
        )));
    }
    Ok(())
}

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id.
            pub fn generate() -> Self {
                $name(hex::encode(rand::random::<[u8; 16]>()))
            }

            /// Wraps an id read from storage or from a request; ids are opaque, so
            /// any string is accepted and simply not found when it names nothing.
            pub fn from_string(id: String) -> Self {
                $name(id)
            }

            /// An id from a request: refused when it could not name anything
            /// stored (a control character, or longer than [`MAX_ID_CHARS`]).
            pub fn parse(id: &str) -> Result<Self, super::Error> {
                check_id(stringify!($name), id)?;
                Ok($name(id.to_string()))
            }

            /// The id's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

opaque_id!(
    /// A user, and so a namespace: every file belongs to exactly one.
    UserId
);
opaque_id!(
    /// A file or folder.
    FileId
);
opaque_id!(
    /// An upload session.
    UploadId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_requests() {
        let fresh = FileId::generate();
        assert_eq!(FileId::parse(fresh.as_str()).ok(), Some(fresh));
        // Opaque: text that names nothing is still an id, simply not found later.
        assert!(FileId::parse("no-such-id").is_ok());
        for bad in [
            "a\u{0}b".to_string(),
            "\n".to_string(),
            "x".repeat(129),
            String::new(),
        ] {
            let message = FileId::parse(&bad).map_err(|e| e.to_string());
            assert!(
                message
                    .as_ref()
                    .is_err_and(|m| m.contains("is not an id: ids have at most 128 characters")),
                "{bad:?}: {message:?}"
            );
        }
        assert!(check_id("link", &"x".repeat(128)).is_ok());
    }
}
