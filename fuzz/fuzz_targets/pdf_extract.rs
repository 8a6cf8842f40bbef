//! The whole PDF path on arbitrary bytes, without the panic guard, so that a panic anywhere
//! (ours or lopdf's) is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ingest::pdf::extract_unguarded(data);
});
