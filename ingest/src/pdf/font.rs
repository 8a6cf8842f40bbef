//! Fonts as the text extractor needs them: character codes to Unicode text and advance widths,
//! for simple fonts (Type 1, TrueType, Type 3) and composite Type 0 fonts (CID fonts with
//! Identity, UCS-2 or embedded encoding CMaps), horizontal or vertical.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::cmap::CMap;
use super::collections::{CollectionMap, for_collection};
use super::decipher::CipherSymbols;
use super::encoding::{BaseEncoding, apply_differences, type1_builtin_encoding};
use super::glyphs::glyph_to_unicode;
use super::objects::{deref, dict_get, number, stream_bytes};

/// One decoded character code.
#[derive(Debug, Clone, PartialEq)]
pub struct Code<'a> {
    /// Its Unicode text (empty when unknown).
    pub text: &'a str,
    /// Horizontal advance in text space per unit of font size (glyph width / 1000 for most
    /// fonts), or the vertical advance for vertical fonts.
    pub advance: f64,
    /// A single-byte code 32, to which word spacing applies.
    pub is_space_code: bool,
    /// The font maps the code to no text on purpose (a ToUnicode entry to nothing): the glyph
    /// draws something that is not text, or its text was given to another glyph. An empty
    /// `text` without `blank` is a character that could not be decoded.
    pub blank: bool,
}

/// A font of a page's resources, ready to decode strings shown with it.
#[derive(Debug)]
pub struct Font {
    kind: Kind,
    /// Vertical writing (Identity-V and other `-V` CMaps).
    pub vertical: bool,
    /// Scale from the font size to the glyphs' real size (Type 3 fonts with a large
    /// FontMatrix); 1 for other fonts.
    pub size_scale: f64,
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per font, not per glyph
enum Kind {
    Simple {
        text: Box<[String; 256]>,
        widths: Box<[f64; 256]>,
    },
    Composite {
        encoding: CidEncoding,
        to_unicode: Option<CMap>,
        widths: HashMap<u32, f64>,
        default_width: f64,
        /// Adobe's CID → Unicode table of the font's character collection (no ToUnicode).
        collection: Option<&'static CollectionMap>,
        fallback: HashMap<u32, String>,
    },
}

#[derive(Debug)]
enum CidEncoding {
    Identity,
    /// Predefined Unicode CMaps (`UniJIS-UCS2-H`, `UniGB-UTF16-H`): the code is UTF-16.
    Unicode,
    Embedded(CMap),
    /// One of Adobe's predefined byte-encoding CMaps (`90ms-RKSJ-H`, `GBK-EUC-H` …).
    Predefined(std::sync::Arc<CMap>),
}

impl CidEncoding {
    fn cmap(&self) -> Option<&CMap> {
        match self {
            CidEncoding::Embedded(cmap) => Some(cmap),
            CidEncoding::Predefined(cmap) => Some(cmap),
            _ => None,
        }
    }
}

const UNKNOWN: &str = "";

impl Font {
    /// Builds a font from its dictionary. Never fails: what cannot be read is left unknown.
    pub fn load(doc: &Document, dict: &Dictionary, ciphers: &mut CipherSymbols) -> Font {
        let subtype = dict_get(doc, dict, b"Subtype").and_then(|o| o.as_name().ok()).unwrap_or_default();
        let to_unicode = dict_get(doc, dict, b"ToUnicode").and_then(|o| load_cmap(doc, o, 0));
        if subtype == b"Type0" {
            return load_composite(doc, dict, to_unicode);
        }
        let is_type3 = subtype == b"Type3";
        let matrix: Vec<f64> = dict_get(doc, dict, b"FontMatrix")
            .and_then(|o| o.as_array().ok())
            .map(|a| a.iter().filter_map(|o| number(doc, o)).collect())
            .unwrap_or_default();
        let (width_scale, mut size_scale) = if is_type3 && matrix.len() == 6 && matrix[0] != 0.0 {
            (matrix[0].abs(), (matrix[3].abs() * 1000.0).clamp(0.01, 100.0))
        } else {
            (0.001, 1.0)
        };

        // Glyph names: built-in encoding of the font program, then the declared base
        // encoding, then the differences.
        let descriptor = dict_get(doc, dict, b"FontDescriptor").and_then(|o| o.as_dict().ok());
        let flags =
            descriptor.and_then(|d| dict_get(doc, d, b"Flags")).and_then(|o| number(doc, o)).unwrap_or(0.0) as i64;
        let symbolic = flags & 4 != 0 && flags & 32 == 0;
        let base_font = dict_get(doc, dict, b"BaseFont").and_then(|o| o.as_name().ok()).unwrap_or_default();
        let base_name = String::from_utf8_lossy(base_font);
        let mut names: [Option<String>; 256] = std::array::from_fn(|_| None);
        let builtin = descriptor.and_then(|d| {
            if let Some(program) = dict_get(doc, d, b"FontFile").and_then(|o| stream_bytes(doc, o)) {
                return type1_builtin_encoding(&program);
            }
            let cff = dict_get(doc, d, b"FontFile3")?;
            let is_type1c =
                cff.as_stream().ok().and_then(|s| dict_get(doc, &s.dict, b"Subtype")).and_then(|o| o.as_name().ok())
                    == Some(b"Type1C");
            is_type1c
                .then(|| stream_bytes(doc, cff))
                .flatten()
                .and_then(|program| super::cff::builtin_encoding(&program))
        });
        let encoding = dict_get(doc, dict, b"Encoding");
        let base = match encoding {
            Some(Object::Name(name)) => BaseEncoding::from_name(name),
            Some(Object::Dictionary(d)) => {
                dict_get(doc, d, b"BaseEncoding").and_then(|o| o.as_name().ok()).and_then(BaseEncoding::from_name)
            }
            _ => None,
        };
        let standard_fallback = if base_name.contains("Symbol") {
            Some(BaseEncoding::Symbol)
        } else if builtin.is_some() || is_type3 || (symbolic && base.is_none()) {
            None
        } else {
            Some(BaseEncoding::Standard)
        };
        if let Some(builtin) = builtin.filter(|_| base.is_none()) {
            names = builtin;
        } else if let Some(base) = base.or(standard_fallback) {
            for (code, slot) in names.iter_mut().enumerate() {
                *slot = base.glyph_name(code as u8).map(str::to_owned);
            }
        }
        if let Some(Object::Dictionary(d)) = encoding
            && let Some(differences) = dict_get(doc, d, b"Differences").and_then(|o| o.as_array().ok())
        {
            apply_differences(&mut names, differences);
        }

        // A code whose glyph name means nothing (or that has none) stands for itself, as in
        // poppler: right for fonts that never declared an encoding and for Type 3 fonts with
        // made-up names. `standing` marks those codes.
        let mut standing = [false; 256];
        let mut text: Box<[String; 256]> = Box::new(std::array::from_fn(|code| {
            let from_cmap = to_unicode.as_ref().and_then(|c| c.unicode(code as u32, 1)).filter(|t| !t.is_empty());
            from_cmap
                .or_else(|| {
                    let text = names[code].as_deref().and_then(glyph_to_unicode)?;
                    // Type 3 fonts name their glyphs as they please ("square" for an "a"):
                    // a symbol name on a letter or digit code is not trusted there.
                    let made_up = is_type3
                        && char::from(code as u8).is_ascii_alphanumeric()
                        && !text.chars().any(char::is_alphanumeric);
                    (!made_up).then_some(text)
                })
                .or_else(|| {
                    standing[code] = names[code].as_deref().is_some_and(|n| n != ".notdef");
                    (code >= 0x20 && code != 0x7F).then(|| char::from(code as u8).to_string())
                })
                .unwrap_or_default()
        }));
        if is_type3 && looks_cyrillic_1251(&standing) {
            for (code, slot) in text.iter_mut().enumerate() {
                if standing[code]
                    && let Some(c) = cp1251_letter(code as u8)
                {
                    *slot = c.to_string();
                }
            }
        } else if is_type3 && to_unicode.is_none() && numbered_in_order_of_use(&standing) {
            // The codes say nothing of the text: each glyph becomes a cipher symbol, named by
            // its shape so that the same glyph in the next re-encoded font is the same symbol.
            let procs = dict_get(doc, dict, b"CharProcs").and_then(|o| o.as_dict().ok());
            let shapes: Vec<Option<(u64, f64)>> = (0..256)
                .map(|code| {
                    let name = names[code].as_deref().filter(|_| standing[code])?;
                    glyph_shape(doc, procs?, name)
                })
                .collect();
            let mut heights: Vec<f64> = shapes.iter().flatten().map(|&(_, h)| h).filter(|&h| h > 0.0).collect();
            heights.sort_by(f64::total_cmp);
            let letter_height = heights.get(heights.len() / 2).copied().unwrap_or(0.0);
            for (code, slot) in text.iter_mut().enumerate() {
                let Some((shape, height)) = shapes[code] else { continue };
                if height <= 0.0 {
                    // A glyph that draws nothing (an empty bounding box): no text.
                    slot.clear();
                } else if let Some(c) = ciphers.intern(shape, code as u8, height < 0.45 * letter_height) {
                    *slot = c.to_string();
                }
            }
        }

        let mut widths = Box::new([0.5f64; 256]);
        let missing = descriptor.and_then(|d| dict_get(doc, d, b"MissingWidth")).and_then(|o| number(doc, o));
        let first = dict_get(doc, dict, b"FirstChar").and_then(|o| number(doc, o)).unwrap_or(0.0) as i64;
        if let Some(list) = dict_get(doc, dict, b"Widths").and_then(|o| o.as_array().ok()) {
            // Codes outside the array take /MissingWidth, 0 by default (PDF 32000-1 §9.8.2).
            widths.fill(missing.unwrap_or(0.0) * width_scale);
            for (i, w) in list.iter().enumerate() {
                if let Ok(code) = usize::try_from(first + i as i64)
                    && code < 256
                    && let Some(w) = number(doc, w)
                {
                    widths[code] = w * width_scale;
                }
            }
        }
        if is_type3 && let Some(scale) = size_scale_from_widths(&widths) {
            // Glyph units vary (dvips' bitmap fonts count pixels: FontMatrix 0.011 with
            // glyphs 60 units high are ordinary-sized): the advances say how large the
            // glyphs are, an average advance being about half an em.
            size_scale = scale;
        }
        Font { kind: Kind::Simple { text, widths }, vertical: false, size_scale }
    }

    /// Decodes a shown string, calling `f` for each character code.
    pub fn decode(&self, bytes: &[u8], mut f: impl FnMut(Code<'_>)) {
        match &self.kind {
            Kind::Simple { text, widths } => {
                for &b in bytes {
                    f(Code {
                        text: &text[usize::from(b)],
                        advance: widths[usize::from(b)],
                        is_space_code: b == 32,
                        blank: false,
                    });
                }
            }
            Kind::Composite { encoding, to_unicode, widths, default_width, collection, fallback } => {
                let mut rest = bytes;
                let mut buf = String::new();
                while !rest.is_empty() {
                    let (code, len) = match encoding.cmap() {
                        Some(cmap) => cmap.next_code(rest, 2),
                        None if rest.len() >= 2 => ((u32::from(rest[0]) << 8) | u32::from(rest[1]), 2),
                        None => (u32::from(rest[0]), 1),
                    };
                    let len = len.min(rest.len()).max(1);
                    rest = &rest[len..];
                    let cid = match encoding {
                        CidEncoding::Embedded(cmap) => cmap.cid(code, len).unwrap_or(code),
                        // A code a predefined CMap does not map is CID 0, .notdef.
                        CidEncoding::Predefined(cmap) => cmap.cid(code, len).unwrap_or(0),
                        _ => code,
                    };
                    buf.clear();
                    let mut blank = false;
                    if let Some(text) = to_unicode.as_ref().and_then(|c| c.unicode(code, len)) {
                        buf.push_str(&text);
                        blank = text.is_empty();
                    } else if matches!(encoding, CidEncoding::Unicode) {
                        buf.push_str(&String::from_utf16_lossy(&[code as u16]));
                    } else if !collection.is_some_and(|c| c.push(cid, &mut buf))
                        && let Some(text) = fallback.get(&cid)
                    {
                        buf.push_str(text);
                    }
                    let advance = widths.get(&cid).copied().unwrap_or(*default_width);
                    f(Code {
                        text: if buf.is_empty() { UNKNOWN } else { &buf },
                        advance,
                        is_space_code: len == 1 && code == 32,
                        blank,
                    });
                }
            }
        }
    }
}

/// The size of a Type 3 font's glyphs relative to its font size, from the median of its
/// non-zero advances (about half an em in text fonts); `None` without advances.
fn size_scale_from_widths(widths: &[f64; 256]) -> Option<f64> {
    let mut advances: Vec<f64> = widths.iter().copied().filter(|w| w.is_finite() && *w > 0.0).collect();
    if advances.len() < 3 {
        return None;
    }
    advances.sort_by(f64::total_cmp);
    Some((advances[advances.len() / 2] / 0.5).clamp(0.01, 100.0))
}

/// Whether a Type 3 font whose glyphs have meaningless names (dvips' bitmap fonts: `/a224`)
/// is a Cyrillic font in the Windows-1251 layout (the LH fonts' `cp1251` encoding, whose
/// letters А–я sit at 0xC0–0xFF like T2A's), rather than a Latin-1 or T1 one. The font's
/// glyph set decides, as the PDF says nothing else: it must hold many letters above 0xC0, at
/// least half as many as ASCII letters, and four of the codes of о е т н с р, which in
/// Latin-1 are î å ò í ñ ð, letters no Latin-script language uses together. dvips keeps a
/// TeX font's own codes in its subsets, so such a glyph set has gaps.
/// Codes with names that mean nothing, numbered 0, 1, 2… in the order the glyphs were first
/// used (Ghostscript's re-encoding of bitmap fonts): the code is no clue to the character.
fn numbered_in_order_of_use(standing: &[bool; 256]) -> bool {
    let run_from_zero = standing.iter().take_while(|&&s| s).count();
    let all = standing.iter().filter(|&&s| s).count();
    run_from_zero >= 8 && run_from_zero * 10 >= all * 9
}

/// A hash of a Type 3 glyph's drawing procedure (the same bitmap drawn the same way is the
/// same glyph, whatever its code in whichever font), and the glyph's height from its `d1`
/// bounding box.
fn glyph_shape(doc: &Document, procs: &Dictionary, name: &str) -> Option<(u64, f64)> {
    let proc = stream_bytes(doc, dict_get(doc, procs, name.as_bytes())?)?;
    let head = &proc[..proc.len().min(120)];
    let height = std::str::from_utf8(head.split(|&b| b == b'\n').next().unwrap_or_default())
        .ok()
        .and_then(|line| {
            let numbers: Vec<f64> = line.split_whitespace().map_while(|t| t.parse().ok()).collect();
            (numbers.len() == 6 && line.trim_end().ends_with("d1")).then(|| numbers[5] - numbers[3])
        })
        .unwrap_or(0.0);
    Some((hash_bytes(&proc), height))
}

/// FNV-1a: stable, and enough to tell a few thousand glyph drawings apart.
fn hash_bytes(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn looks_cyrillic_1251(standing: &[bool; 256]) -> bool {
    // Fonts re-encoded in order of first use (Ghostscript's Type 3 output: `/a0`, `/a1` … for
    // every code from 0 up) have codes that mean nothing: their glyph set is one run from 0.
    let run_from_zero = standing.iter().take_while(|&&s| s).count();
    if run_from_zero > 0 && standing[run_from_zero..].iter().all(|&s| !s) {
        return false;
    }
    let high = (0xC0..=0xFF).filter(|&c| standing[c]).count();
    let ascii = (0..256).filter(|&c| standing[c] && char::from(c as u8).is_ascii_alphabetic()).count();
    let frequent = [0xEE, 0xE5, 0xF2, 0xED, 0xF1, 0xF0].iter().filter(|&&c| standing[c]).count();
    high >= 8 && high * 2 >= ascii && frequent >= 4
}

/// The Cyrillic letter at a Windows-1251 code: А–я at 0xC0–0xFF, Ё and ё.
fn cp1251_letter(code: u8) -> Option<char> {
    match code {
        0xC0..=0xFF => char::from_u32(0x410 + u32::from(code - 0xC0)),
        0xA8 => Some('Ё'),
        0xB8 => Some('ё'),
        _ => None,
    }
}

fn load_composite(doc: &Document, dict: &Dictionary, to_unicode: Option<CMap>) -> Font {
    let mut vertical = false;
    let mut predefined_ordering = None;
    let encoding = match dict_get(doc, dict, b"Encoding") {
        Some(Object::Name(name)) => {
            vertical = name.ends_with(b"-V") || name == b"V";
            if name.starts_with(b"Uni")
                && (name.windows(4).any(|w| w == b"UCS2") || name.windows(5).any(|w| w == b"UTF16"))
            {
                CidEncoding::Unicode
            } else if let Some(found) = super::predefined::predefined(name) {
                predefined_ordering = Some(found.ordering);
                CidEncoding::Predefined(found.cmap)
            } else {
                CidEncoding::Identity
            }
        }
        Some(stream @ Object::Stream(s)) => {
            vertical = dict_get(doc, &s.dict, b"WMode").and_then(|o| number(doc, o)) == Some(1.0);
            load_cmap(doc, stream, 0).map_or(CidEncoding::Identity, CidEncoding::Embedded)
        }
        _ => CidEncoding::Identity,
    };
    let descendant = dict_get(doc, dict, b"DescendantFonts")
        .and_then(|o| o.as_array().ok())
        .and_then(|a| a.first())
        .and_then(|o| deref(doc, o).as_dict().ok());
    let mut widths = HashMap::new();
    let mut default_width = 1.0;
    let mut fallback = HashMap::new();
    let mut collection = None;
    if let Some(cid_font) = descendant {
        if vertical {
            default_width = dict_get(doc, cid_font, b"DW2")
                .and_then(|o| o.as_array().ok())
                .and_then(|a| a.get(1))
                .and_then(|o| number(doc, o))
                .map_or(1.0, |w| w.abs() / 1000.0);
        } else {
            default_width = dict_get(doc, cid_font, b"DW").and_then(|o| number(doc, o)).map_or(1.0, |w| w / 1000.0);
            if let Some(w) = dict_get(doc, cid_font, b"W").and_then(|o| o.as_array().ok()) {
                read_cid_widths(doc, w, &mut widths);
            }
        }
        if to_unicode.as_ref().is_none_or(|c| !c.has_unicode()) {
            // The CIDs of a font that declares an Adobe collection are that collection's
            // (poppler reads them so); the embedded font's own cmap covers the rest.
            // A predefined CMap selects CIDs of its own collection, declared or not.
            collection = collection_of(doc, cid_font)
                .or_else(|| predefined_ordering.and_then(|o| for_collection(b"Adobe", o.as_bytes())));
            fallback = super::truetype::cid_to_unicode(doc, cid_font).unwrap_or_default();
        }
    }
    Font {
        kind: Kind::Composite { encoding, to_unicode, widths, default_width, collection, fallback },
        vertical,
        size_scale: 1.0,
    }
}

/// Adobe's table for the `/CIDSystemInfo` collection of a CID font, if it is a known one.
fn collection_of(doc: &Document, cid_font: &Dictionary) -> Option<&'static CollectionMap> {
    let info = dict_get(doc, cid_font, b"CIDSystemInfo")?.as_dict().ok()?;
    let field = |key: &[u8]| match dict_get(doc, info, key) {
        Some(Object::String(s, _)) => Some(s.as_slice()),
        Some(Object::Name(n)) => Some(n.as_slice()),
        _ => None,
    };
    for_collection(field(b"Registry")?, field(b"Ordering")?)
}

// `/W [c [w1 w2 …] cfirst clast w …]`; ranges are capped so a hostile file cannot make a
// billion entries.
fn read_cid_widths(doc: &Document, list: &[Object], widths: &mut HashMap<u32, f64>) {
    const MAX_ENTRIES: usize = 1 << 18;
    let mut i = 0;
    while i < list.len() && widths.len() < MAX_ENTRIES {
        let Some(first) = number(doc, &list[i]) else { break };
        let first = first as u32;
        match list.get(i + 1).map(|o| deref(doc, o)) {
            Some(Object::Array(ws)) => {
                for (k, w) in ws.iter().enumerate() {
                    if let Some(w) = number(doc, w) {
                        widths.insert(first.saturating_add(k as u32), w / 1000.0);
                    }
                }
                i += 2;
            }
            Some(last) => {
                let (Some(last), Some(w)) = (number(doc, last), list.get(i + 2).and_then(|o| number(doc, o))) else {
                    break;
                };
                let last = (last as u32).min(first.saturating_add(MAX_ENTRIES as u32));
                for cid in first..=last {
                    widths.insert(cid, w / 1000.0);
                }
                i += 3;
            }
            None => break,
        }
    }
}

/// Parses a CMap stream (following `/UseCMap` streams up to a small depth).
fn load_cmap(doc: &Document, object: &Object, depth: usize) -> Option<CMap> {
    let object = deref(doc, object);
    let stream = object.as_stream().ok()?;
    let bytes = stream_bytes(doc, object)?;
    let mut cmap = CMap::parse(&bytes);
    if depth < 4
        && let Some(parent) = dict_get(doc, &stream.dict, b"UseCMap")
        && let Some(parent) = load_cmap(doc, parent, depth + 1)
    {
        cmap.inherit(&parent);
    }
    Some(cmap)
}
