//! `pivot-share`'s arguments, parsed with clap (native only: the crate never reaches
//! the wasm). Every option can also come from the environment variable shown in
//! `--help` (the flag wins; an empty variable counts as unset). Secret keys are never
//! taken on the command line: see [`refuse_secret_flags`].

use clap::{Args, Parser, Subcommand};

/// A usage error: exit code 2.
pub struct Usage(pub String);

const SECRETS_NOTE: &str = "\
Secret keys are read from the environment or a file only, never from the command line,
and are never printed or logged:
  PIVOT_SOURCE_SECRET_KEY / --source-secret-file   the source API user's Secret Key
  PIVOT_TARGET_SECRET_KEY / --target-secret-file   the target API user's Secret Key
  PIVOT_SMTP_PASSWORD     / --smtp-password-file   the SMTP user's password

EXIT CODES
  0  everything imported, skipped or planned (publish: stored)
  1  something failed (see the summary)
  2  bad arguments
Inside a ThreatConnect Job (docs/sharing-operations.md, \"As a ThreatConnect Job\"): 0 success or skipped,
3 partial failure, 1 failure.";

#[derive(Parser, Debug)]
#[command(
    name = "pivot-share",
    about = "Share ThreatConnect groups between instances (Pivot Cross-Intel Sharing)",
    after_help = SECRETS_NOTE,
    disable_version_flag = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size of the largest command's arguments costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Publish a group (with its associated groups and indicators) in the source's datastore.
    #[command(after_help = SECRETS_NOTE)]
    Publish(PublishArgs),
    /// Remove a published group from the source's datastore (data already shared stays).
    #[command(after_help = SECRETS_NOTE)]
    Unpublish(UnpublishArgs),
    /// List the groups published in the source.
    #[command(after_help = SECRETS_NOTE)]
    List(ListArgs),
    /// Import a package file into the target owner.
    #[command(after_help = SECRETS_NOTE)]
    Import(ImportArgs),
    /// Pull every new or changed published group from the source into the target owner,
    /// once or on a schedule (UTC).
    #[command(after_help = SECRETS_NOTE)]
    Pull(PullArgs),
}

#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// Source API, e.g. https://tc.example/api
    #[arg(long, env = "PIVOT_SOURCE_API_URL", value_name = "URL")]
    pub source_api_url: Option<String>,
    /// Source API user's Access ID
    #[arg(long, env = "PIVOT_SOURCE_ACCESS_ID", value_name = "ID")]
    pub source_access_id: Option<String>,
    /// A file holding the source Secret Key (or PIVOT_SOURCE_SECRET_KEY)
    #[arg(long, env = "PIVOT_SOURCE_SECRET_FILE", value_name = "FILE")]
    pub source_secret_file: Option<String>,
    /// A PEM CA bundle trusted for the source API besides the public roots (an internal CA)
    #[arg(long, env = "PIVOT_SOURCE_CA_FILE", value_name = "FILE")]
    pub source_ca_file: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// Target API, e.g. https://tc.example/api
    #[arg(long, env = "PIVOT_TARGET_API_URL", value_name = "URL")]
    pub target_api_url: Option<String>,
    /// Target API user's Access ID
    #[arg(long, env = "PIVOT_TARGET_ACCESS_ID", value_name = "ID")]
    pub target_access_id: Option<String>,
    /// A file holding the target Secret Key (or PIVOT_TARGET_SECRET_KEY)
    #[arg(long, env = "PIVOT_TARGET_SECRET_FILE", value_name = "FILE")]
    pub target_secret_file: Option<String>,
    /// A PEM CA bundle trusted for the target API besides the public roots
    #[arg(long, env = "PIVOT_TARGET_CA_FILE", value_name = "FILE")]
    pub target_ca_file: Option<String>,
    /// Owner receiving the data (attributes, tags and labels of shared items are REPLACED)
    #[arg(long, env = "PIVOT_TARGET_OWNER", value_name = "NAME")]
    pub target_owner: Option<String>,
}

#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Source organization: checked against the group's owner when given
    #[arg(long, env = "PIVOT_SOURCE_ORG", value_name = "NAME")]
    pub source_org: Option<String>,
    /// Configured id of the source instance (names it in every xid; not its URL)
    #[arg(long, env = "PIVOT_INSTANCE_ID", value_name = "ID")]
    pub instance_id: Option<String>,
    /// Group type, e.g. Incident, Campaign
    #[arg(long, env = "PIVOT_GROUP_TYPE", value_name = "TYPE")]
    pub group_type: Option<String>,
    #[arg(long, env = "PIVOT_GROUP_ID", value_name = "ID")]
    pub group_id: Option<String>,
    /// Security labels that may leave (default TLP:WHITE,TLP:GREEN,TLP:AMBER)
    #[arg(long, env = "PIVOT_LABELS", value_name = "L1,L2")]
    pub labels: Option<String>,
    /// Unlabeled items stay home too
    #[arg(long, env = "PIVOT_EXCLUDE_UNLABELED")]
    pub exclude_unlabeled: bool,
    /// Also write the package file
    #[arg(long, env = "PIVOT_OUT", value_name = "FILE")]
    pub out: Option<String>,
    /// Print the result as JSON
    #[arg(long, env = "PIVOT_JSON")]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct UnpublishArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[arg(long, env = "PIVOT_GROUP_ID", value_name = "ID")]
    pub group_id: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Print the list as JSON
    #[arg(long, env = "PIVOT_JSON")]
    pub json: bool,
}

/// How an import treats items it did not bring (docs/sharing-operations.md, "Trust rules").
#[derive(Args, Debug, Clone, Copy)]
pub struct TrustArgs {
    /// Also overwrite items that a package from another source instance brought (left alone otherwise)
    #[arg(long, env = "PIVOT_ALLOW_OTHER_SOURCES")]
    pub allow_other_sources: bool,
    /// Replace security labels on target items that no package put there (kept otherwise)
    #[arg(long, env = "PIVOT_REPLACE_TARGET_LABELS")]
    pub replace_target_labels: bool,
    /// Also overwrite target items that no share import brought: the target's own or another
    /// integration's (linked only otherwise)
    #[arg(long, env = "PIVOT_ADOPT_EXISTING")]
    pub adopt_existing: bool,
}

impl From<TrustArgs> for sharing::Trust {
    fn from(t: TrustArgs) -> Self {
        Self { allow_other_sources: t.allow_other_sources, replace_target_labels: t.replace_target_labels, adopt_existing: t.adopt_existing }
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The package file (or as the one positional argument)
    #[arg(long, env = "PIVOT_PACKAGE", value_name = "FILE")]
    pub package: Option<String>,
    #[arg(value_name = "PACKAGE_FILE", num_args = 0..)]
    pub positional: Vec<String>,
    /// Print the plan only, write nothing
    #[arg(long, env = "PIVOT_DRY_RUN")]
    pub dry_run: bool,
    /// Print the report as JSON
    #[arg(long, env = "PIVOT_JSON")]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct PullArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Source organization: packages must come from it
    #[arg(long, env = "PIVOT_SOURCE_ORG", value_name = "NAME")]
    pub source_org: Option<String>,
    /// The source's instance id (publish's --instance-id there); other packages are refused
    #[arg(long, env = "PIVOT_SOURCE_INSTANCE_ID", value_name = "ID")]
    pub source_instance_id: Option<String>,
    /// Communities/Sources of the source whose published groups are accepted too (A,B)
    #[arg(long, env = "PIVOT_SOURCE_OWNERS", value_name = "LIST")]
    pub source_owners: Option<String>,
    /// Also import version 1 packages (refused otherwise: their associated groups' xids cannot
    /// be checked; the groups they name that the target holds are linked only). The command only
    #[arg(long)]
    pub accept_version_1: bool,
    /// Run once and exit (the default; PIVOT_SCHEDULE="daily 02:30" etc. otherwise)
    #[arg(long)]
    pub once: bool,
    /// Every day at HH:MM (UTC), until stopped
    #[arg(long, value_name = "HH:MM")]
    pub daily: Option<String>,
    /// Every week on DAY (mon..sun) at HH:MM (UTC)
    #[arg(long, num_args = 2, value_names = ["DAY", "HH:MM"])]
    pub weekly: Option<Vec<String>>,
    /// Every month on DAY (1..31, the last day if shorter) at HH:MM (UTC)
    #[arg(long, num_args = 2, value_names = ["DAY", "HH:MM"])]
    pub monthly: Option<Vec<String>>,
    /// Print the plan only, write nothing
    #[arg(long, env = "PIVOT_DRY_RUN")]
    pub dry_run: bool,
    /// Print the summary as JSON
    #[arg(long, env = "PIVOT_JSON")]
    pub json: bool,
    /// ERROR, WARN (default), INFO, DEBUG (on stderr)
    #[arg(long, env = "PIVOT_LOG_LEVEL", value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Pull lease on the target owner: renewed while the run lives, lapses this long after (default 300)
    #[arg(long, env = "PIVOT_LEASE_SECS", value_name = "SECONDS")]
    pub lease: Option<String>,
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

#[derive(Args, Debug, Clone)]
pub struct NotifyArgs {
    /// Mail the run's summary to ADDRESS
    #[arg(long, env = "PIVOT_NOTIFY_EMAIL", value_name = "ADDRESS")]
    pub notify_email: Option<String>,
    /// success, failure (default) or always
    #[arg(long, env = "PIVOT_NOTIFY_ON", value_name = "WHEN")]
    pub notify_on: Option<String>,
    /// Attach the run's log
    #[arg(long, env = "PIVOT_ATTACH_LOG")]
    pub attach_log: bool,
    /// SMTP server (default 127.0.0.1)
    #[arg(long, env = "PIVOT_SMTP_HOST", value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default: 25 plain or STARTTLS, 465 implicit TLS)
    #[arg(long, env = "PIVOT_SMTP_PORT", value_name = "PORT")]
    pub smtp_port: Option<String>,
    /// Sender address (default pivot-share@localhost)
    #[arg(long, env = "PIVOT_SMTP_FROM", value_name = "ADDRESS")]
    pub smtp_from: Option<String>,
    /// none (a local relay; the default), starttls, or tls (implicit TLS, usually port 465)
    #[arg(long, env = "PIVOT_SMTP_TLS", value_name = "MODE")]
    pub smtp_tls: Option<String>,
    /// SMTP AUTH user (the password from PIVOT_SMTP_PASSWORD or --smtp-password-file; needs TLS)
    #[arg(long, env = "PIVOT_SMTP_USER", value_name = "USER")]
    pub smtp_user: Option<String>,
    /// A file holding the SMTP password
    #[arg(long, env = "PIVOT_SMTP_PASSWORD_FILE", value_name = "FILE")]
    pub smtp_password_file: Option<String>,
    /// A PEM CA bundle trusted for the SMTP server besides the public roots
    #[arg(long, env = "PIVOT_SMTP_CA_FILE", value_name = "FILE")]
    pub smtp_ca_file: Option<String>,
}

/// A flag that would put a secret on the command line (visible to every user in `ps`)
/// is refused before anything else, naming where the secret goes instead.
pub fn refuse_secret_flags(argv: &[String]) -> Result<(), Usage> {
    for a in argv {
        let Some(flag) = a.strip_prefix("--") else { continue };
        let name = flag.split_once('=').map_or(flag, |(n, _)| n);
        let side = if name.starts_with("target") { "target" } else { "source" };
        if name.contains("secret-key") || name == "source-secret" || name == "target-secret" {
            return Err(Usage(format!(
                "--{name}: secret keys are not taken on the command line (other users can see it); use the environment variable or --{side}-secret-file"
            )));
        }
        if name == "smtp-password" {
            return Err(Usage(
                "--smtp-password: passwords are not taken on the command line; use PIVOT_SMTP_PASSWORD or --smtp-password-file".into(),
            ));
        }
    }
    Ok(())
}

/// A value given, trimmed: empty counts as not given (an empty environment variable).
pub fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// A required value, or a usage error naming the flag and its variable.
pub fn need(v: &Option<String>, flag: &str, env: &str, command: &str) -> Result<String, Usage> {
    given(v).ok_or_else(|| Usage(format!("--{flag} (or {env}) is required for {command}")))
}
