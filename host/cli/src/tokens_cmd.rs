//! `symflow tokens issue | list | revoke`: bearer tokens for the Events API (`/api/v1`).
//! A token is printed once, when issued; the store keeps only its hash.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use symflow_server::api::tokens;
use symflow_store::{ApiToken, Store};

#[derive(Args, Debug)]
pub struct TokensArgs {
    #[command(subcommand)]
    command: TokensCommand,
    /// The environment directory whose server the tokens are for.
    #[arg(long, global = true, default_value = ".")]
    dir: PathBuf,
    /// Where `symflow up` keeps its database (default: `<DIR>/.symflow`).
    #[arg(long, global = true, env = "SYMFLOW_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL database instead (`postgres://…`), as `symflow up` uses.
    #[arg(long, global = true, env = "SYMFLOW_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum TokensCommand {
    /// Issue a token (printed once; keep it as a CI secret, e.g. SYM_JWT).
    Issue {
        /// What the token is for, e.g. `ci` (letters, digits, '-', '_').
        #[arg(long)]
        name: String,
        /// How long it works: `30m`, `12h`, `90d`, `3mo` (default: until revoked).
        #[arg(long)]
        expires_in: Option<String>,
    },
    /// List tokens: id, name, state, expiry (never the token itself).
    List,
    /// Revoke a token by id (or a unique id prefix, or its name).
    Revoke {
        /// Token id or name, from `symflow tokens list`.
        token: String,
    },
}

fn open_store(args: &TokensArgs) -> anyhow::Result<Store> {
    Ok(match &args.database_url {
        Some(url) => Store::open_url(url)?,
        None => Store::open(
            args.data_dir
                .clone()
                .unwrap_or_else(|| args.dir.join(".symflow")),
        )?,
    })
}

/// Unix milliseconds as UTC `YYYY-MM-DD HH:MM`.
fn when(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

fn state(token: &ApiToken, now: i64) -> String {
    match (token.revoked_at_ms, token.expires_at_ms) {
        (Some(at), _) => format!("revoked {}", when(at)),
        (None, Some(at)) if at <= now => format!("expired {}", when(at)),
        (None, Some(at)) => format!("active, expires {}", when(at)),
        (None, None) => "active, never expires".to_string(),
    }
}

pub fn run_tokens(args: TokensArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args)?;
    match args.command {
        TokensCommand::Issue { name, expires_in } => {
            let valid_for = match expires_in.as_deref() {
                Some(text) => Some(Duration::from_secs(
                    symflow_engine::parse_duration(text).map_err(|e| {
                        anyhow::anyhow!(
                            "--expires-in {text:?} is not a duration ({e}); write e.g. 30m, 12h, 90d or 3mo"
                        )
                    })?,
                )),
                None => None,
            };
            let issued = tokens::issue(&store, &name, valid_for)?;
            let now = symflow_store::now_ms();
            eprintln!(
                "Issued token {} ({}), {}. It is shown only now; store it as a secret (e.g. SYM_JWT):",
                issued.record.id,
                issued.record.name,
                state(&issued.record, now)
            );
            println!("{}", issued.secret);
        }
        TokensCommand::List => {
            let now = symflow_store::now_ms();
            let all = tokens::list(&store)?;
            if all.is_empty() {
                eprintln!("No tokens yet. Issue one with `symflow tokens issue --name ci`.");
            }
            for token in all {
                println!(
                    "{}  {:<20}  created {}  {}",
                    token.id,
                    token.name,
                    when(token.created_at_ms),
                    state(&token, now)
                );
            }
        }
        TokensCommand::Revoke { token } => {
            let revoked = tokens::revoke(&store, &token)?;
            println!(
                "Revoked token {} ({}): calls with it are refused from now on.",
                revoked.id, revoked.name
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_764_288_000_000), "2025-11-28 00:00 UTC");
        assert_eq!(when(951_782_400_000 + 3_660_000), "2000-02-29 01:01 UTC");
    }
}
