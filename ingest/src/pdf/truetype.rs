//! The fallback for CID fonts without a ToUnicode map: an embedded TrueType font's own `cmap`
//! table, inverted (glyph id to Unicode), and its `post` table's glyph names (Adobe Glyph
//! List) for glyphs the `cmap` does not reach, through `/CIDToGIDMap`.
//!
//! Font programs come from untrusted files: the readers never panic and bound their work by
//! the input's size.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::objects::{dict_get, stream_bytes};

/// CID → Unicode text from the embedded TrueType program of a CIDFontType2, if there is one.
pub fn cid_to_unicode(doc: &Document, cid_font: &Dictionary) -> Option<HashMap<u32, String>> {
    let descriptor = dict_get(doc, cid_font, b"FontDescriptor")?.as_dict().ok()?;
    let program = stream_bytes(doc, dict_get(doc, descriptor, b"FontFile2")?)?;
    let mut gid_to_unicode: HashMap<u16, String> =
        glyph_unicode(&program).unwrap_or_default().into_iter().map(|(g, c)| (g, c.to_string())).collect();
    for (gid, name) in post_glyph_names(&program).unwrap_or_default().into_iter().enumerate() {
        if let (Ok(gid), Some(text)) = (u16::try_from(gid), super::glyphs::glyph_to_unicode(&name)) {
            gid_to_unicode.entry(gid).or_insert(text);
        }
    }
    if gid_to_unicode.is_empty() {
        return None;
    }
    let mut out = HashMap::new();
    match dict_get(doc, cid_font, b"CIDToGIDMap") {
        Some(map @ Object::Stream(_)) => {
            let map = stream_bytes(doc, map)?;
            for (cid, pair) in map.chunks_exact(2).enumerate() {
                let gid = u16::from_be_bytes([pair[0], pair[1]]);
                if let Some(text) = gid_to_unicode.get(&gid) {
                    out.insert(cid as u32, text.clone());
                }
            }
        }
        _ => {
            for (gid, text) in gid_to_unicode {
                out.insert(u32::from(gid), text);
            }
        }
    }
    Some(out)
}

/// The offset of table `tag` in a TrueType program.
fn table(font: &[u8], tag: &[u8; 4]) -> Option<usize> {
    let tables = u16::from_be_bytes(font.get(4..6)?.try_into().ok()?);
    (0..usize::from(tables))
        .find_map(|i| {
            let record = 12 + i * 16;
            (font.get(record..record + 4)? == tag)
                .then(|| font.get(record + 8..record + 12).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
                .flatten()
        })
        .map(|o| o as usize)
}

/// Glyph names by glyph id from a `post` table of format 2.0 (the only one that names
/// glyphs beyond the standard Macintosh set; formats 1.0 and 3.0 carry no per-font names).
pub fn post_glyph_names(font: &[u8]) -> Option<Vec<String>> {
    let post = table(font, b"post")?;
    let u16_at = |o: usize| font.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    if font.get(post..post + 4)? != [0, 2, 0, 0] {
        return None;
    }
    let glyphs = usize::from(u16_at(post + 32)?);
    let indices = post + 34;
    // The Pascal strings that follow the index array: names 258 and up.
    let mut custom: Vec<&[u8]> = Vec::new();
    let mut at = indices + 2 * glyphs;
    while let Some(&len) = font.get(at) {
        let Some(name) = font.get(at + 1..at + 1 + usize::from(len)) else { break };
        custom.push(name);
        at += 1 + usize::from(len);
    }
    let mut names = Vec::with_capacity(glyphs.min(font.len() / 2));
    for g in 0..glyphs {
        let index = usize::from(u16_at(indices + 2 * g)?);
        let name = match index.checked_sub(MAC_GLYPH_NAMES.len()) {
            None => MAC_GLYPH_NAMES[index].to_owned(),
            Some(k) => custom.get(k).map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default(),
        };
        names.push(name);
    }
    Some(names)
}

/// The 258 standard Macintosh glyph names that `post` indices below 258 refer to.
const MAC_GLYPH_NAMES: [&str; 258] = [
    ".notdef",
    ".null",
    "nonmarkingreturn",
    "space",
    "exclam",
    "quotedbl",
    "numbersign",
    "dollar",
    "percent",
    "ampersand",
    "quotesingle",
    "parenleft",
    "parenright",
    "asterisk",
    "plus",
    "comma",
    "hyphen",
    "period",
    "slash",
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "colon",
    "semicolon",
    "less",
    "equal",
    "greater",
    "question",
    "at",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "I",
    "J",
    "K",
    "L",
    "M",
    "N",
    "O",
    "P",
    "Q",
    "R",
    "S",
    "T",
    "U",
    "V",
    "W",
    "X",
    "Y",
    "Z",
    "bracketleft",
    "backslash",
    "bracketright",
    "asciicircum",
    "underscore",
    "grave",
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "v",
    "w",
    "x",
    "y",
    "z",
    "braceleft",
    "bar",
    "braceright",
    "asciitilde",
    "Adieresis",
    "Aring",
    "Ccedilla",
    "Eacute",
    "Ntilde",
    "Odieresis",
    "Udieresis",
    "aacute",
    "agrave",
    "acircumflex",
    "adieresis",
    "atilde",
    "aring",
    "ccedilla",
    "eacute",
    "egrave",
    "ecircumflex",
    "edieresis",
    "iacute",
    "igrave",
    "icircumflex",
    "idieresis",
    "ntilde",
    "oacute",
    "ograve",
    "ocircumflex",
    "odieresis",
    "otilde",
    "uacute",
    "ugrave",
    "ucircumflex",
    "udieresis",
    "dagger",
    "degree",
    "cent",
    "sterling",
    "section",
    "bullet",
    "paragraph",
    "germandbls",
    "registered",
    "copyright",
    "trademark",
    "acute",
    "dieresis",
    "notequal",
    "AE",
    "Oslash",
    "infinity",
    "plusminus",
    "lessequal",
    "greaterequal",
    "yen",
    "mu",
    "partialdiff",
    "summation",
    "product",
    "pi",
    "integral",
    "ordfeminine",
    "ordmasculine",
    "Omega",
    "ae",
    "oslash",
    "questiondown",
    "exclamdown",
    "logicalnot",
    "radical",
    "florin",
    "approxequal",
    "Delta",
    "guillemotleft",
    "guillemotright",
    "ellipsis",
    "nonbreakingspace",
    "Agrave",
    "Atilde",
    "Otilde",
    "OE",
    "oe",
    "endash",
    "emdash",
    "quotedblleft",
    "quotedblright",
    "quoteleft",
    "quoteright",
    "divide",
    "lozenge",
    "ydieresis",
    "Ydieresis",
    "fraction",
    "currency",
    "guilsinglleft",
    "guilsinglright",
    "fi",
    "fl",
    "daggerdbl",
    "periodcentered",
    "quotesinglbase",
    "quotedblbase",
    "perthousand",
    "Acircumflex",
    "Ecircumflex",
    "Aacute",
    "Edieresis",
    "Egrave",
    "Iacute",
    "Icircumflex",
    "Idieresis",
    "Igrave",
    "Oacute",
    "Ocircumflex",
    "apple",
    "Ograve",
    "Uacute",
    "Ucircumflex",
    "Ugrave",
    "dotlessi",
    "circumflex",
    "tilde",
    "macron",
    "breve",
    "dotaccent",
    "ring",
    "cedilla",
    "hungarumlaut",
    "ogonek",
    "caron",
    "Lslash",
    "lslash",
    "Scaron",
    "scaron",
    "Zcaron",
    "zcaron",
    "brokenbar",
    "Eth",
    "eth",
    "Yacute",
    "yacute",
    "Thorn",
    "thorn",
    "minus",
    "multiply",
    "onesuperior",
    "twosuperior",
    "threesuperior",
    "onehalf",
    "onequarter",
    "threequarters",
    "franc",
    "Gbreve",
    "gbreve",
    "Idotaccent",
    "Scedilla",
    "scedilla",
    "Cacute",
    "cacute",
    "Ccaron",
    "ccaron",
    "dcroat",
];

/// Inverts the Unicode `cmap` subtable (format 4 or 12) of a TrueType program.
pub fn glyph_unicode(font: &[u8]) -> Option<HashMap<u16, char>> {
    let u16_at = |o: usize| font.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let u32_at = |o: usize| font.get(o..o + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let cmap = table(font, b"cmap")?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A TrueType program holding only the given tables (tag, bytes).
    fn font(tables: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut out = vec![0, 1, 0, 0];
        out.extend_from_slice(&(tables.len() as u16).to_be_bytes());
        out.extend_from_slice(&[0; 6]);
        let mut offset = 12 + 16 * tables.len();
        let mut data = Vec::new();
        for (tag, bytes) in tables {
            out.extend_from_slice(*tag);
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&(offset as u32).to_be_bytes());
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            offset += bytes.len();
            data.extend_from_slice(bytes);
        }
        out.extend(data);
        out
    }

    /// A format 2.0 `post` table: glyphs 0–3 are .notdef, "A" (standard index 36), a custom
    /// "uni0416" (index 258) and a custom "f_i" ligature (index 259).
    fn post_table() -> Vec<u8> {
        let mut post = vec![0, 2, 0, 0];
        post.extend_from_slice(&[0; 28]);
        post.extend_from_slice(&4u16.to_be_bytes());
        for index in [0u16, 36, 258, 259] {
            post.extend_from_slice(&index.to_be_bytes());
        }
        for name in [&b"uni0416"[..], b"f_i"] {
            post.push(name.len() as u8);
            post.extend_from_slice(name);
        }
        post
    }

    #[test]
    fn the_standard_macintosh_names_are_complete() {
        assert_eq!(MAC_GLYPH_NAMES[3], "space");
        assert_eq!(MAC_GLYPH_NAMES[36], "A");
        assert_eq!(MAC_GLYPH_NAMES[257], "dcroat");
    }

    #[test]
    fn post_names_standard_and_custom() {
        let names = post_glyph_names(&font(&[(b"post", post_table())])).unwrap();
        assert_eq!(names, [".notdef", "A", "uni0416", "f_i"]);
        // Format 3.0 names nothing.
        let mut v3 = post_table();
        v3[1] = 3;
        assert_eq!(post_glyph_names(&font(&[(b"post", v3)])), None);
    }

    #[test]
    fn a_format_4_cmap_is_inverted() {
        // One segment 0x41..0x43 → glyphs 1..3 (delta -0x40), then the 0xFFFF terminator.
        let mut sub = vec![0, 4, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0];
        for v in [0x43u16, 0xFFFF, 0, 0x41, 0xFFFF] {
            sub.extend_from_slice(&v.to_be_bytes());
        }
        for v in [(-0x40i16) as u16, 1, 0, 0] {
            sub.extend_from_slice(&v.to_be_bytes());
        }
        let mut cmap = vec![0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12];
        cmap.extend(sub);
        let map = glyph_unicode(&font(&[(b"cmap", cmap)])).unwrap();
        assert_eq!(map.get(&1), Some(&'A'));
        assert_eq!(map.get(&3), Some(&'C'));
        assert_eq!(map.get(&4), None);
    }

    proptest! {
        #[test]
        fn font_tables_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = glyph_unicode(&bytes);
            let _ = post_glyph_names(&bytes);
        }

        #[test]
        fn a_corrupted_post_table_never_panics(flips in proptest::collection::vec((0usize..80, any::<u8>()), 1..8)) {
            let mut bytes = font(&[(b"post", post_table())]);
            let len = bytes.len();
            for (at, value) in flips {
                bytes[at % len] = value;
            }
            let _ = post_glyph_names(&bytes);
        }
    }
}
