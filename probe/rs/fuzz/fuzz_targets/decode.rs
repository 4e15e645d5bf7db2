//! Request and config decoding: any bytes decode or are refused, and whatever decodes
//! re-encodes to exactly the same bytes (the `store` encoding is canonical, so a value
//! has one encoding and Haskell and Rust cannot disagree about a message's length).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rs_in_hs::wire::{Config, MessageBody, decode_exact, encode};

fuzz_target!(|bytes: &[u8]| {
    if let Ok(message) = decode_exact::<MessageBody>(bytes) {
        let again = encode(&message).expect("a decoded message encodes");
        assert_eq!(again, bytes, "{message:?} re-encodes differently");
    }
    if let Ok(config) = decode_exact::<Config>(bytes) {
        let again = encode(&config).expect("a decoded config encodes");
        assert_eq!(again, bytes, "{config:?} re-encodes differently");
    }
});
