//! `symflow up [DIR]`: build the environment's flows (with `symflow build`'s progress bar)
//! and serve Slack until interrupted. The server is the `symflow-server` crate.

use std::process::ExitCode;

pub use symflow_server::UpArgs;

pub fn run_up(args: UpArgs) -> anyhow::Result<ExitCode> {
    let config = symflow_server::up::load_config(&args.dir, &args.vars)?;
    let built = crate::flow_cmds::build_with_progress(&config, &args.catalog_paths())?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let server = symflow_server::up::serve_built(args, config, built).await?;
        server.run_until_interrupted().await;
        Ok(ExitCode::SUCCESS)
    })
}
