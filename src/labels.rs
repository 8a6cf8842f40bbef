//! Human-readable labels of facet values, in the language of the user interface: topics from
//! the taxonomy, countries from the gazetteer, languages from CLDR.

use ingest::DocumentProcessor;
use ingest::language::language_name;
use ingest::language_labels::language_label;

use index::FacetKind;

/// Looks up labels from the taxonomy (topics), the gazetteer (countries) and fixed tables.
pub struct FacetLabels<'a> {
    processor: &'a DocumentProcessor,
}

impl<'a> FacetLabels<'a> {
    /// Labels backed by the processor's taxonomy and gazetteer.
    pub fn new(processor: &'a DocumentProcessor) -> Self {
        FacetLabels { processor }
    }

    /// The label of `value` of facet `kind` in `ui_lang` (English where there is no
    /// translation).
    pub fn label(&self, kind: FacetKind, value: &str, ui_lang: &str) -> String {
        match kind {
            FacetKind::Topic => self.processor.taxonomy().label(value, ui_lang).unwrap_or(value).to_owned(),
            FacetKind::Country => self.processor.gazetteer().label(value, ui_lang).to_owned(),
            FacetKind::Lang => language_label(value, ui_lang)
                .or_else(|| language_label(value, "en"))
                .or_else(|| language_name(value).map(str::to_owned))
                .unwrap_or_else(|| value.to_owned()),
            FacetKind::Kind => match value {
                "pdf" => "PDF",
                "html" => "Web page",
                "text" => "Text",
                other => other,
            }
            .to_owned(),
            FacetKind::Year => value.to_owned(),
        }
    }
}
