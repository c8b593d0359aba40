//! Colour for the tracker commands' text output (the diff renderer has its
//! own). Off unless `--color` and the terminal allow it; NO_COLOR wins.

use anstyle::{AnsiColor, Style};
use policywatch::Severity;

/// Paints text when colour is on, passes it through otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Painter {
    on: bool,
}

impl Painter {
    /// A painter; `on` comes from `--color` and the terminal.
    pub fn new(on: bool) -> Self {
        Painter { on }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// Bold.
    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
    /// Green.
    pub fn green(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }
    /// Yellow.
    pub fn yellow(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }
    /// Red.
    pub fn red(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }
    /// A fixed-width severity badge.
    pub fn severity(&self, s: Severity) -> String {
        let color = match s {
            Severity::High => AnsiColor::Red,
            Severity::Medium => AnsiColor::Yellow,
            Severity::Low => AnsiColor::Cyan,
            Severity::Info => AnsiColor::BrightBlack,
        };
        self.paint(color.on_default(), &format!("{:<6}", s.as_str()))
    }
}
