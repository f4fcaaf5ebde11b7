//! Every conformance program type-checks (when the shared corpus is present).
#[test]
fn conformance_programs_type_check() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/cases");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut failures = Vec::new();
    for e in entries {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "py") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        if let Err(d) = kiln_typer::check(&text) {
            failures.push(d.render(&kiln_typer::Source::new(
                p.display().to_string(),
                text.clone(),
            )));
        }
    }
    assert!(
        failures.is_empty(),
        "{} programs fail to type:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
