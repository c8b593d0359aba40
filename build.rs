//! Compiles the lexicons under `lexicons/` (human-edited TOML, one file per
//! language or topic) into the binary form the library embeds, so that no
//! process parses TOML or builds a pattern automaton at start. A broken
//! lexicon fails the build with the file and the problem.

use std::path::Path;
use std::process::Command;

#[allow(dead_code)]
#[path = "src/detect/compile.rs"]
mod compile;

/// Files in this order keep the language and subject indices (and so ties in
/// language identification) stable; files not listed follow by name.
const FILE_ORDER: &[&str] = &[
    "transfer_mechanisms",
    "legal_frameworks",
    "third_parties",
    "en",
    "fr",
    "de",
    "es",
    "sv",
    "it",
    "nl",
    "pt",
];

fn main() {
    pack_relative_relocs();
    println!("cargo::rerun-if-changed=lexicons");
    println!("cargo::rerun-if-changed=src/detect/compile.rs");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lexicons");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
            (name, text)
        })
        .collect();
    let rank = |name: &str| {
        let stem = name.trim_end_matches(".toml");
        FILE_ORDER
            .iter()
            .position(|l| *l == stem)
            .unwrap_or(FILE_ORDER.len())
    };
    files.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then(a.0.cmp(&b.0)));
    let (topics, langs): (Vec<_>, Vec<_>) = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .partition(|(_, t)| compile::is_topic_file(t));
    let compiled = compile::compile(&topics, &langs).unwrap_or_else(|e| panic!("{e}"));
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lexicons.bin");
    std::fs::write(&out, compiled.to_bytes())
        .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    write_test_data(&names);
}

/// Writes `testdata.rs`: every file under `snapshots/` as `include_bytes!`
/// and the lexicon file names, for `src/testdata.rs`. Unit tests of the pure
/// stages use it instead of reading files (only test builds include it).
fn write_test_data(lexicon_files: &[&str]) {
    println!("cargo::rerun-if-changed=snapshots");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(&root) {
                found.push((rel.to_string_lossy().replace('\\', "/"), path.clone()));
            }
        }
    }
    found.sort();
    let mut code = String::from("/// Every file under `snapshots/`: path relative to it, bytes.\n");
    code.push_str("pub(crate) const SNAPSHOTS: &[(&str, &[u8])] = &[\n");
    for (rel, path) in &found {
        code.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n/// The lexicon files build.rs compiled.\n");
    code.push_str(&format!(
        "pub(crate) const LEXICON_FILES: &[&str] = &{lexicon_files:?};\n"
    ));
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("testdata.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}

/// Link with packed relative relocations (DT_RELR) when the toolchain and
/// the C library here support them. The binary has some 50,000 relative
/// relocations; packed, the dynamic loader reads a table of 15 KB instead of
/// 1.1 MB at every start, a visible part of a small `policywatch diff`.
/// Probed by linking an empty Rust program with the same rustc, linker and
/// flags, then running it: an older linker, or a glibc without DT_RELR
/// (before 2.36), simply gets the usual format.
fn pack_relative_relocs() {
    const ARG: &str = "link-arg=-Wl,-z,pack-relative-relocs";
    for var in ["RUSTC", "RUSTC_LINKER", "CARGO_ENCODED_RUSTFLAGS"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("HOST") != var("TARGET")
    {
        return;
    }
    let Ok(out) = std::env::var("OUT_DIR") else {
        return;
    };
    let dir = Path::new(&out);
    let (src, exe) = (dir.join("relr_probe.rs"), dir.join("relr_probe"));
    if std::fs::write(&src, "fn main() {}\n").is_err() {
        return;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let mut cmd = Command::new(rustc);
    cmd.arg(&src).arg("-o").arg(&exe).args(["-C", ARG]);
    if let Ok(linker) = std::env::var("RUSTC_LINKER") {
        cmd.arg("-C").arg(format!("linker={linker}"));
    }
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    cmd.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    let linked = cmd.output().is_ok_and(|o| o.status.success());
    if linked && Command::new(&exe).status().is_ok_and(|s| s.success()) {
        println!("cargo::rustc-{ARG}");
    }
}
