//! Change alerts: who gets which events, in which format, signed how.
//!
//! This module is pure: it builds and signs payloads and decides which
//! webhooks want which events. Delivering them (the durable outbox, retries,
//! HTTP) lives with the tracker, so the rules here can be tested without a
//! network.

pub mod filter;
pub mod payload;
pub mod sign;

pub use filter::{EventFilter, kind_matches};
pub use payload::{ChangeContext, PayloadFormat, VersionRef, build_payload};
pub use sign::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify};
