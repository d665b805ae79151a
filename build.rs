//! The release panels' binary links with its relocations kept (`--emit-relocs`), which
//! wasm-split reads to split out the parts loaded on demand (`ui::on_demand`, set on by
//! `--cfg pivot_on_demand` in scripts/wasm-release.sh). Only that binary: for the others the
//! flag would cost their first load (the linker keeps code it would otherwise drop).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(pivot_on_demand)");
    if std::env::var_os("CARGO_CFG_PIVOT_ON_DEMAND").is_some() {
        println!("cargo::rustc-link-arg-bin=pivot=--emit-relocs");
    }
}
