//! cargo-fuzz target: mailldap::fuzzing::ldap_message (the entry point says what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailldap::fuzzing::ldap_message(data));
