//! CID to Unicode for Adobe's character collections (Japan1, GB1, CNS1, Korea1, KR): the text
//! of a Type 0 font without ToUnicode whose `/CIDSystemInfo` names one of them, as poppler does.
//!
//! The table, `data/cid-unicode.tsv.gz`, is derived from Adobe's `Adobe-<Ordering>-UCS2` CMaps
//! (BSD-3-Clause, notice in its header) by `tools/data/make-cid-unicode.py`; its format is
//! described there. It is decoded once, on the first font that needs it.

use std::collections::HashMap;
use std::sync::OnceLock;

static TABLE_GZ: &[u8] = include_bytes!("../../data/cid-unicode.tsv.gz");

/// The CID → Unicode map of one character collection.
#[derive(Debug, Default, PartialEq)]
pub struct CollectionMap {
    /// Code point by CID (0: none).
    singles: Vec<u32>,
    /// CIDs whose text is several code points.
    multi: HashMap<u32, String>,
}

impl CollectionMap {
    /// Appends the text of `cid` to `out`; false when the collection has none for it.
    pub fn push(&self, cid: u32, out: &mut String) -> bool {
        if let Some(text) = self.multi.get(&cid) {
            out.push_str(text);
            return true;
        }
        match self.singles.get(cid as usize).copied().and_then(char::from_u32) {
            Some(c) if c != '\0' => {
                out.push(c);
                true
            }
            _ => false,
        }
    }
}

/// The map of the collection `Adobe-<ordering>`, if it is one of Adobe's CJK collections.
pub fn for_collection(registry: &[u8], ordering: &[u8]) -> Option<&'static CollectionMap> {
    static TABLES: OnceLock<HashMap<String, CollectionMap>> = OnceLock::new();
    if registry != b"Adobe" {
        return None;
    }
    let tables = TABLES.get_or_init(|| {
        let mut text = String::new();
        let read = std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(TABLE_GZ), &mut text);
        if read.is_err() {
            text.clear();
        }
        parse(&text)
    });
    tables.get(std::str::from_utf8(ordering).ok()?)
}

/// Most CIDs in a collection (Adobe-GB1 has about 30 000): bounds a malformed table.
const MAX_CID: u32 = 1 << 17;

/// Parses the table format of `make-cid-unicode.py`; malformed lines are skipped.
fn parse(text: &str) -> HashMap<String, CollectionMap> {
    let mut tables: HashMap<String, CollectionMap> = HashMap::new();
    let mut current: Option<&mut CollectionMap> = None;
    let (mut cid, mut cp) = (0u32, 0i64);
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('@') {
            current = Some(tables.entry(name.to_owned()).or_default());
            (cid, cp) = (0, 0);
            continue;
        }
        let Some(map) = current.as_deref_mut() else { continue };
        let (skip, body) = match line.strip_prefix('+').and_then(|l| l.split_once(':')) {
            Some((skip, body)) => (u32::from_str_radix(skip, 16).unwrap_or(0), body),
            None => (0, line),
        };
        cid = cid.saturating_add(1).saturating_add(skip);
        if cid >= MAX_CID {
            continue;
        }
        if let Some(points) = body.strip_prefix('=') {
            let text: String =
                points.split(' ').filter_map(|p| u32::from_str_radix(p, 16).ok()).filter_map(char::from_u32).collect();
            map.multi.insert(cid, text);
            continue;
        }
        let delta = match body.strip_prefix('-') {
            Some(d) => i64::from_str_radix(d, 16).map(|d| -d),
            None => i64::from_str_radix(body, 16),
        };
        let Ok(delta) = delta else { continue };
        cp += delta;
        if let Ok(value) = u32::try_from(cp) {
            let at = cid as usize;
            if map.singles.len() <= at {
                map.singles.resize(at + 1, 0);
            }
            map.singles[at] = value;
        }
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(map: &CollectionMap, cid: u32) -> Option<String> {
        let mut out = String::new();
        map.push(cid, &mut out).then_some(out)
    }

    #[test]
    fn the_delta_format_is_decoded() {
        let tables = parse("# c\n@Test\n20\n1\n+2:3\n=66 69\n-10\n@Other\n41\n");
        let t = &tables["Test"];
        assert_eq!(text(t, 1).as_deref(), Some(" "));
        assert_eq!(text(t, 2).as_deref(), Some("!"));
        assert_eq!(text(t, 3), None, "skipped CIDs have no text");
        assert_eq!(text(t, 5).as_deref(), Some("$"));
        assert_eq!(text(t, 6).as_deref(), Some("fi"));
        // The multi-code-point line leaves the counter at '$' (0x24): 0x24 - 0x10.
        assert_eq!(text(t, 7).as_deref(), Some("\u{14}"));
        assert_eq!(text(&tables["Other"], 1).as_deref(), Some("A"));
    }

    #[test]
    fn shipped_tables_map_known_cids() {
        let japan = for_collection(b"Adobe", b"Japan1").expect("Japan1 is shipped");
        // Adobe-Japan1: CID 1 is the space, 34 'A', 843 'あ' (hiragana a).
        assert_eq!(text(japan, 1).as_deref(), Some(" "));
        assert_eq!(text(japan, 34).as_deref(), Some("A"));
        assert_eq!(text(japan, 843).as_deref(), Some("あ"));
        let gb = for_collection(b"Adobe", b"GB1").expect("GB1 is shipped");
        assert_eq!(text(gb, 34).as_deref(), Some("A"));
        for ordering in [&b"CNS1"[..], b"Korea1", b"KR"] {
            assert!(for_collection(b"Adobe", ordering).is_some());
        }
        assert!(for_collection(b"Adobe", b"Identity").is_none());
        assert!(for_collection(b"Other", b"Japan1").is_none());
    }

    #[test]
    fn malformed_lines_are_skipped() {
        let tables = parse("1\n@T\nzz\n+ffffffff:1\n=\n41\n");
        assert_eq!(tables.len(), 1);
    }
}
