//! Plain-text segmentation: headings guessed from the shape and context of
//! scraped lines, paragraphs rebuilt from wrapped lines.
//!
//! The heading shapes handled are the ones the seeds show: bare title lines
//! followed by prose, numbered headings split over two lines ("1." then
//! "Commitment and General Principles"), lettered sub-sections ("a) E-mail
//! Address: …"), ALL-CAPS and question headings.
//!
//! Scrapes come in two flavours and the rules adapt:
//! - *chunked*: paragraphs separated by blank lines. A bare heading must
//!   then stand alone between breaks, which keeps link lists and one-line
//!   questions inside paragraphs from becoming headings.
//! - *line per block*: no blank lines at all. A heading is recognised by
//!   its shape and by the prose that follows it.

use super::Builder;
use super::chrome::find_region;
use super::features::{
    LineInfo, decimal_depth, ends_non_question_terminal, ends_terminal, first_alpha, is_address,
    is_bare_numbering, is_heading_shaped_counted, is_letter_token, is_strict_numbering,
    starts_enumerated, words_capped,
};
use crate::normalize::split_numbering;

/// One non-empty line of plain text and whether a paragraph break (a run
/// of blank lines) came before it.
#[derive(Debug, Clone)]
pub(crate) struct PlainLine<'a> {
    pub text: &'a str,
    pub break_before: bool,
}

struct Kept<'a> {
    text: &'a str,
    info: LineInfo,
    break_before: bool,
}

/// Segment plain-text lines into `b`; chrome lines go to `chrome`.
pub(crate) fn segment_plain(lines: &[PlainLine<'_>], b: &mut Builder, chrome: &mut Vec<String>) {
    let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
    let info: Vec<LineInfo> = texts.iter().map(|t| LineInfo::of(t)).collect();
    let region = find_region(&texts, &info);
    let mut kept: Vec<Kept> = Vec::with_capacity(lines.len());
    let mut pending_break = false;
    for (i, line) in lines.iter().enumerate() {
        if region.chrome[i] {
            chrome.push(line.text.to_string());
            // Removed chrome separates what was around it.
            pending_break = true;
            continue;
        }
        kept.push(Kept {
            text: line.text,
            info: info[i],
            break_before: line.break_before || pending_break,
        });
        pending_break = false;
    }
    let titled = region.titled && region.start < lines.len() && !region.chrome[region.start];
    Classifier::new(&kept, titled).run(b);
}

struct Classifier<'k, 'a> {
    kept: &'k [Kept<'a>],
    chunked: bool,
    titled: bool,
    base: u8,
    last_numbered: Option<u8>,
    last_structural: Option<u8>,
    prev_heading: bool,
    para: String,
    para_last: &'a str,
}

impl<'k, 'a> Classifier<'k, 'a> {
    fn new(kept: &'k [Kept<'a>], titled: bool) -> Self {
        let breaks = kept.iter().skip(1).filter(|k| k.break_before).count();
        Classifier {
            kept,
            // One break per ten lines is far above what a one-line-per-block
            // scrape has (none) and far below a blank-line-separated one.
            chunked: breaks > 0 && breaks * 10 >= kept.len(),
            titled,
            base: if titled { 2 } else { 1 },
            last_numbered: None,
            last_structural: None,
            prev_heading: false,
            para: String::new(),
            para_last: "",
        }
    }

    fn text(&self, i: usize) -> Option<&'a str> {
        self.kept.get(i).map(|k| k.text)
    }

    fn break_after(&self, i: usize) -> bool {
        self.kept.get(i + 1).is_none_or(|k| k.break_before)
    }

    fn run(mut self, b: &mut Builder) {
        let n = self.kept.len();
        let mut i = 0;
        if self.titled && n > 0 {
            b.heading(self.kept[0].text.to_string(), 1);
            self.prev_heading = true;
            i = 1;
        }
        while i < n {
            i = self.step(i, b);
        }
        self.flush(b);
    }

    /// Classify line `i` (and maybe the lines after it); returns the next
    /// line to look at.
    fn step(&mut self, i: usize, b: &mut Builder) -> usize {
        let t = self.kept[i].text;
        let next = self.text(i + 1);

        // "1." on its own line, the title on the next.
        if is_bare_numbering(t) && next.is_some_and(is_split_title) {
            let mut heading = format!("{t} {}", next.unwrap_or_default());
            let j = self.absorb_connectors(&mut heading, i + 2);
            let level = self.numbered_level(t);
            self.emit_heading(b, heading, level, true);
            return j;
        }

        if let Some((token, rest)) = split_numbering(t).filter(|(tok, _)| is_strict_numbering(tok))
        {
            if is_letter_token(token) {
                // "a) E-mail Address: We usually capture…"
                if let Some((label, body)) = rest.split_once(": ")
                    && (1..=8).contains(&words_capped(label, 8))
                    && first_alpha(label).is_some_and(char::is_uppercase)
                    && !ends_terminal(label)
                {
                    let level = self.letter_level();
                    self.emit_heading(b, format!("{token} {label}"), level, false);
                    self.push_line(b, body, true);
                    return i + 1;
                }
                if self.heading_context(i, t) && first_alpha(rest).is_some_and(char::is_uppercase) {
                    let level = self.letter_level();
                    self.emit_heading(b, t.to_string(), level, false);
                    return i + 1;
                }
            } else if words_capped(rest, 12) <= 12
                && first_alpha(rest).is_some_and(char::is_uppercase)
                && self.heading_context(i, t)
            {
                // "1. Introduction", "2.3 Cookies", "IV. Your Rights"
                let mut heading = t.to_string();
                let j = self.absorb_connectors(&mut heading, i + 1);
                let level = self.numbered_level(token);
                self.emit_heading(b, heading, level, true);
                return j;
            }
        } else if self.is_bare_heading(i, t) {
            let level = self
                .last_numbered
                .map_or(self.base, |l| l.saturating_add(1))
                .min(6);
            self.emit_heading(b, t.to_string(), level, false);
            self.last_structural = Some(level);
            return i + 1;
        }

        let fresh = self.kept[i].break_before || self.prev_heading;
        self.push_line(b, t, fresh);
        i + 1
    }

    /// Shape and context that make line `i` a heading: heading-shaped,
    /// followed by prose, and (in chunked text) standing alone.
    fn heading_context(&self, i: usize, t: &str) -> bool {
        if !is_heading_shaped_counted(t, self.kept[i].info.words) {
            return false;
        }
        let Some(next) = self.kept.get(i + 1) else {
            return false;
        };
        let (next_body, next) = (next.info.body, next.text);
        // Wrapped prose: the next line runs on into a lower-case line.
        let wrapped = self.kept.get(i + 2).is_some_and(|k| {
            !k.break_before && !ends_terminal(next) && starts_lowercase_word(k.text)
        });
        let follows = next_body || wrapped || is_letter_label_line(next);
        if !follows || starts_lowercase_word(next) {
            return false;
        }
        !self.chunked || (self.isolated_before(i) && self.break_after(i))
    }

    fn isolated_before(&self, i: usize) -> bool {
        i == 0 || self.kept[i].break_before || self.prev_heading
    }

    fn is_bare_heading(&self, i: usize, t: &str) -> bool {
        // A leading number that is not section numbering ("60 Hampshire
        // Street") marks an address or a figure, not a heading.
        if starts_enumerated(t)
            || t.starts_with(|c: char| c.is_ascii_digit())
            || ends_with_function_word(t)
            || !self.heading_context(i, t)
        {
            return false;
        }
        match first_alpha(t) {
            Some(c) if c.is_uppercase() => true,
            // Lower-case headings ("säkerhet", "e-handel") exist, but only
            // short ones set apart from the text around them count.
            Some(_) if words_capped(t, 4) <= 4 => {
                if self.chunked {
                    true
                } else {
                    i == 0 || self.prev_heading || ends_terminal(self.kept[i - 1].text)
                }
            }
            _ => false,
        }
    }

    /// Headings cut at "&" or "and" ("Safety &amp." / "confidentiality")
    /// take the next short line.
    fn absorb_connectors(&self, heading: &mut String, mut j: usize) -> usize {
        while let Some(k) = self.kept.get(j) {
            if !ends_with_connector(heading)
                || k.break_before
                || k.info.words > 8
                || ends_terminal(k.text)
                || k.info.body
            {
                break;
            }
            heading.push(' ');
            heading.push_str(k.text);
            j += 1;
        }
        j
    }

    fn numbered_level(&self, token: &str) -> u8 {
        let depth = decimal_depth(token).unwrap_or(1).min(6) as u8;
        (self.base + depth - 1).clamp(1, 6)
    }

    fn letter_level(&self) -> u8 {
        self.last_structural
            .map_or(self.base, |l| l.saturating_add(1))
            .clamp(1, 6)
    }

    fn emit_heading(&mut self, b: &mut Builder, text: String, level: u8, numbered: bool) {
        self.flush(b);
        b.heading(text, level);
        if numbered {
            self.last_numbered = Some(level);
            self.last_structural = Some(level);
        }
        self.prev_heading = true;
    }

    /// Add a body line: continue the current paragraph when the previous
    /// line was cut mid-sentence (line wrapping), else start a new one.
    fn push_line(&mut self, b: &mut Builder, line: &'a str, fresh: bool) {
        let continues = !fresh
            && !self.para.is_empty()
            && !ends_terminal(self.para_last)
            && !starts_enumerated(line);
        if continues {
            self.para.push(' ');
            self.para.push_str(line);
        } else {
            self.flush(b);
            self.para.push_str(line);
        }
        self.para_last = line;
        self.prev_heading = false;
    }

    fn flush(&mut self, b: &mut Builder) {
        if !self.para.is_empty() {
            b.paragraph(std::mem::take(&mut self.para));
        }
        self.para_last = "";
    }
}

/// Ends with an article, preposition or conjunction: the first half of a
/// wrapped sentence ("We share your data with" / "Google …"), not a title.
/// Questions are exempt ("How Long Will We Keep Your Data For?").
fn ends_with_function_word(text: &str) -> bool {
    const FUNCTION_WORDS: &[&str] = &[
        "a", "an", "the", "and", "or", "of", "to", "for", "with", "by", "from", "that", "which",
        "our", "your", "is", "are", "und", "oder", "der", "die", "das", "von", "zu", "mit", "et",
        "ou", "le", "la", "les", "des", "du", "el", "los", "las", "del", "och", "eller", "att",
        "av", "för", "med", "till",
    ];
    if text.ends_with('?') {
        return false;
    }
    let last = text
        .rsplit(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    last.len() <= 5 && FUNCTION_WORDS.contains(&last.to_lowercase().as_str())
}

/// The line starts with an all-lower-case word: the continuation of a
/// sentence. Brand names like "iZotope" or "iPhone" do not count.
fn starts_lowercase_word(text: &str) -> bool {
    let word = text
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    !word.is_empty()
        && word.chars().all(|c| !c.is_uppercase())
        && word.starts_with(char::is_lowercase)
}

/// The second line of a split numbered heading: a short title.
fn is_split_title(text: &str) -> bool {
    (1..=16).contains(&words_capped(text, 16))
        && !ends_non_question_terminal(text)
        && first_alpha(text).is_some()
        && !is_address(text)
        && !is_bare_numbering(text)
}

/// "a) E-mail Address: …" lines, which body text can begin with.
fn is_letter_label_line(text: &str) -> bool {
    split_numbering(text).is_some_and(|(tok, rest)| is_letter_token(tok) && rest.contains(": "))
}

fn ends_with_connector(heading: &str) -> bool {
    const CONNECTORS: &[&str] = &[
        "&amp.", "&amp;", "&", "&.", " and", " or", " und", " et", " y", " och", " en", " e", ",",
        " -", "+",
    ];
    CONNECTORS.iter().any(|c| heading.ends_with(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headings with levels, paragraphs per section, chrome.
    type Outcome = (Vec<(String, u8)>, Vec<Vec<String>>, Vec<String>);

    fn run(text: &str) -> Outcome {
        let normal: Vec<String> = text.lines().map(crate::normalize::normalize_text).collect();
        let mut lines = Vec::new();
        let mut brk = false;
        for l in &normal {
            if l.is_empty() {
                brk = true;
                continue;
            }
            lines.push(PlainLine {
                text: l,
                break_before: brk,
            });
            brk = false;
        }
        let mut b = Builder::default();
        let mut chrome = Vec::new();
        segment_plain(&lines, &mut b, &mut chrome);
        let heads = b
            .sections
            .iter()
            .map(|s| (s.heading.clone(), s.level))
            .collect();
        let paras = b.sections.iter().map(|s| s.paragraphs.clone()).collect();
        (heads, paras, chrome)
    }

    const PROSE: &str = "We collect only the data that we need to run the service.";

    #[test]
    fn split_numbered_heading_is_joined() {
        let text = format!(
            "Privacy Policy\n1.\nCommitment and General Principles\n{PROSE}\n2.\nSafety &amp.\nconfidentiality\n{PROSE}"
        );
        let (heads, _, _) = run(&text);
        assert_eq!(
            heads,
            [
                ("Privacy Policy".to_string(), 1),
                ("1. Commitment and General Principles".to_string(), 2),
                ("2. Safety &amp. confidentiality".to_string(), 2),
            ]
        );
    }

    #[test]
    fn decimal_depth_gives_levels() {
        let text = format!("1. Scope\n{PROSE}\n1.1 Cookies\n{PROSE}\n2. Rights\n{PROSE}");
        let (heads, _, _) = run(&text);
        let levels: Vec<u8> = heads.iter().map(|h| h.1).collect();
        assert_eq!(levels, [1, 2, 1]);
    }

    #[test]
    fn lettered_subsections_split_label_from_body() {
        let text = format!(
            "Private Privacy\n\nWhat We Do With Collected Information\n\n{PROSE}\n\na) E-mail Address: We capture the email of all purchasers.\n\nb) Cookies: We have cookies on our sites.\n\nStoring the User Files\n\n{PROSE}"
        );
        let (heads, paras, _) = run(&text);
        assert_eq!(
            heads,
            [
                ("Private Privacy".to_string(), 1),
                ("What We Do With Collected Information".to_string(), 2),
                ("a) E-mail Address".to_string(), 3),
                ("b) Cookies".to_string(), 3),
                ("Storing the User Files".to_string(), 2),
            ]
        );
        assert_eq!(paras[2], ["We capture the email of all purchasers."]);
    }

    #[test]
    fn question_and_caps_headings() {
        let text = format!("WHAT WE COLLECT\n{PROSE}\nWhat Is Personal Data?\n{PROSE}");
        let (heads, _, _) = run(&text);
        assert_eq!(heads[0].0, "WHAT WE COLLECT");
        assert_eq!(heads[1].0, "What Is Personal Data?");
    }

    #[test]
    fn split_date_is_not_a_heading() {
        let text = format!("Privacy Policy\nEffective January\n1, 2020\nIntroduction\n{PROSE}");
        let (heads, paras, _) = run(&text);
        assert_eq!(heads.len(), 2);
        assert_eq!(paras[0], ["Effective January 1, 2020"]);
    }

    #[test]
    fn wrapped_lines_join_but_sentences_and_items_stay_apart() {
        let text = "Data\n\nWe keep your data\nfor fourteen months after your\nlast visit.\nThen we delete it for good, always.\n(a) first item;\n(b) second item;";
        let (_, paras, _) = run(text);
        assert_eq!(
            paras[0],
            [
                "We keep your data for fourteen months after your last visit.",
                "Then we delete it for good, always.",
                "(a) first item;",
                "(b) second item;"
            ]
        );
    }

    #[test]
    fn chunked_text_requires_isolated_headings() {
        let text = format!(
            "Cookies\n\n{PROSE}\nWhat's not to like?\n{PROSE}\n\nLicense validation\nLicense-related customer support for all of our many customers worldwide.\n\nMailing\n\n{PROSE}"
        );
        let (heads, _, _) = run(&text);
        let names: Vec<&str> = heads.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(names, ["Cookies", "Mailing"]);
    }

    #[test]
    fn lowercase_headings_in_chunked_text() {
        let text =
            format!("Integritetspolicy\n\n{PROSE}\n\nsäkerhet\n\n{PROSE}\n\ne-handel\n\n{PROSE}");
        let (heads, _, _) = run(&text);
        let names: Vec<&str> = heads.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(names, ["Integritetspolicy", "säkerhet", "e-handel"]);
    }

    #[test]
    fn wrapped_sentence_halves_are_not_headings() {
        let text = format!(
            "Cookies\n{PROSE}\nWe share your data with\nGoogle Analytics to measure the traffic on our site.\n{PROSE}"
        );
        let (heads, paras, _) = run(&text);
        assert_eq!(heads.len(), 1, "{heads:?}");
        assert_eq!(
            paras[0][1],
            "We share your data with Google Analytics to measure the traffic on our site."
        );
    }

    #[test]
    fn address_blocks_are_not_headings() {
        let text = format!(
            "Contact Us\n{PROSE}\nImaga\nEmail: welcome@imaga.co\nPostal Address\nUS: 153 N San Mateo Dr, San Mateo, 94401, California\n{PROSE}"
        );
        let (heads, _, _) = run(&text);
        assert_eq!(heads.len(), 1, "{heads:?}");
    }

    #[test]
    fn preamble_without_title() {
        let text = format!("{PROSE}\nCookies\n{PROSE}");
        let (heads, paras, _) = run(&text);
        assert_eq!(heads, [(String::new(), 0), ("Cookies".to_string(), 1)]);
        assert_eq!(paras[0], [PROSE]);
    }
}
