//! `symflow up [DIR]`: build the environment's flows (with `symflow build`'s progress bar)
//! and serve Slack until interrupted. The server is the `symflow-server` crate.

use std::process::ExitCode;

pub use symflow_server::UpArgs;

pub fn run_up(args: UpArgs) -> anyhow::Result<ExitCode> {
    if !args.tenants.is_empty() {
        return run_tenants(args);
    }
    // Wrong OIDC settings fail now, not after the flows are built.
    args.oidc
        .settings(std::net::SocketAddr::new(args.host, args.port))?;
    let config = symflow_server::up::load_config(&args.dir, &args.load_options())?;
    let built = crate::flow_cmds::build_with_progress(&config, &args.catalog_paths())?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let server = symflow_server::up::serve_built(args, config, built).await?;
        server.run_until_interrupted().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// `symflow up --tenant TEAM_ID=DIR …`: every tenant built, then served behind one listener.
fn run_tenants(args: UpArgs) -> anyhow::Result<ExitCode> {
    let mut tenants = Vec::new();
    for tenant in &args.tenants {
        eprintln!("tenant {} ({})", tenant.team_id, tenant.dir.display());
        let config = symflow_server::up::load_config(&tenant.dir, &args.tenant_load_options())?;
        let built = crate::flow_cmds::build_with_progress(&config, &tenant.catalog_paths(&args))?;
        tenants.push(symflow_server::tenants::BuiltTenant {
            tenant: tenant.clone(),
            config,
            built,
        });
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let running = symflow_server::tenants::serve_built(args, tenants).await?;
        running.run_until_interrupted().await;
        Ok(ExitCode::SUCCESS)
    })
}
