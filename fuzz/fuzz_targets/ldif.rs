//! cargo-fuzz target: mailldap::fuzzing::ldif (the entry point says what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailldap::fuzzing::ldif(data));
