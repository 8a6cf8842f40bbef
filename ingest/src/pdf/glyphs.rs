//! Glyph names to Unicode: the Adobe Glyph List plus the AGL specification's rules for
//! `uniXXXX`, `uXXXX[XX]`, ligature components (`f_f_i`) and variant suffixes (`a.sc`).

use std::collections::HashMap;
use std::sync::OnceLock;

static GLYPH_LIST: &str = include_str!("../../data/glyphlist.txt");

fn glyph_list() -> &'static HashMap<&'static str, char> {
    static MAP: OnceLock<HashMap<&'static str, char>> = OnceLock::new();
    MAP.get_or_init(|| {
        GLYPH_LIST
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (name, hex) = line.split_once(';')?;
                let c = char::from_u32(u32::from_str_radix(hex.trim(), 16).ok()?)?;
                Some((name, c))
            })
            .collect()
    })
}

/// The Unicode text of a glyph name, or `None` when the name means nothing (for instance
/// `g123` or `.notdef`).
pub fn glyph_to_unicode(name: &str) -> Option<String> {
    if let Some(&c) = glyph_list().get(name) {
        return Some(c.to_string());
    }
    // AGL specification: drop a suffix after the first period, then map each component.
    let base = name.split('.').next().unwrap_or_default();
    if base.is_empty() {
        return None;
    }
    let mut out = String::new();
    for component in base.split('_') {
        out.push_str(&component_to_unicode(component)?);
    }
    (!out.is_empty()).then_some(out)
}

fn component_to_unicode(component: &str) -> Option<String> {
    if let Some(&c) = glyph_list().get(component) {
        return Some(c.to_string());
    }
    if let Some(hex) = component.strip_prefix("uni")
        && hex.len() >= 4
        && hex.len() % 4 == 0
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let units: Vec<u16> = hex
            .as_bytes()
            .chunks(4)
            .filter_map(|c| u16::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
            .collect();
        return Some(String::from_utf16_lossy(&units)).filter(|s| !s.contains('\u{FFFD}'));
    }
    if let Some(hex) = component.strip_prefix('u')
        && (4..=6).contains(&hex.len())
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return char::from_u32(u32::from_str_radix(hex, 16).ok()?).map(String::from);
    }
    tex_glyph(component).map(str::to_owned)
}

// Names used by TeX fonts (cm-super, lm, T1/TS1) that the AGL lacks.
fn tex_glyph(name: &str) -> Option<&'static str> {
    Some(match name {
        "dotlessj" => "ȷ",
        "ff" => "ff",
        "ffi" => "ffi",
        "ffl" => "ffl",
        "cwm" | "compwordmark" | "perthousandzero" => "",
        "visiblespace" => "␣",
        "angbracketleft" => "⟨",
        "angbracketright" => "⟩",
        "Germandbls" | "SS" => "SS",
        "hyphen.alt" | "hyphenchar" => "-",
        "nbspace" | "nonbreakingspace" => "\u{A0}",
        "sfthyphen" => "\u{AD}",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agl_names_and_algorithmic_names_map() {
        assert_eq!(glyph_to_unicode("eacute").as_deref(), Some("é"));
        assert_eq!(glyph_to_unicode("afii10017").as_deref(), Some("А"));
        assert_eq!(glyph_to_unicode("uni0041030A").as_deref(), Some("A\u{30A}"));
        assert_eq!(glyph_to_unicode("u1F600").as_deref(), Some("😀"));
        assert_eq!(glyph_to_unicode("f_f_i").as_deref(), Some("\u{FB03}"));
        assert_eq!(glyph_to_unicode("T_h").as_deref(), Some("Th"));
        assert_eq!(glyph_to_unicode("a.sc").as_deref(), Some("a"));
        assert_eq!(glyph_to_unicode("fi").as_deref(), Some("\u{FB01}"));
        assert_eq!(glyph_to_unicode("g123"), None);
        assert_eq!(glyph_to_unicode(".notdef"), None);
    }
}
