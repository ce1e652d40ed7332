//! cargo-fuzz target: mailldap::fuzzing::schema_file (the entry point says what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailldap::fuzzing::schema_file(data));
