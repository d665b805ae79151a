//! What goes wrong outside the pure core.

use crate::error::ShareError;
use std::fmt;
use threatconnect::time::rfc3339;
use threatconnect::Error as TcError;

/// What went wrong outside the pure core.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecError {
    /// The package (or the snapshot) was refused; nothing was written.
    Package(ShareError),
    /// ThreatConnect refused or could not be reached.
    Api(TcError),
    /// Another run holds the pull lease on this target owner.
    Locked { holder: String, expires_at: u64 },
    /// This run's lease was taken over or lapsed: it stopped before writing more.
    LeaseLost { holder: String, expires_at: u64 },
    /// Another run has held the pull lease for more than `periods` lease lengths (by its
    /// `takenAt`): hung, or a record kept alive by hand. `record` is type/id.
    LeaseStuck { record: String, holder: String, taken_at: u64, periods: u64 },
    /// The lease record was overwritten, while this run took it, by something that is no
    /// valid lease (`record` is type/id, `reason` what is wrong with it).
    LeaseInvalid { record: String, reason: String },
    /// Bad input to an exec function (wrong group type...).
    Invalid(String),
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Package(e) => write!(f, "{e}"),
            Self::Api(e) => write!(f, "{e}"),
            Self::Locked { holder, expires_at } => write!(
                f,
                "another pull into this owner is running (lease held by {holder} until {}); not starting a second one",
                rfc3339(*expires_at)
            ),
            Self::LeaseLost { holder, expires_at } => {
                write!(f, "this run's pull lease was lost (now held by {holder} until {}); stopped before writing more", rfc3339(*expires_at))
            }
            Self::LeaseStuck { record, holder, taken_at, periods } => write!(
                f,
                "the pull lease record {record} of the target datastore has been held by {holder} since {} (more than {} lease lengths): \
                 that run looks hung; stop it, or delete the record if no run is alive",
                rfc3339(*taken_at),
                periods
            ),
            Self::LeaseInvalid { record, reason } => {
                write!(f, "the pull lease record {record} in the target datastore was overwritten with an invalid record ({reason}); not starting")
            }
            Self::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ExecError {}

impl From<ShareError> for ExecError {
    fn from(e: ShareError) -> Self {
        Self::Package(e)
    }
}

impl From<TcError> for ExecError {
    fn from(e: TcError) -> Self {
        Self::Api(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_lease_and_its_expiry() {
        let e = ExecError::Locked { holder: "run-1@host".into(), expires_at: 1_764_080_433 };
        assert_eq!(
            e.to_string(),
            "another pull into this owner is running (lease held by run-1@host until 2025-11-25T14:20:33Z); not starting a second one"
        );
        let e = ExecError::LeaseLost { holder: "run-2@host".into(), expires_at: 0 };
        assert!(e.to_string().contains("until 1970-01-01T00:00:00Z"), "{e}");
        let e =
            ExecError::LeaseStuck { record: "pivot-share-lease/owner-1".into(), holder: "run-3@host".into(), taken_at: 1_764_080_433, periods: 24 };
        assert_eq!(
            e.to_string(),
            "the pull lease record pivot-share-lease/owner-1 of the target datastore has been held by run-3@host since 2025-11-25T14:20:33Z \
             (more than 24 lease lengths): that run looks hung; stop it, or delete the record if no run is alive"
        );
    }
}
