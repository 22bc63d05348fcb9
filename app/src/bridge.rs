//! Bindings to `js/bridge.js`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/bridge.js")]
extern "C" {
    #[wasm_bindgen(js_name = createWorker)]
    pub fn create_worker(
        url: &str,
        on_message: &Closure<dyn FnMut(String, String, JsValue)>,
    ) -> JsValue;
    #[wasm_bindgen(js_name = postToWorker)]
    pub fn post_to_worker(worker: &JsValue, request: &str, bytes: Option<js_sys::Uint8Array>);
    #[wasm_bindgen(js_name = terminateWorker)]
    pub fn terminate_worker(worker: &JsValue);
    #[wasm_bindgen(js_name = earlySent)]
    pub fn early_sent(url: &str) -> bool;
    #[wasm_bindgen(js_name = releaseEarly)]
    pub fn release_early();
    #[wasm_bindgen(js_name = readFileList, catch)]
    pub async fn read_file_list(input: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = readPickedFile, catch)]
    pub async fn read_picked_file(input: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = readDrop)]
    pub fn read_drop(data_transfer: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = fetchBytes, catch)]
    pub async fn fetch_bytes(url: &str) -> Result<JsValue, JsValue>;
    pub fn bundle() -> Option<String>;
    #[wasm_bindgen(js_name = treeKeys)]
    pub fn tree_keys(event: &web_sys::KeyboardEvent);
    #[wasm_bindgen(js_name = copyText)]
    pub fn copy_text(text: &str);
    #[wasm_bindgen(js_name = recentsList, catch)]
    pub async fn recents_list() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = recentsPut, catch)]
    pub async fn recents_put(
        name: &str,
        kind: &str,
        text: Option<String>,
        bytes: Option<js_sys::Uint8Array>,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = recentsGet, catch)]
    pub async fn recents_get(id: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = recentsDelete, catch)]
    pub async fn recents_delete(id: f64) -> Result<JsValue, JsValue>;
}

/// A property of a JS object as a string, if it is one.
pub fn get_str(v: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(v, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
}

/// A property of a JS object as bytes, if it is a Uint8Array.
pub fn get_bytes(v: &JsValue, key: &str) -> Option<Vec<u8>> {
    js_sys::Reflect::get(v, &JsValue::from_str(key))
        .ok()
        .filter(|b| b.is_instance_of::<js_sys::Uint8Array>())
        .map(|b| js_sys::Uint8Array::new(&b).to_vec())
}

/// A readable message of a JS error value.
pub fn error_text(e: &JsValue) -> String {
    get_str(e, "message")
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}
