//! Webhook bodies: our own documented JSON, Slack and Discord.
//!
//! Every format carries the events exactly as the spec defines them (JSON) or
//! their one-line headlines (chat formats), plus the command that shows the
//! full diff. Bodies are bounded: evidence is trimmed first, then events are
//! dropped from the tail, and `truncated` says so.

use serde::Serialize;
use serde_json::{Value, json};

use crate::report::{Event, Severity};

/// The schema tag of our JSON webhook body.
pub const SCHEMA: &str = "policywatch.webhook/1";

/// Payload formats (`format` in a `[[webhook]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadFormat {
    /// `policywatch.webhook/1`, documented in the README.
    #[default]
    Json,
    /// A Slack incoming-webhook message.
    Slack,
    /// A Discord webhook message.
    Discord,
}

impl std::str::FromStr for PayloadFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(PayloadFormat::Json),
            "slack" => Ok(PayloadFormat::Slack),
            "discord" => Ok(PayloadFormat::Discord),
            other => Err(format!(
                "unknown webhook format {other:?}: expected json, slack or discord"
            )),
        }
    }
}

/// What the alert is about.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChangeContext {
    /// `change`, `source.failing`, `source.recovered` or `test`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The source id.
    pub source: String,
    /// The source's display name.
    pub source_name: String,
    /// The URL watched.
    pub url: String,
    /// The old version (`source@N` and commit), when there is one.
    pub old_version: Option<VersionRef>,
    /// The new version, when there is one.
    pub new_version: Option<VersionRef>,
    /// RFC 3339 time of detection.
    pub detected_at: String,
    /// The command that shows the full diff.
    pub diff_command: Option<String>,
    /// A link to the diff (`[store] diff_url` filled in), when configured.
    pub diff_url: Option<String>,
}

/// A stored version, as webhooks name it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VersionRef {
    /// 1-based position in the source's history.
    pub seq: i64,
    /// The git commit of the normalised version.
    pub commit: String,
    /// When it was fetched (RFC 3339).
    pub fetched_at: String,
}

/// Evidence longer than this is cut (with an ellipsis) in webhook bodies.
const MAX_EVIDENCE_CHARS: usize = 500;

fn trim_chars(s: &str, max: usize) -> (String, bool) {
    match s.char_indices().nth(max) {
        Some((at, _)) => (format!("{}…", &s[..at]), true),
        None => (s.to_string(), false),
    }
}

fn trimmed_event(e: &Event, max_chars: usize) -> (Event, bool) {
    let mut e = e.clone();
    let mut cut = false;
    for side in [&mut e.evidence.old, &mut e.evidence.new] {
        if let Some(text) = side.as_mut() {
            let (t, c) = trim_chars(text, max_chars);
            *text = t;
            cut |= c;
        }
    }
    (e, cut)
}

fn badge(s: Severity) -> &'static str {
    match s {
        Severity::High => "🔴",
        Severity::Medium => "🟠",
        Severity::Low => "🟡",
        Severity::Info => "⚪",
    }
}

fn title(ctx: &ChangeContext, events: &[Event]) -> String {
    match ctx.kind.as_str() {
        "source.failing" => format!("{} is failing", ctx.source_name),
        "source.recovered" => format!("{} recovered", ctx.source_name),
        "test" => format!("policywatch test alert for {}", ctx.source_name),
        _ => format!(
            "{} changed: {} event{}",
            ctx.source_name,
            events.len(),
            if events.len() == 1 { "" } else { "s" }
        ),
    }
}

fn json_body(ctx: &ChangeContext, delivery_id: &str, events: &[Event], truncated: bool) -> Value {
    json!({
        "schema": SCHEMA,
        "delivery": delivery_id,
        "type": ctx.kind,
        "source": {"id": ctx.source, "name": ctx.source_name, "url": ctx.url},
        "old_version": ctx.old_version,
        "new_version": ctx.new_version,
        "detected_at": ctx.detected_at,
        "diff_command": ctx.diff_command,
        "diff_url": ctx.diff_url,
        "max_severity": events.iter().map(|e| e.severity).max(),
        "events": events,
        "truncated": truncated,
    })
}

fn chat_lines(ctx: &ChangeContext, events: &[Event], truncated: bool) -> Vec<String> {
    let mut lines: Vec<String> = events
        .iter()
        .map(|e| format!("{} {} ({})", badge(e.severity), e.headline(), e.severity))
        .collect();
    if truncated {
        lines.push("… more events omitted".into());
    }
    if let Some(cmd) = &ctx.diff_command {
        lines.push(format!("Full diff: `{cmd}`"));
    }
    if let Some(url) = &ctx.diff_url {
        lines.push(format!("See the change: {url}"));
    }
    lines
}

fn chat_body(
    format: PayloadFormat,
    ctx: &ChangeContext,
    events: &[Event],
    truncated: bool,
) -> Value {
    let head = title(ctx, events);
    let lines = chat_lines(ctx, events, truncated).join("\n");
    match format {
        PayloadFormat::Slack => json!({
            "text": format!("{head}\n{lines}"),
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": trim_chars(&head, 140).0}},
                {"type": "section", "text": {"type": "mrkdwn", "text": trim_chars(&lines, 2900).0}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": format!("<{}|{}>", ctx.url, ctx.source)}]}
            ]
        }),
        _ => json!({
            "content": trim_chars(&head, 1900).0,
            "embeds": [{
                "title": trim_chars(&head, 250).0,
                "url": ctx.url,
                "description": trim_chars(&lines, 4000).0,
                "timestamp": ctx.detected_at,
            }]
        }),
    }
}

/// Build the body of one delivery, at most `max_bytes` long (unless even a
/// body with no events would not fit). Evidence is trimmed first; then events
/// are dropped from the least severe end and `truncated` is set.
pub fn build_payload(
    format: PayloadFormat,
    ctx: &ChangeContext,
    delivery_id: &str,
    events: &[Event],
    max_bytes: usize,
) -> Vec<u8> {
    let mut cut = false;
    let mut kept: Vec<Event> = events
        .iter()
        .map(|e| {
            let (e, c) = trimmed_event(e, MAX_EVIDENCE_CHARS);
            cut |= c;
            e
        })
        .collect();
    // Most severe first, so that dropping from the tail loses the least.
    kept.sort_by_key(|e| std::cmp::Reverse(e.severity));
    loop {
        let truncated = cut || kept.len() < events.len();
        let body = match format {
            PayloadFormat::Json => json_body(ctx, delivery_id, &kept, truncated),
            _ => chat_body(format, ctx, &kept, kept.len() < events.len()),
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        if bytes.len() <= max_bytes || kept.is_empty() {
            return bytes;
        }
        kept.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Sides;

    fn ctx() -> ChangeContext {
        ChangeContext {
            kind: "change".into(),
            source: "acme-privacy".into(),
            source_name: "Acme privacy policy".into(),
            url: "https://acme.example/privacy".into(),
            old_version: Some(VersionRef {
                seq: 3,
                commit: "abc".into(),
                fetched_at: "2024-01-01T00:00:00Z".into(),
            }),
            new_version: Some(VersionRef {
                seq: 4,
                commit: "def".into(),
                fetched_at: "2024-02-01T00:00:00Z".into(),
            }),
            detected_at: "2024-02-01T00:00:01Z".into(),
            diff_command: Some("policywatch diff acme-privacy@3 acme-privacy@4".into()),
            diff_url: Some("https://git.example/policies/compare/abc...def".into()),
        }
    }

    fn event(kind: &str, severity: Severity, evidence: &str) -> Event {
        Event {
            kind: kind.into(),
            subject: Some("Privacy Shield".into()),
            from: None,
            to: None,
            severity,
            section: Sides {
                old: Some("Transfers".into()),
                new: None,
            },
            evidence: Sides {
                old: Some(evidence.into()),
                new: None,
            },
        }
    }

    #[test]
    fn json_payload_carries_spec_events() {
        let events = vec![event(
            "transfer_mechanism.removed",
            Severity::High,
            "We rely on Privacy Shield.",
        )];
        let body = build_payload(PayloadFormat::Json, &ctx(), "d-1", &events, 64 * 1024);
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["delivery"], "d-1");
        assert_eq!(v["type"], "change");
        assert_eq!(v["source"]["id"], "acme-privacy");
        assert_eq!(v["new_version"]["seq"], 4);
        assert_eq!(v["events"][0]["kind"], "transfer_mechanism.removed");
        assert_eq!(v["events"][0]["subject"], "Privacy Shield");
        assert_eq!(v["events"][0]["section"]["new"], Value::Null);
        assert_eq!(v["max_severity"], "high");
        assert_eq!(v["truncated"], false);
        assert_eq!(
            v["diff_url"],
            "https://git.example/policies/compare/abc...def"
        );
    }

    #[test]
    fn bodies_are_bounded_and_say_so() {
        let long = "x".repeat(5_000);
        let events: Vec<Event> = (0..200)
            .map(|_| event("third_party.added", Severity::Medium, &long))
            .collect();
        let body = build_payload(PayloadFormat::Json, &ctx(), "d-2", &events, 16 * 1024);
        assert!(body.len() <= 16 * 1024);
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["truncated"], true);
        let kept = v["events"].as_array().unwrap();
        assert!(!kept.is_empty() && kept.len() < 200);
        let ev = kept[0]["evidence"]["old"].as_str().unwrap();
        assert!(ev.chars().count() <= MAX_EVIDENCE_CHARS + 1 && ev.ends_with('…'));
    }

    #[test]
    fn chat_formats_use_headlines() {
        let events = vec![event("transfer_mechanism.removed", Severity::High, "e")];
        let slack: Value = serde_json::from_slice(&build_payload(
            PayloadFormat::Slack,
            &ctx(),
            "d",
            &events,
            40_000,
        ))
        .unwrap();
        let text = slack["text"].as_str().unwrap();
        assert!(
            text.contains("Acme privacy policy changed: 1 event"),
            "{text}"
        );
        assert!(
            text.contains("transfer mechanism dropped: Privacy Shield"),
            "{text}"
        );
        assert!(text.contains("policywatch diff acme-privacy@3 acme-privacy@4"));
        let discord: Value = serde_json::from_slice(&build_payload(
            PayloadFormat::Discord,
            &ctx(),
            "d",
            &events,
            40_000,
        ))
        .unwrap();
        assert!(
            discord["embeds"][0]["description"]
                .as_str()
                .unwrap()
                .contains("Privacy Shield")
        );
    }
}
