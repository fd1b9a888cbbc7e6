//! What a device's name may be, and the name a browser gives its device when the
//! user has given none. Plain Rust, tested natively.

/// The longest device name the server takes, in characters.
const MAX_DEVICE_CHARS: usize = 64;

/// A typed or stored device name as the server takes it: no control characters or
/// invisible formatting characters (bidirectional overrides, zero-width ones),
/// trimmed, at most [`MAX_DEVICE_CHARS`] characters.
pub fn clean_device_name(name: &str) -> String {
    let name: String = name
        .chars()
        .filter(|&c| {
            !c.is_control()
                && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        })
        .collect();
    name.trim()
        .chars()
        .take(MAX_DEVICE_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}

/// "Browser on system" (such as "Chromium on Linux") from a user agent string.
pub fn default_device_name(agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(token, _)| agent.contains(token))
    .map_or("A browser", |(_, name)| name);
    // Headless and Debian builds of Chromium say "Chrome" unless told otherwise.
    let browser = if browser == "Chrome" && agent.contains("HeadlessChrome") {
        "Chromium"
    } else {
        browser
    };
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| agent.contains(token))
    .map_or("an unknown system", |(_, name)| name);
    format!("{browser} on {system}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_what_the_server_refuses_and_fit_its_limit() {
        let long = "é".repeat(70);
        let cases: [(&str, &str); 5] = [
            ("  Bob's laptop  ", "Bob's laptop"),
            ("a\u{0}b\tc\u{202E}d\u{200B}e\u{FEFF}", "abcde"),
            ("\u{2066} \n ", ""),
            (&long, &long[..128]),
            ("x   ", "x"),
        ];
        for (typed, expect) in cases {
            assert_eq!(clean_device_name(typed), expect, "{typed:?}");
        }
        // Cut at the limit, then trimmed again: no trailing space survives.
        let spaced = format!("{} tail", "a".repeat(MAX_DEVICE_CHARS - 1));
        assert_eq!(clean_device_name(&spaced), "a".repeat(MAX_DEVICE_CHARS - 1));
    }

    #[test]
    fn browsers_name_their_device_by_browser_and_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
                "Chromium on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.0; rv:120.0) Gecko/20100101 Firefox/120.0",
                "Firefox on macOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            ("curl/8.0", "A browser on an unknown system"),
        ];
        for (agent, expect) in cases {
            assert_eq!(default_device_name(agent), expect, "{agent}");
        }
    }
}
