//! What a built component imports, read from its binary: the list a Spin host must satisfy.

use anyhow::{bail, Context};
use wit_component::DecodedWasm;

/// The interface names (`wasi:io/streams@0.2.6`, `fermyon:spin/key-value@2.0.0`, ...) and
/// plain names a component imports, sorted.
pub fn component_imports(wasm: &[u8]) -> anyhow::Result<Vec<String>> {
    let decoded = wit_component::decode(wasm).context("reading the component's type")?;
    let DecodedWasm::Component(resolve, world) = decoded else {
        bail!("this is a WIT package, not a component");
    };
    let mut names: Vec<String> = resolve.worlds[world]
        .imports
        .keys()
        .map(|key| resolve.name_world_key(key))
        .collect();
    names.sort();
    Ok(names)
}
