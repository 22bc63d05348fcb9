//! wasm-bindgen API over the compiler core.
