//! Tests of detect() on document pairs built from Markdown strings.

use crate::align::align;
use crate::model::Document;
use crate::report::{Event, Severity};

fn doc(md: &str) -> Document {
    Document::from_text("t.md", md).unwrap()
}

fn events(old: &str, new: &str) -> Vec<Event> {
    let (o, n) = (doc(old), doc(new));
    let pairs = align(&o.sections, &n.sections);
    super::detect(&o, &n, &pairs)
}

fn kinds(evs: &[Event]) -> Vec<String> {
    let mut k: Vec<String> = evs
        .iter()
        .map(|e| match (&e.subject, &e.from, &e.to) {
            (Some(s), None, None) => format!("{} {s}", e.kind),
            (s, f, t) => format!(
                "{}{} {}→{}",
                e.kind,
                s.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default(),
                f.as_deref().unwrap_or("-"),
                t.as_deref().unwrap_or("-")
            ),
        })
        .collect();
    k.sort();
    k
}

#[test]
fn dump_basecamp() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/basecamp/privacy-policy");
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    if std::env::var("DUMP").is_err() {
        return;
    }
    for w in files.windows(2) {
        let a = std::fs::read_to_string(&w[0]).unwrap();
        let b = std::fs::read_to_string(&w[1]).unwrap();
        let ev = events(&a, &b);
        println!("== {}", w[1].file_name().unwrap().to_string_lossy());
        for e in &ev {
            if e.kind.starts_with("section.") {
                continue;
            }
            println!("   {} [{}] {}", e.severity, e.kind, e.headline());
        }
    }
}
