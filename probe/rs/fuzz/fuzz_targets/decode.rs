//! Message and config decoding: any bytes decode or are refused, and whatever decodes
//! re-encodes to exactly the same bytes (the `store` encoding is canonical, so a value
//! has one encoding and Haskell and Rust cannot disagree about a message's length).
//! Checked for every type that crosses: the probe's requests, replies and casts, and
//! the bridge's config and init message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rs_in_hs::wire::{Config, InitMessage, decode_exact, encode};
use rs_in_hs_probe::protocol::{Cast, Reply, Request};

/// If `bytes` decode as one `T`, they are exactly its encoding.
macro_rules! canonical {
    ($bytes:expr, $type:ty) => {
        if let Ok(value) = decode_exact::<$type>($bytes) {
            let again = encode(&value).expect(concat!("a decoded ", stringify!($type), " encodes"));
            assert_eq!(again, $bytes, "{value:?} re-encodes differently");
        }
    };
}

fuzz_target!(|bytes: &[u8]| {
    canonical!(bytes, Request);
    canonical!(bytes, Reply);
    canonical!(bytes, Cast);
    canonical!(bytes, Config);
    canonical!(bytes, InitMessage);
});
