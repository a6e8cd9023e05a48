//! Embeds every lesson file in lessons/ and its snapshot into the binary, so
//! `netlings lesson` works wherever the binary is.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=lessons");
    // Read at run time: env!() would bake in the checkout the build script
    // was first compiled in, and a shared target dir would then embed
    // another checkout's lessons (or none).
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let root = std::path::Path::new(&manifest_dir);
    let mut out = String::new();
    // The lessons, and their snapshots so that `lesson verify` works from
    // any directory.
    for (constant, dir, ext) in [
        ("EMBEDDED", "lessons", "md"),
        ("EMBEDDED_SNAPSHOTS", "snapshots", "snap"),
        ("EMBEDDED_CHALLENGES", "challenges", "md"),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == ext));
        files.sort();
        writeln!(out, "pub const {constant}: &[(&str, &str)] = &[").unwrap();
        for f in &files {
            println!("cargo:rerun-if-changed={}", f.display());
            let name = f.file_name().unwrap().to_string_lossy();
            writeln!(
                out,
                "    ({name:?}, include_str!({:?})),",
                f.display().to_string()
            )
            .unwrap();
        }
        out.push_str("];\n");
    }
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("lessons.rs");
    std::fs::write(dest, out).unwrap();
}
