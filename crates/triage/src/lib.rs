//! Triage: start from a pile of text (an email, a vendor report, a SIEM export) and work
//! across many indicators at once. Pure and native-tested; the triage page's wasm uses it.
//!
//! - [`extract`]: indicators of every type the instance has, found in free text, refanged
//!   with the search box's list, normalised and de-duplicated;
//! - [`lookup`]: the lookup across owners planned (TQL `summary in (...)` chunks) and its
//!   answers merged into one row per value;
//! - [`compare`]: every owner's copy of one indicator side by side, differences flagged;
//! - [`stix`]: indicators, their observables, associated groups, TLP and security labels as
//!   a STIX 2.1 bundle with deterministic ids;
//! - [`writeback`]: tag, associate and create from a selection, planned (one batch job for
//!   the creates, one request per 500 associations).
#![deny(missing_docs)]

pub mod compare;
pub mod extract;
pub mod lookup;
pub mod stix;
pub mod writeback;
