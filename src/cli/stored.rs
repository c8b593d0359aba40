//! `SOURCE@REV` arguments: a version in the store.

use anyhow::Result;
use git2::Oid;

use policywatch::config::Config;
use policywatch::store::{Revision, Store, resolve_in};

/// A resolved stored version.
#[derive(Debug, Clone)]
pub struct Found {
    /// The source id.
    pub source: String,
    /// The commit of its `version.md`.
    pub commit: Oid,
    /// 1-based position, for labels like `acme@3`.
    pub seq: usize,
}

impl Found {
    /// The label reports use.
    pub fn label(&self) -> String {
        format!("{}@{}", self.source, self.seq)
    }
}

/// Whether a `diff` argument names a stored version rather than a file: it
/// has the form `ID` or `ID@REV` with a configured ID and is not a path.
pub fn looks_stored(config: &Config, arg: &str) -> bool {
    if std::path::Path::new(arg).exists() {
        return false;
    }
    let id = arg.split_once('@').map_or(arg, |(id, _)| id);
    config.source(id).is_some()
}

/// Resolve `SOURCE[@REV]` to a version, with errors that say how to list them.
pub fn resolve(config: &Config, store: &Store, spec: &str) -> Result<Found> {
    let (id, rev) = Revision::split(spec).map_err(|e| anyhow::anyhow!("{spec}: {e}"))?;
    config.select_sources(&[id.to_string()])?;
    let history = store.history(id)?;
    if history.is_empty() {
        anyhow::bail!("{spec}: {id} has no versions yet; run `policywatch check --source {id}`");
    }
    let index = resolve_in(&history, id, &rev)?;
    Ok(Found {
        source: id.to_string(),
        commit: history[index].commit,
        seq: index + 1,
    })
}

/// Load a stored version as a `diff` input: its normalised Markdown.
pub fn load(config: &Config, spec: &str) -> Result<super::input::Loaded> {
    let store = Store::open_or_init(&config.store.path)?;
    let found = resolve(config, &store, spec)?;
    Ok(super::input::Loaded {
        label: found.label(),
        bytes: store
            .read_version(&found.source, found.commit)?
            .into_bytes(),
        content_type: Some("text/markdown".into()),
    })
}
