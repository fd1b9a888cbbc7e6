//! The names the server gives an entry when the one it would have is taken: every
//! `name (…)` it makes — a conflicted copy, a restored entry, a share mounted beside
//! another of the same name — is [`suffixed_name`], tried in the order
//! [`clash_names`] gives until one is free.

use super::path::{name_safe, MAX_NAME_BYTES};

/// Why an entry needs a name other than its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash<'a> {
    /// An upload that cannot replace the file at its path, saved beside it.
    ConflictedCopy {
        /// The device that sent it.
        device: &'a str,
        /// The day it was committed, `YYYY-MM-DD`.
        date: &'a str,
    },
    /// A trashed entry restored where its name is taken now.
    Restored,
    /// A share mounted in `/Shared with me` beside another of the same name.
    SharedBy {
        /// The owner's username.
        owner: &'a str,
    },
}

/// The names to try, in order, for an entry called `name` whose name is taken, for
/// the reason `clash`: `report (Bob's phone's conflicted copy 2026-11-25).pdf`, then
/// `report (Bob's phone 2's conflicted copy 2026-11-25).pdf`, …; `report (restored).pdf`,
/// then `report (restored 2).pdf`, …; `Photos (bob)`, then `Photos (bob, 2)`, ….
/// Endless: the caller takes the first one that is free.
pub fn clash_names<'a>(name: &'a str, clash: Clash<'a>) -> impl Iterator<Item = String> + 'a {
    (1u64..).map(move |n| match clash {
        Clash::ConflictedCopy { device, date } if n == 1 => conflict_copy_name(name, device, date),
        Clash::ConflictedCopy { device, date } => {
            conflict_copy_name(name, &format!("{device} {n}"), date)
        }
        Clash::Restored if n == 1 => suffixed_name(name, "restored"),
        Clash::Restored => suffixed_name(name, &format!("restored {n}")),
        Clash::SharedBy { owner } if n == 1 => suffixed_name(name, owner),
        Clash::SharedBy { owner } => suffixed_name(name, &format!("{owner}, {n}")),
    })
}

/// The name of a conflicted copy: `report (Alice's phone's conflicted copy 2026-11-25).pdf`.
///
/// The extension stays last so the copy opens like the original; a leading dot
/// (`.bashrc`) is part of the name, not an extension. The device's name is made safe
/// for a name ([`name_safe`]).
pub fn conflict_copy_name(name: &str, device: &str, date: &str) -> String {
    suffixed_name(
        name,
        &format!("{}'s conflicted copy {date}", name_safe(device)),
    )
}

/// `name` with `(suffix)` before its extension: `stem (suffix).ext`. The result ends
/// like `name` or with `)`, so it never ends with a dot or space, and the stem is
/// shortened (at a character boundary) so that it fits in [`MAX_NAME_BYTES`].
pub fn suffixed_name(name: &str, suffix: &str) -> String {
    let split = name
        .rfind('.')
        .filter(|&dot| dot > 0 && dot < name.len() - 1);
    let (stem, ext) = match split {
        Some(dot) => (&name[..dot], &name[dot..]),
        None => (name, ""),
    };
    let tail = format!(" ({suffix}){ext}");
    let (stem, tail) = if tail.len() < MAX_NAME_BYTES {
        (stem, tail)
    } else {
        // An extension too long to keep whole goes with the stem.
        (name, format!(" ({suffix})"))
    };
    let budget = MAX_NAME_BYTES.saturating_sub(tail.len());
    let mut end = stem.len().min(budget);
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    let res = format!("{}{tail}", &stem[..end]);
    if res.len() <= MAX_NAME_BYTES {
        return res;
    }
    // Only a suffix longer than a name gets here: cut it, at a boundary.
    let mut end = MAX_NAME_BYTES - 1;
    while !res.is_char_boundary(end) {
        end -= 1;
    }
    format!("{})", &res[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_conflict(name: &str, expect: &str) {
        assert_eq!(
            conflict_copy_name(name, "Chromium on Linux", "2026-11-25"),
            expect
        );
    }

    #[test]
    fn conflicted_copy_names() {
        check_conflict(
            "report.pdf",
            "report (Chromium on Linux's conflicted copy 2026-11-25).pdf",
        );
        check_conflict(
            "archive.tar.gz",
            "archive.tar (Chromium on Linux's conflicted copy 2026-11-25).gz",
        );
        check_conflict(
            "README",
            "README (Chromium on Linux's conflicted copy 2026-11-25)",
        );
        check_conflict(
            ".bashrc",
            ".bashrc (Chromium on Linux's conflicted copy 2026-11-25)",
        );
        check_conflict(
            "trailing.",
            "trailing. (Chromium on Linux's conflicted copy 2026-11-25)",
        );
    }

    #[test]
    fn conflicted_copy_names_are_names_every_system_holds() {
        // A device name with characters a name cannot hold.
        assert_eq!(
            conflict_copy_name("a.txt", "Bob's \"work\" PC/2", "2026-11-25"),
            "a (Bob's _work_ PC_2's conflicted copy 2026-11-25).txt"
        );
        // A long name is shortened to fit, keeping its extension.
        let long = format!("{}.pdf", "é".repeat(126));
        let copy = conflict_copy_name(&long, "Chromium on Linux", "2026-11-25");
        assert!(copy.len() <= MAX_NAME_BYTES, "{} bytes", copy.len());
        assert!(copy.ends_with(" (Chromium on Linux's conflicted copy 2026-11-25).pdf"));
        assert!(copy.starts_with("ééé"));
        // A long extension goes with the stem.
        let long_ext = format!("a.{}", "x".repeat(250));
        let copy = conflict_copy_name(&long_ext, "d", "2026-11-25");
        assert!(copy.len() <= MAX_NAME_BYTES);
        assert!(copy.ends_with(" (d's conflicted copy 2026-11-25)"));
        for name in ["x.", "x ", "CON", "a. .txt"] {
            let copy = suffixed_name(name, "restored");
            assert!(
                crate::domain::path::check_new_name(&copy).is_ok() || name == "CON",
                "{copy:?}"
            );
        }
        assert_eq!(suffixed_name("CON", "restored"), "CON (restored)");
        assert!(crate::domain::path::check_new_name("CON (restored)").is_ok());
    }

    #[test]
    fn clashes_are_numbered_from_the_second_name_on() {
        let cases: [(&str, Clash, [&str; 3]); 4] = [
            (
                "plan.txt",
                Clash::ConflictedCopy {
                    device: "Bob's laptop",
                    date: "2026-11-25",
                },
                [
                    "plan (Bob's laptop's conflicted copy 2026-11-25).txt",
                    "plan (Bob's laptop 2's conflicted copy 2026-11-25).txt",
                    "plan (Bob's laptop 3's conflicted copy 2026-11-25).txt",
                ],
            ),
            (
                "report.txt",
                Clash::Restored,
                [
                    "report (restored).txt",
                    "report (restored 2).txt",
                    "report (restored 3).txt",
                ],
            ),
            (
                "Photos",
                Clash::Restored,
                [
                    "Photos (restored)",
                    "Photos (restored 2)",
                    "Photos (restored 3)",
                ],
            ),
            (
                "Photos",
                Clash::SharedBy { owner: "bob" },
                ["Photos (bob)", "Photos (bob, 2)", "Photos (bob, 3)"],
            ),
        ];
        for (name, clash, expect) in cases {
            let got: Vec<String> = clash_names(name, clash).take(3).collect();
            assert_eq!(got, expect, "{name} {clash:?}");
        }
    }

    #[test]
    fn every_clash_name_fits_in_a_name() {
        let long = format!("{}.pdf", "é".repeat(126));
        for clash in [
            Clash::ConflictedCopy {
                device: "Chromium on Linux",
                date: "2026-11-25",
            },
            Clash::Restored,
            Clash::SharedBy {
                owner: &"o".repeat(64),
            },
        ] {
            for name in clash_names(&long, clash).take(12) {
                assert!(
                    name.len() <= MAX_NAME_BYTES,
                    "{clash:?}: {} bytes",
                    name.len()
                );
                assert!(name.ends_with(").pdf"), "{name}");
            }
        }
    }
}
