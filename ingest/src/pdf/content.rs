//! The content-stream interpreter: graphics and text state, the text and current
//! transformation matrices, text-showing operators and form XObjects, producing positioned
//! glyphs in page space.

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object};

use super::decipher::CipherSymbols;
use super::font::Font;
use super::objects::{deref, dict_get, number, stream_bytes};

/// Nesting limit of form XObjects (cycles and pathological files).
const MAX_FORM_DEPTH: usize = 12;

/// An affine matrix `[a b c d e f]` as in PDF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matrix([f64; 6]);

impl Matrix {
    /// The identity.
    pub const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self × other` (apply `self` first, then `other`).
    pub fn then(&self, other: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn translate(tx: f64, ty: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, tx, ty])
    }

    /// Applies the matrix to a point.
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    fn apply_vector(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, _, _] = self.0;
        (a * x + c * y, b * x + d * y)
    }

    fn from_operands(doc: &Document, operands: &[Object]) -> Option<Matrix> {
        if operands.len() < 6 {
            return None;
        }
        let mut m = [0.0; 6];
        for (slot, o) in m.iter_mut().zip(operands) {
            *slot = number(doc, o)?;
        }
        Some(Matrix(m))
    }
}

/// One glyph placed on the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    /// Byte range of its text in [`PageGlyphs::text`].
    pub start: u32,
    /// Length of its text in bytes (0 for a glyph without Unicode).
    pub len: u16,
    /// Origin in page space.
    pub x: f32,
    /// Origin in page space.
    pub y: f32,
    /// Advance (the glyph's width, without character and word spacing) along `dir`.
    pub width: f32,
    /// Unit vector of the writing direction.
    pub dir: (f32, f32),
    /// Font size in page space.
    pub size: f32,
    /// A space character: only a word break, never text.
    pub space: bool,
    /// Mapped to no text on purpose ([`super::font::Code::blank`]).
    pub blank: bool,
}

/// The glyphs of one page, in content-stream order.
#[derive(Debug, Default)]
pub struct PageGlyphs {
    /// All the glyphs' text, concatenated.
    pub text: String,
    /// The glyphs.
    pub glyphs: Vec<Glyph>,
    /// Why part of the page was not read, if it was not.
    pub problems: Vec<String>,
}

impl PageGlyphs {
    /// The text of a glyph.
    pub fn text_of(&self, glyph: &Glyph) -> &str {
        let start = glyph.start as usize;
        &self.text[start..start + usize::from(glyph.len)]
    }
}

/// Fonts already loaded, shared by the pages of one document.
#[derive(Default)]
pub struct FontCache {
    fonts: HashMap<usize, Rc<Font>>,
    /// The cipher symbols of fonts whose codes mean nothing, for all pages.
    pub ciphers: CipherSymbols,
}

impl FontCache {
    fn get(&mut self, doc: &Document, dict: &Dictionary) -> Rc<Font> {
        // Dictionaries live as long as the document, so their address identifies them.
        let key = dict as *const Dictionary as usize;
        self.fonts.entry(key).or_insert_with(|| Rc::new(Font::load(doc, dict, &mut self.ciphers))).clone()
    }
}

fn rect(doc: &Document, object: Option<&Object>) -> Option<[f64; 4]> {
    let a = object?.as_array().ok()?;
    let n: Vec<f64> = a.iter().filter_map(|o| number(doc, o)).collect();
    (n.len() == 4).then(|| [n[0].min(n[2]), n[1].min(n[3]), n[0].max(n[2]), n[1].max(n[3])])
}

#[derive(Clone)]
struct GraphicsState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    font_size: f64,
    char_spacing: f64,
    word_spacing: f64,
    horizontal_scale: f64,
    leading: f64,
    rise: f64,
}

/// Runs the content streams of pages and collects their glyphs.
pub struct Interpreter<'a> {
    doc: &'a Document,
    fonts: &'a mut FontCache,
    out: PageGlyphs,
    /// Operations still allowed for this page: a bound on hostile streams.
    budget: usize,
    forms: Vec<usize>,
}

impl GraphicsState {
    fn initial() -> Self {
        GraphicsState {
            ctm: Matrix::IDENTITY,
            font: None,
            font_size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            horizontal_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }
}

impl<'a> Interpreter<'a> {
    /// An interpreter for one page.
    pub fn new(doc: &'a Document, fonts: &'a mut FontCache) -> Self {
        Interpreter { doc, fonts, out: PageGlyphs::default(), budget: 20_000_000, forms: Vec::new() }
    }

    /// Interprets `content` with `resources` (innermost first).
    pub fn run_page(&mut self, content: &[u8], resources: &[&'a Dictionary]) {
        self.run(content, resources, GraphicsState::initial());
    }

    /// The glyphs collected.
    pub fn finish(self) -> PageGlyphs {
        self.out
    }

    fn resource(&self, resources: &[&'a Dictionary], category: &[u8], name: &[u8]) -> Option<&'a Object> {
        resources.iter().find_map(|dict| {
            let category = dict_get(self.doc, dict, category)?.as_dict().ok()?;
            dict_get(self.doc, category, name)
        })
    }

    fn run(&mut self, content: &[u8], resources: &[&'a Dictionary], mut gs: GraphicsState) {
        let doc = self.doc;
        let mut stack: Vec<GraphicsState> = Vec::new();
        let mut tm = Matrix::IDENTITY;
        let mut tlm = Matrix::IDENTITY;
        for op in Content::decode_iter(content) {
            let Ok(op) = op else {
                self.problem("a content stream has a syntax error; the text after it was not read");
                break;
            };
            if self.budget == 0 {
                self.problem("more than 20 million operations; the rest of the page was not read");
                break;
            }
            self.budget -= 1;
            let operands = &op.operands;
            let num = |i: usize| operands.get(i).and_then(|o| number(doc, o));
            match op.operator.as_str() {
                "q" if stack.len() < 256 => stack.push(gs.clone()),
                "Q" => {
                    if let Some(saved) = stack.pop() {
                        gs = saved;
                    }
                }
                "cm" => {
                    if let Some(m) = Matrix::from_operands(doc, operands) {
                        gs.ctm = m.then(&gs.ctm);
                    }
                }
                "BT" => {
                    tm = Matrix::IDENTITY;
                    tlm = Matrix::IDENTITY;
                }
                "Tf" => {
                    if let Some(Object::Name(name)) = operands.first() {
                        gs.font = self
                            .resource(resources, b"Font", name)
                            .and_then(|o| o.as_dict().ok())
                            .map(|dict| self.fonts.get(doc, dict));
                    }
                    gs.font_size = num(1).unwrap_or(gs.font_size);
                }
                "Tc" => gs.char_spacing = num(0).unwrap_or(0.0),
                "Tw" => gs.word_spacing = num(0).unwrap_or(0.0),
                "Tz" => gs.horizontal_scale = num(0).unwrap_or(100.0) / 100.0,
                "TL" => gs.leading = num(0).unwrap_or(0.0),
                "Ts" => gs.rise = num(0).unwrap_or(0.0),
                "Td" | "TD" => {
                    let (tx, ty) = (num(0).unwrap_or(0.0), num(1).unwrap_or(0.0));
                    if op.operator == "TD" {
                        gs.leading = -ty;
                    }
                    tlm = Matrix::translate(tx, ty).then(&tlm);
                    tm = tlm;
                }
                "Tm" => {
                    if let Some(m) = Matrix::from_operands(doc, operands) {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = Matrix::translate(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                }
                "Tj" => {
                    if let Some(Object::String(bytes, _)) = operands.first() {
                        self.show(&gs, &mut tm, bytes);
                    }
                }
                "'" | "\"" => {
                    if op.operator == "\"" {
                        gs.word_spacing = num(0).unwrap_or(gs.word_spacing);
                        gs.char_spacing = num(1).unwrap_or(gs.char_spacing);
                    }
                    tlm = Matrix::translate(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                    if let Some(Object::String(bytes, _)) = operands.last() {
                        self.show(&gs, &mut tm, bytes);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = operands.first() {
                        for item in items {
                            match item {
                                Object::String(bytes, _) => self.show(&gs, &mut tm, bytes),
                                other => {
                                    if let Some(adjust) = number(doc, other) {
                                        let shift = -adjust / 1000.0 * gs.font_size;
                                        let vertical = gs.font.as_ref().is_some_and(|f| f.vertical);
                                        tm = if vertical {
                                            Matrix::translate(0.0, shift).then(&tm)
                                        } else {
                                            Matrix::translate(shift * gs.horizontal_scale, 0.0).then(&tm)
                                        };
                                    }
                                }
                            }
                        }
                    }
                }
                "Do" => {
                    if let Some(Object::Name(name)) = operands.first() {
                        self.form(resources, name, &gs);
                    }
                }
                _ => {}
            }
        }
    }

    fn problem(&mut self, what: &str) {
        if !self.out.problems.iter().any(|p| p == what) {
            self.out.problems.push(what.to_owned());
        }
    }

    fn form(&mut self, resources: &[&'a Dictionary], name: &[u8], gs: &GraphicsState) {
        let Some(object) = self.resource(resources, b"XObject", name) else { return };
        self.run_form(resources, object, gs);
    }

    /// Runs the visible annotations' normal appearances (form fields, free text, stamps), as
    /// poppler does: their text is part of what a reader sees on the page.
    pub fn run_annotations(&mut self, page: &'a Dictionary, resources: &[&'a Dictionary]) {
        let doc = self.doc;
        let Some(annots) = dict_get(doc, page, b"Annots").and_then(|o| o.as_array().ok()) else { return };
        for annot in annots.iter().take(10_000) {
            let Ok(annot) = deref(doc, annot).as_dict() else { continue };
            let flags = dict_get(doc, annot, b"F").and_then(|o| number(doc, o)).unwrap_or(0.0) as i64;
            // Hidden (2) or NoView (32).
            if flags & (2 | 32) != 0 {
                continue;
            }
            let Some(normal) =
                dict_get(doc, annot, b"AP").and_then(|o| o.as_dict().ok()).and_then(|ap| dict_get(doc, ap, b"N"))
            else {
                continue;
            };
            let appearance = match normal {
                Object::Stream(_) => normal,
                Object::Dictionary(states) => {
                    let Some(state) = dict_get(doc, annot, b"AS").and_then(|o| o.as_name().ok()) else { continue };
                    match dict_get(doc, states, state) {
                        Some(stream @ Object::Stream(_)) => stream,
                        _ => continue,
                    }
                }
                _ => continue,
            };
            let Ok(stream) = appearance.as_stream() else { continue };
            let annot_rect = rect(doc, dict_get(doc, annot, b"Rect"));
            let bbox = rect(doc, dict_get(doc, &stream.dict, b"BBox"));
            let (Some(rect), Some(bbox)) = (annot_rect, bbox) else { continue };
            let matrix = dict_get(doc, &stream.dict, b"Matrix")
                .and_then(|o| o.as_array().ok())
                .and_then(|a| Matrix::from_operands(doc, a))
                .unwrap_or(Matrix::IDENTITY);
            // PDF 32000-1 §12.5.5: the transformed BBox is fitted onto Rect.
            let corners = [(bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[3])]
                .map(|(x, y)| matrix.apply(x, y));
            let (x0, x1) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
            let (y0, y1) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
            if x1 - x0 < 1e-6 || y1 - y0 < 1e-6 {
                continue;
            }
            let fit = Matrix([
                (rect[2] - rect[0]) / (x1 - x0),
                0.0,
                0.0,
                (rect[3] - rect[1]) / (y1 - y0),
                rect[0] - x0 * (rect[2] - rect[0]) / (x1 - x0),
                rect[1] - y0 * (rect[3] - rect[1]) / (y1 - y0),
            ]);
            let gs = GraphicsState { ctm: fit, ..GraphicsState::initial() };
            self.run_form(resources, appearance, &gs);
        }
    }

    fn run_form(&mut self, resources: &[&'a Dictionary], object: &'a Object, gs: &GraphicsState) {
        let doc = self.doc;
        let Ok(stream) = object.as_stream() else { return };
        if dict_get(doc, &stream.dict, b"Subtype").and_then(|o| o.as_name().ok()).is_some_and(|s| s != b"Form") {
            return;
        }
        let key = stream as *const lopdf::Stream as usize;
        if self.forms.len() >= MAX_FORM_DEPTH || self.forms.contains(&key) {
            return;
        }
        let Some(content) = stream_bytes(doc, object) else { return };
        let matrix = dict_get(doc, &stream.dict, b"Matrix")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| Matrix::from_operands(doc, a))
            .unwrap_or(Matrix::IDENTITY);
        let mut inner = gs.clone();
        inner.ctm = matrix.then(&gs.ctm);
        let mut chain: Vec<&'a Dictionary> = Vec::with_capacity(resources.len() + 1);
        if let Some(own) = dict_get(doc, &stream.dict, b"Resources").and_then(|o| o.as_dict().ok()) {
            chain.push(own);
        }
        chain.extend_from_slice(resources);
        self.forms.push(key);
        self.run(&content, &chain, inner);
        self.forms.pop();
    }

    fn show(&mut self, gs: &GraphicsState, tm: &mut Matrix, bytes: &[u8]) {
        let Some(font) = gs.font.clone() else { return };
        let fs = gs.font_size;
        let th = gs.horizontal_scale;
        let out = &mut self.out;
        font.decode(bytes, |code| {
            let trm = Matrix([fs * th, 0.0, 0.0, fs, 0.0, gs.rise]).then(tm).then(&gs.ctm);
            let (x, y) = trm.apply(0.0, 0.0);
            let spacing = gs.char_spacing + if code.is_space_code { gs.word_spacing } else { 0.0 };
            let (dir, width, size);
            if font.vertical {
                let (vx, vy) = trm.apply_vector(0.0, -1.0);
                let len = vx.hypot(vy).max(1e-9);
                dir = ((vx / len) as f32, (vy / len) as f32);
                width = (code.advance * len) as f32;
                size = trm.apply_vector(1.0, 0.0);
                *tm = Matrix::translate(0.0, -(code.advance * fs) - spacing).then(tm);
            } else {
                let (vx, vy) = trm.apply_vector(1.0, 0.0);
                let len = vx.hypot(vy).max(1e-9);
                dir = ((vx / len) as f32, (vy / len) as f32);
                width = (code.advance * len) as f32;
                size = trm.apply_vector(0.0, 1.0);
                *tm = Matrix::translate((code.advance * fs + spacing) * th, 0.0).then(tm);
            }
            let size = (size.0.hypot(size.1) * font.size_scale) as f32;
            if !x.is_finite() || !y.is_finite() || !size.is_finite() {
                return;
            }
            let space = code.text.chars().all(char::is_whitespace) && (code.is_space_code || !code.text.is_empty());
            let start = out.text.len() as u32;
            let text = if space { "" } else { code.text };
            out.text.push_str(text);
            out.glyphs.push(Glyph {
                start,
                len: text.len().min(usize::from(u16::MAX)) as u16,
                x: x as f32,
                y: y as f32,
                width,
                dir,
                size,
                space,
                blank: code.blank,
            });
        });
    }
}

/// The resource dictionaries of a page, its own first, then the inherited ones.
pub fn page_resources(doc: &Document, page: lopdf::ObjectId) -> Vec<&Dictionary> {
    let mut chain = Vec::new();
    if let Ok((own, inherited)) = doc.get_page_resources(page) {
        chain.extend(own);
        for id in inherited {
            if let Ok(dict) = doc.get_dictionary(id) {
                chain.push(dict);
            }
        }
    }
    chain
}

/// The concatenated, decoded content streams of a page, and whether one could not be decoded
/// (an unsupported filter, corrupt data, more than the size limit).
pub fn page_content(doc: &Document, page: lopdf::ObjectId) -> (Vec<u8>, bool) {
    let Ok(page_dict) = doc.get_dictionary(page) else { return (Vec::new(), false) };
    let mut content = Vec::new();
    let mut undecodable = false;
    let mut append = |object: &Object| match stream_bytes(doc, object) {
        // lopdf answers corrupt compressed data with what it could decode, often nothing.
        Some(bytes) if bytes.is_empty() && deref(doc, object).as_stream().is_ok_and(|s| !s.content.is_empty()) => {
            undecodable = true;
        }
        Some(bytes) => {
            content.extend_from_slice(&bytes);
            content.push(b'\n');
        }
        None => undecodable |= deref(doc, object).as_stream().is_ok(),
    };
    match page_dict.get(b"Contents").map(|o| deref(doc, o)) {
        Ok(Object::Array(parts)) => parts.iter().for_each(&mut append),
        Ok(object @ Object::Stream(_)) => append(object),
        _ => {}
    }
    (content, undecodable)
}
