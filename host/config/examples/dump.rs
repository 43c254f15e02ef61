//! Prints what a directory loads to (debugging aid): `cargo run --example dump -- DIR`.
fn main() {
    let dir = std::env::args().nth(1).expect("usage: dump DIR");
    match symflow_config::load_dir(std::path::Path::new(&dir), &Default::default()) {
        Ok(loaded) => {
            for d in &loaded.diagnostics {
                println!("{d}");
            }
            println!("{:#?}", loaded.config);
        }
        Err(err) => println!("{err}"),
    }
}
