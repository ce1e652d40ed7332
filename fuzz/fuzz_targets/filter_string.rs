//! cargo-fuzz target: mailldap::fuzzing::filter_string (the entry point says what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailldap::fuzzing::filter_string(data));
