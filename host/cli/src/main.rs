//! `symflow`: build, try and serve access-request flows.
//!
//! Each subcommand lives in its own module; this file only parses the command
//! line and dispatches.

mod config_cmds;
mod flow_cmds;
mod tokens_cmd;
mod up_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "symflow",
    version,
    about = "Just-in-time access requests, approved in Slack, run in a WebAssembly sandbox."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a new environment: versions.tf, environment.tf and README.md.
    Init(config_cmds::InitArgs),
    /// Write a new flow of a given type into an environment.
    Generate(config_cmds::GenerateArgs),
    /// Check an environment's Terraform files and print every problem.
    Validate(config_cmds::ValidateArgs),
    /// Compile every flow of an environment into a sandboxed component.
    Build(flow_cmds::BuildArgs),
    /// Run one event of a flow offline and print what the flow decided.
    Run(flow_cmds::RunArgs),
    /// Build the flows if needed and serve Slack (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET).
    Up(up_cmd::UpArgs),
    /// Bearer tokens for the Events API: issue, list, revoke.
    Tokens(tokens_cmd::TokensArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "symflow=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => config_cmds::run_init(args).map(|_| ExitCode::SUCCESS),
        Command::Generate(args) => config_cmds::run_generate(args).map(|_| ExitCode::SUCCESS),
        Command::Validate(args) => config_cmds::run_validate(args).map(exit_code),
        Command::Build(args) => flow_cmds::run_build(args),
        Command::Run(args) => flow_cmds::run_run(args),
        Command::Up(args) => up_cmd::run_up(args),
        Command::Tokens(args) => tokens_cmd::run_tokens(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn exit_code<T: Into<ExitCodeLike>>(value: T) -> ExitCode {
    value.into().0
}

/// Lets `run_validate` return either `()` or an exit code.
struct ExitCodeLike(ExitCode);

impl From<()> for ExitCodeLike {
    fn from(_: ()) -> Self {
        ExitCodeLike(ExitCode::SUCCESS)
    }
}

impl From<i32> for ExitCodeLike {
    fn from(code: i32) -> Self {
        ExitCodeLike(ExitCode::from(code.clamp(0, 255) as u8))
    }
}
