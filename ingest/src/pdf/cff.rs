//! The built-in encoding of a bare CFF font program (`/FontFile3` of subtype `Type1C`, as
//! Ghostscript and Distiller embed Type 1 fonts): codes → glyph names through the font's
//! encoding and charset tables (Adobe Technical Note #5176).

use super::encoding::BaseEncoding;

/// Glyph names by code, or `None` if the program is not a readable CFF font or uses the
/// standard encoding.
pub fn builtin_encoding(cff: &[u8]) -> Option<[Option<String>; 256]> {
    let header_size = usize::from(*cff.get(2)?);
    let (_names, after_names) = index(cff, header_size)?;
    let (top_dicts, after_top) = index(cff, after_names)?;
    let (strings, _) = index(cff, after_top)?;
    let top = dict(top_dicts.first()?);
    let operand = |op: u16| top.iter().find(|(o, _)| *o == op).and_then(|(_, v)| v.first().copied());
    if top.iter().any(|(o, _)| *o == 0x0C1E) {
        return None; // A CID-keyed font has no encoding of its own.
    }
    let encoding_offset = operand(16).unwrap_or(0.0) as usize;
    if encoding_offset == 0 {
        return None; // StandardEncoding
    }
    let charstrings = operand(17)? as usize;
    let glyph_count = usize::from(u16::from_be_bytes([*cff.get(charstrings)?, *cff.get(charstrings + 1)?]));
    let charset = charset(cff, operand(15).unwrap_or(0.0) as usize, glyph_count)?;
    let name = |sid: u16| -> Option<String> {
        let sid = usize::from(sid);
        if sid < 391 {
            standard_string(sid)
        } else {
            strings.get(sid - 391).map(|s| String::from_utf8_lossy(s).into_owned())
        }
    };
    let mut names: [Option<String>; 256] = std::array::from_fn(|_| None);
    if encoding_offset == 1 {
        return None; // ExpertEncoding: not worth a table.
    }
    let format = *cff.get(encoding_offset)?;
    let mut at = encoding_offset + 1;
    match format & 0x7F {
        0 => {
            let count = usize::from(*cff.get(at)?);
            at += 1;
            for gid in 1..=count {
                let code = *cff.get(at)?;
                at += 1;
                names[usize::from(code)] = charset.get(gid).and_then(|&sid| name(sid));
            }
        }
        1 => {
            let ranges = usize::from(*cff.get(at)?);
            at += 1;
            let mut gid = 1;
            for _ in 0..ranges {
                let (first, left) = (usize::from(*cff.get(at)?), usize::from(*cff.get(at + 1)?));
                at += 2;
                for slot in names.iter_mut().skip(first).take(left + 1) {
                    *slot = charset.get(gid).and_then(|&sid| name(sid));
                    gid += 1;
                }
            }
        }
        _ => return None,
    }
    if format & 0x80 != 0 {
        let sups = usize::from(*cff.get(at)?);
        at += 1;
        for _ in 0..sups {
            let code = *cff.get(at)?;
            let sid = u16::from_be_bytes([*cff.get(at + 1)?, *cff.get(at + 2)?]);
            at += 3;
            names[usize::from(code)] = name(sid);
        }
    }
    Some(names)
}

/// An INDEX: its items and the offset just after it.
fn index(data: &[u8], at: usize) -> Option<(Vec<&[u8]>, usize)> {
    let count = usize::from(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]));
    if count == 0 {
        return Some((Vec::new(), at + 2));
    }
    let off_size = usize::from(*data.get(at + 2)?);
    if !(1..=4).contains(&off_size) {
        return None;
    }
    let offsets_at = at + 3;
    let read = |i: usize| -> Option<usize> {
        let bytes = data.get(offsets_at + i * off_size..offsets_at + (i + 1) * off_size)?;
        Some(bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)))
    };
    let base = offsets_at + (count + 1) * off_size - 1;
    let mut items = Vec::with_capacity(count.min(4096));
    for i in 0..count {
        let (start, end) = (read(i)?, read(i + 1)?);
        items.push(data.get(base + start..base + end)?);
    }
    Some((items, base + read(count)?))
}

/// A DICT: (operator, operands); two-byte operators as `0x0C00 | b1`.
fn dict(data: &[u8]) -> Vec<(u16, Vec<f64>)> {
    let mut out = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let b0 = data[i];
        match b0 {
            0..=21 => {
                let op = if b0 == 12 {
                    i += 1;
                    0x0C00 | u16::from(*data.get(i).unwrap_or(&0))
                } else {
                    u16::from(b0)
                };
                out.push((op, std::mem::take(&mut operands)));
                i += 1;
            }
            28 => {
                let v = data.get(i + 1..i + 3).map_or(0, |b| i16::from_be_bytes([b[0], b[1]]));
                operands.push(f64::from(v));
                i += 3;
            }
            29 => {
                let v = data.get(i + 1..i + 5).map_or(0, |b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                operands.push(f64::from(v));
                i += 5;
            }
            30 => {
                // Real numbers are not needed here; skip their nibbles.
                i += 1;
                while i < data.len() && data[i] & 0x0F != 0x0F && data[i] >> 4 != 0x0F {
                    i += 1;
                }
                i += 1;
                operands.push(0.0);
            }
            32..=246 => {
                operands.push(f64::from(i32::from(b0) - 139));
                i += 1;
            }
            247..=250 => {
                let b1 = i32::from(*data.get(i + 1).unwrap_or(&0));
                operands.push(f64::from((i32::from(b0) - 247) * 256 + b1 + 108));
                i += 2;
            }
            251..=254 => {
                let b1 = i32::from(*data.get(i + 1).unwrap_or(&0));
                operands.push(f64::from(-(i32::from(b0) - 251) * 256 - b1 - 108));
                i += 2;
            }
            _ => i += 1,
        }
    }
    out
}

/// SID of each glyph id.
fn charset(cff: &[u8], offset: usize, glyphs: usize) -> Option<Vec<u16>> {
    let mut sids = vec![0u16];
    if offset <= 2 {
        // Predefined charsets; ISOAdobe maps gid to the same SID.
        return Some((0..glyphs as u16).collect());
    }
    let format = *cff.get(offset)?;
    let mut at = offset + 1;
    while sids.len() < glyphs {
        let sid = u16::from_be_bytes([*cff.get(at)?, *cff.get(at + 1)?]);
        match format {
            0 => {
                sids.push(sid);
                at += 2;
            }
            1 | 2 => {
                let left = if format == 1 {
                    at += 3;
                    usize::from(*cff.get(at - 1)?)
                } else {
                    at += 4;
                    usize::from(u16::from_be_bytes([*cff.get(at - 2)?, *cff.get(at - 1)?]))
                };
                for k in 0..=left {
                    sids.push(sid.saturating_add(k as u16));
                }
            }
            _ => return None,
        }
    }
    Some(sids)
}

/// The expert strings 229–390: small capitals, old-style figures, fractions and the `ff`,
/// `ffi`, `ffl` ligatures that TeX fonts (OT1 codes 11, 14, 15) name through them.
const EXPERT: [&str; 162] = [
    "exclamsmall",
    "Hungarumlautsmall",
    "dollaroldstyle",
    "dollarsuperior",
    "ampersandsmall",
    "Acutesmall",
    "parenleftsuperior",
    "parenrightsuperior",
    "twodotenleader",
    "onedotenleader",
    "zerooldstyle",
    "oneoldstyle",
    "twooldstyle",
    "threeoldstyle",
    "fouroldstyle",
    "fiveoldstyle",
    "sixoldstyle",
    "sevenoldstyle",
    "eightoldstyle",
    "nineoldstyle",
    "commasuperior",
    "threequartersemdash",
    "periodsuperior",
    "questionsmall",
    "asuperior",
    "bsuperior",
    "centsuperior",
    "dsuperior",
    "esuperior",
    "isuperior",
    "lsuperior",
    "msuperior",
    "nsuperior",
    "osuperior",
    "rsuperior",
    "ssuperior",
    "tsuperior",
    "ff",
    "ffi",
    "ffl",
    "parenleftinferior",
    "parenrightinferior",
    "Circumflexsmall",
    "hyphensuperior",
    "Gravesmall",
    "Asmall",
    "Bsmall",
    "Csmall",
    "Dsmall",
    "Esmall",
    "Fsmall",
    "Gsmall",
    "Hsmall",
    "Ismall",
    "Jsmall",
    "Ksmall",
    "Lsmall",
    "Msmall",
    "Nsmall",
    "Osmall",
    "Psmall",
    "Qsmall",
    "Rsmall",
    "Ssmall",
    "Tsmall",
    "Usmall",
    "Vsmall",
    "Wsmall",
    "Xsmall",
    "Ysmall",
    "Zsmall",
    "colonmonetary",
    "onefitted",
    "rupiah",
    "Tildesmall",
    "exclamdownsmall",
    "centoldstyle",
    "Lslashsmall",
    "Scaronsmall",
    "Zcaronsmall",
    "Dieresissmall",
    "Brevesmall",
    "Caronsmall",
    "Dotaccentsmall",
    "Macronsmall",
    "figuredash",
    "hypheninferior",
    "Ogoneksmall",
    "Ringsmall",
    "Cedillasmall",
    "questiondownsmall",
    "oneeighth",
    "threeeighths",
    "fiveeighths",
    "seveneighths",
    "onethird",
    "twothirds",
    "zerosuperior",
    "foursuperior",
    "fivesuperior",
    "sixsuperior",
    "sevensuperior",
    "eightsuperior",
    "ninesuperior",
    "zeroinferior",
    "oneinferior",
    "twoinferior",
    "threeinferior",
    "fourinferior",
    "fiveinferior",
    "sixinferior",
    "seveninferior",
    "eightinferior",
    "nineinferior",
    "centinferior",
    "dollarinferior",
    "periodinferior",
    "commainferior",
    "Agravesmall",
    "Aacutesmall",
    "Acircumflexsmall",
    "Atildesmall",
    "Adieresissmall",
    "Aringsmall",
    "AEsmall",
    "Ccedillasmall",
    "Egravesmall",
    "Eacutesmall",
    "Ecircumflexsmall",
    "Edieresissmall",
    "Igravesmall",
    "Iacutesmall",
    "Icircumflexsmall",
    "Idieresissmall",
    "Ethsmall",
    "Ntildesmall",
    "Ogravesmall",
    "Oacutesmall",
    "Ocircumflexsmall",
    "Otildesmall",
    "Odieresissmall",
    "OEsmall",
    "Oslashsmall",
    "Ugravesmall",
    "Uacutesmall",
    "Ucircumflexsmall",
    "Udieresissmall",
    "Yacutesmall",
    "Thornsmall",
    "Ydieresissmall",
    "001.000",
    "001.001",
    "001.002",
    "001.003",
    "Black",
    "Bold",
    "Book",
    "Light",
    "Medium",
    "Regular",
    "Roman",
    "Semibold",
];

/// The standard strings 0–390: 0–228 (ISOAdobe) derived from StandardEncoding's order as the
/// specification lays them out, then [`EXPERT`].
fn standard_string(sid: usize) -> Option<String> {
    const EXTRA: [&str; 79] = [
        "onesuperior",
        "logicalnot",
        "mu",
        "trademark",
        "Eth",
        "onehalf",
        "plusminus",
        "Thorn",
        "onequarter",
        "divide",
        "brokenbar",
        "degree",
        "thorn",
        "threequarters",
        "twosuperior",
        "registered",
        "minus",
        "eth",
        "multiply",
        "threesuperior",
        "copyright",
        "Aacute",
        "Acircumflex",
        "Adieresis",
        "Agrave",
        "Aring",
        "Atilde",
        "Ccedilla",
        "Eacute",
        "Ecircumflex",
        "Edieresis",
        "Egrave",
        "Iacute",
        "Icircumflex",
        "Idieresis",
        "Igrave",
        "Ntilde",
        "Oacute",
        "Ocircumflex",
        "Odieresis",
        "Ograve",
        "Otilde",
        "Scaron",
        "Uacute",
        "Ucircumflex",
        "Udieresis",
        "Ugrave",
        "Yacute",
        "Ydieresis",
        "Zcaron",
        "aacute",
        "acircumflex",
        "adieresis",
        "agrave",
        "aring",
        "atilde",
        "ccedilla",
        "eacute",
        "ecircumflex",
        "edieresis",
        "egrave",
        "iacute",
        "icircumflex",
        "idieresis",
        "igrave",
        "ntilde",
        "oacute",
        "ocircumflex",
        "odieresis",
        "ograve",
        "otilde",
        "scaron",
        "uacute",
        "ucircumflex",
        "udieresis",
        "ugrave",
        "yacute",
        "ydieresis",
        "zcaron",
    ];
    match sid {
        0 => Some(".notdef".to_owned()),
        1..=95 => BaseEncoding::Standard.glyph_name((sid + 31) as u8).map(str::to_owned),
        96..=149 => {
            (0xA1u8..=0xFF).filter_map(|c| BaseEncoding::Standard.glyph_name(c)).nth(sid - 96).map(str::to_owned)
        }
        150..=228 => Some(EXTRA[sid - 150].to_owned()),
        229..=390 => Some(EXPERT[sid - 229].to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_strings_follow_the_specification() {
        assert_eq!(standard_string(1).as_deref(), Some("space"));
        assert_eq!(standard_string(34).as_deref(), Some("A"));
        assert_eq!(standard_string(95).as_deref(), Some("asciitilde"));
        assert_eq!(standard_string(109).as_deref(), Some("fi"));
        assert_eq!(standard_string(149).as_deref(), Some("germandbls"));
        assert_eq!(standard_string(228).as_deref(), Some("zcaron"));
        assert_eq!(standard_string(229).as_deref(), Some("exclamsmall"));
        assert_eq!(standard_string(266).as_deref(), Some("ff"));
        assert_eq!(standard_string(268).as_deref(), Some("ffl"));
        assert_eq!(standard_string(299).as_deref(), Some("Zsmall"));
        assert_eq!(standard_string(390).as_deref(), Some("Semibold"));
        assert_eq!(standard_string(391), None);
    }

    /// A minimal CFF font: glyph `k + 1` has SID `sids[k]` and code `codes[k]`; the String
    /// INDEX holds "rcaron" (SID 391).
    fn minimal_cff(sids: &[u16], codes: &[u8]) -> Vec<u8> {
        // Header, Name INDEX ("F"), Top DICT INDEX (charset, Encoding, CharStrings), String
        // INDEX, then charset (format 0), encoding (format 0) and a CharStrings INDEX.
        let mut cff = vec![1, 0, 4, 1];
        cff.extend([0, 1, 1, 1, 2, b'F']);
        let top_at = cff.len();
        // Placeholder offsets are patched below: charset(15), Encoding(16), CharStrings(17), each as 29 + i32.
        let top: Vec<u8> = [15u8, 16, 17].iter().flat_map(|&op| [29, 0, 0, 0, 0, op]).collect();
        cff.extend([0, 1, 1, 1, 1 + top.len() as u8]);
        cff.extend(&top);
        cff.extend([0, 1, 1, 1, 7]);
        cff.extend(b"rcaron");
        let charset_at = cff.len();
        cff.push(0);
        cff.extend(sids.iter().flat_map(|sid| sid.to_be_bytes()));
        let encoding_at = cff.len();
        cff.extend([0, codes.len() as u8]);
        cff.extend(codes);
        let charstrings_at = cff.len();
        let glyphs = sids.len() as u8 + 1;
        cff.extend([0, glyphs, 1]);
        cff.extend(1..=glyphs + 1);
        cff.extend(std::iter::repeat_n(14, usize::from(glyphs)));
        for (k, value) in [charset_at, encoding_at, charstrings_at].iter().enumerate() {
            let at = top_at + 5 + k * 6 + 1;
            cff[at..at + 4].copy_from_slice(&(*value as i32).to_be_bytes());
        }
        cff
    }

    #[test]
    fn a_minimal_cff_font_yields_its_encoding() {
        let names = builtin_encoding(&minimal_cff(&[34, 391], &[65, 0xF8])).expect("encoding");
        assert_eq!(names[65].as_deref(), Some("A"));
        assert_eq!(names[0xF8].as_deref(), Some("rcaron"));
        assert_eq!(names[66], None);
    }

    #[test]
    fn tex_ligatures_named_by_expert_strings_are_read() {
        // cs-fonts and other Type1C TeX fonts put ff, ffi, ffl at OT1 codes 11, 14, 15 and
        // name them by the expert SIDs 266–268, next to fi and fl (standard SIDs 109, 110).
        let cff = minimal_cff(&[266, 109, 110, 267, 268], &[11, 12, 13, 14, 15]);
        let names = builtin_encoding(&cff).expect("encoding");
        let names: Vec<_> = (11..=15).map(|c| names[c].as_deref()).collect();
        assert_eq!(names, [Some("ff"), Some("fi"), Some("fl"), Some("ffi"), Some("ffl")]);
    }
}
