//! Which node a properties entry patches, as dbt-core looks it up: an
//! enabled node of that name in the file's own package, else an enabled one
//! in any package, else the disabled one. (dbt-core 1.11.16 gives the
//! description and patch path asserted here for the same files.)

use trellis_compiler::{compile, ProjectInput};

fn project(root_config: &str) -> ProjectInput {
    let mut input = ProjectInput::default();
    input.add_file(
        "dbt_project.yml",
        format!("name: root\nprofile: root\n{root_config}"),
    );
    input.add_file("seeds/s.csv", "a\n1\n");
    input.add_file("dbt_packages/p/dbt_project.yml", "name: p\n");
    input.add_file("dbt_packages/p/seeds/s.csv", "a\n1\n");
    input.add_file(
        "dbt_packages/p/seeds/seeds.yml",
        "version: 2\nseeds:\n  - name: s\n    description: from p\n",
    );
    input
}

fn described(input: &ProjectInput) -> Vec<(String, String, Option<String>)> {
    let out = compile(input);
    out.manifest
        .nodes
        .values()
        .chain(out.manifest.disabled.values())
        .map(|n| {
            (
                n.unique_id.clone(),
                n.description.clone(),
                n.patch_path.clone(),
            )
        })
        .collect()
}

#[test]
fn a_packages_patch_for_its_disabled_seed_goes_to_the_roots() {
    let got = described(&project("seeds:\n  p:\n    s:\n      +enabled: false\n"));
    assert!(
        got.contains(&(
            "seed.root.s".into(),
            "from p".into(),
            Some("p://seeds/seeds.yml".into())
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&("seed.p.s".into(), String::new(), None)),
        "{got:?}"
    );
}
