//! Opaque identifiers: 128 random bits as 32 lowercase hex digits.

use std::fmt;

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
