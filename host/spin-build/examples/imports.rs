//! Prints the imports of the components named on the command line.
fn main() -> anyhow::Result<()> {
    for path in std::env::args().skip(1) {
        println!("{path}:");
        for name in symflow_spin_build::imports::component_imports(&std::fs::read(&path)?)? {
            println!("  {name}");
        }
    }
    Ok(())
}
