//! The main view's pages: open, overview, problems and one page per resource.

use crate::app::{self, href, state, Recent};
use crate::bridge;
use crate::highlight;
use crate::markdown;
use crate::model::{Project, Resource};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use std::sync::Arc;

pub fn open_page() -> impl IntoView {
    let st = state();
    let folder: NodeRef<leptos::html::Input> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(el) = folder.get() {
            let _ = el.set_attribute("webkitdirectory", "");
        }
    });
    let url = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);
    let on_folder = move |e: leptos::ev::Event| {
        let Some(input) = e.target() else { return };
        let input: wasm_bindgen::JsValue = input.into();
        spawn_local(async move {
            match bridge::read_file_list(&input).await {
                Ok(v) => {
                    let text = v.as_string().unwrap_or_default();
                    let name = serde_json::from_str::<serde_json::Map<String, Value>>(&text)
                        .ok()
                        .and_then(|m| {
                            m.keys()
                                .next()
                                .and_then(|k| k.split('/').next())
                                .map(str::to_string)
                        })
                        .unwrap_or_else(|| "folder".into());
                    app::open_files(st, name, text);
                }
                Err(e) => st.error.set(Some(bridge::error_text(&e))),
            }
        });
    };
    let on_file = move |e: leptos::ev::Event| {
        let Some(input) = e.target() else { return };
        let input: wasm_bindgen::JsValue = input.into();
        spawn_local(async move {
            match bridge::read_picked_file(&input).await {
                Ok(v) if !v.is_null() => {
                    let name = bridge::get_str(&v, "name").unwrap_or_default();
                    let bytes = bridge::get_bytes(&v, "bytes").unwrap_or_default();
                    app::open_bytes(st, name, bytes);
                }
                Ok(_) => {}
                Err(e) => st.error.set(Some(bridge::error_text(&e))),
            }
        });
    };
    let on_drop = move |e: leptos::ev::DragEvent| {
        e.prevent_default();
        dragging.set(false);
        let Some(dt) = e.data_transfer() else { return };
        let promise = bridge::read_drop(&dt.into());
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(promise).await {
                Ok(v) => {
                    let name = bridge::get_str(&v, "name").unwrap_or_default();
                    match bridge::get_str(&v, "kind").as_deref() {
                        Some("file") => app::open_bytes(
                            st,
                            name,
                            bridge::get_bytes(&v, "bytes").unwrap_or_default(),
                        ),
                        _ => app::open_files(
                            st,
                            name,
                            bridge::get_str(&v, "text").unwrap_or_default(),
                        ),
                    }
                }
                Err(e) => st.error.set(Some(bridge::error_text(&e))),
            }
        });
    };
    let recents = move || {
        st.recents.get().into_iter().map(|r: Recent| {
            let again = r.clone();
            let id = r.id;
            view! {
                <li>
                    <button class="link" on:click=move |_| app::reopen(st, again.clone())>{r.name.clone()}</button>
                    <span class="muted">{format!(" {} · {}", r.kind, date(r.opened))}</span>
                    <button class="icon-button" aria-label=format!("Forget {}", r.name) on:click=move |_| {
                        spawn_local(async move {
                            let _ = bridge::recents_delete(id).await;
                            app::refresh_recents(st).await;
                        });
                    }>"×"</button>
                </li>
            }
        }).collect::<Vec<_>>()
    };
    view! {
        <div class="page open-page">
            <h1>"Open a dbt project"</h1>
            <p class="muted">"Everything stays in this browser: the project is compiled here, nothing is uploaded."</p>
            <div class="drop" class:dragging=move || dragging.get()
                on:dragover=move |e: leptos::ev::DragEvent| { e.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop>
                <p>"Drop a project folder, a .zip or .tar.gz archive, or a manifest.json here"</p>
                <div class="open-buttons">
                    <label class="button">"Open folder…"
                        <input id="open-folder" node_ref=folder class="visually-hidden" type="file" multiple on:change=on_folder/>
                    </label>
                    <label class="button">"Open archive or manifest.json…"
                        <input id="open-archive" class="visually-hidden" type="file" accept=".zip,.tar.gz,.tgz,.tar,.json" on:change=on_file/>
                    </label>
                    <button class="button primary" on:click=move |_| app::open_example(st)>"Open the example shop"</button>
                </div>
            </div>
            <form class="url-form" on:submit=move |e| {
                e.prevent_default();
                let u = url.get_untracked();
                if !u.trim().is_empty() {
                    let loc = web_sys::window().unwrap().location();
                    let _ = loc.set_search(&format!("project={}", String::from(js_sys::encode_uri_component(u.trim()))));
                }
            }>
                <label for="project-url">"Or open an archive from a URL"</label>
                <div class="row">
                    <input id="project-url" type="url" placeholder="https://example.com/project.tar.gz"
                        prop:value=move || url.get() on:input=move |e| url.set(event_target_value(&e))/>
                    <button type="submit">"Open"</button>
                </div>
            </form>
            <section aria-labelledby="recent-h">
                <h2 id="recent-h">"Recent projects"</h2>
                <Show when=move || !st.recents.with(Vec::is_empty) fallback=|| view! { <p class="muted">"Projects you open are kept here and reopen offline."</p> }>
                    <ul class="recents">{recents}</ul>
                </Show>
            </section>
        </div>
    }
}

fn date(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    String::from(d.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

pub fn home_page(p: Arc<Project>) -> impl IntoView {
    let counts: Vec<_> = p
        .counts()
        .into_iter()
        .map(|(k, n)| view! { <li><span class=format!("kind kind-{k}")>{k.to_string()}</span>" "{n}</li> })
        .collect();
    let overview = p
        .get(&format!("doc.{}.__overview__", p.name))
        .map(|d| d.description.clone());
    let errors = p.errors();
    view! {
        <div class="page">
            <h1>{p.name.clone()}</h1>
            <p class="muted">{format!("Opened from {}", p.origin)}
                {(p.from_manifest && !p.dbt_version.is_empty()).then(|| format!(" · manifest of dbt {}", p.dbt_version))}
                {format!(" · adapter {}", p.adapter)}</p>
            {(errors > 0).then(|| view! {
                <p class="callout error"><a href="#/problems">{format!("{errors} problem(s) need attention")}</a>
                    " — the rest of the project compiled."</p>
            })}
            <ul class="counts">{counts}</ul>
            {overview.map(|o| view! { <div class="md" inner_html=markdown::render(&o)></div> })}
            <p class="muted">"Find any model, column or SQL text with "<kbd>"Ctrl K"</kbd>" or "<kbd>"/"</kbd>"."</p>
        </div>
    }
}

pub fn problems_page(p: Arc<Project>) -> impl IntoView {
    let rows: Vec<_> = p
        .diagnostics
        .iter()
        .map(|d| {
            let node = p.resource_of(d).map(|i| p.resources[i].id.clone());
            view! {
                <tr class=format!("sev-{}", d.severity)>
                    <td><span class=format!("sev sev-{}", d.severity)>{d.severity.clone()}</span></td>
                    <td><code class="location">{d.location()}</code></td>
                    <td>{d.message.clone()}{d.help.clone().map(|h| view! { <div class="muted">{h}</div> })}
                        {frame(&p, d).map(|f| view! { <pre class="frame" aria-label="Source at the problem">{f}</pre> })}</td>
                    <td><code>{d.code.clone()}</code></td>
                    <td>{node.map(|id| view! { <a href=href(&id)>{id.clone()}</a> })}</td>
                </tr>
            }
        })
        .collect();
    let n = p.diagnostics.len();
    view! {
        <div class="page">
            <h1>"Problems"</h1>
            {if n == 0 {
                view! { <p>"No problems: every file parsed and every node compiled."</p> }.into_any()
            } else {
                view! {
                    <table class="problems">
                        <thead><tr><th>"Severity"</th><th>"Location"</th><th>"Message"</th><th>"Code"</th><th>"Resource"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            }}
        </div>
    }
}

/// The source line of a diagnostic with a caret under its column, when the
/// file is a resource's own source.
fn frame(p: &Project, d: &crate::model::Diag) -> Option<String> {
    let pos = d.position?;
    let r = &p.resources[*p.file_owner.get(d.file.as_deref()?)?];
    // A block snapshot's raw_code is the block, and a macro's code one macro,
    // not the file their lines count in.
    if r.kind == "snapshot" || r.kind == "macro" {
        return None;
    }
    let code = r.code.as_deref()?;
    let line = code.lines().nth(pos.line.checked_sub(1)? as usize)?;
    let gutter = format!("{} | ", pos.line);
    let caret = " ".repeat(
        gutter.len()
            + line
                .chars()
                .take(pos.column.saturating_sub(1) as usize)
                .count(),
    );
    Some(format!("{gutter}{line}\n{caret}^"))
}

fn link(p: &Project, i: usize) -> impl IntoView + use<> {
    let r = &p.resources[i];
    view! {
        <a href=href(&r.id) class:broken=p.broken[i]>
            <span class=format!("kind kind-{}", r.kind)>{r.kind.clone()}</span>" "{r.label()}
        </a>
    }
}

fn links(p: &Project, list: &[usize], empty: &'static str) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    let mut list = list.to_vec();
    list.sort_by_key(|&i| (&p.resources[i].kind, p.resources[i].label()));
    let items: Vec<_> = list
        .into_iter()
        .map(|i| view! { <li>{link(p, i)}</li> })
        .collect();
    view! { <ul class="links">{items}</ul> }.into_any()
}

fn code_block(title: &'static str, code: String, id: &'static str) -> impl IntoView {
    let html = highlight::sql(&code);
    let copy = code.clone();
    let copied = RwSignal::new(false);
    view! {
        <figure class="code" aria-labelledby=format!("{id}-title")>
            <figcaption>
                <span id=format!("{id}-title")>{title}</span>
                <button class="copy" on:click=move |_| { bridge::copy_text(&copy); copied.set(true); }
                    aria-label=format!("Copy {title}")>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </figcaption>
            <pre id=id><code inner_html=html></code></pre>
        </figure>
    }
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

fn field_rows(r: &Resource) -> Vec<(String, String)> {
    let c = &r.raw()["config"];
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| {
        if !v.is_empty() && v != "[]" && v != "{}" {
            rows.push((k.to_string(), v));
        }
    };
    if r.is_warehouse_object() {
        put("relation", json_text(&r.raw()["relation_name"]));
    }
    put("materialized", json_text(&c["materialized"]));
    put("package", r.package.clone());
    put("path", r.path.clone());
    put("tags", r.tags.join(", "));
    put("group", json_text(&r.raw()["group"]));
    put("access", json_text(&r.raw()["access"]));
    put(
        "owner",
        match &r.raw()["owner"] {
            Value::Object(o) => o
                .values()
                .map(json_text)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            v => json_text(v),
        },
    );
    if c["contract"]["enforced"] == Value::Bool(true) {
        put("contract", "enforced".into());
    }
    put("version", json_text(&r.raw()["version"]));
    put("latest version", json_text(&r.raw()["latest_version"]));
    put("unique key", json_text(&c["unique_key"]));
    put(
        "incremental strategy",
        json_text(&c["incremental_strategy"]),
    );
    put(
        "language",
        if r.raw()["language"] == "python" {
            "python".into()
        } else {
            String::new()
        },
    );
    put("loader", json_text(&r.raw()["loader"]));
    put("severity", json_text(&c["severity"]));
    put(
        "meta",
        match &r.raw()["meta"] {
            Value::Object(m) if !m.is_empty() => Value::Object(m.clone()).to_string(),
            _ => String::new(),
        },
    );
    put(
        "type",
        if r.kind == "exposure" {
            json_text(&r.raw()["type"])
        } else {
            String::new()
        },
    );
    put("maturity", json_text(&r.raw()["maturity"]));
    rows
}

fn columns_table(p: &Project, i: usize) -> Option<AnyView> {
    let r = &p.resources[i];
    let mut cols: Vec<(String, String, String)> = r.raw()["columns"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(n, c)| {
                    (
                        n.clone(),
                        json_text(&c["data_type"]),
                        json_text(&c["description"]),
                    )
                })
                .collect()
        })
        // Shown from its head, the resource has the columns' descriptions.
        .unwrap_or_else(|| {
            r.columns
                .iter()
                .map(|(n, d)| (n.clone(), String::new(), d.clone()))
                .collect()
        });
    for (name, c) in p.catalog_columns(&r.id) {
        let t = json_text(&c["type"]);
        match cols
            .iter_mut()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(col) if col.1.is_empty() => col.1 = t,
            Some(_) => {}
            None => cols.push((name, t, String::new())),
        }
    }
    if cols.is_empty() {
        return None;
    }
    let typed = cols.iter().any(|(_, t, _)| !t.is_empty());
    let rows: Vec<_> = cols
        .into_iter()
        .map(|(name, ty, desc)| {
            let tests: Vec<_> = p.tests[i]
                .iter()
                .filter(|&&t| p.resources[t].column_name.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(&name)))
                .map(|&t| {
                    let tr = &p.resources[t];
                    let short = tr.test_name.clone().unwrap_or_else(|| tr.name.clone());
                    view! { <a class="test-chip" href=href(&tr.id) title=tr.name.clone()>{short}</a> }
                })
                .collect();
            view! {
                <tr>
                    <th scope="row"><code>{name}</code></th>
                    {typed.then(|| view! { <td><code class="type">{ty}</code></td> })}
                    <td><div class="md" inner_html=markdown::render(&desc)></div></td>
                    <td>{tests}</td>
                </tr>
            }
        })
        .collect();
    Some(
        view! {
            <section aria-labelledby="columns-h">
                <h2 id="columns-h">"Columns"</h2>
                <table class="columns">
                    <thead><tr><th>"Column"</th>{typed.then(|| view! { <th>"Type"</th> })}<th>"Description"</th><th>"Tests"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
        .into_any(),
    )
}

fn rows_table(rows: &Value, format: &str) -> AnyView {
    match rows {
        Value::Array(list) => {
            let mut keys: Vec<String> = Vec::new();
            for row in list {
                if let Some(o) = row.as_object() {
                    for k in o.keys() {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
            }
            let head: Vec<_> = keys
                .iter()
                .map(|k| view! { <th>{k.clone()}</th> })
                .collect();
            let body: Vec<_> = list
                .iter()
                .map(|row| {
                    let cells: Vec<_> = keys
                        .iter()
                        .map(|k| match row.get(k) {
                            // An explicit null, unlike a column the row leaves out.
                            Some(Value::Null) => view! { <td class="muted">"null"</td> }.into_any(),
                            Some(v) => view! { <td>{json_text(v)}</td> }.into_any(),
                            None => view! { <td></td> }.into_any(),
                        })
                        .collect();
                    view! { <tr>{cells}</tr> }
                })
                .collect();
            view! { <table class="rows"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table> }.into_any()
        }
        Value::String(text) => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(text.trim().as_bytes());
            let head: Option<Vec<String>> = reader
                .headers()
                .ok()
                .map(|h| h.iter().map(str::to_string).collect());
            let rows: Vec<Vec<String>> = reader
                .records()
                .flatten()
                .map(|r| r.iter().map(str::to_string).collect())
                .collect();
            match head {
                Some(head) if format != "sql" => {
                    let head: Vec<_> = head.into_iter().map(|k| view! { <th>{k}</th> }).collect();
                    let body: Vec<_> = rows
                        .into_iter()
                        .map(|r| {
                            let cells: Vec<_> =
                                r.into_iter().map(|c| view! { <td>{c}</td> }).collect();
                            view! { <tr>{cells}</tr> }
                        })
                        .collect();
                    view! { <table class="rows"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table> }.into_any()
                }
                _ => {
                    view! { <pre class="plain"><code inner_html=highlight::sql(text)></code></pre> }
                        .into_any()
                }
            }
        }
        Value::Null => view! { <p class="muted">"No rows."</p> }.into_any(),
        other => view! { <pre class="plain">{other.to_string()}</pre> }.into_any(),
    }
}

fn unit_test_section(p: &Project, r: &Resource) -> impl IntoView + use<> {
    let model = r.model.clone().unwrap_or_default();
    let model_link = p.get(&format!("model.{}.{}", r.package, model)).map(|m| {
        let i = p.index[&m.id];
        link(p, i)
    });
    let given: Vec<_> = r.raw()["given"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|g| {
            let input = json_text(&g["input"]);
            let format = json_text(&g["format"]);
            view! {
                <div class="given">
                    <h3><code>{input}</code><span class="muted">{format!(" · {format}")}</span></h3>
                    {rows_table(&g["rows"], &format)}
                </div>
            }
        })
        .collect();
    let expect = &r.raw()["expect"];
    let overrides = &r.raw()["overrides"];
    let has_overrides = overrides.as_object().is_some_and(|o| {
        o.values()
            .any(|v| v.as_object().is_some_and(|m| !m.is_empty()))
    });
    view! {
        <section aria-labelledby="unit-h">
            <h2 id="unit-h">"Unit test"</h2>
            <p>"Tests "{model_link}</p>
            <h3>"Given"</h3>
            {given}
            <h3>"Expect"<span class="muted">{format!(" · {}", json_text(&expect["format"]))}</span></h3>
            {rows_table(&expect["rows"], expect["format"].as_str().unwrap_or("dict"))}
            {has_overrides.then(|| view! {
                <h3>"Overrides"</h3>
                <pre class="plain">{serde_json::to_string_pretty(overrides).unwrap_or_default()}</pre>
            })}
            {match r.raw()["compiled_code"].as_str() {
                Some(sql) => view! {
                    <div class="code-pair single">{code_block("Compiled SQL", sql.to_string(), "compiled-sql")}</div>
                }.into_any(),
                None => view! {
                    <p class="muted">"No compiled SQL: fixture rows are cast to the column types of the inputs they stand for. Declare those columns with a data_type in properties YAML, or open the project with a target/catalog.json."</p>
                }.into_any(),
            }}
        </section>
    }
}

fn test_section(p: &Project, r: &Resource) -> impl IntoView + use<> {
    let meta = &r.raw()["test_metadata"];
    let name = match meta["namespace"].as_str() {
        Some(ns) => format!("{ns}.{}", json_text(&meta["name"])),
        None => json_text(&meta["name"]),
    };
    let args: Vec<_> = meta["kwargs"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| view! { <tr><th scope="row">{k.clone()}</th><td><code>{json_text(v)}</code></td></tr> })
                .collect()
        })
        .unwrap_or_default();
    let c = &r.raw()["config"];
    let attached = r
        .attached_node
        .as_ref()
        .and_then(|a| p.index.get(a))
        .map(|&i| link(p, i));
    view! {
        <section aria-labelledby="spec-h">
            <h2 id="spec-h">"Test spec"</h2>
            <dl class="facts">
                <dt>"test"</dt><dd><code>{if name.is_empty() { "singular".to_string() } else { name }}</code></dd>
                {attached.map(|a| view! { <dt>"on"</dt><dd>{a}</dd> })}
                {r.raw()["column_name"].as_str().map(|c| view! { <dt>"column"</dt><dd><code>{c.to_string()}</code></dd> })}
                <dt>"severity"</dt><dd>{json_text(&c["severity"])}</dd>
                {c["where"].as_str().map(|w| view! { <dt>"where"</dt><dd><code>{w.to_string()}</code></dd> })}
                {(c["store_failures"] == Value::Bool(true)).then(|| view! { <dt>"store failures"</dt><dd>"yes"</dd> })}
            </dl>
            {(!args.is_empty()).then(|| view! {
                <table class="args"><caption>"Arguments"</caption><tbody>{args}</tbody></table>
            })}
        </section>
    }
}

pub fn resource_page(p: Arc<Project>, id: String) -> AnyView {
    let Some(&i) = p.index.get(&id) else {
        return view! {
            <div class="page"><h1>"Not found"</h1><p>{format!("No resource `{id}` in this project.")}</p></div>
        }
        .into_any();
    };
    let r = &p.resources[i];
    let diags: Vec<_> = p
        .diagnostics_of(i)
        .into_iter()
        .map(|d| {
            view! {
                <div class=format!("callout sev-{}", d.severity) role="alert">
                    <strong>{d.severity.clone()}</strong>" "<code class="location">{d.location()}</code>" "{d.message.clone()}
                </div>
            }
        })
        .collect();
    let facts: Vec<_> = field_rows(r)
        .into_iter()
        .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
        .collect();
    let raw_code = r.code.clone();
    let compiled = r.raw()["compiled_code"].as_str().map(str::to_string);
    let compiling = p.compiling;
    let code = match (raw_code, compiled) {
        (Some(raw), Some(c)) => Some(view! {
            <section aria-labelledby="code-h">
                <h2 id="code-h">"Code"</h2>
                <div class="code-pair">{code_block("Source", raw, "raw-sql")}{code_block("Compiled", c, "compiled-sql")}</div>
            </section>
        }.into_any()),
        (Some(raw), None) if !raw.is_empty() => Some(view! {
            <section aria-labelledby="code-h">
                <h2 id="code-h">"Code"</h2>
                {code_block(if r.kind == "macro" { "Macro" } else { "Source" }, raw, "raw-sql")}
                {(r.kind != "macro" && r.kind != "seed").then(|| view! { <p class="muted">{
                    if compiling { "Compiling…" } else { "Not compiled (see Problems, or the manifest was written by `dbt parse`)." }
                }</p> })}
            </section>
        }.into_any()),
        _ => None,
    };
    let macros: Vec<usize> = r
        .depends_on_macros
        .iter()
        .filter_map(|m| p.index.get(m).copied())
        .collect();
    let used_by: Vec<usize> = if r.kind == "macro" {
        p.resources
            .iter()
            .enumerate()
            .filter(|(_, o)| o.depends_on_macros.contains(&r.id))
            .map(|(j, _)| j)
            .collect()
    } else {
        Vec::new()
    };
    let args: Vec<_> = r.raw()["arguments"].as_array().cloned().unwrap_or_default().into_iter().map(|a| {
        view! { <tr><th scope="row"><code>{json_text(&a["name"])}</code></th><td><code>{json_text(&a["type"])}</code></td><td>{json_text(&a["description"])}</td></tr> }
    }).collect();
    let data_tests: Vec<usize> = p.tests[i].clone();
    let unit_tests: Vec<usize> = p.unit_tests[i].clone();
    let show_lineage = !matches!(r.kind.as_str(), "macro" | "doc" | "group");
    let url = r.raw()["url"]
        .as_str()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_string);
    view! {
        <article class="page resource">
            <header class="page-head">
                <span class=format!("kind kind-{}", r.kind)>{r.kind.replace('_', " ")}</span>
                <h1>{r.label()}</h1>
                {r.is_warehouse_object().then(|| view! { <code class="relation">{json_text(&r.raw()["relation_name"])}</code> })}
                // Preview and Run actions join this toolbar when a warehouse proxy is connected.
                <div class="actions" aria-label="Actions"></div>
            </header>
            {diags}
            {(!r.description.is_empty()).then(|| view! {
                <section aria-labelledby="desc-h"><h2 id="desc-h" class="visually-hidden">"Description"</h2>
                    <div class="md description" inner_html=markdown::render(&r.description)></div></section>
            })}
            {(!r.has_entry()).then(|| view! {
                <p class="muted pending">"Config, meta and compiled SQL appear when the compile finishes."</p>
            })}
            {(r.kind != "doc" && !facts.is_empty()).then(|| view! {
                <section aria-labelledby="details-h"><h2 id="details-h">"Details"</h2><dl class="facts">{facts}</dl></section>
            })}
            {url.map(|u| view! { <p><a href=u.clone() rel="noopener noreferrer nofollow" target="_blank">{u.clone()}</a></p> })}
            {(r.kind == "test").then(|| test_section(&p, r))}
            {(r.kind == "unit_test").then(|| unit_test_section(&p, r))}
            {(!args.is_empty()).then(|| view! {
                <section aria-labelledby="args-h"><h2 id="args-h">"Arguments"</h2><table class="args"><tbody>{args}</tbody></table></section>
            })}
            {columns_table(&p, i)}
            {(!data_tests.is_empty() || !unit_tests.is_empty()).then(|| view! {
                <section aria-labelledby="tests-h"><h2 id="tests-h">"Tests"</h2>
                    {links(&p, &data_tests, "No data tests.")}
                    {(!unit_tests.is_empty()).then(|| links(&p, &unit_tests, ""))}
                </section>
            })}
            {show_lineage.then(|| view! {
                <section id="lineage" aria-labelledby="lineage-h">
                    <h2 id="lineage-h">"Lineage"</h2>
                    <div class="lineage-cols">
                        <div><h3>"Depends on"</h3>{links(&p, &p.parents[i], "Nothing upstream.")}</div>
                        <div><h3>"Referenced by"</h3>{links(&p, &p.children[i].iter().copied().filter(|&c| p.resources[c].kind != "test").collect::<Vec<_>>(), "Nothing downstream.")}</div>
                    </div>
                </section>
            })}
            {code}
            {(!macros.is_empty()).then(|| view! {
                <section aria-labelledby="macros-h"><h2 id="macros-h">"Macros used"</h2>{links(&p, &macros, "")}</section>
            })}
            {(r.kind == "macro").then(|| view! {
                <section aria-labelledby="usedby-h"><h2 id="usedby-h">"Used by"</h2>{links(&p, &used_by, "Not used by any resource.")}</section>
            })}
            {r.raw().get("config").filter(|c| c.is_object()).map(|c| view! {
                <details class="config"><summary>"Resolved config"</summary>
                    <pre class="plain">{serde_json::to_string_pretty(c).unwrap_or_default()}</pre></details>
            })}
        </article>
    }
    .into_any()
}
