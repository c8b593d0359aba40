//! Change alerts: who gets which events, in which format, signed how, and
//! the worker that delivers them.
//!
//! The rules are pure and tested without a network: [`filter`] (which
//! webhooks want which events), [`payload`] (the bodies), [`sign`](mod@sign) (the
//! signature) and [`policy`] (retry or give up). [`deliver`] is the only
//! part that does I/O: it takes rows from the durable outbox the tracker
//! writes, POSTs them and records each outcome.

pub mod deliver;
pub mod filter;
pub mod payload;
pub mod policy;
pub mod sign;

pub use deliver::{DeliverError, Deliverer, DeliveryPass};
pub use filter::{EventFilter, kind_matches};
pub use payload::{ChangeContext, PayloadFormat, VersionRef, build_payload};
pub use sign::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify};
