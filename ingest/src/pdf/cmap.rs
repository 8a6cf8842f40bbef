//! CMap parsing: ToUnicode maps (`bfchar`, `bfrange` with arrays) and encoding CMaps
//! (`cidchar`, `cidrange`), with code-space ranges of one to four bytes and `usecmap`.
//!
//! CMaps come from untrusted files: the parser never panics, keeps ranges unexpanded (a
//! `<0000> <FFFF>` range costs one entry), and bounds everything by the input's size.

use std::collections::HashMap;

/// A parsed CMap.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CMap {
    /// Code-space ranges: (byte length, low bytes, high bytes).
    codespaces: Vec<(usize, [u8; 4], [u8; 4])>,
    /// Single code → Unicode text (`bfchar`, expanded `bfrange` arrays).
    chars: HashMap<(u8, u32), String>,
    /// Code ranges → first Unicode value, incremented along the range (`bfrange`).
    ranges: Vec<Range<Vec<u16>>>,
    /// Single code → CID (`cidchar`).
    cid_chars: HashMap<(u8, u32), u32>,
    /// Code ranges → first CID (`cidrange`).
    cid_ranges: Vec<Range<u32>>,
    /// The name given to `usecmap`, if any.
    pub use_cmap: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Range<T> {
    len: u8,
    lo: u32,
    hi: u32,
    start: T,
}

impl CMap {
    /// Parses CMap source. Unknown or malformed parts are skipped.
    pub fn parse(source: &[u8]) -> CMap {
        let mut cmap = CMap::default();
        let tokens = tokenize(source);
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                Token::Keyword(k) if k == b"begincodespacerange" => {
                    i += 1;
                    while let (Some(Token::Hex(lo)), Some(Token::Hex(hi))) = (tokens.get(i), tokens.get(i + 1)) {
                        if (1..=4).contains(&lo.len()) && lo.len() == hi.len() {
                            let mut l = [0; 4];
                            let mut h = [0; 4];
                            l[..lo.len()].copy_from_slice(lo);
                            h[..hi.len()].copy_from_slice(hi);
                            cmap.codespaces.push((lo.len(), l, h));
                        }
                        i += 2;
                    }
                }
                Token::Keyword(k) if k == b"beginbfchar" => {
                    i += 1;
                    while let (Some(Token::Hex(src)), Some(dst)) = (tokens.get(i), tokens.get(i + 1)) {
                        if let Some(key) = code_key(src) {
                            match dst {
                                Token::Hex(dst) => {
                                    cmap.chars.insert(key, utf16_text(dst));
                                }
                                Token::Name(name) => {
                                    if let Some(text) = super::glyphs::glyph_to_unicode(&String::from_utf8_lossy(name))
                                    {
                                        cmap.chars.insert(key, text);
                                    }
                                }
                                _ => {}
                            }
                        }
                        i += 2;
                    }
                }
                Token::Keyword(k) if k == b"beginbfrange" => {
                    i += 1;
                    while let (Some(Token::Hex(lo)), Some(Token::Hex(hi))) = (tokens.get(i), tokens.get(i + 1)) {
                        i += 2;
                        let range = code_key(lo).zip(code_key(hi)).filter(|(l, h)| l.0 == h.0 && l.1 <= h.1);
                        match tokens.get(i) {
                            Some(Token::Hex(dst)) => {
                                if let Some(((len, lo), (_, hi))) = range {
                                    let start = dst
                                        .chunks(2)
                                        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                                        .collect();
                                    cmap.ranges.push(Range { len, lo, hi, start });
                                }
                                i += 1;
                            }
                            Some(Token::ArrayStart) => {
                                i += 1;
                                let mut code = range.map(|r| r.0);
                                while let Some(Token::Hex(dst)) = tokens.get(i) {
                                    if let Some((len, c)) = code
                                        && range.is_some_and(|(_, (_, hi))| c <= hi)
                                    {
                                        cmap.chars.insert((len, c), utf16_text(dst));
                                        code = Some((len, c + 1));
                                    }
                                    i += 1;
                                }
                                if matches!(tokens.get(i), Some(Token::ArrayEnd)) {
                                    i += 1;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Token::Keyword(k) if k == b"begincidchar" => {
                    i += 1;
                    while let (Some(Token::Hex(src)), Some(Token::Number(cid))) = (tokens.get(i), tokens.get(i + 1)) {
                        if let Some(key) = code_key(src) {
                            cmap.cid_chars.insert(key, *cid);
                        }
                        i += 2;
                    }
                }
                Token::Keyword(k) if k == b"begincidrange" => {
                    i += 1;
                    while let (Some(Token::Hex(lo)), Some(Token::Hex(hi)), Some(Token::Number(cid))) =
                        (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2))
                    {
                        if let (Some((len, lo)), Some((hlen, hi))) = (code_key(lo), code_key(hi))
                            && len == hlen
                            && lo <= hi
                        {
                            cmap.cid_ranges.push(Range { len, lo, hi, start: *cid });
                        }
                        i += 3;
                    }
                }
                Token::Keyword(k) if k == b"usecmap" => {
                    if let Some(Token::Name(name)) = i.checked_sub(1).and_then(|p| tokens.get(p)) {
                        cmap.use_cmap = Some(String::from_utf8_lossy(name).into_owned());
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
        cmap
    }

    /// Adds the mappings of `parent` (the CMap named by `usecmap`) that this one does not
    /// override.
    pub fn inherit(&mut self, parent: &CMap) {
        if self.codespaces.is_empty() {
            self.codespaces = parent.codespaces.clone();
        }
        for (key, value) in &parent.chars {
            self.chars.entry(*key).or_insert_with(|| value.clone());
        }
        // Later ranges win in lookups: the parent's go first so this CMap's own override them.
        self.ranges.splice(0..0, parent.ranges.iter().cloned());
        for (key, value) in &parent.cid_chars {
            self.cid_chars.entry(*key).or_insert(*value);
        }
        self.cid_ranges.splice(0..0, parent.cid_ranges.iter().cloned());
    }

    /// Whether the CMap maps anything to Unicode.
    pub fn has_unicode(&self) -> bool {
        !self.chars.is_empty() || !self.ranges.is_empty()
    }

    /// Whether code-space ranges were declared.
    pub fn has_codespaces(&self) -> bool {
        !self.codespaces.is_empty()
    }

    /// Splits the next character code off `bytes`: (code, its length in bytes). Uses the
    /// code-space ranges; a byte sequence no range matches takes the shortest declared length
    /// (as PDF 32000-1 §9.7.6.3 suggests), or `default_len` without ranges.
    pub fn next_code(&self, bytes: &[u8], default_len: usize) -> (u32, usize) {
        for len in 1..=4 {
            if bytes.len() < len {
                break;
            }
            let matched = self.codespaces.iter().any(|(n, lo, hi)| {
                *n == len && bytes[..len].iter().enumerate().all(|(k, b)| lo[k] <= *b && *b <= hi[k])
            });
            if matched {
                return (be_code(&bytes[..len]), len);
            }
        }
        let len = self.codespaces.iter().map(|c| c.0).min().unwrap_or(default_len).clamp(1, 4).min(bytes.len()).max(1);
        (be_code(&bytes[..len.min(bytes.len())]), len)
    }

    /// The Unicode text of a code of `len` bytes.
    pub fn unicode(&self, code: u32, len: usize) -> Option<String> {
        let len = u8::try_from(len).ok()?;
        if let Some(text) = self.chars.get(&(len, code)) {
            return Some(text.clone());
        }
        // Later ranges win, as later definitions do in PostScript.
        let range = self.ranges.iter().rev().find(|r| r.len == len && r.lo <= code && code <= r.hi)?;
        let mut units = range.start.clone();
        let offset = code - range.lo;
        let last = units.last_mut()?;
        // The offset is added to the last code unit (PDF 32000-1 §9.10.3).
        *last = last.wrapping_add(u16::try_from(offset).unwrap_or(u16::MAX));
        Some(String::from_utf16_lossy(&units))
    }

    /// The CID of a code of `len` bytes, for encoding CMaps.
    pub fn cid(&self, code: u32, len: usize) -> Option<u32> {
        let len = u8::try_from(len).ok()?;
        if let Some(cid) = self.cid_chars.get(&(len, code)) {
            return Some(*cid);
        }
        let range = self.cid_ranges.iter().rev().find(|r| r.len == len && r.lo <= code && code <= r.hi)?;
        range.start.checked_add(code - range.lo)
    }
}

fn be_code(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

fn code_key(bytes: &[u8]) -> Option<(u8, u32)> {
    (1..=4).contains(&bytes.len()).then(|| (bytes.len() as u8, be_code(bytes)))
}

fn utf16_text(bytes: &[u8]) -> String {
    if bytes.len() == 1 {
        return char::from(bytes[0]).to_string();
    }
    let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
    String::from_utf16_lossy(&units)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Hex(Vec<u8>),
    Name(Vec<u8>),
    Number(u32),
    Keyword(Vec<u8>),
    ArrayStart,
    ArrayEnd,
    Other,
}

fn tokenize(source: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    let delimiter = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b);
    while i < source.len() {
        let b = source[i];
        match b {
            b if b.is_ascii_whitespace() || b == 0 => i += 1,
            b'%' => {
                while i < source.len() && source[i] != b'\n' && source[i] != b'\r' {
                    i += 1;
                }
            }
            b'[' => {
                tokens.push(Token::ArrayStart);
                i += 1;
            }
            b']' => {
                tokens.push(Token::ArrayEnd);
                i += 1;
            }
            b'<' if source.get(i + 1) == Some(&b'<') => {
                tokens.push(Token::Other);
                i += 2;
            }
            b'>' => {
                tokens.push(Token::Other);
                i += 1;
            }
            b'<' => {
                i += 1;
                let mut digits = Vec::new();
                while i < source.len() && source[i] != b'>' {
                    if let Some(d) = (source[i] as char).to_digit(16) {
                        digits.push(d as u8);
                    }
                    i += 1;
                }
                i += 1;
                if digits.len() % 2 == 1 {
                    digits.push(0);
                }
                tokens.push(Token::Hex(digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()));
            }
            b'(' => {
                // Literal strings appear in CMap headers only; skip them, nested parentheses too.
                let mut depth = 0usize;
                while i < source.len() {
                    match source[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                tokens.push(Token::Other);
            }
            b'/' => {
                let start = i + 1;
                i += 1;
                while i < source.len() && !delimiter(source[i]) {
                    i += 1;
                }
                tokens.push(Token::Name(source[start..i].to_vec()));
            }
            _ => {
                let start = i;
                i += 1;
                while i < source.len() && !delimiter(source[i]) {
                    i += 1;
                }
                let word = &source[start..i];
                if word.iter().all(u8::is_ascii_digit) {
                    tokens.push(
                        std::str::from_utf8(word).ok().and_then(|w| w.parse().ok()).map_or(Token::Other, Token::Number),
                    );
                } else {
                    tokens.push(Token::Keyword(word.to_vec()));
                }
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &[u8] = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CMapName /Adobe-Identity-UCS def
2 begincodespacerange <00> <7F> <8000> <FFFF> endcodespacerange
2 beginbfchar <01> <0041> <8001> <D83DDE00> endbfchar
2 beginbfrange <10> <1F> <0061> <8100> <8102> [<0066006C> <00E9> <0042>] endbfrange
1 begincidrange <8200> <82FF> 500 endcidrange
endcmap CMapName currentdict /CMap defineresource pop end end";

    #[test]
    fn bfchar_bfrange_arrays_and_codespaces() {
        let cmap = CMap::parse(SAMPLE);
        assert_eq!(cmap.unicode(0x01, 1).as_deref(), Some("A"));
        assert_eq!(cmap.unicode(0x8001, 2).as_deref(), Some("😀"));
        assert_eq!(cmap.unicode(0x12, 1).as_deref(), Some("c"));
        assert_eq!(cmap.unicode(0x8100, 2).as_deref(), Some("fl"));
        assert_eq!(cmap.unicode(0x8102, 2).as_deref(), Some("B"));
        assert_eq!(cmap.unicode(0x20, 1), None);
        assert_eq!(cmap.cid(0x8210, 2), Some(516));
        // Mixed one- and two-byte codes split by the code-space ranges.
        assert_eq!(cmap.next_code(&[0x01, 0x80, 0x01], 2), (0x01, 1));
        assert_eq!(cmap.next_code(&[0x80, 0x01], 1), (0x8001, 2));
    }

    #[test]
    fn usecmap_inherits_what_is_not_overridden() {
        let mut child = CMap::parse(b"/Parent usecmap 1 beginbfchar <0001> <0058> endbfchar");
        assert_eq!(child.use_cmap.as_deref(), Some("Parent"));
        let parent = CMap::parse(b"1 begincodespacerange <0000> <FFFF> endcodespacerange 2 beginbfchar <0001> <0041> <0002> <0042> endbfchar");
        child.inherit(&parent);
        assert_eq!(child.unicode(1, 2).as_deref(), Some("X"));
        assert_eq!(child.unicode(2, 2).as_deref(), Some("B"));
        assert_eq!(child.next_code(&[0, 2], 1), (2, 2));
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let cmap = CMap::parse(&bytes);
            let (_, len) = cmap.next_code(&bytes, 2);
            prop_assert!(bytes.is_empty() || (1..=4).contains(&len));
        }

        #[test]
        fn every_code_of_a_bfrange_maps_to_its_offset(lo in 0u16..0xF000, span in 0u16..256, start in 0x20u16..0xD000) {
            let hi = lo + span;
            let source = format!("1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <{lo:04X}> <{hi:04X}> <{start:04X}> endbfrange");
            let cmap = CMap::parse(source.as_bytes());
            for code in [lo, lo + span / 2, hi] {
                let expected = String::from_utf16_lossy(&[start + (code - lo)]);
                prop_assert_eq!(cmap.unicode(u32::from(code), 2), Some(expected));
            }
            prop_assert_eq!(cmap.unicode(u32::from(hi) + 1, 2), None);
        }

        #[test]
        fn bfchar_round_trips(entries in proptest::collection::btree_map(0u16..=0xFFFF, 0x20u16..0xD7FF, 1..40)) {
            let body: String = entries.iter().map(|(c, u)| format!("<{c:04X}> <{u:04X}>\n")).collect();
            let source = format!("{} beginbfchar\n{body}endbfchar", entries.len());
            let cmap = CMap::parse(source.as_bytes());
            for (code, unit) in &entries {
                prop_assert_eq!(cmap.unicode(u32::from(*code), 2), Some(String::from_utf16_lossy(&[*unit])));
            }
        }
    }
}
