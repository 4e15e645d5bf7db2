//! The generated Haskell module is current (`RS_IN_HS_GEN=write cargo test --test generated`
//! rewrites it).

#[test]
fn the_haskell_protocol_module_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../hs/src/Counter/Protocol.hs");
    let schema =
        rs_in_hs::schema::schema::<minimal_engine::Counter>().expect("the protocol renders");
    if let Err(stale) = rs_in_hs::codegen::check_generated(
        &schema,
        "Counter.Protocol",
        "examples/minimal/rs/src/lib.rs",
        minimal_engine::H2R_PREFIX,
        std::path::Path::new(path),
    ) {
        panic!("{stale}");
    }
}
