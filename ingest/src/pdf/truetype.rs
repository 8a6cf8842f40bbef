//! The fallback for CID fonts without a ToUnicode map: an embedded TrueType font's own `cmap`
//! table, inverted (glyph id to Unicode), reached through `/CIDToGIDMap`.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::objects::{dict_get, stream_bytes};

/// CID → Unicode text from the embedded TrueType program of a CIDFontType2, if there is one.
pub fn cid_to_unicode(doc: &Document, cid_font: &Dictionary) -> Option<HashMap<u32, String>> {
    let descriptor = dict_get(doc, cid_font, b"FontDescriptor")?.as_dict().ok()?;
    let program = stream_bytes(doc, dict_get(doc, descriptor, b"FontFile2")?)?;
    let gid_to_unicode = glyph_unicode(&program)?;
    let mut out = HashMap::new();
    match dict_get(doc, cid_font, b"CIDToGIDMap") {
        Some(map @ Object::Stream(_)) => {
            let map = stream_bytes(doc, map)?;
            for (cid, pair) in map.chunks_exact(2).enumerate() {
                let gid = u16::from_be_bytes([pair[0], pair[1]]);
                if let Some(c) = gid_to_unicode.get(&gid) {
                    out.insert(cid as u32, c.to_string());
                }
            }
        }
        _ => {
            for (gid, c) in gid_to_unicode {
                out.insert(u32::from(gid), c.to_string());
            }
        }
    }
    Some(out)
}

/// Inverts the Unicode `cmap` subtable (format 4 or 12) of a TrueType program.
pub fn glyph_unicode(font: &[u8]) -> Option<HashMap<u16, char>> {
    let u16_at = |o: usize| font.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let u32_at = |o: usize| font.get(o..o + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let tables = u16_at(4)?;
    let cmap = (0..usize::from(tables)).find_map(|i| {
        let record = 12 + i * 16;
        (font.get(record..record + 4)? == b"cmap").then(|| u32_at(record + 8)).flatten()
    })? as usize;
    let count = u16_at(cmap + 2)?;
    let mut best = None;
    for i in 0..usize::from(count) {
        let record = cmap + 4 + i * 8;
        let (platform, specific) = (u16_at(record)?, u16_at(record + 2)?);
        let offset = cmap + u32_at(record + 4)? as usize;
        let format = u16_at(offset)?;
        let unicode = platform == 0 || (platform == 3 && (specific == 1 || specific == 10));
        if unicode && (format == 4 || format == 12) && best.is_none_or(|(f, _)| f < format) {
            best = Some((format, offset));
        }
    }
    let (format, offset) = best?;
    let mut map = HashMap::new();
    if format == 4 {
        let segs = usize::from(u16_at(offset + 6)? / 2);
        let ends = offset + 14;
        let starts = ends + segs * 2 + 2;
        let deltas = starts + segs * 2;
        let range_offsets = deltas + segs * 2;
        for s in 0..segs {
            let (end, start) = (u16_at(ends + s * 2)?, u16_at(starts + s * 2)?);
            let delta = u16_at(deltas + s * 2)?;
            let ro = u16_at(range_offsets + s * 2)?;
            for c in start..=end.min(0xFFFE) {
                let gid = if ro == 0 {
                    c.wrapping_add(delta)
                } else {
                    let at = range_offsets + s * 2 + usize::from(ro) + usize::from(c - start) * 2;
                    match u16_at(at) {
                        Some(0) | None => continue,
                        Some(g) => g.wrapping_add(delta),
                    }
                };
                if let Some(ch) = char::from_u32(u32::from(c)).filter(|_| gid != 0) {
                    map.entry(gid).or_insert(ch);
                }
            }
        }
    } else {
        let groups = u32_at(offset + 12)? as usize;
        for g in 0..groups.min(1 << 16) {
            let at = offset + 16 + g * 12;
            let (start, end, gid) = (u32_at(at)?, u32_at(at + 4)?, u32_at(at + 8)?);
            for (k, c) in (start..=end.min(start.saturating_add(1 << 16))).enumerate() {
                if let (Some(ch), Ok(gid)) = (char::from_u32(c), u16::try_from(gid as usize + k)) {
                    map.entry(gid).or_insert(ch);
                }
            }
        }
    }
    Some(map)
}
