//! Markdown: a small line-based reader that keeps what a policy *says*.
//!
//! Block structure (headings, paragraphs, list items, tables, quotes, code)
//! becomes [`BlockKind`]s; inline markup is reduced to its text: link text
//! without URLs, no emphasis markers, no tags, entities decoded, backslash
//! escapes undone. It is deliberately forgiving rather than CommonMark-exact:
//! what matters is that re-wrapping or re-styling a policy changes nothing,
//! and that the escaped Markdown written by `segment::to_markdown` reads back
//! as the same blocks.

use std::collections::HashSet;

use super::Sink;
use crate::model::BlockKind;

/// Length in bytes of a YAML (`---`) or TOML (`+++`) front matter block at
/// the very start of `text`, closing fence included.
pub fn front_matter_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = text.len() - body.len();
    let fence = if body.starts_with("---") {
        "---"
    } else if body.starts_with("+++") {
        "+++"
    } else {
        return None;
    };
    let first_end = body.find('\n')?;
    if body[..first_end].trim_end() != fence {
        return None;
    }
    let mut pos = first_end + 1;
    let mut saw_key = false;
    while pos < body.len() {
        let end = body[pos..].find('\n').map_or(body.len(), |i| pos + i);
        let line = body[pos..end].trim_end();
        if line == fence || (fence == "---" && line == "...") {
            // `---` + text + `---` could also be a thematic break and a setext
            // heading; front matter has `key: value` (or `key = value`) lines.
            return saw_key.then_some(offset + (end + 1).min(body.len()));
        }
        if line.contains(':') || line.contains('=') {
            saw_key = true;
        }
        pos = end + 1;
    }
    None
}

/// What the pending paragraph buffer will become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Paragraph,
    ListItem,
    Quote,
}

struct Reader<'s> {
    sink: &'s mut Sink,
    refs: HashSet<String>,
    buf: String,
    pending: Option<Pending>,
}

impl Reader<'_> {
    fn flush(&mut self) {
        if let Some(kind) = self.pending.take() {
            let kind = match kind {
                Pending::ListItem => BlockKind::ListItem,
                Pending::Paragraph | Pending::Quote => BlockKind::Paragraph,
            };
            let text = inline_text(&self.buf, &self.refs);
            self.sink.push_owned(kind, text);
        }
        self.buf.clear();
    }

    fn start(&mut self, kind: Pending, text: &str) {
        self.flush();
        self.pending = Some(kind);
        self.buf.push_str(text);
    }

    fn append(&mut self, text: &str) {
        // A trailing backslash is a hard line break: just a space here.
        if self.buf.ends_with('\\') && !self.buf.ends_with("\\\\") {
            self.buf.pop();
        }
        if !self.buf.is_empty() {
            self.buf.push(' ');
        }
        self.buf.push_str(text);
    }
}

/// Read Markdown into blocks.
pub(crate) fn extract_markdown(text: &str, sink: &mut Sink) {
    let body = &text[front_matter_len(text).unwrap_or(0)..];
    let lines: Vec<&str> = body.lines().collect();
    let refs = reference_labels(&lines);
    let mut r = Reader {
        sink,
        refs,
        buf: String::new(),
        pending: None,
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let (indent, t) = split_indent(line);
        if t.is_empty() {
            r.flush();
            continue;
        }
        // Fenced code: kept as one paragraph, verbatim.
        if indent <= 3 && (t.starts_with("```") || t.starts_with("~~~")) {
            r.flush();
            let fence = &t[..3];
            let mut code = String::new();
            while i < lines.len() && !lines[i].trim_start().starts_with(fence) {
                code.push_str(lines[i]);
                code.push('\n');
                i += 1;
            }
            i += 1; // the closing fence (or the end)
            r.sink.push(BlockKind::Paragraph, &code);
            continue;
        }
        if indent <= 3 {
            if let Some((level, heading)) = atx_heading(t) {
                r.flush();
                let text = inline_text(heading, &r.refs);
                r.sink.push_owned(BlockKind::Heading(level), text);
                continue;
            }
            if let Some(level) = setext_underline(t)
                && r.pending == Some(Pending::Paragraph)
            {
                let text = inline_text(&r.buf, &r.refs);
                r.buf.clear();
                r.pending = None;
                r.sink.push_owned(BlockKind::Heading(level), text);
                continue;
            }
            if is_thematic_break(t) {
                r.flush();
                continue;
            }
            if is_reference_definition(t) && r.pending.is_none() {
                continue;
            }
        }
        if let Some(quoted) = strip_quote(t).filter(|_| indent <= 3) {
            let (_, q) = split_indent(quoted);
            if q.is_empty() {
                r.flush();
            } else if let Some((level, heading)) = atx_heading(q) {
                r.flush();
                let text = inline_text(heading, &r.refs);
                r.sink.push_owned(BlockKind::Heading(level), text);
            } else if let Some(item) = list_item(q) {
                r.start(Pending::ListItem, item);
            } else if r.pending == Some(Pending::Quote) {
                r.append(q);
            } else {
                r.start(Pending::Quote, q);
            }
            continue;
        }
        if is_table_row(t, lines.get(i).copied(), r.pending.is_some()) {
            r.flush();
            // The header row, then every following row of the table.
            push_row(t, &r.refs, r.sink);
            while i < lines.len() {
                let next = lines[i].trim();
                if next.is_empty() || !next.contains('|') {
                    break;
                }
                if !is_separator_row(next) {
                    push_row(next, &r.refs, r.sink);
                }
                i += 1;
            }
            continue;
        }
        if let Some(item) = list_item(t) {
            r.start(Pending::ListItem, item);
            continue;
        }
        match r.pending {
            // Continuation (lazy or indented) of the paragraph or item.
            Some(_) => r.append(t),
            None => r.start(Pending::Paragraph, t),
        }
    }
    r.flush();
}

fn split_indent(line: &str) -> (usize, &str) {
    let t = line.trim_start_matches([' ', '\t']);
    let indent = line[..line.len() - t.len()]
        .chars()
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum();
    (indent, t.trim_end())
}

/// `## Title ##` → (2, "Title").
fn atx_heading(t: &str) -> Option<(u8, &str)> {
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = &t[hashes..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let mut text = rest.trim();
    // An optional closing sequence of #s, preceded by a space.
    let closing = text.trim_end_matches('#');
    if closing.is_empty() || closing.ends_with([' ', '\t']) {
        text = closing.trim_end();
    }
    // A header attribute block (`## Title {#anchor}`) is not heading text.
    if text.ends_with('}')
        && let Some(open) = text.rfind(" {#")
    {
        text = text[..open].trim_end();
    }
    Some((hashes as u8, text))
}

fn setext_underline(t: &str) -> Option<u8> {
    if t.bytes().all(|b| b == b'=') {
        Some(1)
    } else if t.bytes().all(|b| b == b'-') {
        Some(2)
    } else {
        None
    }
}

fn is_thematic_break(t: &str) -> bool {
    let mut marker = None;
    let mut count = 0;
    for b in t.bytes() {
        match b {
            b' ' | b'\t' => {}
            b'-' | b'*' | b'_' if marker.is_none_or(|m| m == b) => {
                marker = Some(b);
                count += 1;
            }
            _ => return false,
        }
    }
    count >= 3
}

/// `[label]: url "title"`.
fn is_reference_definition(t: &str) -> bool {
    let Some(rest) = t.strip_prefix('[') else {
        return false;
    };
    let Some(close) = rest.find("]:") else {
        return false;
    };
    let label = &rest[..close];
    !label.is_empty() && !label.starts_with('^') && !rest[close + 2..].trim().is_empty()
}

fn reference_labels(lines: &[&str]) -> HashSet<String> {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|t| is_reference_definition(t))
        .filter_map(|t| {
            let close = t.find("]:")?;
            Some(t[1..close].to_lowercase())
        })
        .collect()
}

fn strip_quote(t: &str) -> Option<&str> {
    let mut rest = t.strip_prefix('>')?;
    loop {
        rest = rest.strip_prefix(' ').unwrap_or(rest);
        match rest.strip_prefix('>') {
            Some(r) => rest = r,
            None => return Some(rest),
        }
    }
}

/// `- item`, `* item`, `+ item`, `1. item`, `1) item` → the item's text
/// (task-list boxes dropped).
fn list_item(t: &str) -> Option<&str> {
    let bytes = t.as_bytes();
    let marker_len = match bytes.first()? {
        b'-' | b'*' | b'+' => 1,
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 9 || !matches!(bytes.get(digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    let rest = &t[marker_len..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let item = rest.trim_start();
    Some(
        item.strip_prefix("[ ] ")
            .or_else(|| item.strip_prefix("[x] "))
            .or_else(|| item.strip_prefix("[X] "))
            .unwrap_or(item),
    )
}

fn is_separator_row(t: &str) -> bool {
    t.contains('-')
        && t.bytes()
            .all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t'))
}

/// A table row starts with `|`, or is a header row with a separator under it.
fn is_table_row(t: &str, next: Option<&str>, in_paragraph: bool) -> bool {
    let header_row =
        t.contains('|') && next.is_some_and(|n| is_separator_row(n.trim()) && n.contains('|'));
    // A header row with its separator may interrupt a paragraph; a bare
    // `| …` line inside one is just text.
    header_row || (!in_paragraph && t.starts_with('|') && t.len() > 1)
}

fn push_row(t: &str, refs: &HashSet<String>, sink: &mut Sink) {
    let inner = t.strip_prefix('|').unwrap_or(t);
    let inner = if inner.ends_with('|') && !inner.ends_with("\\|") {
        &inner[..inner.len() - 1]
    } else {
        inner
    };
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(inline_text(&std::mem::take(&mut cell), refs)),
            c => cell.push(c),
        }
    }
    cells.push(inline_text(&cell, refs));
    if cells.iter().any(|c| !c.trim().is_empty()) {
        let row: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
        sink.push(BlockKind::TableRow, &row.join(" | "));
    }
}

/// HTML tags stripped from Markdown text (sorted, for binary search). Anything else in angle brackets
/// (`<EU Representative>`) is text.
const INLINE_TAGS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "audio",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "body",
    "br",
    "button",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "link",
    "main",
    "mark",
    "meta",
    "nav",
    "noscript",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Longest stretch searched for a closing `]` or `)`, so that many unmatched
/// brackets cannot make the reader quadratic.
const MAX_LINK_SPAN: usize = 2048;

/// Reduce inline Markdown to its text.
pub fn inline_text(src: &str, refs: &HashSet<String>) -> String {
    // `\1.` at the start of a block: a number escaped so it is not a list item.
    let src = match src.strip_prefix('\\') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => src,
    };
    let mut out = String::with_capacity(src.len());
    inline_into(src, refs, &mut out, 0);
    out
}

fn inline_into(src: &str, refs: &HashSet<String>, out: &mut String, depth: usize) {
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' if i + 1 < b.len() && b[i + 1].is_ascii_punctuation() => {
                out.push(b[i + 1] as char);
                i += 2;
            }
            b'!' if b.get(i + 1) == Some(&b'[') => {
                // An image: dropped with its alt text and URL.
                match link_at(src, i + 1) {
                    Some((_, end)) => i = end,
                    None => {
                        out.push('!');
                        i += 1;
                    }
                }
            }
            b'[' => match link_at(src, i) {
                Some((text, end)) if depth < 4 => {
                    inline_into(text, refs, out, depth + 1);
                    i = end;
                }
                _ => match shortcut_ref(src, i, refs) {
                    Some((text, end)) => {
                        inline_into(text, refs, out, depth + 1);
                        i = end;
                    }
                    None => {
                        out.push('[');
                        i += 1;
                    }
                },
            },
            b'<' => match angle_at(src, i) {
                Some((Angle::Autolink(url), end)) => {
                    out.push_str(url);
                    i = end;
                }
                Some((Angle::Tag { spaced }, end)) => {
                    if spaced {
                        out.push(' ');
                    }
                    i = end;
                }
                None => {
                    out.push('<');
                    i += 1;
                }
            },
            b'&' => match entity_at(src, i) {
                Some(((first, second), end)) => {
                    out.push(first);
                    out.extend(second);
                    i = end;
                }
                None => {
                    out.push('&');
                    i += 1;
                }
            },
            b'`' => i += 1,
            b'*' | b'_' | b'~' => {
                let run = b[i..].iter().take_while(|&&x| x == c).count();
                let before = src[..i].chars().next_back();
                let after = src[i + run..].chars().next();
                if is_emphasis_run(c, run, before, after) {
                    // Emphasis and strikethrough markers carry no meaning here.
                } else {
                    out.push_str(&src[i..i + run]);
                }
                i += run;
            }
            _ => {
                // Copy a stretch of ordinary text in one go.
                let next = b[i + 1..]
                    .iter()
                    .position(|&x| MARKUP_START[usize::from(x)])
                    .map_or(b.len(), |p| i + 1 + p);
                out.push_str(&src[i..next]);
                i = next;
            }
        }
    }
}

/// The bytes inline markup can start at: a table lookup per byte, as the
/// inline scanner passes over all the text of a document.
const MARKUP_START: [bool; 256] = {
    let mut table = [false; 256];
    let starts = b"\\![<&`*_~";
    let mut i = 0;
    while i < starts.len() {
        table[starts[i] as usize] = true;
        i += 1;
    }
    table
};

/// Is a run of `*`, `_` or `~` an emphasis delimiter rather than text?
fn is_emphasis_run(c: u8, run: usize, before: Option<char>, after: Option<char>) -> bool {
    let space_before = before.is_none_or(char::is_whitespace);
    let space_after = after.is_none_or(char::is_whitespace);
    if space_before && space_after {
        return false; // "5 * 3", a lone "_"
    }
    match c {
        // Intraword underscores are text (snake_case, URLs).
        b'_' => {
            !(before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric))
        }
        b'~' => run >= 2,
        _ => true,
    }
}

/// `[text](dest)` or `[text][ref]` starting at `start` (the `[`): the text
/// and the index after the link.
fn link_at(src: &str, start: usize) -> Option<(&str, usize)> {
    let close = matching(src, start, b'[', b']')?;
    let text = &src[start + 1..close];
    let b = src.as_bytes();
    match b.get(close + 1) {
        Some(b'(') => {
            let end = matching(src, close + 1, b'(', b')')?;
            Some((text, end + 1))
        }
        Some(b'[') => {
            let end = matching(src, close + 1, b'[', b']')?;
            Some((text, end + 1))
        }
        _ => None,
    }
}

/// `[text]` whose label has a reference definition.
fn shortcut_ref<'a>(
    src: &'a str,
    start: usize,
    refs: &HashSet<String>,
) -> Option<(&'a str, usize)> {
    if refs.is_empty() {
        return None;
    }
    let close = matching(src, start, b'[', b']')?;
    let text = &src[start + 1..close];
    refs.contains(&text.to_lowercase())
        .then_some((text, close + 1))
}

/// Index of the bracket closing the one at `open`, honouring nesting and
/// backslash escapes, within [`MAX_LINK_SPAN`].
fn matching(src: &str, open: usize, left: u8, right: u8) -> Option<usize> {
    let b = src.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let limit = b.len().min(open + MAX_LINK_SPAN);
    while i < limit {
        match b[i] {
            b'\\' => i += 1,
            x if x == left => depth += 1,
            x if x == right => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Position of an ASCII byte within the first `limit` bytes (byte offsets,
/// so no slicing inside a multi-byte character).
fn find_byte(s: &str, needle: u8, limit: usize) -> Option<usize> {
    s.as_bytes().iter().take(limit).position(|&b| b == needle)
}

enum Angle<'a> {
    Autolink(&'a str),
    Tag { spaced: bool },
}

/// An autolink (`<https://…>`, `<a@b.c>`), a known HTML tag or a comment at `start`.
fn angle_at(src: &str, start: usize) -> Option<(Angle<'_>, usize)> {
    let rest = &src[start + 1..];
    if let Some(comment) = rest.strip_prefix("!--") {
        let end = comment.find("-->")?;
        return Some((Angle::Tag { spaced: false }, start + 4 + end + 3));
    }
    let close = find_byte(rest, b'>', MAX_LINK_SPAN)?;
    let inner = &rest[..close];
    let end = start + 1 + close + 1;
    if inner.is_empty() || inner.contains(['<', '\n']) {
        return None;
    }
    let scheme_end = inner.find(':').unwrap_or(0);
    if scheme_end >= 2
        && inner[..scheme_end]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
        && !inner.contains(' ')
    {
        return Some((Angle::Autolink(inner), end));
    }
    if !inner.contains(' ') && inner.contains('@') && !inner.starts_with('@') {
        return Some((Angle::Autolink(inner), end));
    }
    let name_src = inner.strip_prefix('/').unwrap_or(inner);
    let name_len = name_src
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = name_src[..name_len].to_ascii_lowercase();
    let after = &name_src[name_len..];
    let well_formed = after.is_empty() || after.starts_with([' ', '/', '\t']);
    if well_formed && INLINE_TAGS.binary_search(&name.as_str()).is_ok() {
        // Line-level tags separate words; inline ones do not.
        let spaced = !matches!(
            name.as_str(),
            "a" | "abbr"
                | "b"
                | "big"
                | "cite"
                | "code"
                | "del"
                | "em"
                | "font"
                | "i"
                | "ins"
                | "kbd"
                | "mark"
                | "s"
                | "small"
                | "span"
                | "strike"
                | "strong"
                | "sub"
                | "sup"
                | "u"
        );
        return Some((Angle::Tag { spaced }, end));
    }
    None
}

/// A character reference (`&amp;`, `&#233;`, `&#xE9;`) at `start`: the one
/// or two characters it stands for, and where it ends.
fn entity_at(src: &str, start: usize) -> Option<((char, Option<char>), usize)> {
    let rest = &src[start + 1..];
    let semi = find_byte(rest, b';', 34)?;
    let decoded = decode_reference(&rest[..semi])?;
    Some((decoded, start + 1 + semi + 1))
}

/// The characters of the reference `&body;`, if it is one: a named entity
/// of HTML5, or a number naming a character that may appear in a document
/// (not NUL or another C0 control but white space). Anything else stays as
/// it is written, as HTML renderers of Markdown leave it.
///
/// The names are looked up in the HTML parser's own table (`web_atoms`),
/// which keeps both code points of the entities that have two (`&fjlig;` is
/// "fj"); html-escape's table, used here before, kept only the first.
fn decode_reference(body: &str) -> Option<(char, Option<char>)> {
    if let Some(number) = body.strip_prefix('#') {
        let (digits, radix) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (number, 10),
        };
        // `from_str_radix` would accept a sign.
        if !digits.bytes().next()?.is_ascii_hexdigit() {
            return None;
        }
        let c = char::from_u32(u32::from_str_radix(digits, radix).ok()?)?;
        let allowed = !matches!(c, '\0'..='\u{1F}') || matches!(c, '\t' | '\n' | '\u{C}' | '\r');
        return allowed.then_some((c, None));
    }
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    // The table's keys end in `;` (those without are legacy spellings that
    // only HTML itself accepts), and its longest name is 32 bytes.
    let mut key = [0u8; 40];
    let key = key.get_mut(..body.len() + 1)?;
    key[..body.len()].copy_from_slice(body.as_bytes());
    key[body.len()] = b';';
    let key = std::str::from_utf8(key).ok()?;
    let &(first, second) = web_atoms::NAMED_ENTITIES.get(key)?;
    // Keys that are only prefixes of longer names map to 0.
    let first = char::from_u32(first).filter(|&c| c != '\0')?;
    Some((first, char::from_u32(second).filter(|&c| c != '\0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Block;

    fn run(md: &str) -> Vec<Block> {
        let mut sink = Sink::default();
        extract_markdown(md, &mut sink);
        sink.finish()
    }

    fn inline(s: &str) -> String {
        inline_text(s, &HashSet::new())
    }

    #[test]
    fn inline_markup_reduced_to_text() {
        assert_eq!(
            inline("See [our policy](https://x.y/p_(1)) now"),
            "See our policy now"
        );
        assert_eq!(
            inline("**Bold** and _em_ and `code`"),
            "Bold and em and code"
        );
        assert_eq!(
            inline("snake_case_name and https://x.y/a_b_c"),
            "snake_case_name and https://x.y/a_b_c"
        );
        assert_eq!(inline("5 * 3 = 15"), "5 * 3 = 15");
        assert_eq!(
            inline("Mail <privacy@x.y> or <https://x.y>"),
            "Mail privacy@x.y or https://x.y"
        );
        assert_eq!(inline("a <span class=\"c\">b</span> c<br>d"), "a b c d");
        assert_eq!(inline("<EU Representative>"), "<EU Representative>");
        assert_eq!(
            inline("<figure class=\"c\"> <img alt=\"quill\" src=\"q.png\"> </figure>").trim(),
            ""
        );
        assert_eq!(inline("AT&amp;T &#233; &copy; & more"), "AT&T é © & more");
        assert_eq!(
            inline(r"\# not \*em\* \1. \- x\\y"),
            r"# not *em* \1. - x\y"
        );
        assert_eq!(inline("![logo](a.png)Text"), "Text");
        assert_eq!(inline("~~old~~ new"), "old new");
        assert_eq!(inline("[unclosed (link"), "[unclosed (link");
        // Limits are counted in bytes; they must never split a character.
        let wide = format!("&{};<{}", "é".repeat(40), "€".repeat(1500));
        assert_eq!(inline(&wide), wide);
    }

    #[test]
    fn tag_list_is_sorted_for_binary_search() {
        assert!(INLINE_TAGS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn blocks() {
        let md = "---\ntitle: Privacy\ndate: 2020\n---\n\n# Privacy policy\n\n*Last updated*\n\nFirst line\nwrapped here.\n\nSub\n---\n\n- one\n  continued\n* two\n1. three\n\n> quoted\n> text\n\n| A | B |\n|---|:-:|\n| 1 | [x](y) |\n\n[ref]: https://x.y\n\n```\ncode *here*\n```\n";
        let blocks = run(md);
        let got: Vec<(BlockKind, &str)> =
            blocks.iter().map(|b| (b.kind, b.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (BlockKind::Heading(1), "Privacy policy"),
                (BlockKind::Paragraph, "Last updated"),
                (BlockKind::Paragraph, "First line wrapped here."),
                (BlockKind::Heading(2), "Sub"),
                (BlockKind::ListItem, "one continued"),
                (BlockKind::ListItem, "two"),
                (BlockKind::ListItem, "three"),
                (BlockKind::Paragraph, "quoted text"),
                (BlockKind::TableRow, "A | B"),
                (BlockKind::TableRow, "1 | x"),
                (BlockKind::Paragraph, "code *here*"),
            ]
        );
    }

    #[test]
    fn table_may_follow_a_paragraph_line() {
        let blocks = run("We keep:\n| Data | Time |\n|---|---|\n| Logs | 14 months |\nAfter.\n");
        let got: Vec<(BlockKind, &str)> =
            blocks.iter().map(|b| (b.kind, b.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (BlockKind::Paragraph, "We keep:"),
                (BlockKind::TableRow, "Data | Time"),
                (BlockKind::TableRow, "Logs | 14 months"),
                (BlockKind::Paragraph, "After."),
            ]
        );
    }

    #[test]
    fn heading_anchors_and_hard_breaks() {
        let blocks = run("## Your rights {#rights}\n\nFirst\\\nsecond\n");
        assert_eq!(blocks[0].text, "Your rights");
        assert_eq!(blocks[1].text, "First second");
    }

    #[test]
    fn thematic_break_is_not_front_matter_or_heading() {
        let blocks = run("Intro\n\n---\n\nText\n");
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["Intro", "Text"]);
        assert!(front_matter_len("---\n\nText\n\n---\n").is_none());
    }

    #[test]
    fn escaped_markup_lines_stay_text() {
        let blocks = run("\\# Not a heading\n\n\\- not an item\n\n1\\. not a list\n");
        assert!(blocks.iter().all(|b| b.kind == BlockKind::Paragraph));
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        // normalize_text folds a leading "- " as a bullet glyph (issue 2,
        // item 2), so the escaped dash does not survive normalisation.
        assert_eq!(texts, ["# Not a heading", "not an item", "1. not a list"]);
    }

    /// What `decode_reference` gives for `&body;`, as the text it stands for.
    fn decoded(body: &str) -> String {
        match decode_reference(body) {
            Some((first, second)) => std::iter::once(first).chain(second).collect(),
            None => format!("&{body};"),
        }
    }

    #[test]
    fn references_decode_like_html_escape_for_every_named_entity() {
        // Every name either table knows, so neither has one the other lacks.
        let names = html_escape::NAMED_ENTITIES
            .iter()
            .map(|(name, _)| String::from_utf8_lossy(name).into_owned())
            .chain(
                web_atoms::NAMED_ENTITIES
                    .keys()
                    .filter_map(|k| k.strip_suffix(';'))
                    .map(str::to_owned),
            );
        for name in names {
            let raw = format!("&{name};");
            let ours = decoded(&name);
            let theirs = html_escape::decode_html_entities(&raw);
            // html-escape keeps only the first of the two code points some
            // entities stand for ("&fjlig;" is "fj"); apart from that the
            // two tables agree.
            let first_only = ours.chars().count() == 2 && ours.starts_with(&*theirs);
            assert!(
                ours == theirs || first_only,
                "{raw}: {ours:?} vs {theirs:?}"
            );
        }
    }

    #[test]
    fn numeric_references_decode_like_html_escape_at_the_edges() {
        for body in [
            "#0",
            "#9",
            "#10",
            "#12",
            "#13",
            "#31",
            "#32",
            "#127",
            "#128",
            "#233",
            "#x0",
            "#xE9",
            "#XE9",
            "#xd800",
            "#xDFFF",
            "#x10FFFF",
            "#x110000",
            "#1114111",
            "#1114112",
            "#99999999999",
            "#x",
            "#",
            "#1F",
            "#xG",
            "#00065",
            "#x000041",
        ] {
            let raw = format!("&{body};");
            assert_eq!(
                decoded(body),
                html_escape::decode_html_entities(&raw),
                "{raw}"
            );
        }
    }

    #[test]
    fn two_code_point_entities_keep_both() {
        assert_eq!(
            inline("&fjlig; &NotEqualTilde; &ThickSpace;"),
            "fj \u{2242}\u{338} \u{205F}\u{200A}"
        );
    }

    proptest::proptest! {
        /// On any short body of the shapes `entity_at` accepts, the decoder
        /// agrees with the crate it replaced.
        #[test]
        fn references_decode_like_html_escape(body in "#?[xX]?[0-9a-fA-FzZ]{0,9}|[a-zA-Z0-9]{1,12}") {
            let raw = format!("&{body};");
            proptest::prop_assert_eq!(decoded(&body), html_escape::decode_html_entities(&raw));
        }
    }
}
