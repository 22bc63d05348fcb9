//! Embeds the example shop project, so the app can open it with no network.

use std::fmt::Write;
use std::path::Path;

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if !name.starts_with('.')
                && !["target", "logs", "dbt_packages"].contains(&name.as_str())
            {
                walk(root, &path, out);
            }
        } else if ["sql", "yml", "yaml", "csv", "md"]
            .iter()
            .any(|x| name.ends_with(&format!(".{x}")))
        {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((
                rel,
                path.canonicalize().unwrap().to_string_lossy().to_string(),
            ));
        }
    }
}

fn main() {
    // Read at run time: a shared target directory may hold this script built
    // from another clone of the repository.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let root = Path::new(&manifest_dir).join("../examples/shop");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    let mut code = String::from("/// The example shop project: (path, contents).\npub const EXAMPLE_SHOP: &[(&str, &str)] = &[\n");
    for (rel, abs) in files {
        writeln!(code, "    ({rel:?}, include_str!({abs:?})),").unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("example.rs");
    std::fs::write(out, code).unwrap();
}
