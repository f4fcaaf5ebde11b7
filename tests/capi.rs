//! Builds `examples/c/seed.c` with the system C compiler against the kiln
//! static library, and again against the shared one, and runs both: the C
//! host sees the seed's allocator trace, the result, and an error as text.
//! A third host loads the shared library with `dlopen`.

#[path = "c/link.rs"]
mod link;
#[path = "common/runner.rs"]
mod runner;

use link::Link;

#[test]
fn c_host_runs_the_seed_linked_statically() {
    seed(Link::Static);
}

#[test]
fn c_host_runs_the_seed_linked_dynamically() {
    seed(Link::Shared);
}

fn seed(link: Link) {
    let out_dir = std::env::temp_dir().join(format!("kiln-capi-{link:?}-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("seed");
    link::build_c(&["examples/c/seed.c"], &exe, link);
    let out = runner::command(&exe).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(">>> Malloc size=144 data="), "{text}");
    assert!(lines[1].starts_with(">>> Malloc size=144 data="), "{text}");
    let first = lines[0].rsplit(" -> ").next().unwrap();
    let second = lines[1].rsplit(" -> ").next().unwrap();
    assert!(
        lines[2].starts_with(&format!(">>> Free ptr={first} ")),
        "{text}"
    );
    assert_eq!(lines[3], "foo(a) = [0 3 6 9]");
    assert_eq!(lines[4], "releasing the result");
    assert!(
        lines[5].starts_with(&format!(">>> Free ptr={second} ")),
        "{text}"
    );
    assert!(
        text.contains("IndexError: index 10 is out of bounds for axis 0 with size 1"),
        "{text}"
    );
    std::fs::remove_dir_all(&out_dir).ok();
}

#[test]
fn c_host_loads_the_shared_library_with_dlopen() {
    let out_dir = std::env::temp_dir().join(format!("kiln-capi-dlopen-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("dlopen");
    link::build_c(&["tests/c/dlopen.c"], &exe, Link::None);
    let so = link::lib_dir().join("libkiln.so");
    let out = runner::command(&exe).arg(&so).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.lines().next(), Some("add(6, 7) = 43"), "{text}");
    assert!(text.contains("error: ") && text.contains("nope"), "{text}");
    std::fs::remove_dir_all(&out_dir).ok();
}
