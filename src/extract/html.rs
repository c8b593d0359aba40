//! HTML: main content (readability-style, via dom_smoothie) or the elements
//! picked with `--select`, walked into blocks.
//!
//! The walk is iterative (an explicit stack), so hostile nesting cannot blow
//! the call stack; dom_smoothie is skipped for very deep documents for the
//! same reason.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use dom_query::{Document, Matcher, NodeId, NodeRef};
use dom_smoothie::{Config, Readability};

use super::Sink;
use crate::error::ParseError;
use crate::model::{BlockKind, ParseOptions};
use crate::normalize::normalize_text;

/// Elements that never hold policy text.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "button", "head",
    "iframe", "object", "embed", "canvas", "select", "option", "input", "textarea", "dialog",
    "math", "img", "picture", "video", "audio", "map",
];

/// Elements that start and end a block of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "address",
    "center",
    "details",
    "summary",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "ul",
    "ol",
    "menu",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "body",
    "html",
    "fieldset",
    "legend",
    "hr",
    "header",
    "hgroup",
];

/// Nesting beyond which dom_smoothie (which recurses) is not trusted.
const MAX_READABILITY_DEPTH: usize = 400;
/// Below this many characters, readability is judged to have missed the content.
const MIN_READABLE_CHARS: usize = 200;

/// Extract the policy text of an HTML page.
pub(crate) fn extract_html(
    html: &str,
    opts: &ParseOptions,
    sink: &mut Sink,
) -> Result<(), ParseError> {
    let removals = opts
        .remove
        .iter()
        .map(|s| parse_selector(s))
        .collect::<Result<Vec<_>, _>>()?;
    let html = limit_nesting(html);
    let load = || {
        let doc = Document::from(html.as_ref());
        for matcher in &removals {
            doc.select_matcher(matcher).remove();
        }
        doc
    };
    let doc = load();
    if let Some(sel) = &opts.select {
        let matcher = parse_selector(sel)?;
        let found = doc.select_matcher(&matcher);
        if found.is_empty() {
            return Err(ParseError::Selector {
                selector: sel.clone(),
                problem: "matches no element in the page; check it against the page source \
                          (content rendered by JavaScript is not seen)"
                    .to_string(),
            });
        }
        // Nested matches would repeat text: keep only the outermost ones.
        let ids: HashSet<NodeId> = found.nodes().iter().map(|n| n.id).collect();
        for node in found.nodes() {
            let nested = node.ancestors_it(None).any(|a| ids.contains(&a.id));
            if !nested {
                walk(node, sink);
            }
        }
        return Ok(());
    }
    // The whole page, minus the elements that never hold policy text: the
    // fallback, and the yardstick for readability's result. `doc` itself is
    // untouched by readability, which works on its own copy.
    let mut whole = Sink::default();
    walk(&doc.body().unwrap_or_else(|| doc.root()), &mut whole);
    let chosen = match readable_content(&doc, load) {
        Some(article) => {
            let main = walk_readable(&article);
            // Readability that found almost nothing, or a small part of a
            // long page (a banner, one of several policy containers), missed
            // the content.
            let (got, all) = (text_len(&main), text_len(&whole));
            if got >= MIN_READABLE_CHARS.min(all) && got * 4 >= all {
                main
            } else {
                whole
            }
        }
        None => whole,
    };
    for b in chosen.finish() {
        if b.text.is_empty() {
            sink.paragraph_break();
        } else {
            sink.push(b.kind, &b.text);
        }
    }
    Ok(())
}

fn text_len(sink: &Sink) -> usize {
    sink.blocks().iter().map(|b| b.text.len()).sum()
}

/// Open tags beyond this depth are dropped before parsing (see [`limit_nesting`]).
const MAX_TAG_DEPTH: usize = 512;

/// Elements that are void or closed implicitly by their siblings; they do
/// not count towards the nesting estimate.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody",
    "tfoot", "colgroup", "rb", "rt", "rp", "html", "head", "body", "param", "keygen",
];

/// Drop open tags nested deeper than [`MAX_TAG_DEPTH`] (and their end tags).
///
/// html5ever scans the stack of open elements for every start tag, so
/// thousands of unclosed `<div>`s or `<b>`s cost quadratic time; no real
/// page nests that deep, so flattening the excess loses nothing but the
/// attack. The estimate is a linear scan of the tags, not a parse.
fn limit_nesting(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    let mut depth = 0usize;
    let mut dropped: HashMap<String, usize> = HashMap::new();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr_lt(&b[i..]) {
        let start = i + off;
        let Some(end) = b[start..]
            .iter()
            .position(|&c| c == b'>')
            .map(|p| start + p + 1)
        else {
            break;
        };
        i = end;
        let inner = &html[start + 1..end - 1];
        if inner.starts_with("!--") {
            // Skip the whole comment: tags inside it do not count.
            if let Some(close) = html[start..].find("-->") {
                i = (start + close + 3).max(end);
            }
            continue;
        }
        let (closing, name_src) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let name_len = name_src
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-')
            .count();
        if name_len == 0 || !name_src.as_bytes()[0].is_ascii_alphabetic() {
            continue;
        }
        let name = name_src[..name_len].to_ascii_lowercase();
        if NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            match dropped.get_mut(&name) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    cuts.push((start, end));
                }
                _ => depth = depth.saturating_sub(1),
            }
        } else if inner.ends_with('/') {
            continue;
        } else if matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
            // Raw text: jump to the end tag without counting what is inside.
            if let Some(p) = find_end_tag(&b[end..], name.as_bytes()) {
                i = end + p;
            }
        } else if depth >= MAX_TAG_DEPTH {
            *dropped.entry(name).or_default() += 1;
            cuts.push((start, end));
        } else {
            depth += 1;
        }
    }
    if cuts.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (start, end) in cuts {
        out.push_str(&html[last..start]);
        out.push(' ');
        last = end;
    }
    out.push_str(&html[last..]);
    Cow::Owned(out)
}

/// Position of `</name` (any case) in `hay`.
fn find_end_tag(hay: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = hay[from..].windows(2).position(|w| w == b"</") {
        let at = from + p;
        let tail = &hay[at + 2..];
        if tail.len() >= name.len() && tail[..name.len()].eq_ignore_ascii_case(name) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'<')
}

fn parse_selector(sel: &str) -> Result<Matcher, ParseError> {
    Matcher::new(sel).map_err(|e| ParseError::Selector {
        selector: sel.to_string(),
        problem: format!("is not a valid CSS selector ({e:?})"),
    })
}

struct Readable {
    /// The texts of the page's `<h1>`s, lower-cased: readability renames
    /// them to `<h2>` and drops the one it takes as the article title.
    h1s: Vec<String>,
    html: String,
}

/// The main content found by dom_smoothie, or `None` if it fails (or the
/// page is too deeply nested to trust it with).
fn readable_content(doc: &Document, load: impl Fn() -> Document) -> Option<Readable> {
    let root = doc.root();
    if max_depth(&root) > MAX_READABILITY_DEPTH {
        return None;
    }
    let h1s = doc
        .select("h1")
        .nodes()
        .iter()
        .map(|n| normalize_text(&plain_text(n)))
        .filter(|t| !t.is_empty())
        .collect();
    // Readability mutates its document; give it its own copy.
    let copy = load();
    let cfg = Config {
        max_elements_to_parse: 100_000,
        ..Config::default()
    };
    let mut readability = Readability::with_document(copy, None, Some(cfg)).ok()?;
    let article = readability.parse().ok()?;
    Some(Readable {
        h1s,
        html: article.content.to_string(),
    })
}

/// Walk readability's content, undoing its `<h1>` → `<h2>` renaming and
/// restoring the page's first `<h1>` if it was dropped as the title.
fn walk_readable(article: &Readable) -> Sink {
    let mut found = Sink::default();
    let content = Document::from(article.html.as_str());
    walk(&content.root(), &mut found);
    let is_h1 = |text: &str| article.h1s.iter().any(|h| h.eq_ignore_ascii_case(text));
    let mut main = Sink::default();
    if let Some(title) = article.h1s.first()
        && !found
            .blocks()
            .iter()
            .any(|b| matches!(b.kind, BlockKind::Heading(_)) && b.text.eq_ignore_ascii_case(title))
    {
        main.push(BlockKind::Heading(1), title);
    }
    for b in found.finish() {
        let kind = match b.kind {
            BlockKind::Heading(2) if is_h1(&b.text) => BlockKind::Heading(1),
            kind => kind,
        };
        if b.text.is_empty() {
            main.paragraph_break();
        } else {
            main.push(kind, &b.text);
        }
    }
    main
}

fn node_name(node: &NodeRef) -> Option<String> {
    node.node_name().map(|n| n.to_ascii_lowercase())
}

/// Depth of the deepest element, computed without recursion.
fn max_depth(root: &NodeRef) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(*root, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        for child in node.children_it(false) {
            if child.is_element() {
                stack.push((child, depth + 1));
            }
        }
    }
    deepest
}

/// All text below a node, without recursion.
fn plain_text(node: &NodeRef) -> String {
    let mut out = String::new();
    let mut stack = vec![*node];
    while let Some(n) = stack.pop() {
        if n.is_text() {
            out.push_str(&n.text());
        } else {
            if node_name(&n).is_some_and(|name| name == "br") {
                out.push(' ');
            }
            let children: Vec<NodeRef> = n.children_it(true).collect();
            stack.extend(children);
        }
    }
    out
}

/// Does a `<header>` hold a heading? Then it is the article's title block,
/// not site chrome.
fn has_heading(node: &NodeRef) -> bool {
    let mut stack = vec![*node];
    while let Some(n) = stack.pop() {
        if let Some(name) = node_name(&n)
            && heading_level(&name).is_some()
        {
            return true;
        }
        stack.extend(n.children_it(false).filter(|c| c.is_element()));
    }
    false
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

enum Step<'a> {
    Enter(NodeRef<'a>),
    /// Leave a block element: flush and restore the kind that was current.
    ExitBlock(BlockKind),
    ExitRow,
    ExitPre,
}

struct Walker<'s> {
    sink: &'s mut Sink,
    buf: String,
    kind: BlockKind,
    /// Inside a table row, block elements only separate words.
    row_depth: usize,
    cells_in_row: usize,
    pre_depth: usize,
}

impl Walker<'_> {
    fn flush(&mut self) {
        if !self.buf.trim().is_empty() {
            self.sink.push(self.kind, &self.buf);
        }
        self.buf.clear();
    }

    fn text(&mut self, text: &str) {
        if self.pre_depth > 0 && self.row_depth == 0 {
            let mut lines = text.split('\n');
            if let Some(first) = lines.next() {
                self.buf.push_str(first);
            }
            for line in lines {
                self.flush();
                self.buf.push_str(line);
            }
        } else {
            self.buf.push_str(text);
        }
    }
}

/// Walk a subtree into blocks: h1–h6 → headings, li → list items, tr →
/// table rows (cells joined with ` | `), other block elements → paragraphs,
/// `<br>` → a new line.
fn walk(root: &NodeRef, sink: &mut Sink) {
    let mut w = Walker {
        sink,
        buf: String::new(),
        kind: BlockKind::Paragraph,
        row_depth: 0,
        cells_in_row: 0,
        pre_depth: 0,
    };
    let mut stack = vec![Step::Enter(*root)];
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Enter(node) => node,
            Step::ExitBlock(previous) => {
                if w.row_depth == 0 {
                    w.flush();
                } else {
                    w.buf.push(' ');
                }
                w.kind = previous;
                continue;
            }
            Step::ExitRow => {
                w.row_depth -= 1;
                if w.row_depth == 0 {
                    w.flush();
                    w.kind = BlockKind::Paragraph;
                }
                continue;
            }
            Step::ExitPre => {
                w.pre_depth -= 1;
                continue;
            }
        };
        if node.is_text() {
            w.text(&node.text());
            continue;
        }
        let Some(name) = node_name(&node) else {
            // Document or fragment root: walk its children.
            push_children(&node, &mut stack);
            continue;
        };
        if !node.is_element() {
            continue; // comments, doctypes
        }
        // A <header> or <form> holding a heading is content: the article's
        // title block, or an ASP.NET page wrapped whole in a <form>. An
        // element picked with --select is kept whatever it is.
        let dropped = match name.as_str() {
            "header" | "form" => !has_heading(&node),
            other => DROPPED.contains(&other),
        };
        if dropped && node.id != root.id {
            continue;
        }
        match name.as_str() {
            "br" => {
                if w.row_depth == 0 {
                    w.flush();
                } else {
                    w.buf.push(' ');
                }
                continue;
            }
            "tr" => {
                if w.row_depth == 0 {
                    w.flush();
                    w.kind = BlockKind::TableRow;
                    w.cells_in_row = 0;
                }
                w.row_depth += 1;
                stack.push(Step::ExitRow);
            }
            "td" | "th" if w.row_depth > 0 => {
                if w.cells_in_row > 0 {
                    w.buf.push_str(" | ");
                }
                w.cells_in_row += 1;
            }
            "pre" | "textarea" => {
                w.pre_depth += 1;
                stack.push(Step::ExitPre);
            }
            _ => {}
        }
        let block_kind = if let Some(level) = heading_level(&name) {
            Some(BlockKind::Heading(level))
        } else if name == "li" {
            Some(BlockKind::ListItem)
        } else if BLOCKS.contains(&name.as_str()) {
            Some(
                if w.kind == BlockKind::ListItem && matches!(name.as_str(), "p" | "div") {
                    BlockKind::ListItem
                } else {
                    BlockKind::Paragraph
                },
            )
        } else {
            None
        };
        if let Some(kind) = block_kind {
            if w.row_depth == 0 {
                w.flush();
                stack.push(Step::ExitBlock(w.kind));
                w.kind = kind;
            } else {
                w.buf.push(' ');
                stack.push(Step::ExitBlock(w.kind));
            }
        } else if !w.buf.is_empty() && matches!(name.as_str(), "td" | "th") {
            w.buf.push(' ');
        }
        push_children(&node, &mut stack);
    }
    w.flush();
}

fn push_children<'a>(node: &NodeRef<'a>, stack: &mut Vec<Step<'a>>) {
    // Reverse order on the stack gives document order off it.
    stack.extend(node.children_it(true).map(Step::Enter));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Block;

    fn run(html: &str, opts: &ParseOptions) -> Result<Vec<Block>, ParseError> {
        let mut sink = Sink::default();
        extract_html(html, opts, &mut sink)?;
        Ok(sink.finish())
    }

    #[test]
    fn walk_kinds() {
        let html = "<body><h2>Data</h2><p>We <b>collect</b> data.<br>Second line</p>\
                    <ul><li>Name</li><li>Email<ul><li>Work</li></ul></li></ul>\
                    <table><tr><th>Kind</th><th>Kept</th></tr><tr><td><p>Logs</p></td><td>14 months</td></tr></table>\
                    <script>var x = 1;</script><nav>Home</nav><footer>(c) Us</footer></body>";
        let opts = ParseOptions {
            select: Some("body".into()),
            ..ParseOptions::default()
        };
        let got: Vec<(BlockKind, String)> = run(html, &opts)
            .unwrap()
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect();
        let want = [
            (BlockKind::Heading(2), "Data"),
            (BlockKind::Paragraph, "We collect data."),
            (BlockKind::Paragraph, "Second line"),
            (BlockKind::ListItem, "Name"),
            (BlockKind::ListItem, "Email"),
            (BlockKind::ListItem, "Work"),
            (BlockKind::TableRow, "Kind | Kept"),
            (BlockKind::TableRow, "Logs | 14 months"),
        ];
        let want: Vec<(BlockKind, String)> =
            want.iter().map(|(k, t)| (*k, t.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn readability_finds_the_article() {
        let html = include_str!("../../tests/fixtures/extract/main_content.html");
        let load = || Document::from(html);
        let found = readable_content(&load(), load).expect("readability should find the article");
        assert!(found.html.contains("How long we keep it"));
        assert!(!found.html.contains("Pricing"));
        assert!(!found.html.contains("Subscribe"));
        // Readability takes the <h1> as the article title and drops it; it is restored.
        let blocks = walk_readable(&found).finish();
        assert_eq!(
            blocks[0],
            crate::model::Block::new(BlockKind::Heading(1), "Privacy Policy")
        );
        assert!(blocks.contains(&crate::model::Block::new(
            BlockKind::Heading(2),
            "Your rights"
        )));
    }

    #[test]
    fn forms_with_headings_and_selected_chrome_are_kept() {
        let page = "<html><body><form id=\"aspnetForm\"><h1>Privacy</h1><p>We collect data.</p>\
                    <form><input><button>Search</button></form></form></body></html>";
        let texts: Vec<String> = run(page, &ParseOptions::default())
            .unwrap()
            .into_iter()
            .map(|b| b.text)
            .collect();
        assert_eq!(texts, ["Privacy", "We collect data."]);
        let opts = ParseOptions {
            select: Some("footer".into()),
            ..ParseOptions::default()
        };
        let blocks = run(
            "<body><p>x</p><footer><p>Imprint</p></footer></body>",
            &opts,
        )
        .unwrap();
        assert_eq!(blocks[0].text, "Imprint");
    }

    #[test]
    fn selector_errors() {
        let opts = ParseOptions {
            select: Some("div[".into()),
            ..ParseOptions::default()
        };
        assert!(matches!(
            run("<p>x</p>", &opts),
            Err(ParseError::Selector { .. })
        ));
        let opts = ParseOptions {
            select: Some("#missing".into()),
            ..ParseOptions::default()
        };
        let err = run("<p>x</p>", &opts).unwrap_err();
        assert!(err.to_string().contains("matches no element"), "{err}");
    }

    #[test]
    fn limit_nesting_keeps_normal_pages() {
        let page = "<div><p>a<p>b<!-- <div> --><script>if (a<b) {}</script></div>";
        assert_eq!(limit_nesting(page), page);
        let deep = "<i>".repeat(MAX_TAG_DEPTH + 5);
        assert_eq!(limit_nesting(&deep).matches("<i>").count(), MAX_TAG_DEPTH);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = format!("{}text{}", "<div><b>".repeat(20_000), "</div>".repeat(10));
        let blocks = run(&html, &ParseOptions::default()).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].text, "text");
    }
}
