//! Measurement helpers live in scripts/ and this crate's binaries.
