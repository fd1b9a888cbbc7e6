//! Formatting of sizes, times and paths for display.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// `1536` → `1.5 KB`: decimal units, as file managers show them.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// Unix milliseconds → `2026-11-25 13:35` (UTC).
pub fn date_time(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar,
/// after Howard Hinnant's `civil_from_days`; the server dates with it too.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The URL of a folder's page: `/Documents/My Photos` → `/files/Documents/My%20Photos`.
pub fn folder_url(path: &str) -> String {
    let mut url = String::from("/files");
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        url.push('/');
        url.push_str(&percent_encode(segment));
    }
    url
}

/// Every byte but the unreserved characters of RFC 3986 (`A-Z a-z 0-9 - _ . ~`).
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes everything but unreserved characters (UTF-8, upper-case hex):
/// safe in a path segment, a query value and RFC 5987's `filename*`.
pub fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, RESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(52_428_800), "52 MB");
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date_time(0), "1970-01-01 00:00");
        assert_eq!(date_time(1_795_613_700_000), "2026-11-25 13:35");
        assert_eq!(date_time(951_782_400_000), "2000-02-29 00:00");
    }

    #[test]
    fn folder_urls_escape_segments() {
        assert_eq!(folder_url("/"), "/files");
        assert_eq!(folder_url("/My Photos/a&b"), "/files/My%20Photos/a%26b");
    }

    #[test]
    fn only_unreserved_characters_stay_as_they_are() {
        assert_eq!(percent_encode("Az09-_.~"), "Az09-_.~");
        assert_eq!(
            percent_encode("a b/c?d#e%f+é"),
            "a%20b%2Fc%3Fd%23e%25f%2B%C3%A9"
        );
        // As the server puts it in a query value and in RFC 5987's `filename*`.
        assert_eq!(
            percent_encode("a-b._~ z/ü%\"\n"),
            "a-b._~%20z%2F%C3%BC%25%22%0A"
        );
    }
}
