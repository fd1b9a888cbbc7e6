//! The name this browser gives its device, used in the names of conflicted copies:
//! kept in `localStorage` and asked of the user (the rules are in `device_names`).

use super::device_names::{clean_device_name, default_device_name};

/// Where this browser keeps the name it gives its device (in `localStorage`).
const DEVICE_NAME_KEY: &str = "cairn.device";

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
