//! Helpers shared by integration tests: `mod support;` in a test file.
//!
//! Each test binary uses only part of this module.
#![allow(dead_code, unused_imports)]

pub mod server;

pub use server::{Body, Reply, Seen, TestServer};
