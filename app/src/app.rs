//! App state, the actions that open and compile projects, and the shell:
//! header, sidebar, routed main view, search palette, dialogs.

use crate::bridge;
use crate::model::{CompileResult, Project, Tree};
use crate::pages;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Which page the address names (`#/`, `#/open`, `#/problems`, `#/r/<id>`).
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Home,
    Open,
    Problems,
    Resource(String),
}

impl Route {
    pub fn parse(hash: &str) -> Route {
        let h = hash.trim_start_matches('#').trim_start_matches('/');
        match h {
            "" => Route::Home,
            "open" => Route::Open,
            "problems" => Route::Problems,
            _ => match h.strip_prefix("r/") {
                Some(id) => Route::Resource(
                    js_sys::decode_uri_component(id)
                        .ok()
                        .and_then(|s| s.as_string())
                        .unwrap_or_else(|| id.to_string()),
                ),
                None => Route::Home,
            },
        }
    }
}

/// The address of a resource's page.
pub fn href(id: &str) -> String {
    format!("#/r/{}", String::from(js_sys::encode_uri_component(id)))
}

/// What is being compiled and how far it got.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    pub what: String,
    pub phase: String,
    pub done: u64,
    pub total: u64,
}

/// A recently opened project kept in IndexedDB.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Recent {
    pub id: f64,
    pub name: String,
    pub kind: String,
    pub opened: f64,
}

/// The target a user picked when the project has no usable `profiles.yml`.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetForm {
    pub custom: bool,
    pub adapter: String,
    pub database: String,
    pub schema: String,
    pub name: String,
    pub vars: String,
    pub env: String,
}

impl Default for TargetForm {
    fn default() -> Self {
        TargetForm {
            custom: false,
            adapter: "duckdb".into(),
            database: "dev".into(),
            schema: "main".into(),
            name: "dev".into(),
            vars: String::new(),
            env: String::new(),
        }
    }
}

impl TargetForm {
    /// The worker's `options`.
    pub fn options(&self) -> Value {
        let env: serde_json::Map<String, Value> = self
            .env
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), Value::String(v.trim().to_string())))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        let mut o = json!({ "env": env });
        if !self.vars.trim().is_empty() {
            o["vars"] = Value::String(self.vars.clone());
        }
        if self.custom {
            o["target"] = json!({
                "type": self.adapter, "database": self.database,
                "schema": self.schema, "name": self.name,
            });
        }
        o
    }
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub project: RwSignal<Option<Arc<Project>>>,
    pub route: RwSignal<Route>,
    pub busy: RwSignal<Option<Busy>>,
    pub error: RwSignal<Option<String>>,
    pub palette: RwSignal<bool>,
    pub settings: RwSignal<bool>,
    pub dark: RwSignal<bool>,
    pub recents: RwSignal<Vec<Recent>>,
    pub form: RwSignal<TargetForm>,
    pub database_tab: RwSignal<bool>,
    pub selection: RwSignal<Option<Result<Vec<usize>, String>>>,
}

pub fn state() -> AppState {
    expect_context::<AppState>()
}

/// What to store in recents once a project opened cleanly.
struct PendingRecent {
    name: String,
    kind: &'static str,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
}

struct WorkerHandle {
    worker: JsValue,
    _on_message: Closure<dyn FnMut(String, String, JsValue)>,
}

thread_local! {
    static WORKER: RefCell<Option<WorkerHandle>> = const { RefCell::new(None) };
    /// Requests sent and answers received: only the newest request's answer is shown.
    static SEQ: RefCell<(u64, u64)> = const { RefCell::new((0, 0)) };
    static PENDING: RefCell<Option<(String, Option<PendingRecent>)>> = const { RefCell::new(None) };
}

fn mark(name: &str) {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}

fn on_worker_message(st: AppState, kind: String, text: String, bytes: JsValue) {
    if kind != "progress" {
        mark(&format!("trellis-{kind}-received"));
    }
    // Parsed and compiled projects come as JSON in UTF-8 bytes.
    let bytes = || {
        bytes
            .dyn_ref::<js_sys::Uint8Array>()
            .map(|b| b.to_vec())
            .unwrap_or_default()
    };
    let latest = SEQ.with(|s| {
        let s = s.borrow();
        s.0 == s.1 + 1
    });
    match kind.as_str() {
        "progress" => {
            if !latest {
                return;
            }
            let v: Value = serde_json::from_str(&text).unwrap_or_default();
            st.busy.update(|b| {
                if let Some(b) = b {
                    b.phase = v["phase"].as_str().unwrap_or("").to_string();
                    b.done = v["done"].as_u64().unwrap_or(0);
                    b.total = v["total"].as_u64().unwrap_or(0);
                }
            });
        }
        "partial" => {
            if !latest {
                return;
            }
            let origin = PENDING.with(|p| p.borrow().as_ref().map(|(o, _)| o.clone()));
            if let Ok(Answer { ok: Some(r), .. }) = serde_json::from_slice::<Answer>(&bytes()) {
                show(st, r, origin.unwrap_or_default(), false, true);
            }
        }
        _ => {
            SEQ.with(|s| s.borrow_mut().1 += 1);
            if !latest {
                return;
            }
            let pending = PENDING.with(|p| p.borrow_mut().take());
            if kind == "error" {
                // The worker died; start a fresh one next time.
                WORKER.with(|w| {
                    if let Some(h) = w.borrow_mut().take() {
                        bridge::terminate_worker(&h.worker);
                    }
                });
                SEQ.with(|s| *s.borrow_mut() = (0, 0));
                st.busy.set(None);
                st.error.set(Some(text));
                return;
            }
            let result = match serde_json::from_slice::<Answer>(&bytes()) {
                Ok(Answer { ok: Some(r), .. }) => r,
                Ok(Answer { error, .. }) => {
                    st.busy.set(None);
                    st.error
                        .set(Some(error.unwrap_or_else(|| "empty compile result".into())));
                    return;
                }
                Err(e) => {
                    st.busy.set(None);
                    st.error
                        .set(Some(format!("unreadable compile result: {e}")));
                    return;
                }
            };
            let (origin, recent) = pending.unwrap_or_default();
            show(st, result, origin, false, false);
            if let Some(r) = recent {
                remember(st, r);
            }
        }
    }
}

/// The worker's answer: `{"ok": result}` or `{"error": message}`, read in
/// one pass (a 5,000-model result is tens of megabytes).
#[derive(serde::Deserialize)]
struct Answer {
    ok: Option<CompileResult>,
    error: Option<String>,
}

/// Replaces the shown project; `compiling` when it is a parsed first view
/// and the compiled one is still coming.
fn show(st: AppState, result: CompileResult, origin: String, from_manifest: bool, compiling: bool) {
    mark("trellis-model-start");
    let mut project = Project::new(result, origin, from_manifest);
    mark("trellis-model-built");
    project.compiling = compiling;
    st.error.set(None);
    if !compiling {
        st.busy.set(None);
    }
    st.selection.set(None);
    let project = Arc::new(project);
    st.project.set(Some(project.clone()));
    // Time to interactive ends once the project is painted: the next frame
    // lays out and paints what the update above built, and a task queued
    // from that frame runs after it (and before the search index below).
    request_animation_frame(move || {
        set_timeout(
            move || {
                if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
                    if perf.get_entries_by_name("trellis-interactive").length() == 0 {
                        let _ = perf.mark("trellis-interactive");
                    }
                    if !compiling {
                        let _ = perf.mark("trellis-compiled");
                    }
                }
            },
            std::time::Duration::ZERO,
        )
    });
    // The search index is built once the project is on screen, unless a
    // search asks for it first.
    request_animation_frame(move || {
        set_timeout(
            move || {
                project.search();
            },
            std::time::Duration::ZERO,
        )
    });
    if matches!(st.route.get_untracked(), Route::Open) {
        navigate("#/");
    }
}

fn remember(st: AppState, r: PendingRecent) {
    spawn_local(async move {
        let bytes = r.bytes.map(|b| js_sys::Uint8Array::from(b.as_slice()));
        let _ = bridge::recents_put(&r.name, r.kind, r.text, bytes).await;
        refresh_recents(st).await;
    });
}

pub async fn refresh_recents(st: AppState) {
    if let Ok(v) = bridge::recents_list().await {
        let list: Vec<Recent> = v
            .as_string()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        st.recents.set(list);
    }
}

/// Starts the compile worker unless it runs: it loads and compiles the
/// module on its own, which can go on while the page downloads a project.
fn ensure_worker(st: AppState) {
    WORKER.with(|w| {
        let mut w = w.borrow_mut();
        if w.is_none() {
            let on_message =
                Closure::<dyn FnMut(String, String, JsValue)>::new(move |kind, text, bytes| {
                    on_worker_message(st, kind, text, bytes)
                });
            let worker = bridge::create_worker("worker.js", &on_message);
            *w = Some(WorkerHandle {
                worker,
                _on_message: on_message,
            });
        }
    });
}

fn send(
    st: AppState,
    what: String,
    request: Value,
    bytes: Option<Vec<u8>>,
    recent: Option<PendingRecent>,
) {
    ensure_worker(st);
    begin(st, what, recent);
    WORKER.with(|w| {
        let w = w.borrow();
        let bytes = bytes.map(|b| js_sys::Uint8Array::from(b.as_slice()));
        bridge::post_to_worker(&w.as_ref().unwrap().worker, &request.to_string(), bytes);
    });
    // The worker index.html started (if it is this one) answers the app now.
    bridge::release_early();
}

/// A request to the worker begins: the answers to come are its answers.
fn begin(st: AppState, what: String, recent: Option<PendingRecent>) {
    SEQ.with(|s| s.borrow_mut().0 += 1);
    PENDING.with(|p| *p.borrow_mut() = Some((what.clone(), recent)));
    st.error.set(None);
    st.busy.set(Some(Busy {
        what,
        phase: "read".into(),
        done: 0,
        total: 0,
    }));
}

/// Takes over the request index.html sent for a `?project=` archive before
/// the app loaded: the same request the app would send, since its options
/// are the defaults when it starts.
fn adopt(st: AppState, name: String, bytes: Vec<u8>) {
    let recent = archive_recent(&name, bytes);
    begin(st, name, Some(recent));
    bridge::release_early();
}

/// An opened archive, to keep among the recent projects.
fn archive_recent(name: &str, bytes: Vec<u8>) -> PendingRecent {
    PendingRecent {
        name: name.to_string(),
        kind: "archive",
        text: None,
        bytes: Some(bytes),
    }
}

fn options(st: AppState) -> Value {
    st.form.get_untracked().options()
}

pub fn open_example(st: AppState) {
    send(
        st,
        "example: shop".into(),
        json!({"kind": "example", "options": options(st)}),
        None,
        None,
    );
}

pub fn open_files(st: AppState, name: String, files_json: String) {
    let files: Value = serde_json::from_str(&files_json).unwrap_or_default();
    let recent = PendingRecent {
        name: name.clone(),
        kind: "files",
        text: Some(files_json),
        bytes: None,
    };
    send(
        st,
        name,
        json!({"kind": "files", "files": files, "options": options(st)}),
        None,
        Some(recent),
    );
}

/// Opens picked or fetched bytes: a dbt `manifest.json`, or an archive.
pub fn open_bytes(st: AppState, name: String, bytes: Vec<u8>) {
    let trimmed = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if trimmed.map(|i| bytes[i]) == Some(b'{') {
        let text = String::from_utf8_lossy(&bytes).to_string();
        open_manifest(st, name, text, true);
        return;
    }
    let recent = archive_recent(&name, bytes.clone());
    send(
        st,
        name,
        json!({"kind": "archive", "options": options(st)}),
        Some(bytes),
        Some(recent),
    );
}

/// Shows a `manifest.json` written by dbt-core (or by `trellis compile`).
pub fn open_manifest(st: AppState, name: String, text: String, keep: bool) {
    let manifest: crate::model::ManifestIn = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            st.error
                .set(Some(format!("{name}: not a dbt manifest.json: {e}")));
            return;
        }
    };
    if manifest.nodes.is_none() || manifest.metadata.is_none() {
        st.error.set(Some(format!(
            "{name}: not a dbt manifest.json (no `metadata` and `nodes`)"
        )));
        return;
    }
    let result = CompileResult {
        manifest,
        ..CompileResult::default()
    };
    show(st, result, name.clone(), true, false);
    if keep {
        remember(
            st,
            PendingRecent {
                name,
                kind: "manifest",
                text: Some(text),
                bytes: None,
            },
        );
    }
}

pub fn recompile(st: AppState) {
    let what = st
        .project
        .with_untracked(|p| p.as_ref().map(|p| p.origin.clone()))
        .unwrap_or_default();
    send(
        st,
        what,
        json!({"kind": "recompile", "options": options(st)}),
        None,
        None,
    );
}

pub fn reopen(st: AppState, recent: Recent) {
    spawn_local(async move {
        match bridge::recents_get(recent.id).await {
            Ok(v) => {
                let text = bridge::get_str(&v, "text");
                let bytes = bridge::get_bytes(&v, "bytes");
                match (recent.kind.as_str(), text, bytes) {
                    ("files", Some(t), _) => open_files(st, recent.name, t),
                    ("manifest", Some(t), _) => open_manifest(st, recent.name, t, true),
                    (_, _, Some(b)) => open_bytes(st, recent.name, b),
                    _ => st
                        .error
                        .set(Some("this project is no longer stored".into())),
                }
            }
            Err(e) => st.error.set(Some(bridge::error_text(&e))),
        }
    });
}

pub fn navigate(hash: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
}

fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| {
            js_sys::decode_uri_component(&v.replace('+', " "))
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_else(|| v.to_string())
        })
    })
}

fn start(st: AppState) {
    if let Some(text) = bridge::bundle() {
        match serde_json::from_str::<CompileResult>(&text) {
            Ok(r) => show(st, r, "docs site".into(), false, false),
            Err(e) => st
                .error
                .set(Some(format!("the bundled project is unreadable: {e}"))),
        }
        return;
    }
    // The worker loads and warms up while the page waits for a project to
    // be picked or downloaded (a manifest.json needs no worker).
    let project = query_param("project");
    if !project.as_deref().is_some_and(|u| u.ends_with(".json")) {
        ensure_worker(st);
    }
    if project.as_deref().is_some_and(|u| !u.ends_with(".json")) {
        // While the worker compiles the archive, the page takes in a
        // made-up project, so that the code which takes in the real one
        // is compiled and optimized by then (see `model::warm_up`).
        set_timeout(
            || {
                mark("trellis-page-warm-up");
                crate::model::warm_up(2000);
                mark("trellis-page-warmed");
            },
            std::time::Duration::ZERO,
        );
    }
    if let Some(url) = project {
        let name = url.rsplit('/').next().unwrap_or(&url).to_string();
        st.busy.set(Some(Busy {
            what: name.clone(),
            phase: "download".into(),
            done: 0,
            total: 0,
        }));
        spawn_local(async move {
            match bridge::fetch_bytes(&url).await {
                Ok(b) if bridge::early_sent(&url) => {
                    adopt(st, name, js_sys::Uint8Array::new(&b).to_vec())
                }
                Ok(b) => open_bytes(st, name, js_sys::Uint8Array::new(&b).to_vec()),
                Err(e) => {
                    st.busy.set(None);
                    st.error.set(Some(format!(
                        "could not download {url}: {}",
                        bridge::error_text(&e)
                    )));
                }
            }
        });
    }
}

fn set_theme(dark: bool) {
    let doc = document();
    if let Some(el) = doc.document_element() {
        let _ = el.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
    if let Ok(Some(s)) = window().local_storage() {
        let _ = s.set_item("trellis-theme", if dark { "dark" } else { "light" });
    }
}

fn initial_dark() -> bool {
    let stored = window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item("trellis-theme").ok().flatten());
    match stored.as_deref() {
        Some("dark") => true,
        Some(_) => false,
        None => window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches()),
    }
}

#[component]
pub fn App() -> impl IntoView {
    let st = AppState {
        project: RwSignal::new(None),
        route: RwSignal::new(Route::parse(
            &window().location().hash().unwrap_or_default(),
        )),
        busy: RwSignal::new(None),
        error: RwSignal::new(None),
        palette: RwSignal::new(false),
        settings: RwSignal::new(false),
        dark: RwSignal::new(initial_dark()),
        recents: RwSignal::new(Vec::new()),
        form: RwSignal::new(TargetForm::default()),
        database_tab: RwSignal::new(false),
        selection: RwSignal::new(None),
    };
    provide_context(st);
    Effect::new(move |_| set_theme(st.dark.get()));
    let _ = window_event_listener(ev::hashchange, move |_| {
        st.route.set(Route::parse(
            &window().location().hash().unwrap_or_default(),
        ));
        if let Some(main) = document().get_element_by_id("main") {
            main.set_scroll_top(0);
        }
    });
    let _ = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if (e.ctrl_key() || e.meta_key()) && e.key() == "k" {
            e.prevent_default();
            st.palette.update(|p| *p = !*p);
        } else if e.key() == "/" && !typing && !st.palette.get_untracked() {
            e.prevent_default();
            st.palette.set(true);
        } else if e.key() == "Escape" {
            st.palette.set(false);
            st.settings.set(false);
        }
    });
    spawn_local(refresh_recents(st));
    start(st);

    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <Header/>
        <div class="layout">
            <Sidebar/>
            <main id="main" tabindex="-1">
                <ErrorBanner/>
                {move || {
                    let route = st.route.get();
                    match (st.project.get(), route) {
                        (None, _) | (_, Route::Open) => pages::open_page().into_any(),
                        (Some(p), Route::Home) => pages::home_page(p).into_any(),
                        (Some(p), Route::Problems) => pages::problems_page(p).into_any(),
                        (Some(p), Route::Resource(id)) => pages::resource_page(p, id).into_any(),
                    }
                }}
            </main>
        </div>
        <Progress/>
        <Show when=move || st.palette.get()><Palette/></Show>
        <Show when=move || st.settings.get()><Settings/></Show>
    }
}

#[component]
fn Header() -> impl IntoView {
    let st = state();
    let errors = move || st.project.with(|p| p.as_ref().map_or(0, |p| p.errors()));
    let warnings = move || {
        st.project
            .with(|p| p.as_ref().map_or(0, |p| p.diagnostics.len() - p.errors()))
    };
    view! {
        <header class="topbar">
            <a class="brand" href="#/" aria-label="Trellis home">"Trellis"</a>
            <Show when=move || st.project.with(Option::is_some)>
                <span class="project-name">{move || st.project.with(|p| p.as_ref().map(|p| p.name.clone()).unwrap_or_default())}</span>
                <button class="chip" on:click=move |_| st.settings.set(true)
                    disabled=move || st.project.with(|p| p.as_ref().is_some_and(|p| p.from_manifest))
                    title="Target, vars and env used to compile">
                    {move || st.project.with(|p| {
                        p.as_ref().map(|p| {
                            let t = &p.profile;
                            if p.from_manifest {
                                format!("manifest · {}", p.adapter)
                            } else {
                                format!("{} · {}.{}", t["type"].as_str().unwrap_or(""), t["database"].as_str().unwrap_or(""), t["schema"].as_str().unwrap_or(""))
                            }
                        }).unwrap_or_default()
                    })}
                </button>
            </Show>
            <button class="search-button" on:click=move |_| st.palette.set(true) aria-keyshortcuts="Control+K"
                disabled=move || st.project.with(Option::is_none)>
                <span>"Search"</span><kbd>"Ctrl K"</kbd>
            </button>
            <span class="spacer"></span>
            <Show when=move || st.project.with(Option::is_some)>
                <a href="#/problems" class=move || { if errors() > 0 { "problems-link has-errors" } else { "problems-link" } }
                    aria-label=move || format!("Problems: {} errors, {} warnings", errors(), warnings())>
                    <span class="dot-err">{errors}</span>" errors · "<span>{warnings}</span>" warnings"
                </a>
            </Show>
            <a class="button" href="#/open">"Open…"</a>
            <button class="icon-button" on:click=move |_| st.dark.update(|d| *d = !*d)
                aria-label=move || if st.dark.get() { "Switch to light theme" } else { "Switch to dark theme" }>
                {move || if st.dark.get() { "☀" } else { "☾" }}
            </button>
        </header>
    }
}

#[component]
fn ErrorBanner() -> impl IntoView {
    let st = state();
    view! {
        <Show when=move || st.error.with(Option::is_some)>
            <div class="error-banner" role="alert">
                <strong>"Could not open the project. "</strong>
                <span class="error-text">{move || st.error.get().unwrap_or_default()}</span>
                <button class="icon-button" aria-label="Dismiss" on:click=move |_| st.error.set(None)>"×"</button>
            </div>
        </Show>
    }
}

#[component]
fn Progress() -> impl IntoView {
    let st = state();
    view! {
        <Show when=move || st.busy.with(Option::is_some)>
            {move || st.busy.get().map(|b| {
                let label = match b.phase.as_str() {
                    "read" if b.total > 0 => format!("Read {} files", b.total),
                    "read" => "Reading files…".to_string(),
                    "download" => "Downloading…".to_string(),
                    "macros" => "Reading macros…".to_string(),
                    "nodes" => "Reading models, seeds and snapshots…".to_string(),
                    "properties" => format!("Read {} of {} properties files", b.done, b.total),
                    "resources" => format!("Applied {} of {} properties files", b.done, b.total),
                    "tests" => format!("Built the generic tests of {} of {} entries", b.done, b.total),
                    "parse" => format!("Parsed {} of {} nodes", b.done, b.total),
                    "graph" => "Building the graph…".to_string(),
                    "compile" => format!("Compiled {} of {} nodes", b.done, b.total),
                    other => other.to_string(),
                };
                let pct = if b.total > 0 { (b.done * 100 / b.total.max(1)).min(100) } else { 0 };
                view! {
                    <div class="progress" role="status" aria-live="polite">
                        <div class="progress-title">"Opening " {b.what.clone()}</div>
                        <div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct.to_string() aria-label="Compile progress">
                            <div class="fill" style=format!("width:{pct}%")></div>
                        </div>
                        <div class="progress-label">{label}</div>
                    </div>
                }
            })}
        </Show>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    let st = state();
    let select_input = RwSignal::new(String::new());
    let run_select = move || {
        let text = select_input.get_untracked();
        if text.trim().is_empty() {
            st.selection.set(None);
            return;
        }
        let result = st
            .project
            .with_untracked(|p| p.as_ref().map(|p| select(p, &text)));
        st.selection.set(result);
    };
    view! {
        <nav class="sidebar" aria-label="Resources">
            <Show when=move || st.project.with(Option::is_some)
                fallback=|| view! { <p class="muted pad">"No project open."</p> }>
                <div class="tabs" role="tablist" aria-label="Group resources by">
                    <button role="tab" aria-selected=move || (!st.database_tab.get()).to_string()
                        on:click=move |_| st.database_tab.set(false)>"Project"</button>
                    <button role="tab" aria-selected=move || st.database_tab.get().to_string()
                        on:click=move |_| st.database_tab.set(true)>"Database"</button>
                </div>
                <form class="select-form" on:submit=move |e| { e.prevent_default(); run_select(); }>
                    <input type="search" placeholder="--select  e.g. +orders tag:finance"
                        aria-label="Select nodes with dbt selector syntax"
                        prop:value=move || select_input.get()
                        on:input=move |e| { select_input.set(event_target_value(&e)); if event_target_value(&e).is_empty() { st.selection.set(None); } }/>
                </form>
                {move || {
                    let p = st.project.get()?;
                    Some(match st.selection.get() {
                        Some(Ok(ids)) => selection_list(p, ids).into_any(),
                        Some(Err(e)) => view! { <p class="select-error" role="alert">{e}</p> }.into_any(),
                        None => {
                            let db = st.database_tab.get();
                            let tree = if db { &p.database_tree } else { &p.project_tree };
                            let roots: Vec<_> = (0..tree.children.len()).map(|i| {
                                view! { <TreeBranch project=p.clone() database=db path=vec![i] depth=0/> }
                            }).collect();
                            view! { <ul class="tree" role="tree" aria-label=if db { "By database" } else { "By project" }
                                on:keydown=move |e| bridge::tree_keys(&e)>{roots}</ul> }.into_any()
                        }
                    })
                }}
            </Show>
        </nav>
    }
}

/// Runs a dbt selector over the project with the core's selector engine.
fn select(p: &Project, text: &str) -> Result<Vec<usize>, String> {
    use trellis_compiler::select::{resolve_selection, select, SelectOptions, SelectionArgs};
    let args = SelectionArgs {
        select: vec![text.to_string()],
        ..SelectionArgs::default()
    };
    let (spec, _) = resolve_selection(&args, None).map_err(|e| e.to_string())?;
    // Selectors read configs, which a project shown from its heads lacks.
    if p.resources.iter().any(|r| !r.has_entry()) {
        return Err("The project is still compiling: select again in a moment.".to_string());
    }
    let options = SelectOptions {
        include_empty_nodes: true,
        ..SelectOptions::default()
    };
    let sel = select(p.graph(), &spec, &options, None).map_err(|e| e.to_string())?;
    Ok(sel
        .selected
        .iter()
        .filter_map(|id| p.index.get(id).copied())
        .collect())
}

fn selection_list(p: Arc<Project>, ids: Vec<usize>) -> impl IntoView {
    let n = ids.len();
    let items: Vec<_> = ids
        .into_iter()
        .take(2000)
        .map(|i| {
            let r = &p.resources[i];
            view! { <li><a href=href(&r.id) class="leaf"><span class=format!("kind kind-{}", r.kind)>{r.kind.clone()}</span>" "<span class="name">{r.name.clone()}</span></a></li> }
        })
        .collect();
    view! {
        <p class="muted pad" role="status">{format!("{n} selected")}</p>
        <ul class="selection">{items}</ul>
    }
}

fn subtree<'a>(p: &'a Project, database: bool, path: &[usize]) -> &'a Tree {
    let mut t = if database {
        &p.database_tree
    } else {
        &p.project_tree
    };
    for &i in path {
        t = &t.children[i];
    }
    t
}

#[component]
fn TreeBranch(
    project: Arc<Project>,
    database: bool,
    path: Vec<usize>,
    depth: usize,
) -> impl IntoView {
    let st = state();
    let t = subtree(&project, database, &path);
    if let Some(i) = t.leaf {
        let r = &project.resources[i];
        let id = r.id.clone();
        let broken = project.broken[i];
        let label = t.label.clone();
        let kind = r.kind.clone();
        let current =
            Memo::new(move |_| matches!(st.route.get(), Route::Resource(ref x) if *x == id));
        return view! {
            <li role="treeitem" aria-selected=move || current.get().to_string()>
                <a href=href(&r.id) class="leaf" class:active=current class:broken=broken
                    title=if broken { "This resource has errors" } else { "" }>
                    <span class=format!("icon kind-{kind}") aria-hidden="true"></span>
                    {label}
                    {broken.then(|| view! { <span class="err-mark" aria-label="has errors">"!"</span> })}
                </a>
            </li>
        }
        .into_any();
    }
    // Open at first: the root project and its models, or databases and schemas.
    let open = RwSignal::new(if database {
        depth <= 1
    } else {
        path[0] == 0 && (depth == 0 || (depth == 1 && t.label == "models"))
    });
    // Reveal the current resource: open every branch on its way.
    {
        let project = project.clone();
        let path = path.clone();
        Effect::new(move |_| {
            if let Route::Resource(id) = st.route.get() {
                let paths = if database {
                    &project.database_paths
                } else {
                    &project.project_paths
                };
                let inside = project
                    .index
                    .get(&id)
                    .and_then(|i| paths.get(i))
                    .is_some_and(|p| p.len() > path.len() && p.starts_with(&path));
                if inside && !open.get_untracked() {
                    open.set(true);
                }
            }
        });
    }
    let label = t.label.clone();
    let count = t.count();
    let n = t.children.len();
    view! {
        <li role="treeitem" aria-expanded=move || open.get().to_string()>
            <button class="branch" on:click=move |_| open.update(|o| *o = !*o)>
                <span class="caret" aria-hidden="true">{move || if open.get() { "▾" } else { "▸" }}</span>
                {label}<span class="count">{count}</span>
            </button>
            <Show when=move || open.get()>
                <ul role="group">
                    {
                        let project = project.clone();
                        let path = path.clone();
                        (0..n).map(move |i| {
                            let mut p = path.clone();
                            p.push(i);
                            view! { <TreeBranch project=project.clone() database=database path=p depth=depth + 1/> }
                        }).collect::<Vec<_>>()
                    }
                </ul>
            </Show>
        </li>
    }
    .into_any()
}

#[component]
fn Palette() -> impl IntoView {
    let st = state();
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let hits = Memo::new(move |_| {
        let q = query.get();
        st.project.with(|p| {
            p.as_ref()
                .map(|p| {
                    p.search()
                        .query(&q, 50)
                        .into_iter()
                        .map(|h| (h.index, h.field))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let go = move |i: usize| {
        if let Some(id) = st
            .project
            .with_untracked(|p| p.as_ref().map(|p| p.resources[i].id.clone()))
        {
            st.palette.set(false);
            navigate(&href(&id));
        }
    };
    let on_key = move |e: web_sys::KeyboardEvent| {
        let n = hits.with_untracked(Vec::len);
        match e.key().as_str() {
            "ArrowDown" => {
                e.prevent_default();
                active.update(|a| *a = (*a + 1).min(n.saturating_sub(1)));
            }
            "ArrowUp" => {
                e.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" => {
                e.prevent_default();
                if let Some((i, _)) =
                    hits.with_untracked(|h| h.get(active.get_untracked()).copied())
                {
                    go(i);
                }
            }
            _ => {}
        }
    };
    view! {
        <div class="overlay" on:click=move |_| st.palette.set(false)>
            <div class="palette" role="dialog" aria-modal="true" aria-label="Search resources"
                on:click=|e| e.stop_propagation()>
                <input node_ref=input type="search" role="combobox" aria-expanded="true" aria-controls="palette-results"
                    aria-label="Search names, descriptions, columns, tags and SQL"
                    aria-activedescendant=move || format!("hit-{}", active.get())
                    placeholder="Search names, descriptions, columns, tags, SQL…"
                    prop:value=move || query.get()
                    on:input=move |e| { query.set(event_target_value(&e)); active.set(0); }
                    on:keydown=on_key/>
                <ul id="palette-results" role="listbox" aria-label="Results">
                    {move || {
                        let p = st.project.get()?;
                        let q = query.get();
                        let word = q.split_whitespace().next().unwrap_or("").to_string();
                        Some(hits.get().into_iter().enumerate().map(|(n, (i, field))| {
                            let r = &p.resources[i];
                            let snippet = match field {
                                "description" => crate::search::excerpt(&r.description, &word, 90),
                                "sql" => crate::search::excerpt(r.code.as_deref().unwrap_or(""), &word, 90),
                                "columns" => format!("column matching “{word}”"),
                                "tags" => format!("tags: {}", r.raw().get("tags").map(|t| t.to_string()).unwrap_or_default()),
                                _ => r.path.clone(),
                            };
                            let selected = move || active.get() == n;
                            view! {
                                <li role="option" id=format!("hit-{n}") aria-selected=move || selected().to_string()
                                    class:active=selected on:mousemove=move |_| active.set(n)
                                    on:click=move |_| go(i)>
                                    <span class=format!("kind kind-{}", r.kind)>{r.kind.clone()}</span>
                                    <span class="hit-name">{r.label()}</span>
                                    <span class="hit-pkg">{r.package.clone()}</span>
                                    <div class="hit-snippet">{snippet}</div>
                                </li>
                            }
                        }).collect::<Vec<_>>())
                    }}
                </ul>
                <div class="palette-foot muted">"↑↓ to move · Enter to open · Esc to close"</div>
            </div>
        </div>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let st = state();
    let form = RwSignal::new(st.form.get_untracked());
    let field = move |label: &'static str,
                      get: fn(&TargetForm) -> String,
                      set: fn(&mut TargetForm, String)| {
        view! {
            <label>{label}
                <input type="text" prop:value=move || form.with(get)
                    on:input=move |e| form.update(|f| set(f, event_target_value(&e)))
                    disabled=move || !form.with(|f| f.custom)/>
            </label>
        }
    };
    let profile_note = move || {
        st.project.with(|p| {
            p.as_ref().map(|p| match p.profile["source"].as_str() {
                Some("profiles.yml") => format!(
                    "The project's profiles.yml gives target `{}`.",
                    p.profile["name"].as_str().unwrap_or("")
                ),
                Some("custom") => "Compiled with the target below.".to_string(),
                _ => "The project has no usable profiles.yml; DuckDB dev.main is the default."
                    .to_string(),
            })
        })
    };
    view! {
        <div class="overlay" on:click=move |_| st.settings.set(false)>
            <form class="dialog" role="dialog" aria-modal="true" aria-label="Compile settings"
                on:click=|e| e.stop_propagation()
                on:submit=move |e| {
                    e.prevent_default();
                    st.form.set(form.get_untracked());
                    st.settings.set(false);
                    recompile(st);
                }>
                <h2>"Compile settings"</h2>
                <p class="muted">{profile_note}</p>
                <label class="check">
                    <input type="checkbox" prop:checked=move || form.with(|f| f.custom)
                        on:change=move |e| form.update(|f| f.custom = event_target_checked(&e))/>
                    "Use this target instead of profiles.yml"
                </label>
                <label>"Adapter"
                    <select on:change=move |e| form.update(|f| f.adapter = event_target_value(&e))
                        disabled=move || !form.with(|f| f.custom)>
                        {["duckdb", "postgres"].into_iter().map(|a| view! {
                            <option value=a selected=move || form.with(|f| f.adapter == a)>{a}</option>
                        }).collect::<Vec<_>>()}
                    </select>
                </label>
                {field("Target name", |f| f.name.clone(), |f, v| f.name = v)}
                {field("Database", |f| f.database.clone(), |f, v| f.database = v)}
                {field("Schema", |f| f.schema.clone(), |f, v| f.schema = v)}
                <label>"--vars (YAML)"
                    <textarea rows="3" prop:value=move || form.with(|f| f.vars.clone())
                        on:input=move |e| form.update(|f| f.vars = event_target_value(&e))
                        placeholder="start_date: '2024-01-01'"></textarea>
                </label>
                <label>"Environment (KEY=value per line)"
                    <textarea rows="3" prop:value=move || form.with(|f| f.env.clone())
                        on:input=move |e| form.update(|f| f.env = event_target_value(&e))></textarea>
                </label>
                <div class="dialog-buttons">
                    <button type="button" on:click=move |_| st.settings.set(false)>"Cancel"</button>
                    <button type="submit" class="primary">"Recompile"</button>
                </div>
            </form>
        </div>
    }
}
