//! `Range: bytes=…` requests (RFC 9110 §14): one range per request; a request for
//! several ranges gets the whole content, which the RFC allows.

/// What to send for a `Range` header against content of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// The whole content (no header, or one this server does not serve in part).
    Full,
    /// Bytes `start..end` (end exclusive).
    Partial { start: u64, end: u64 },
    /// The range lies outside the content: 416.
    Unsatisfiable,
}

/// Interprets a `Range` header value.
pub fn parse_range(header: Option<&str>, size: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return ByteRange::Full;
    };
    if spec.contains(',') {
        return ByteRange::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    let parse = |text: &str| text.parse::<u64>().ok();
    match (first.is_empty(), last.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match parse(last) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if size == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Partial {
                start: size.saturating_sub(n),
                end: size,
            },
            None => ByteRange::Full,
        },
        // bytes=A- : from A to the end.
        (false, true) => match parse(first) {
            Some(start) if start < size => ByteRange::Partial { start, end: size },
            Some(_) => ByteRange::Unsatisfiable,
            None => ByteRange::Full,
        },
        // bytes=A-B : inclusive bounds, B clamped to the end.
        (false, false) => match (parse(first), parse(last)) {
            (Some(start), Some(last)) if start <= last => {
                if start >= size {
                    ByteRange::Unsatisfiable
                } else {
                    ByteRange::Partial {
                        start,
                        end: last.saturating_add(1).min(size),
                    }
                }
            }
            _ => ByteRange::Full,
        },
        (true, true) => ByteRange::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(header: Option<&str>, size: u64, expect: ByteRange) {
        assert_eq!(parse_range(header, size), expect, "{header:?} of {size}");
    }

    #[test]
    fn ranges() {
        use ByteRange::*;
        check(None, 100, Full);
        check(Some("bytes=0-0"), 100, Partial { start: 0, end: 1 });
        check(Some("bytes=10-19"), 100, Partial { start: 10, end: 20 });
        check(
            Some("bytes=90-200"),
            100,
            Partial {
                start: 90,
                end: 100,
            },
        );
        check(
            Some("bytes=50-"),
            100,
            Partial {
                start: 50,
                end: 100,
            },
        );
        check(
            Some("bytes=-10"),
            100,
            Partial {
                start: 90,
                end: 100,
            },
        );
        check(Some("bytes=-500"), 100, Partial { start: 0, end: 100 });
        check(Some("bytes=100-"), 100, Unsatisfiable);
        check(Some("bytes=100-200"), 100, Unsatisfiable);
        check(Some("bytes=-0"), 100, Unsatisfiable);
        check(Some("bytes=0-"), 0, Unsatisfiable);
        check(Some("bytes=5-1"), 100, Full);
        check(Some("bytes=0-1,5-6"), 100, Full);
        check(Some("items=0-1"), 100, Full);
        check(Some("bytes=x-y"), 100, Full);
    }
}
