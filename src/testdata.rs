//! The bundled snapshots and lexicon names, embedded at build time (see
//! `build.rs`), so that unit tests of the pure stages read no files: the
//! brief's "tested without the network or the disk" holds for their tests
//! too, and a test cannot depend on the working directory.

include!(concat!(env!("OUT_DIR"), "/testdata.rs"));

/// The bytes of `snapshots/<path>`; panics (a test bug) if it is not bundled.
pub(crate) fn bytes(path: &str) -> &'static [u8] {
    SNAPSHOTS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, b)| *b)
        .unwrap_or_else(|| panic!("snapshots/{path} is not bundled"))
}

/// The text of `snapshots/<path>` (the bundled files are UTF-8).
pub(crate) fn text(path: &str) -> &'static str {
    std::str::from_utf8(bytes(path)).unwrap_or_else(|e| panic!("snapshots/{path}: {e}"))
}

/// Every UTF-8 file whose path starts with `prefix`, in path order.
pub(crate) fn texts(prefix: &str) -> impl Iterator<Item = (&'static str, &'static str)> {
    SNAPSHOTS
        .iter()
        .filter(move |(p, _)| p.starts_with(prefix))
        .filter_map(|(p, b)| std::str::from_utf8(b).ok().map(|t| (*p, t)))
}
