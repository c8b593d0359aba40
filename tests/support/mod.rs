//! Helpers shared by integration tests: `mod support;` in a test file.
//!
//! Each test binary uses only part of this module.
#![allow(dead_code, unused_imports)]

pub mod server;

pub use server::{Body, Reply, Seen, TestServer};

/// `"<kind> <subject>"` for each event of a JSON array of spec events (a
/// check result's or a webhook body's `events`), for readable assertions.
pub fn event_labels(events: &serde_json::Value) -> Vec<String> {
    events
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    format!(
                        "{} {}",
                        e["kind"].as_str().unwrap_or(""),
                        e["subject"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Assert that `events` (spec JSON) report Privacy Shield removed and the
/// Data Privacy Framework added: what a [`SHIELD`] → [`DPF`] change yields.
pub fn assert_shield_replaced_by_dpf(events: &serde_json::Value) {
    let kinds = event_labels(events);
    for want in [
        "transfer_mechanism.removed Privacy Shield",
        "transfer_mechanism.added Data Privacy Framework",
    ] {
        assert!(kinds.iter().any(|k| k == want), "no {want:?} in {kinds:?}");
    }
}

/// Assert that a finished command exited with `code`, showing its stderr if not.
pub fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An Acme privacy policy page in site chrome; `transfer` is the sentence
/// of its transfers section, `extra` HTML appended to the main content.
pub fn policy(transfer: &str, extra: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Acme privacy policy</title></head><body>\
         <nav><a href='/'>Home</a> <a href='/pricing'>Pricing</a></nav>\
         <main><h1>Acme privacy policy</h1>\
         <p>Last updated: March 1, 2024</p>\
         <h2>What we collect</h2>\
         <p>We collect your name, email address and billing address when you sign up for an account. \
         We use this information to provide the service, to send invoices and to answer support requests. \
         We do not sell your personal information to anyone.</p>\
         <h2>International transfers</h2>\
         <p>Your data is stored in the United States. {transfer}</p>\
         <h2>Your rights</h2>\
         <p>You can ask us for a copy of your data, ask us to correct it or ask us to delete it at any time \
         by writing to privacy@acme.example. We answer every request within thirty days.</p>{extra}\
         </main><footer>© 2024 Acme Inc. All rights reserved.</footer></body></html>"
    )
}

/// A transfers sentence relying on Privacy Shield.
pub const SHIELD: &str = "Acme complies with the EU-U.S. Privacy Shield Framework as set forth by the US Department of Commerce.";
/// The same sentence relying on the Data Privacy Framework.
pub const DPF: &str = "Acme complies with the EU-U.S. Data Privacy Framework as set forth by the US Department of Commerce.";
