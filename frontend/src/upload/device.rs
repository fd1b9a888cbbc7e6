//! The name this browser gives its device, used in the names of conflicted copies.

/// Where this browser keeps the name it gives its device (in `localStorage`).
const DEVICE_NAME_KEY: &str = "cairn.device";

/// The longest device name the server takes, in characters.
const MAX_DEVICE_CHARS: usize = 64;

/// A typed or stored device name as the server takes it: no control characters or
/// invisible formatting characters (bidirectional overrides, zero-width ones),
/// trimmed, at most [`MAX_DEVICE_CHARS`] characters.
fn clean_device_name(name: &str) -> String {
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

/// This browser's name for its device, used in the names of conflicted copies: the
/// one the user set, else one made from the browser and system, such as
/// "Chromium on Linux".
pub fn device_name() -> String {
    let window = web_sys::window();
    if let Some(name) = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|storage| storage.get_item(DEVICE_NAME_KEY).ok().flatten())
        .map(|name| clean_device_name(&name))
        .filter(|name| !name.is_empty())
    {
        return name;
    }
    let agent = window
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default();
    default_device_name(&agent)
}

/// Asks the user for a new name for this device (prefilled with `current`) and
/// keeps it in this browser; the name, if one was given.
pub fn ask_device_name(current: &str) -> Option<String> {
    let window = web_sys::window()?;
    let answer = window
        .prompt_with_message_and_default(
            "Name this device. Conflicted copies of files edited here carry its name.",
            current,
        )
        .ok()
        .flatten()?;
    let name = clean_device_name(&answer);
    if name.is_empty() {
        return None;
    }
    let storage = window.local_storage().ok().flatten()?;
    storage.set_item(DEVICE_NAME_KEY, &name).ok()?;
    Some(name)
}

/// "<browser> on <system>" from a user agent string.
fn default_device_name(agent: &str) -> String {
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
