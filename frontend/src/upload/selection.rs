//! What the user chose to upload, read from a drop or a file picker: the files with
//! their paths inside a dropped or picked folder, and the folders themselves.
//! Browser glue only (`browser.js` walks dropped folder trees).

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

#[wasm_bindgen(module = "/src/upload/browser.js")]
extern "C" {
    #[wasm_bindgen(js_name = collectDrop)]
    fn collect_drop(data_transfer: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = collectPicked)]
    fn collect_picked(input: &JsValue) -> JsValue;
}

/// What the user chose: files with their paths relative to the folder they were
/// dropped on (`a.txt`, `Photos/2024/b.jpg`), and every folder of a dropped tree
/// (so empty ones are created too).
#[derive(Default)]
pub struct Selection {
    /// Each file and its relative path.
    pub files: Vec<(File, String)>,
    /// Relative paths of the folders, parents before children.
    pub folders: Vec<String>,
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn selection_of(value: &JsValue) -> Selection {
    let mut selection = Selection::default();
    if let Some(files) = get(value, "files").dyn_ref::<js_sys::Array>() {
        for item in files.iter() {
            let (Ok(file), Some(path)) = (
                get(&item, "file").dyn_into::<File>(),
                get(&item, "path").as_string(),
            ) else {
                continue;
            };
            selection.files.push((file, path));
        }
    }
    if let Some(folders) = get(value, "folders").dyn_ref::<js_sys::Array>() {
        selection.folders = folders.iter().filter_map(|f| f.as_string()).collect();
    }
    selection
}

/// What a drop carries, folder trees walked to the last file. Call it from the drop
/// handler itself: the browser empties the drop's data once the handler returns.
pub fn dropped(event: &web_sys::DragEvent) -> impl std::future::Future<Output = Selection> {
    let promise = event
        .data_transfer()
        .map(|transfer| collect_drop(&transfer));
    async move {
        match promise {
            Some(promise) => match JsFuture::from(promise).await {
                Ok(value) => selection_of(&value),
                Err(_) => Selection::default(),
            },
            None => Selection::default(),
        }
    }
}

/// What a file or folder picker holds, with paths inside a picked folder.
pub fn picked(input: &web_sys::HtmlInputElement) -> Selection {
    selection_of(&collect_picked(input))
}
