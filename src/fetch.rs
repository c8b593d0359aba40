//! STUB: issue 3.
