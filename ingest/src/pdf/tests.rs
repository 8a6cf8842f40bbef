//! End-to-end tests of the PDF extractor on PDFs built here with lopdf: encodings and
//! glyph names, ToUnicode and Type 0 fonts, word breaks from positions, hyphenation,
//! ligatures, running lines, page boundaries, metadata, encryption, and failure modes.

use std::collections::HashMap;

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, StringFormat, dictionary};

use super::*;

/// A one-font document; each page is a list of content operations.
struct Builder {
    doc: Document,
    pages_id: lopdf::ObjectId,
    font: Object,
    kids: Vec<Object>,
}

impl Builder {
    fn new(font: lopdf::Dictionary) -> Self {
        Builder::with(|_| font)
    }

    /// A builder whose font is made by `make_font`, which may add objects (descendant fonts,
    /// CMaps) to the document.
    fn with(make_font: impl FnOnce(&mut Document) -> lopdf::Dictionary) -> Self {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let font = make_font(&mut doc);
        let font = Object::Reference(doc.add_object(font));
        Builder { doc, pages_id, font, kids: Vec::new() }
    }

    fn page(mut self, ops: Vec<Operation>) -> Self {
        let content = Content { operations: ops }.encode().unwrap();
        let content_id = self.doc.add_object(Stream::new(dictionary! {}, content));
        let page = dictionary! {
            "Type" => "Page",
            "Parent" => self.pages_id,
            "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => self.font.clone() } },
        };
        let id = self.doc.add_object(page);
        self.kids.push(id.into());
        self
    }

    fn finish(mut self, info: Option<lopdf::Dictionary>) -> Document {
        let count = self.kids.len() as i64;
        self.doc.objects.insert(
            self.pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => self.kids, "Count" => count, "MediaBox" => vec![0.into(), 0.into(), 600.into(), 800.into()],
            }),
        );
        let catalog = self.doc.add_object(
            dictionary! { "Type" => "Catalog", "Pages" => self.pages_id, "Lang" => Object::string_literal("pt-PT") },
        );
        self.doc.trailer.set("Root", catalog);
        if let Some(info) = info {
            let info = self.doc.add_object(info);
            self.doc.trailer.set("Info", info);
        }
        self.doc
    }
}

fn bytes(mut doc: Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn op(name: &str, operands: Vec<Object>) -> Operation {
    Operation::new(name, operands)
}

fn text(s: &[u8]) -> Object {
    Object::String(s.to_vec(), StringFormat::Literal)
}

/// A Type 1 font with every code 500 units wide and the given encoding.
fn simple_font(encoding: Object) -> lopdf::Dictionary {
    dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Test",
        "FirstChar" => 0, "Widths" => vec![Object::Integer(500); 256], "Encoding" => encoding,
    }
}

fn line_at(x: i64, y: i64, show: Object) -> Vec<Operation> {
    vec![
        op("BT", vec![]),
        op("Tf", vec!["F1".into(), 10.into()]),
        op("Td", vec![x.into(), y.into()]),
        op(if matches!(show, Object::Array(_)) { "TJ" } else { "Tj" }, vec![show]),
        op("ET", vec![]),
    ]
}

#[test]
fn differences_glyph_names_word_gaps_hyphenation_and_ligatures() {
    // Codes 1–3 are renamed: a Cyrillic letter (T2A-style AGL name), a ligature, a soft hyphen.
    let encoding = dictionary! {
        "Type" => "Encoding", "BaseEncoding" => "WinAnsiEncoding",
        "Differences" => vec![1.into(), "afii10017".into(), "fi".into(), "uni00AD".into()],
    };
    let mut ops = line_at(50, 700, text(b"The \x02rst evalu-"));
    // No space characters: TJ offsets of -400/1000 em separate words, kerning of -30 does not.
    ops.extend(line_at(
        50,
        688,
        Object::Array(vec![
            text(b"ation"),
            (-400).into(),
            text(b"o"),
            (-30).into(),
            text(b"f"),
            (-400).into(),
            text(b"tele\x03"),
        ]),
    ));
    ops.extend(line_at(50, 676, text(b"monitoring \x01\xe9")));
    let doc = Builder::new(simple_font(Object::Dictionary(encoding))).page(ops).finish(None);
    let extraction = PdfExtractor::extract(&bytes(doc)).unwrap();
    assert_eq!(extraction.text, "The first evaluation of telemonitoring Аé");
    assert_eq!(extraction.pages, Some(1));
    assert_eq!(extraction.lang_hint.as_deref(), Some("pt-PT"));
}

#[test]
fn type0_identity_font_with_tounicode() {
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <0053> <0002> <00FA> endbfchar
1 beginbfrange <0010> <0012> <0064> endbfrange
endcmap end end";
    let builder = Builder::with(|doc| {
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.to_vec()));
        let descendant = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "Test", "DW" => 600,
            "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
        });
        dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Test", "Encoding" => "Identity-H",
            "DescendantFonts" => vec![descendant.into()], "ToUnicode" => to_unicode,
        }
    });
    let codes = Object::String(vec![0, 1, 0, 2, 0, 0x10, 0, 0x11, 0, 0x12], StringFormat::Hexadecimal);
    let doc = builder.page(line_at(50, 700, codes)).finish(None);
    assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().text, "Súdef");
}

#[test]
fn running_headers_leave_the_body_and_pages_keep_their_boundaries() {
    let mut builder = Builder::new(simple_font("WinAnsiEncoding".into()));
    for n in 1..=4 {
        let mut ops = line_at(50, 780, text(b"mHealth Hub report"));
        ops.extend(line_at(50, 400, text(format!("Body of page {n}").as_bytes())));
        ops.extend(line_at(290, 20, text(n.to_string().as_bytes())));
        builder = builder.page(ops);
    }
    let info = dictionary! { "Title" => Object::string_literal("Telemonitoring report"), "Author" => Object::string_literal("Ana"), "CreationDate" => Object::string_literal("D:20210304101010Z") };
    let extraction = PdfExtractor::extract(&bytes(builder.finish(Some(info)))).unwrap();
    assert_eq!(extraction.text, "Body of page 1\n\nBody of page 2\n\nBody of page 3\n\nBody of page 4");
    assert_eq!(extraction.page_starts, vec![16, 32, 48]);
    assert!(extraction.text[extraction.page_starts[2]..].starts_with("Body of page 4"));
    assert_eq!(extraction.title.as_deref(), Some("Telemonitoring report"));
    assert_eq!(extraction.author.as_deref(), Some("Ana"));
    assert_eq!(extraction.published.map(|d| d.to_string()).as_deref(), Some("2021-03-04"));
}

#[test]
fn title_falls_back_to_the_largest_text_of_page_one() {
    let mut ops = vec![
        op("BT", vec![]),
        op("Tf", vec!["F1".into(), 24.into()]),
        op("Td", vec![50.into(), 700.into()]),
        op("Tj", vec![text(b"Digital health strategy")]),
        op("ET", vec![]),
    ];
    for k in 0..5 {
        ops.extend(line_at(50, 600 - 12 * k, text(b"Body text set in a smaller size.")));
    }
    let doc = Builder::new(simple_font("WinAnsiEncoding".into())).page(ops).finish(None);
    assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().title.as_deref(), Some("Digital health strategy"));
}

#[test]
fn rotated_text_keeps_its_words() {
    // Text running bottom to top (a rotated page or a sideways table heading).
    let ops = vec![
        op("BT", vec![]),
        op("Tf", vec!["F1".into(), 10.into()]),
        op("Tm", vec![0.into(), 1.into(), (-1).into(), 0.into(), 300.into(), 100.into()]),
        op("TJ", vec![Object::Array(vec![text(b"Sideways"), (-500).into(), text(b"words")])]),
        op("ET", vec![]),
    ];
    let doc = Builder::new(simple_font("WinAnsiEncoding".into())).page(ops).finish(None);
    assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().text, "Sideways words");
}

#[test]
fn a_page_without_text_is_no_text_layer() {
    let ops = vec![op("re", vec![0.into(), 0.into(), 100.into(), 100.into()]), op("f", vec![])];
    let doc = Builder::new(simple_font("WinAnsiEncoding".into())).page(ops.clone()).page(ops).finish(None);
    assert!(matches!(PdfExtractor::extract(&bytes(doc)), Err(ExtractError::NoTextLayer { pages: 2 })));
}

fn encrypted(user_password: &str) -> Vec<u8> {
    let mut doc = Builder::new(simple_font("WinAnsiEncoding".into()))
        .page(line_at(50, 700, text(b"Secret telehealth plan")))
        .finish(None);
    doc.trailer.set(
        "ID",
        vec![
            Object::String(b"0123456789abcdef".to_vec(), StringFormat::Hexadecimal),
            Object::String(b"0123456789abcdef".to_vec(), StringFormat::Hexadecimal),
        ],
    );
    let version = lopdf::encryption::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password,
        key_length: 128,
        permissions: lopdf::Permissions::default(),
    };
    let state = lopdf::EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    bytes(doc)
}

#[test]
fn encryption_with_an_empty_user_password_is_read_and_a_real_password_is_reported() {
    assert_eq!(PdfExtractor::extract(&encrypted("")).unwrap().text, "Secret telehealth plan");
    assert!(matches!(PdfExtractor::extract(&encrypted("secret")), Err(ExtractError::Encrypted)));
}

#[test]
fn garbage_and_truncation_are_errors_not_panics() {
    assert!(matches!(PdfExtractor::extract(b"not a pdf at all"), Err(ExtractError::Pdf(_))));
    assert!(PdfExtractor::extract(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF").is_err());
    let mut builder = Builder::new(simple_font("WinAnsiEncoding".into()));
    for n in 0..30 {
        builder = builder.page(line_at(50, 700, text(format!("Page {n} of a long report").as_bytes())));
    }
    let whole = bytes(builder.finish(None));
    // Every prefix either recovers some pages or fails cleanly.
    for cut in (0..whole.len()).step_by(97) {
        let _ = PdfExtractor::extract(&whole[..cut]);
    }
}

#[test]
fn an_undecodable_page_is_reported_not_silently_dropped() {
    let builder = Builder::new(simple_font("WinAnsiEncoding".into()))
        .page(line_at(50, 700, text(b"First page text")))
        .page(line_at(50, 700, text(b"Second page text")));
    let mut doc = builder.finish(None);
    // Corrupt the second page's content: declared Flate, but not Flate data.
    let pages = doc.get_pages();
    let content_id = doc.get_page_contents(pages[&2])[0];
    let stream = doc.get_object_mut(content_id).unwrap().as_stream_mut().unwrap();
    stream.dict.set("Filter", "FlateDecode");
    stream.set_content(b"definitely not deflate".to_vec());
    let extraction = PdfExtractor::extract(&bytes(doc)).unwrap();
    assert_eq!(extraction.text, "First page text");
    assert_eq!(extraction.page_starts.len(), 1);
    assert_eq!(extraction.warnings.len(), 1, "{:?}", extraction.warnings);
    assert!(extraction.warnings[0].starts_with("page 2:"), "{:?}", extraction.warnings);
}

/// `tests/fixtures/two-columns.pdf` (made by `tools/data/make-two-column-fixture.py`) draws a
/// two-column page row by row: left line, right line, next row.
#[test]
fn a_two_column_page_drawn_row_by_row_is_read_column_by_column() {
    let extraction = PdfExtractor::extract(include_bytes!("../../tests/fixtures/two-columns.pdf")).unwrap();
    assert_eq!(
        extraction.text,
        "Two columns drawn row by row\n\n\
         Mobile health apps help\npatients with diabetes\nrecord their glucose\nvalues and share them\n\
         with their care team for\nremote telemonitoring of therapy.\n\n\
         Telehealth programmes in\nrural regions reduce the\ndistance to specialists\nand shorten waiting\n\
         times for consultations\naccording to the trial\nreports reviewed here.\n\n1"
    );
}

/// A wide gap cuts a line in two, but only after the letter spacing was measured on the
/// whole line: a short letter-spaced piece stays one word instead of falling into letters.
#[test]
fn a_wide_gap_cuts_a_letter_spaced_line_without_splitting_its_words() {
    let mut show = Vec::new();
    for (i, letter) in "Namakaikki".bytes().enumerate() {
        if i > 0 {
            // 0.15 em between letters; 4 em between the two words.
            show.push(Object::Integer(if i == 4 { -4000 } else { -150 }));
        }
        show.push(text(&[letter]));
    }
    let doc = Builder::new(simple_font(Object::Name(b"WinAnsiEncoding".to_vec())))
        .page(line_at(50, 700, Object::Array(show)))
        .finish(None);
    assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().text, "Nama\n\nkaikki");
}

/// A CID font of the Adobe-Japan1 collection without ToUnicode (and without a font program
/// to fall back on) is read through Adobe's CID to Unicode table, horizontally and vertically.
#[test]
fn a_japan1_cid_font_without_tounicode_is_read_through_the_collection() {
    for (encoding, y_step) in [("Identity-H", 0), ("Identity-V", 1)] {
        let builder = Builder::with(|doc| {
            let descendant = doc.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "Test", "DW" => 1000,
                "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Japan1"), "Supplement" => 2 },
            });
            dictionary! {
                "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Test", "Encoding" => encoding,
                "DescendantFonts" => vec![descendant.into()],
            }
        });
        // CIDs 53, 73, 1 ("Th ") then 843, 845 (あい).
        let codes = Object::String(vec![0, 53, 0, 73, 0, 1, 3, 0x4b, 3, 0x4d], StringFormat::Hexadecimal);
        let doc = builder.page(line_at(50, 700 - 100 * y_step, codes)).finish(None);
        assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().text, "Th あい", "{encoding}");
    }
}

/// A dvips bitmap font as Type 3: FontMatrix in pixels (0.011), glyphs named `/a<code>`,
/// no ToUnicode. Its glyph set is Cyrillic in the cp1251 layout, so the codes read as
/// Russian (not Latin-1 mojibake), and doubled letters are not taken for fake bold.
fn dvips_type3_font(doc: &mut Document, codes: &[u8]) -> lopdf::Dictionary {
    let glyph = doc.add_object(Stream::new(dictionary! {}, b"45 0 0 0 40 60 d1".to_vec()));
    let mut differences = Vec::new();
    let mut procs = lopdf::Dictionary::new();
    for &code in codes {
        differences.push(Object::Integer(i64::from(code)));
        let name = format!("a{code}");
        differences.push(Object::Name(name.clone().into_bytes()));
        procs.set(name, glyph);
    }
    let mut widths = vec![Object::Integer(0); 256];
    for &code in codes {
        widths[usize::from(code)] = Object::Real(45.2);
    }
    dictionary! {
        "Type" => "Font", "Subtype" => "Type3", "FontBBox" => vec![0.into(), 0.into(), 80.into(), 80.into()],
        "FontMatrix" => vec![0.011.into(), 0.into(), 0.into(), 0.011.into(), 0.into(), 0.into()],
        "FirstChar" => 0, "LastChar" => 255, "Widths" => widths, "CharProcs" => procs,
        "Resources" => dictionary! {},
        "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => differences },
    }
}

#[test]
fn a_dvips_type3_font_in_the_cp1251_layout_reads_as_cyrillic() {
    // "Ссылка на ранний текст": С с ы л к а н р и й т е.
    let codes = [0xD1, 0xF1, 0xFB, 0xEB, 0xEA, 0xE0, 0xED, 0xF0, 0xE8, 0xE9, 0xF2, 0xE5, 0xF5];
    let doc = Builder::with(|doc| dvips_type3_font(doc, &codes))
        .page(line_at(
            50,
            700,
            Object::Array(vec![
                text(b"\xd1\xf1\xfb\xeb\xea\xe0"),
                (-400).into(),
                text(b"\xed\xe0"),
                (-400).into(),
                text(b"\xf0\xe0\xed\xed\xe8\xe9"),
                (-400).into(),
                text(b"\xf2\xe5\xea\xf1\xf2"),
            ]),
        ))
        .finish(None);
    assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().text, "Ссылка на ранний текст");
}

/// The same kind of font with a Latin-1 glyph set (a few accented letters among many ASCII
/// ones) keeps its codes as Latin-1.
#[test]
fn a_dvips_type3_font_with_latin_letters_stays_latin_1() {
    let mut codes: Vec<u8> = (b'a'..=b'z').collect();
    codes.extend([0xE9, 0xE8, 0xE0, 0xE7, 0xEA, 0xEE, 0xF4, 0xF9, 0xFB]);
    let doc = Builder::with(|doc| dvips_type3_font(doc, &codes))
        .page(line_at(50, 700, Object::Array(vec![text(b"\xe9l\xe8ve"), (-400).into(), text(b"for\xeat")])))
        .finish(None);
    assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().text, "élève forêt");
}

/// Type 0 fonts whose `/Encoding` names a predefined byte-encoding CMap and that have no
/// ToUnicode: Shift-JIS, GBK, Big5 and EUC-KR bytes go through the CMap to CIDs, then through
/// the collection to Unicode; one-byte and two-byte codes mix in one string.
#[test]
fn type0_fonts_with_predefined_cjk_cmaps_are_decoded() {
    let cases: [(&str, &str, &[u8], &str); 5] = [
        ("90ms-RKSJ-H", "Japan1", b"\x82\xa0\x82\xa2A", "あいA"),
        ("90ms-RKSJ-V", "Japan1", b"\x82\xa0\x82\xa2", "あい"),
        ("GBK-EUC-H", "GB1", b"\xc4\xe3\xba\xc3", "你好"),
        ("ETen-B5-H", "CNS1", b"\xa4\xa4\xa4\xe5", "中文"),
        ("KSC-EUC-H", "Korea1", b"\xb0\xa1\xb3\xaa", "가나"),
    ];
    for (encoding, ordering, bytes_shown, expected) in cases {
        let builder = Builder::with(|doc| {
            let descendant = doc.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "Test", "DW" => 1000,
                "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal(ordering), "Supplement" => 2 },
            });
            dictionary! {
                "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Test", "Encoding" => encoding,
                "DescendantFonts" => vec![descendant.into()],
            }
        });
        let shown = Object::String(bytes_shown.to_vec(), StringFormat::Hexadecimal);
        let doc = builder.page(line_at(50, 700, shown)).finish(None);
        assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().text, expected, "{encoding}");
    }
}

/// A Type 3 font re-encoded in order of first use (every code from 0 to 255 named `/a<code>`,
/// as Ghostscript writes them) says nothing about its letters: its codes stay Latin-1.
#[test]
fn a_type3_font_re_encoded_in_order_of_use_is_not_taken_for_cyrillic() {
    let codes: Vec<u8> = (0..=255).collect();
    let doc = Builder::with(|doc| dvips_type3_font(doc, &codes))
        .page(line_at(50, 700, text(b"\xf0\xe0\xed\xed\xe8\xe9")))
        .finish(None);
    assert_eq!(PdfExtractor::extract(&bytes(doc)).unwrap().text, "ðàííèé");
}

#[test]
fn glyphs_mapped_to_nothing_leave_a_gap_and_undecodable_ones_do_not() {
    // As Chrome/Skia write shaped clusters: the space glyph (3) and a glyph of the next
    // word (4) map to nothing, the cluster's last glyph (5) carries the whole word's text.
    // The blank 0.5 em drawn by glyph 3 is still a gap between "hi" and "next". Code 6 is
    // not in the ToUnicode at all: an unknown letter, which keeps "h?i" one word.
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
5 beginbfchar <0001> <0068> <0002> <0069> <0003> <> <0004> <> <0005> <006E0065007800740020> endbfchar
endcmap end end";
    let extract = |codes: &[u8]| {
        let builder = Builder::with(|doc| {
            let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.to_vec()));
            let descendant = doc.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "Test", "DW" => 500,
                "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
            });
            dictionary! {
                "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Test", "Encoding" => "Identity-H",
                "DescendantFonts" => vec![descendant.into()], "ToUnicode" => to_unicode,
            }
        });
        let codes = Object::String(codes.to_vec(), StringFormat::Hexadecimal);
        PdfExtractor::extract(&bytes(builder.page(line_at(50, 700, codes)).finish(None))).unwrap().text
    };
    assert_eq!(extract(&[0, 1, 0, 2, 0, 3, 0, 4, 0, 5]), "hi next");
    assert_eq!(extract(&[0, 1, 0, 6, 0, 2]), "hi");
}

/// A Type 3 font as Ghostscript re-encodes bitmap fonts: the glyphs `words` use, numbered 0, 1,
/// 2… in order of first use, no ToUnicode; each letter's drawing is the same in every font.
fn order_of_use_font(doc: &mut Document, words: &[&str]) -> (lopdf::Dictionary, HashMap<char, u8>) {
    let mut codes: HashMap<char, u8> = HashMap::new();
    let mut differences = vec![Object::Integer(0)];
    let mut procs = lopdf::Dictionary::new();
    let mut widths = vec![Object::Integer(0); 256];
    for c in words.iter().flat_map(|w| w.chars()) {
        if codes.contains_key(&c) {
            continue;
        }
        let code = codes.len() as u8;
        codes.insert(c, code);
        let name = format!("a{code}");
        differences.push(Object::Name(name.clone().into_bytes()));
        let drawing = format!("45 0 0 0 40 60 d1\n% glyph {}", u32::from(c));
        procs.set(name, doc.add_object(Stream::new(dictionary! {}, drawing.into_bytes())));
        widths[usize::from(code)] = Object::Real(45.2);
    }
    let font = dictionary! {
        "Type" => "Font", "Subtype" => "Type3", "FontBBox" => vec![0.into(), 0.into(), 80.into(), 80.into()],
        "FontMatrix" => vec![0.011.into(), 0.into(), 0.into(), 0.011.into(), 0.into(), 0.into()],
        "FirstChar" => 0, "LastChar" => 255, "Widths" => widths, "CharProcs" => procs,
        "Resources" => dictionary! {},
        "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => differences },
    };
    (font, codes)
}

/// Pages of `words` drawn with `codes`, eight words a line.
fn cipher_pages(mut builder: Builder, words: &[&str], codes: &HashMap<char, u8>) -> Builder {
    for page in words.chunks(8 * 40) {
        let mut ops = Vec::new();
        for (i, line) in page.chunks(8).enumerate() {
            let mut shows = Vec::new();
            for word in line {
                if !shows.is_empty() {
                    shows.push((-400).into());
                }
                shows.push(text(&word.chars().map(|c| codes[&c]).collect::<Vec<u8>>()));
            }
            ops.extend(line_at(50, 760 - 16 * i as i64, Object::Array(shows)));
        }
        builder = builder.page(ops);
    }
    builder
}

#[test]
fn fonts_numbered_in_order_of_use_are_read_back_as_a_cipher_across_fonts() {
    let plain = "les applications de santé mobile se sont multipliées depuis dix ans et les patients \
        les utilisent pour suivre leur activité physique leur alimentation ou une maladie chronique \
        les autorités de santé publient des référentiels de bonnes pratiques pour aider les \
        professionnels à choisir les applications qui respectent la sécurité des données et la \
        qualité des contenus médicaux une application doit décrire son objectif les publics \
        concernés et les limites de son utilisation elle doit citer ses sources scientifiques et \
        mettre à jour son contenu avec des professionnels de santé les données personnelles \
        doivent être protégées et hébergées chez un hébergeur certifié pour les données de santé \
        les utilisateurs doivent pouvoir consulter et supprimer leurs données à tout moment \
        l évaluation de la valeur clinique reste difficile car peu d applications ont fait \
        l objet d études comparatives les essais randomisés sont rares et coûteux et les éditeurs \
        préfèrent souvent des études observationnelles ou des enquêtes de satisfaction les \
        médecins demandent pourtant des preuves avant de recommander une application à leurs \
        patients et les assureurs avant de la rembourser la télésurveillance médicale est entrée \
        dans le droit commun et les patients atteints d insuffisance cardiaque ou de diabète \
        peuvent être suivis à distance par une équipe de soins qui reçoit leurs mesures chaque \
        jour et intervient en cas d alerte cette organisation demande des outils fiables une \
        formation des équipes et une rémunération adaptée pour les professionnels de santé";
    let words: Vec<&str> = plain.split_whitespace().collect();
    let (first, second) = words.split_at(words.len() / 2);
    let mut first_codes = HashMap::new();
    let builder = Builder::with(|doc| {
        let (font, codes) = order_of_use_font(doc, first);
        first_codes = codes;
        font
    });
    let mut builder = cipher_pages(builder, first, &first_codes);
    // The second half in a font of its own, numbered afresh, as Ghostscript starts a new
    // font when one fills up or a page begins.
    let (font, second_codes) = order_of_use_font(&mut builder.doc, second);
    assert_ne!(first_codes, second_codes);
    builder.font = Object::Reference(builder.doc.add_object(font));
    let doc = cipher_pages(builder, second, &second_codes).finish(None);

    let extraction = PdfExtractor::extract(&bytes(doc)).unwrap();
    assert!(extraction.warnings.iter().any(|w| w.contains("cipher of fr text")), "{:?}", extraction.warnings);
    let mut found: HashMap<&str, usize> = HashMap::new();
    for word in extraction.text.split_whitespace() {
        *found.entry(word).or_default() += 1;
    }
    let right = words
        .iter()
        .filter(|w| found.get_mut(*w).is_some_and(|n| std::mem::replace(n, n.saturating_sub(1)) > 0))
        .count();
    assert!(right * 10 >= words.len() * 7, "{right} of {} words read back: {}", words.len(), extraction.text);
}
