//! The sample library's web pages in legacy charsets decode right end to end (file → document).

use ingest::{DocId, DocumentProcessor, ProcessorSettings};

#[test]
fn legacy_charset_pages_of_the_sample_library_decode_right() {
    let processor = DocumentProcessor::new(ProcessorSettings::default()).unwrap();
    for (path, lang, words) in [
        ("web/fr-telesurveillance-droit-commun-2022.html", "fr", "Télésurveillance médicale"),
        ("web/ru-moscow-blood-pressure-remote-monitoring-2020.html", "ru", "артериального давления"),
        ("events/ru-central-asia-mhealth-seminar-tashkent-2018.html", "ru", "Центральной Азии"),
        ("web/cz-zakon-elektronizace-zdravotnictvi-2022.html", "cs", "Zákon o elektronizaci zdravotnictví"),
    ] {
        let file = super::support::sample_library().join(path);
        let doc = processor.process_path(DocId::from_stored(path), &file).unwrap();
        assert!(!doc.text.contains('\u{FFFD}'), "{path}: replacement characters");
        assert!(doc.title.contains(words), "{path}: title {:?}", doc.title);
        assert!(doc.text.contains(words), "{path}: text lacks {words:?}");
        assert_eq!(doc.lang, lang, "{path}");
    }
}
