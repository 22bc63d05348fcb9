//! The Trellis browser app: open a dbt project and browse its resources,
//! docs, compiled SQL and tests, all in the page.
//!
//! The same module runs twice: on the page, where `main` mounts the UI, and
//! in a web worker (`static/worker.js`), where `main` finds no window and
//! returns, and the worker calls [`worker_handle`] to compile.

mod highlight;
mod markdown;
mod model;
mod search;
mod worker;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod bridge;
#[cfg(target_arch = "wasm32")]
mod pages;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::prelude::*;

#[cfg(any(target_arch = "wasm32", test))]
mod mem;

/// Compiles in the worker: see [`worker::handle`]. Answers are JSON as UTF-8
/// bytes, which the worker moves to the page without copying or decoding.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen]
pub fn worker_handle(
    request: &str,
    bytes: &[u8],
    progress: &js_sys::Function,
    partial: &js_sys::Function,
) -> Vec<u8> {
    worker::handle(
        request,
        bytes,
        &mut |p| {
            let _ = progress.call1(&JsValue::NULL, &JsValue::from_str(&p));
        },
        // The pieces go straight into one JS array, not joined here first
        // (the heads of 5,000 models are 21 MB).
        &mut |pieces| {
            let len: usize = pieces.iter().map(|p| p.len()).sum();
            let bytes = js_sys::Uint8Array::new_with_length(len as u32);
            let mut at = 0;
            for p in pieces {
                bytes
                    .subarray(at as u32, (at + p.len()) as u32)
                    .copy_from(p.as_bytes());
                at += p.len();
            }
            let _ = partial.call1(&JsValue::NULL, &bytes);
        },
    )
    .into_bytes()
}

/// One step of warming the worker up: see [`worker::warm_up`].
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen]
pub fn worker_warm_up(step: u32) -> bool {
    worker::warm_up(step)
}

#[cfg(target_arch = "wasm32")]
fn main() {
    if web_sys::window().is_none() {
        return;
    }
    // The page's own notice for file:// (where most browsers will not get
    // this far) gives way to the app.
    if let Some(notice) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("file-notice"))
    {
        notice.remove();
    }
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("trellis-app runs in a browser: build it with `trunk build` (see README)");
}
