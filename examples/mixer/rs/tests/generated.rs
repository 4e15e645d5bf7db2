//! The generated Haskell module is current (`just gen` rewrites it).

#[test]
fn the_haskell_protocol_module_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../hs/src/Mixer/Protocol.hs");
    let schema =
        rs_in_hs::schema::schema::<mixer_engine::protocol::Mixer>().expect("the protocol renders");
    if let Err(stale) = rs_in_hs::codegen::check_generated(
        &schema,
        "Mixer.Protocol",
        "examples/mixer/rs/src/protocol.rs",
        mixer_engine::H2R_PREFIX,
        std::path::Path::new(path),
    ) {
        panic!("{stale}");
    }
}
