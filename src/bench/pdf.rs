//! Writing a generated document as a real PDF: A4 pages of Helvetica text in the WinAnsi
//! encoding, an Info dictionary with the title and date, written by lopdf.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, StringFormat, dictionary};

use super::generate::{GeneratedDoc, encode_win_ansi};

/// Characters per line: Helvetica 10 pt averages about 5 pt a character on a 480 pt line.
const LINE_CHARS: usize = 90;
/// Lines per A4 page at 13 pt leading between the margins.
const PAGE_LINES: usize = 56;

/// The PDF file of `doc`. Text that has no WinAnsi code is left out (the generator only puts
/// encodable text into PDFs).
pub fn write_pdf(doc: &GeneratedDoc) -> anyhow::Result<Vec<u8>> {
    let mut lines = Vec::new();
    for paragraph in &doc.paragraphs {
        wrap(paragraph, LINE_CHARS, &mut lines);
        lines.push(String::new());
    }
    let mut pdf = Document::with_version("1.5");
    let pages_id = pdf.new_object_id();
    let font_id = pdf.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let bold_id = pdf.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica-Bold",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = pdf.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id, "F2" => bold_id },
    });
    let mut kids = Vec::new();
    let mut chunks: Vec<&[String]> = lines.chunks(PAGE_LINES).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    for (page, chunk) in chunks.iter().enumerate() {
        let mut operations = vec![Operation::new("BT", vec![])];
        if page == 0 {
            operations.push(Operation::new("Tf", vec!["F2".into(), 14.into()]));
            operations.push(Operation::new("Td", vec![56.into(), 800.into()]));
            operations.push(Operation::new("Tj", vec![text_object(&doc.title)]));
            operations.push(Operation::new("Tf", vec!["F1".into(), 10.into()]));
            operations.push(Operation::new("TL", vec![13.into()]));
            operations.push(Operation::new("T*", vec![]));
            operations.push(Operation::new("T*", vec![]));
        } else {
            operations.push(Operation::new("Tf", vec!["F1".into(), 10.into()]));
            operations.push(Operation::new("TL", vec![13.into()]));
            operations.push(Operation::new("Td", vec![56.into(), 790.into()]));
        }
        for line in chunk.iter() {
            operations.push(Operation::new("Tj", vec![text_object(line)]));
            operations.push(Operation::new("T*", vec![]));
        }
        operations.push(Operation::new("ET", vec![]));
        let content = Content { operations }.encode()?;
        let content_id = pdf.add_object(Stream::new(dictionary! {}, content));
        kids.push(Object::from(pdf.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        })));
    }
    let count = kids.len() as i64;
    pdf.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = pdf.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info_id = pdf.add_object(dictionary! {
        "Title" => text_object(&doc.title),
        "Producer" => Object::string_literal("hubsearch bench generator"),
        "CreationDate" => Object::string_literal(format!("D:{}0601120000Z", doc.year)),
    });
    pdf.trailer.set("Root", catalog_id);
    pdf.trailer.set("Info", info_id);
    let mut bytes = Vec::new();
    pdf.save_to(&mut bytes)?;
    Ok(bytes)
}

fn text_object(text: &str) -> Object {
    Object::String(
        encode_win_ansi(text).unwrap_or_else(|| text.bytes().filter(u8::is_ascii).collect()),
        StringFormat::Literal,
    )
}

/// Greedy word wrap of `text` into lines of at most `width` characters.
fn wrap(text: &str, width: usize, out: &mut Vec<String>) {
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ingest::DocKind;

    #[test]
    fn generated_pdfs_read_back_through_the_real_extractor() {
        let paragraph = "Télésurveillance des patients à domicile: une évaluation économique réalisée en 2021 \
                         dans trois régions, avec des résultats encourageants pour l'insuffisance cardiaque.";
        let doc = GeneratedDoc {
            id: "d000/doc-000001.pdf".to_owned(),
            kind: DocKind::Pdf,
            title: "Évaluation de la télésurveillance".to_owned(),
            paragraphs: vec![paragraph.repeat(30), paragraph.to_owned()],
            lang: "fr".to_owned(),
            year: 2021,
        };
        let bytes = write_pdf(&doc).unwrap();
        let extraction = ingest::extract::extract(DocKind::Pdf, &bytes).unwrap();
        assert_eq!(extraction.pages, Some(2));
        assert_eq!(extraction.title.as_deref(), Some("Évaluation de la télésurveillance"));
        assert!(extraction.text.contains("Télésurveillance des patients à domicile"), "{}", extraction.text);
        assert!(extraction.text.contains("insuffisance cardiaque"));
        assert_eq!(extraction.published.map(|d| d.year), Some(2021));
    }
}
