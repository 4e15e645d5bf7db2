//! The generated Haskell module is current (`just gen` rewrites it).

#[test]
fn the_haskell_protocol_module_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../hs/src/Probe/Protocol.hs");
    let schema = rs_in_hs::schema::schema::<rs_in_hs_probe::protocol::Probe>()
        .expect("the protocol renders");
    if let Err(stale) = rs_in_hs::codegen::check_generated(
        &schema,
        "Probe.Protocol",
        "probe/rs/src/protocol.rs",
        rs_in_hs_probe::H2R_PREFIX,
        std::path::Path::new(path),
    ) {
        panic!("{stale}");
    }
}

#[test]
fn the_starters_haskell_module_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../hs/src/Probe/Starter.hs");
    let schema = rs_in_hs::schema::schema::<rs_in_hs_probe::starter::Starter>()
        .expect("the protocol renders");
    if let Err(stale) = rs_in_hs::codegen::check_generated(
        &schema,
        "Probe.Starter",
        "probe/rs/src/starter.rs",
        rs_in_hs_probe::starter::H2R_PREFIX,
        std::path::Path::new(path),
    ) {
        panic!("{stale}");
    }
}
