//! Errors of the sharing core: every refusal names what was wrong and where.

use std::fmt;

/// Why a package could not be built, read or split. Messages are meant for the
/// analyst (panel) and the operator (`pivot-share`), so each says what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// The file is larger than [`super::MAX_PACKAGE_BYTES`] (`u64`: a browser's
    /// `File.size()` can exceed a wasm32 `usize`).
    TooLarge { size: u64, limit: u64 },
    /// Not JSON at all (serde_json's line and column, 1-based).
    MalformedJson { line: usize, column: usize, message: String },
    /// JSON, but not a Pivot share package (`format` is not `"pivot-share"`).
    WrongFormat { found: String },
    /// A Pivot share package of a version this build does not read.
    UnsupportedVersion { found: String },
    /// A required field is absent; `path` is a JSON path such as `batch.indicator[3].summary`.
    MissingField { path: String },
    /// A field is present with the wrong shape.
    InvalidField { path: String, expected: String },
    /// A key the package format does not list at that level (docs/sharing-format.md, "Schema").
    UnknownKey { path: String },
    /// A string longer than the format allows there (in characters).
    TooLong { path: String, length: usize, limit: usize },
    /// An array with more elements than the format allows there.
    TooMany { path: String, count: usize, limit: usize },
    /// The content hash declared in the header does not match the content.
    BadHash { declared: String, computed: String },
    /// Two items of the package carry the same xid.
    DuplicateXid { path: String, xid: String },
    /// A `groupXid` / `associatedGroupXid` names a group that is not in the package.
    DanglingReference { path: String, xid: String },
    /// An xid is not the one its item's identity gives (docs/sharing-format.md, "xids").
    XidMismatch { path: String, declared: String, computed: String },
    /// The input to `snapshot` (v3 JSON) lacks something it needs.
    InvalidInput { path: String, message: String },
    /// The publish options are unusable (empty instance id, bad time...).
    InvalidOptions { message: String },
    /// The published group itself carries a security label that may not leave.
    GroupWithheld { labels: Vec<String> },
    /// One item alone is bigger than a batch upload may be.
    ItemTooLarge { what: String, size: usize, limit: usize },
    /// `publishedAt` lies later than the importer's clock plus the allowed skew (`latest`).
    PublishedInTheFuture { published_at: String, latest: String },
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { size, limit } => write!(
                f,
                "package refused: the file is {size} bytes ({}), over the limit of {limit} bytes ({}) for a share package",
                mib(*size),
                mib(*limit)
            ),
            Self::MalformedJson { line, column, message } => {
                write!(f, "package refused: not valid JSON at line {line}, column {column}: {message}")
            }
            Self::WrongFormat { found } => {
                write!(f, "package refused: this is not a Pivot share package (format is {found}, expected \"pivot-share\")")
            }
            Self::UnsupportedVersion { found } => write!(
                f,
                "package refused: share package version {found} is not supported by this Pivot (it reads versions {} to {})",
                super::OLDEST_VERSION,
                super::VERSION
            ),
            Self::MissingField { path } => write!(f, "package refused: required field `{path}` is missing"),
            Self::InvalidField { path, expected } => {
                write!(f, "package refused: field `{path}` is invalid: expected {expected}")
            }
            Self::UnknownKey { path } => {
                write!(f, "package refused: `{path}` is not a field of the share package format (docs/sharing-format.md lists every field it allows)")
            }
            Self::TooLong { path, length, limit } => {
                write!(f, "package refused: field `{path}` is {length} characters long, over the limit of {limit}")
            }
            Self::TooMany { path, count, limit } => write!(f, "package refused: `{path}` has {count} elements, over the limit of {limit}"),
            Self::BadHash { declared, computed } => write!(
                f,
                "package refused: content hash does not match (header says {declared}, content hashes to {computed}); \
                 the file was changed or damaged after publishing"
            ),
            Self::DuplicateXid { path, xid } => write!(f, "package refused: xid {xid} appears twice (again at `{path}`)"),
            Self::DanglingReference { path, xid } => write!(f, "package refused: `{path}` refers to xid {xid}, which is not in the package"),
            Self::XidMismatch { path, declared, computed } => write!(
                f,
                "package refused: `{path}` is {declared}, but the item it describes has the xid {computed}; \
                 a package may only name the items it carries, from the source it names"
            ),
            Self::InvalidInput { path, message } => write!(f, "cannot snapshot: {path}: {message}"),
            Self::InvalidOptions { message } => write!(f, "cannot snapshot: {message}"),
            Self::GroupWithheld { labels } => {
                write!(f, "cannot publish: the group itself carries security label(s) {} that are not chosen to leave", labels.join(", "))
            }
            Self::ItemTooLarge { what, size, limit } => {
                write!(f, "cannot split into batch jobs: {what} alone needs {size} bytes, over the batch upload limit of {limit} bytes")
            }
            Self::PublishedInTheFuture { published_at, latest } => write!(
                f,
                "package refused: `publishedAt` {published_at} is in the future (the latest accepted now is {latest}, this clock plus {} s of skew); \
                 a package cannot claim a publication that has not happened",
                super::CLOCK_SKEW_SECS
            ),
        }
    }
}

impl std::error::Error for ShareError {}

/// Bytes as MiB with one decimal, rounded down; integer arithmetic (float
/// formatting would weigh on the wasm).
fn mib(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    format!("{}.{} MiB", bytes / MIB, (bytes % MIB) * 10 / MIB)
}

#[cfg(test)]
mod tests {
    use super::super::check_package_size;
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_size_naming_both() {
        assert_eq!(check_package_size(0), Ok(()));
        assert_eq!(check_package_size(67_108_864), Ok(()), "64 MiB exactly is allowed");
        let e = check_package_size(67_108_865).unwrap_err();
        assert_eq!(e, ShareError::TooLarge { size: 67_108_865, limit: 67_108_864 });
        assert_eq!(
            e.to_string(),
            "package refused: the file is 67108865 bytes (64.0 MiB), over the limit of 67108864 bytes (64.0 MiB) for a share package"
        );
        // Past a wasm32 usize (what File.size() can say of a 5 GiB file).
        assert_eq!(
            check_package_size(5_368_709_120 + 524_288).unwrap_err().to_string(),
            "package refused: the file is 5369233408 bytes (5120.5 MiB), over the limit of 67108864 bytes (64.0 MiB) for a share package"
        );
    }
}
