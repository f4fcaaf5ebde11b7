//! Names the shared library `libkiln.so` inside itself (its soname), so
//! that a program linked against it by path, or against an installed copy,
//! records that name and finds the library wherever the loader looks,
//! instead of recording the path it was linked from.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libkiln.so");
    }
}
