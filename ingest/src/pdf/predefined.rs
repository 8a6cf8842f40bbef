//! Adobe's predefined CJK CMaps named by a Type 0 font's `/Encoding` (`90ms-RKSJ-H`,
//! `GBK-EUC-H`, `ETen-B5-H`, `KSC-EUC-H` …): how its byte codes split and which CIDs they
//! select, so that the collection's CID → Unicode table and the font's CID widths apply.
//!
//! `data/predefined-cmaps.gz` holds the CMaps' text (Adobe's cmap-resources, BSD-3-Clause,
//! notice in its header), written by `tools/data/make-predefined-cmaps.py`. A CMap is parsed
//! on first use and kept for the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::cmap::CMap;

static CMAPS_GZ: &[u8] = include_bytes!("../../data/predefined-cmaps.gz");

/// A predefined CMap and the character collection (`Japan1`, `GB1`, `CNS1`, `Korea1`) whose
/// CIDs it selects.
#[derive(Debug, Clone)]
pub struct Predefined {
    /// Code → CID, `usecmap` resolved.
    pub cmap: Arc<CMap>,
    /// The collection's ordering.
    pub ordering: &'static str,
}

/// The predefined CMap of this name, if it is one the table holds.
pub fn predefined(name: &[u8]) -> Option<Predefined> {
    let name = std::str::from_utf8(name).ok()?;
    static PARSED: OnceLock<Mutex<HashMap<String, Predefined>>> = OnceLock::new();
    let parsed = PARSED.get_or_init(Mutex::default);
    if let Ok(cache) = parsed.lock()
        && let Some(found) = cache.get(name)
    {
        return Some(found.clone());
    }
    let found = load(name, 0)?;
    if let Ok(mut cache) = parsed.lock() {
        cache.insert(name.to_owned(), found.clone());
    }
    Some(found)
}

fn load(name: &str, depth: usize) -> Option<Predefined> {
    let (ordering, source) = sources().get(name)?;
    let mut cmap = CMap::parse(source.as_bytes());
    // The `-V` CMaps add vertical forms to their `-H` parent; one level is all Adobe uses.
    if depth < 3
        && let Some(parent) = cmap.use_cmap.clone()
        && let Some(parent) = load(&parent, depth + 1)
    {
        cmap.inherit(&parent.cmap);
    }
    Some(Predefined { cmap: Arc::new(cmap), ordering })
}

/// Name → (ordering, CMap text), from the table, decoded once.
fn sources() -> &'static HashMap<String, (&'static str, String)> {
    static SOURCES: OnceLock<HashMap<String, (&'static str, String)>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let mut text = String::new();
        if std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(CMAPS_GZ), &mut text).is_err() {
            text.clear();
        }
        split(&text)
    })
}

fn split(text: &str) -> HashMap<String, (&'static str, String)> {
    let mut sources: HashMap<String, (&'static str, String)> = HashMap::new();
    let mut current: Option<&mut String> = None;
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('@') {
            let (name, ordering) = header.split_once(' ').unwrap_or((header, ""));
            let ordering = match ordering {
                "Japan1" => "Japan1",
                "GB1" => "GB1",
                "CNS1" => "CNS1",
                "Korea1" => "Korea1",
                _ => "",
            };
            current = Some(&mut sources.entry(name.to_owned()).or_insert((ordering, String::new())).1);
            continue;
        }
        if let Some(source) = current.as_deref_mut() {
            source.push_str(line);
            source.push('\n');
        }
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_gbk_big5_and_euc_kr_codes_select_their_cids() {
        // Shift-JIS 0x82A0 is あ (Adobe-Japan1 CID 843); 0x41 is "A", a half-width CID (264).
        let rksj = predefined(b"90ms-RKSJ-H").unwrap();
        assert_eq!(rksj.ordering, "Japan1");
        assert_eq!(rksj.cmap.next_code(&[0x82, 0xA0, 0x41], 1), (0x82A0, 2));
        assert_eq!(rksj.cmap.next_code(&[0x41, 0x82], 1), (0x41, 1));
        assert_eq!(rksj.cmap.cid(0x82A0, 2), Some(843));
        assert_eq!(rksj.cmap.cid(0x41, 1), Some(264));
        // GBK 0xC4E3 is 你 (Adobe-GB1 CID 2886); Big5 0xA4A4 is 中 (Adobe-CNS1 CID 661);
        // EUC-KR 0xB0A1 is 가 (Adobe-Korea1 CID 1086).
        assert_eq!(predefined(b"GBK-EUC-H").unwrap().cmap.cid(0xC4E3, 2), Some(2886));
        assert_eq!(predefined(b"ETen-B5-H").unwrap().cmap.cid(0xA4A4, 2), Some(661));
        assert_eq!(predefined(b"KSC-EUC-H").unwrap().cmap.cid(0xB0A1, 2), Some(1086));
        assert!(predefined(b"No-Such-CMap").is_none());
    }

    #[test]
    fn a_vertical_cmap_overrides_its_horizontal_parent() {
        // Shift-JIS 0x8141 (、) is CID 634 horizontally, 7887 (its vertical form) in -V; codes
        // the -V CMap does not list come from 90ms-RKSJ-H.
        let h = predefined(b"90ms-RKSJ-H").unwrap();
        let v = predefined(b"90ms-RKSJ-V").unwrap();
        assert_eq!(h.cmap.cid(0x8141, 2), Some(634));
        assert_eq!(v.cmap.cid(0x8141, 2), Some(7887));
        assert_eq!(v.cmap.cid(0x82A0, 2), Some(843));
    }
}
