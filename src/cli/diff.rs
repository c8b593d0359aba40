//! `policywatch diff OLD NEW`: compare two versions of a policy from files,
//! stdin or URLs, print the report, and exit like diff(1).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use policywatch::model::InputFormat;
use policywatch::render::{self, Format, RenderOptions};
use policywatch::{Document, ParseOptions};

use super::GlobalArgs;
use super::common::load_config;
use super::input::{self, Loaded, Source};
use super::stored;

/// Arguments of `policywatch diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old version: a file, `-` for stdin, an http(s) URL, or a stored `SOURCE@REV`.
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new version: a file, `-` for stdin, an http(s) URL, or a stored `SOURCE@REV`.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Include unchanged sections.
    #[arg(long)]
    pub all: bool,
    /// Read both inputs as this format instead of detecting it.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormatArg>,
    /// CSS selector of the policy's content in HTML (overrides main-content extraction).
    #[arg(long, value_name = "CSS")]
    pub select: Option<String>,
    /// CSS selector of HTML elements to drop before extraction (repeatable).
    #[arg(long, value_name = "CSS")]
    pub remove: Vec<String>,
    /// Language of the policy (ISO 639-1, e.g. `sv`), instead of detecting it.
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Readable in a terminal, coloured there.
    Text,
    /// For tickets, pull requests and chat.
    Markdown,
    /// The `policywatch.diff/1` schema.
    Json,
    /// One self-contained side-by-side page.
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Json => Format::Json,
            FormatArg::Html => Format::Html,
        }
    }
}

/// `--input-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// Plain text, e.g. scraped from a web page.
    Text,
    /// Markdown, with or without YAML front matter.
    Markdown,
    /// HTML.
    Html,
    /// PDF.
    Pdf,
}

impl From<InputFormatArg> for InputFormat {
    fn from(f: InputFormatArg) -> InputFormat {
        match f {
            InputFormatArg::Text => InputFormat::Text,
            InputFormatArg::Markdown => InputFormat::Markdown,
            InputFormatArg::Html => InputFormat::Html,
            InputFormatArg::Pdf => InputFormat::Pdf,
        }
    }
}

/// Run the command; the exit code is 0 without and 1 with a substantive change.
pub fn run(args: &DiffArgs, global: &GlobalArgs) -> Result<ExitCode> {
    // `SOURCE@REV` names a stored version; a config is needed only then.
    let might_be_stored = |a: &str| a != "-" && !a.contains("://") && !Path::new(a).exists();
    let config = if might_be_stored(&args.old) || might_be_stored(&args.new) {
        load_config(global).ok()
    } else {
        None
    };
    let stored = |arg: &str| -> Result<Option<Loaded>> {
        match &config {
            Some(c) if stored::looks_stored(c, arg) => stored::load(c, arg).map(Some),
            _ => Ok(None),
        }
    };
    let (old_stored, new_stored) = (stored(&args.old)?, stored(&args.new)?);
    let src = |arg: &str, stored: &Option<Loaded>| -> Result<Source> {
        Ok(match stored {
            Some(l) => Source::File(l.label.clone()),
            None => Source::parse(arg)?,
        })
    };
    let old_src = src(&args.old, &old_stored)?;
    let new_src = src(&args.new, &new_stored)?;
    if old_src == Source::Stdin && new_src == Source::Stdin {
        bail!(input::InputError {
            input: "-".into(),
            problem: "both inputs are stdin".into(),
            hint: Some("only one side may be `-`; pass the other as a file or URL".into()),
        });
    }
    let (old_loaded, new_loaded) = load_both(
        (&args.old, &old_src, old_stored),
        (&args.new, &new_src, new_stored),
    )?;

    // The two parses are independent: the new version is parsed on the
    // helper thread while this one parses the old, which nearly halves their
    // wall time on a machine with two cores.
    let (old, new) = policywatch::worker::join(
        || parse(&args.old, &old_loaded, &old_src, args),
        || parse(&args.new, &new_loaded, &new_src, args),
    );
    let (old, new) = (old?, new?);
    let report = policywatch::diff(&old, &new);
    tracing::info!(
        substantive = report.summary.substantive,
        events = report.events.len(),
        "diffed"
    );

    let opts = RenderOptions {
        all: args.all,
        color: args.format == FormatArg::Text && global.color.enabled(args.output.is_none()),
    };
    let out = render::render(&report, &old, &new, args.format.into(), opts);
    write_output(args.output.as_ref(), &out)?;
    let code = ExitCode::from(u8::from(report.summary.substantive));
    // The process exits next: freeing both documents, the report and its
    // rendering one allocation at a time would only delay that.
    std::mem::forget((old, new, report, out));
    Ok(code)
}

/// Read both inputs. Local inputs are read first, so a typo in a path fails
/// before any network traffic; URLs are then fetched together, each once.
fn load_both(
    (old_arg, old, old_stored): (&str, &Source, Option<Loaded>),
    (new_arg, new, new_stored): (&str, &Source, Option<Loaded>),
) -> Result<(Loaded, Loaded)> {
    let local = |arg: &str, src: &Source, stored: Option<Loaded>| match (stored, src) {
        (Some(l), _) => Ok(Some(l)),
        (None, Source::Url(_)) => Ok(None),
        (None, _) => input::read_local(arg, src).map(Some),
    };
    // A large file costs more in page faults than in copying: two threads
    // take them at once.
    let (old_local, new_local) = policywatch::worker::join(
        || local(old_arg, old, old_stored),
        || local(new_arg, new, new_stored),
    );
    let (old_local, new_local) = (old_local?, new_local?);

    let urls: Vec<(&str, &reqwest::Url)> = [(old_arg, old), (new_arg, new)]
        .into_iter()
        .filter_map(|(arg, src)| match src {
            Source::Url(u) => Some((arg, u)),
            _ => None,
        })
        .collect();
    let mut fetched = input::fetch_all(&urls).into_iter();
    let mut take = |arg: &str, local: Option<Loaded>| -> Result<Loaded> {
        match local {
            Some(l) => Ok(l),
            None => fetched
                .next()
                .unwrap_or_else(|| Err(input::InputError::internal(arg, "URL was not fetched")))
                .map_err(Into::into),
        }
    };
    let old = take(old_arg, old_local)?;
    let new = take(new_arg, new_local)?;
    Ok((old, new))
}

fn parse(arg: &str, loaded: &Loaded, src: &Source, args: &DiffArgs) -> Result<Document> {
    input::check_bytes(arg, &loaded.bytes, args.input_format.is_some())?;
    let opts = ParseOptions {
        format: args.input_format.map(Into::into),
        select: args.select.clone(),
        remove: args.remove.clone(),
        language: args.language.clone(),
        content_type: loaded.content_type.clone(),
    };
    let doc =
        Document::parse(&loaded.label, &loaded.bytes, &opts).with_context(|| arg.to_string())?;
    if matches!(src, Source::Url(_)) {
        input::check_fetched_page(arg, &loaded.bytes, doc.word_count())?;
    }
    Ok(doc)
}

fn write_output(path: Option<&PathBuf>, out: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, out)
            .with_context(|| format!("{}: cannot write the report", p.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A reader that stops early (`| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
    }
}
