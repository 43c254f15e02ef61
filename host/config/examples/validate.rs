//! Prints what `symflow validate` would report for a directory (debugging aid):
//! `cargo run --example validate -- DIR [TF_STATE]`.
fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: validate DIR [TF_STATE]");
    let tf_state = std::env::args().nth(2).map(std::path::PathBuf::from);
    let opts = symflow_config::LoadOptions {
        tf_state,
        ..Default::default()
    };
    let validation = symflow_config::validate(std::path::Path::new(&dir), &opts);
    for d in &validation.diagnostics {
        println!("{d}");
    }
    if let Some(config) = validation.config {
        for flow in config.flows.values() {
            println!(
                "flow {} = {:?} vars={:?} unknown_vars={:?}",
                flow.meta.address, flow.name, flow.vars, flow.unknown_vars
            );
        }
        for target in config.targets.values() {
            println!("target {} {:?}", target.meta.address, target.settings);
        }
        for i in config.integrations.values() {
            println!(
                "integration {} {:?} {:?}",
                i.meta.address, i.external_id, i.settings
            );
        }
    }
}
