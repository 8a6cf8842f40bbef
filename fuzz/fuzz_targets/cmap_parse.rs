//! The CMap parser and code splitting on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cmap = ingest::pdf::CMap::parse(data);
    let mut rest = data;
    while !rest.is_empty() {
        let (code, len) = cmap.next_code(rest, 2);
        let _ = cmap.unicode(code, len);
        let _ = cmap.cid(code, len);
        rest = &rest[len.min(rest.len())..];
    }
});
