//! Engine benchmarks: parse + segment, align + diff + detect, align alone,
//! and end to end (with JSON rendering), on a typical ~50 KB pair, a ~1 MB pair and
//! documents of 500 to 4,000 sections, so that super-linear growth shows.
//!
//! Inputs are built only from files in this repository (the bundled Basecamp
//! history, CC BY 4.0, "Basecamp policies" by 37signals), with deterministic
//! edits for the new side.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use policywatch::align::align;
use policywatch::render::{Format, RenderOptions, render};
use policywatch::{Document, ParseOptions, diff};

fn basecamp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/basecamp")
}

/// Markdown versions of one Basecamp document, newest first.
fn versions(doc: &str) -> Vec<String> {
    let dir = basecamp_dir().join(doc);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files.reverse();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .map(|t| strip_front_matter(&t).to_string())
        .collect()
}

fn strip_front_matter(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix("---\n")
        && let Some(end) = rest.find("\n---\n")
    {
        return &rest[end + 5..];
    }
    text
}

/// A Markdown document split at its headings: (heading line, body).
fn chunks(md: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![(String::new(), String::new())];
    for line in md.lines() {
        if line.starts_with('#') {
            out.push((line.to_string(), String::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(line);
            last.1.push('\n');
        }
    }
    out.retain(|(h, b)| !h.is_empty() || !b.trim().is_empty());
    out
}

fn join(chunks: &[(String, String)]) -> String {
    let mut s = String::new();
    for (h, b) in chunks {
        if !h.is_empty() {
            s.push_str(h);
            s.push_str("\n\n");
        }
        s.push_str(b);
        s.push('\n');
    }
    s
}

/// Privacy policy and terms versions, newest first, concatenated until
/// `target` bytes; later copies get their headings prefixed "Part N:" so a
/// document reads like one long policy with many parts.
fn compose(target: usize) -> Vec<(String, String)> {
    let privacy = versions("privacy-policy");
    let terms = versions("terms-of-service");
    let none = String::new();
    let docs = privacy
        .iter()
        .zip(terms.iter().chain(std::iter::repeat(&none)))
        .flat_map(|(p, t)| [p, t]);
    let mut out = Vec::new();
    let mut size = 0;
    for (part, doc) in docs.enumerate() {
        for (h, b) in chunks(doc) {
            if size >= target {
                return out;
            }
            size += h.len() + b.len() + 3;
            let h = if part == 0 || h.is_empty() {
                h
            } else {
                let hashes = h.chars().take_while(|c| *c == '#').count();
                format!("{} Part {part}: {}", &h[..hashes], h[hashes..].trim())
            };
            out.push((h, b));
        }
    }
    out
}

/// The first paragraph of a section body, cut at a word boundary near
/// `max` bytes: sections of the size policies usually have.
fn first_paragraph(body: &str, max: usize) -> String {
    let para = body
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or("");
    if para.len() <= max {
        return para.to_string();
    }
    let mut cut = max;
    while !para.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = para[..cut].rfind(' ').unwrap_or(cut);
    format!("{}.", &para[..cut])
}

/// A document of exactly `n` numbered sections whose bodies come from the
/// Basecamp history (each made unique by its clause number).
fn numbered(n: usize) -> Vec<(String, String)> {
    let mut pool: Vec<(String, String)> = Vec::new();
    for doc in ["privacy-policy", "terms-of-service", "subprocessors"] {
        for v in versions(doc) {
            pool.extend(
                chunks(&v)
                    .into_iter()
                    .filter(|(h, b)| !h.is_empty() && b.len() > 80)
                    .map(|(h, b)| (h, first_paragraph(&b, 400))),
            );
        }
    }
    pool.sort_by(|a, b| a.1.cmp(&b.1));
    pool.dedup_by(|a, b| a.1 == b.1);
    (0..n)
        .map(|k| {
            let (h, b) = &pool[k % pool.len()];
            let title = h.trim_start_matches('#').trim();
            (
                format!("## {}. {title}", k + 1),
                format!(
                    "{}\nThis is clause {} of the agreement.\n",
                    b.trim_end(),
                    k + 1
                ),
            )
        })
        .collect()
}

/// Deterministic edits of every kind: modified, renamed, removed, added and
/// moved sections, spread evenly.
fn edit(old: &[(String, String)]) -> Vec<(String, String)> {
    let mut new = Vec::with_capacity(old.len() + old.len() / 10);
    let mut moved = Vec::new();
    for (k, (h, b)) in old.iter().enumerate() {
        if k % 23 == 7 {
            continue;
        }
        let mut h = h.clone();
        let mut b = b.clone();
        if k % 11 == 3 {
            b = b.replacen(" data ", " personal information ", 1);
            b.push_str("\nWe keep these records for 26 months and may share them with Mixpanel.\n");
        }
        if k % 17 == 5 && !h.is_empty() {
            h.push_str(" and related matters");
        }
        if k % 29 == 13 {
            moved.push((h, b));
            continue;
        }
        new.push((h, b));
        if k % 19 == 2 {
            new.push((
                format!("## Additional notice {k}"),
                "We now use Google Analytics and Hotjar session replay to improve the product. \
                 Recordings are retained for 90 days, e.g. to debug issues, and then deleted.\n"
                    .to_string(),
            ));
        }
    }
    new.extend(moved);
    new
}

struct Case {
    name: String,
    old: String,
    new: String,
}

fn case(name: String, old: Vec<(String, String)>) -> Case {
    let new = edit(&old);
    Case {
        name,
        old: join(&old),
        new: join(&new),
    }
}

fn parse(label: &str, text: &str) -> Document {
    Document::parse(label, text.as_bytes(), &ParseOptions::default())
        .unwrap_or_else(|e| panic!("bench input {label} does not parse: {e}"))
}

fn end_to_end(c: &Case) -> String {
    let old = parse("old", &c.old);
    let new = parse("new", &c.new);
    let report = diff(&old, &new);
    render(&report, &old, &new, Format::Json, RenderOptions::default())
}

/// Few samples: the 1 MB and 4,000-section cases take tens of milliseconds
/// per iteration, and every sample still averages many iterations.
const SAMPLES: usize = 10;

fn run(cr: &mut Criterion, cases: &[Case]) {
    let mut g = cr.benchmark_group("parse_segment");
    g.sample_size(SAMPLES);
    for c in cases {
        g.throughput(Throughput::Bytes((c.old.len() + c.new.len()) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(&c.name), c, |b, c| {
            b.iter(|| {
                (
                    parse("old", black_box(&c.old)),
                    parse("new", black_box(&c.new)),
                )
            })
        });
    }
    g.finish();

    let mut g = cr.benchmark_group("align_diff_detect");
    g.sample_size(SAMPLES);
    for c in cases {
        let old = parse("old", &c.old);
        let new = parse("new", &c.new);
        g.throughput(Throughput::Elements(
            (old.sections.len() + new.sections.len()) as u64,
        ));
        g.bench_with_input(
            BenchmarkId::from_parameter(&c.name),
            &(old, new),
            |b, (o, n)| b.iter(|| diff(black_box(o), black_box(n))),
        );
    }
    g.finish();

    // Alignment alone, to show its share and its growth with sections.
    let mut g = cr.benchmark_group("align");
    g.sample_size(SAMPLES);
    for c in cases {
        let old = parse("old", &c.old);
        let new = parse("new", &c.new);
        g.throughput(Throughput::Elements(
            (old.sections.len() + new.sections.len()) as u64,
        ));
        g.bench_with_input(
            BenchmarkId::from_parameter(&c.name),
            &(old, new),
            |b, (o, n)| b.iter(|| align(black_box(&o.sections), black_box(&n.sections))),
        );
    }
    g.finish();

    let mut g = cr.benchmark_group("end_to_end");
    g.sample_size(SAMPLES);
    for c in cases {
        g.throughput(Throughput::Bytes((c.old.len() + c.new.len()) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(&c.name), c, |b, c| {
            b.iter(|| end_to_end(black_box(c)))
        });
    }
    g.finish();
}

fn engine(cr: &mut Criterion) {
    let mut cases = vec![
        case("50KB".into(), compose(50_000)),
        case("1MB".into(), compose(1_000_000)),
    ];
    cases.extend(
        [500, 1000, 2000, 4000]
            .into_iter()
            .map(|n| case(format!("{n}_sections"), numbered(n))),
    );
    for c in &cases {
        eprintln!("input {}: {} + {} bytes", c.name, c.old.len(), c.new.len());
    }
    run(cr, &cases);
}

criterion_group!(benches, engine);
criterion_main!(benches);
