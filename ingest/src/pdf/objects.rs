//! Small helpers over lopdf objects: dereferencing, numbers, and stream contents decoded under
//! a size limit.

use lopdf::{Dictionary, Document, Object};

/// Largest decoded size of one stream (content, font program, CMap, metadata).
pub const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;

/// Follows references (a bounded number of them: reference cycles exist in broken files).
pub fn deref<'a>(doc: &'a Document, mut object: &'a Object) -> &'a Object {
    for _ in 0..16 {
        match object {
            Object::Reference(id) => match doc.get_object(*id) {
                Ok(next) => object = next,
                Err(_) => return &Object::Null,
            },
            _ => return object,
        }
    }
    &Object::Null
}

/// A dictionary entry, dereferenced.
pub fn dict_get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.get(key).ok().map(|o| deref(doc, o)).filter(|o| !matches!(o, Object::Null))
}

/// An integer or real, dereferenced.
pub fn number(doc: &Document, object: &Object) -> Option<f64> {
    match deref(doc, object) {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)).filter(|r| r.is_finite()),
        _ => None,
    }
}

/// The decoded content of a stream object (raw content when it has no filter).
pub fn stream_bytes(doc: &Document, object: &Object) -> Option<Vec<u8>> {
    let stream = deref(doc, object).as_stream().ok()?;
    if stream.dict.get(b"Filter").is_err() {
        return Some(stream.content.clone());
    }
    stream.decompressed_content_with_limit(MAX_STREAM_BYTES).ok()
}
