//! `make dev`'s terminal helper. The Secret Key is read from the environment
//! here and used only to sign; it is never printed.
//!
//!   pivot-dev token --api-path URL       prints "<token>\t<expires epoch s>"
//!   pivot-dev demo-item --api-path URL --type Host
//!                                        prints the value of a well-connected seeded item

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::executor::block_on;
use threatconnect::http::split_api_url;
use threatconnect::native::NativeTransport;
use threatconnect::{tql, Client, Credentials, IndicatorType};

/// ThreatConnect's API tokens last 4 hours (`POST /v3/token/api`).
const TOKEN_LIFETIME_SECS: u64 = 4 * 3600;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn client(api_url: &str) -> Result<Client<NativeTransport>, String> {
    let id = std::env::var("TC_API_ACCESS_ID").map_err(|_| "TC_API_ACCESS_ID is not set".to_owned())?;
    let secret = std::env::var("TC_API_SECRET_KEY").map_err(|_| "TC_API_SECRET_KEY is not set".to_owned())?;
    let (origin, path) = split_api_url(api_url);
    Ok(Client::new(NativeTransport::new(&origin), &path, Credentials::hmac(id, secret), Box::new(now)))
}

fn run(args: &[String]) -> Result<String, String> {
    let api = arg(args, "--api-path").ok_or("--api-path URL is required")?;
    let client = client(&api)?;
    match args.first().map(String::as_str) {
        Some("token") => {
            let token = block_on(client.api_token()).map_err(|e| format!("could not mint a token at {api}: {e}"))?;
            Ok(format!("{token}\t{}", now() + TOKEN_LIFETIME_SECS))
        }
        Some("demo-item") => {
            let kind = arg(args, "--type").unwrap_or_else(|| "Host".into());
            let kind = IndicatorType::from_base_name(&kind).unwrap_or(IndicatorType::Custom(kind));
            let query = format!("typeName = {}", tql::quote(kind.type_name()));
            let page = block_on(client.search_indicators_expanded(&query, 0, 50, &["associatedGroups"]))
                .map_err(|e| format!("could not search {api}: {e}"))?;
            // The item with the most associated groups makes the richest first view.
            page.items.iter().max_by_key(|i| i.associated_groups.len()).map(|i| i.summary.clone()).ok_or_else(|| format!("no {kind} indicator found"))
        }
        _ => Err("usage: pivot-dev token|demo-item --api-path URL [--type TYPE]".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pivot-dev: {e}");
            ExitCode::FAILURE
        }
    }
}
