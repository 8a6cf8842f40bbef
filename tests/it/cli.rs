//! The real binary's `extract`, `ingest` and `search` commands.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{binary, sample_library};

fn run(args: &[&str]) -> Output {
    Command::new(binary()).args(args).env("NO_COLOR", "1").output().expect("run hubsearch")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

#[test]
fn extract_json_gives_one_object_per_path_in_order_even_for_missing_files() {
    let library = sample_library();
    let pdf = library.join("policy/de-diga-fast-track-overview-2022.pdf");
    let html = library.join("web/fr-telesurveillance-droit-commun-2022.html");
    let missing = library.join("no/such/file.pdf");
    let not_a_document = library.join("data/mhealth-strategy-survey-2023.csv");
    let output = run(&[
        "extract",
        "--json",
        pdf.to_str().unwrap(),
        missing.to_str().unwrap(),
        html.to_str().unwrap(),
        not_a_document.to_str().unwrap(),
    ]);
    let lines: Vec<Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).expect("a JSON object per line")).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(output.status.code(), Some(1), "some paths failed");

    let [pdf_json, missing_json, html_json, other_json] = &lines[..] else { unreachable!() };
    assert_eq!(pdf_json["path"], pdf.to_str().unwrap());
    assert_eq!(pdf_json["kind"], "pdf");
    assert_eq!(pdf_json["lang"], "de");
    assert!(pdf_json["pages"].as_u64().unwrap() >= 1);
    assert!(pdf_json["text"].as_str().unwrap().contains("DiGA"));
    assert!(pdf_json["title"].as_str().unwrap().contains("DiGA"));
    assert_eq!(pdf_json["error"], Value::Null);
    for key in ["topics", "countries"] {
        assert!(pdf_json[key].is_array(), "{key}");
    }

    assert_eq!(missing_json["path"], missing.to_str().unwrap());
    assert!(missing_json["error"].as_str().unwrap().contains("file.pdf"), "{missing_json}");

    assert_eq!(html_json["kind"], "html");
    assert_eq!(html_json["lang"], "fr");
    assert_eq!(html_json["pages"], Value::Null);
    assert_eq!(html_json["error"], Value::Null);

    assert_eq!(other_json["kind"], Value::Null);
    assert!(other_json["error"].as_str().unwrap().contains("unsupported"), "{other_json}");
}

/// Copies a library file and its sidecar, if it has one.
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
    let sidecar = ingest::Sidecar::path_for(from);
    if sidecar.is_file() {
        std::fs::copy(&sidecar, ingest::Sidecar::path_for(to)).unwrap();
    }
}

#[test]
fn ingest_reports_a_corrupt_pdf_by_path_and_indexes_the_rest_then_search_finds_them() {
    let library = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let sample = sample_library();
    for file in [
        "policy/de-diga-fast-track-overview-2022.pdf",
        "evidence/pt-telemonitoring-copd-evaluation-2021.pdf",
        "web/fr-telesurveillance-droit-commun-2022.html",
    ] {
        copy(&sample.join(file), &library.path().join(file));
    }
    let corrupt = library.path().join("reports/corrupt.pdf");
    std::fs::create_dir_all(corrupt.parent().unwrap()).unwrap();
    let mut bytes = std::fs::read(sample.join("policy/de-diga-fast-track-overview-2022.pdf")).unwrap();
    bytes.truncate(bytes.len() / 3);
    bytes.extend_from_slice(b"\x00garbage");
    std::fs::write(&corrupt, bytes).unwrap();

    let args = ["ingest", "--library", library.path().to_str().unwrap(), "--data", data.path().to_str().unwrap()];
    let output = run(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary = stdout(&output);
    assert!(summary.contains("4 seen, 3 added"), "{summary}");
    assert!(summary.contains("1 failed"), "{summary}");
    assert!(summary.contains(&format!("failed: {}", corrupt.display())), "{summary}");

    let again = stdout(&run(&args));
    assert!(again.contains("3 unchanged") && again.contains("0 added"), "{again}");

    let search =
        run(&["search", "--json", "--data", data.path().to_str().unwrap(), "--country", "PT", "telemonitorização"]);
    assert!(search.status.success(), "{}", String::from_utf8_lossy(&search.stderr));
    let json: Value = serde_json::from_str(&stdout(&search)).unwrap();
    for key in ["query", "total", "took_ms", "page", "per_page", "hits", "facets"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["total"], 1);
    let hit = &json["hits"][0];
    assert_eq!(hit["id"], "evidence/pt-telemonitoring-copd-evaluation-2021.pdf");
    for key in ["id", "title", "url", "snippet", "lang", "topics", "countries", "kind", "published", "score"] {
        assert!(hit.get(key).is_some(), "hit lacks {key}");
    }
    for facet in ["topic", "country", "lang", "kind", "year"] {
        assert!(json["facets"][facet].is_array(), "facet {facet}");
    }

    let bad = run(&["search", "--data", data.path().to_str().unwrap(), "--per-page", "100000", "x"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("per_page"));
}

#[test]
fn search_without_an_index_says_what_to_do() {
    let data = tempfile::tempdir().unwrap();
    let output = run(&["search", "--data", data.path().to_str().unwrap(), "anything"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("hubsearch ingest"));
}

#[test]
fn extract_without_sidecars_shows_what_detection_finds() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("report.txt");
    std::fs::write(
        &doc,
        "Telemonitoring of COPD in Portugal\n\nThe Portuguese programme followed patients with COPD at home.",
    )
    .unwrap();
    std::fs::write(dir.path().join("report.txt.meta.toml"), "countries = [\"FI\"]\ntopics = [\"secondary-use\"]\n")
        .unwrap();
    let extract = |extra: &[&str]| -> Value {
        let mut args = vec!["extract", "--json"];
        args.extend(extra);
        args.push(doc.to_str().unwrap());
        serde_json::from_str(stdout(&run(&args)).trim()).unwrap()
    };
    let curated = extract(&[]);
    assert_eq!(curated["countries"], serde_json::json!(["FI"]));
    assert_eq!(curated["topics"], serde_json::json!(["secondary-use"]));
    let detected = extract(&["--no-sidecars"]);
    assert_eq!(detected["countries"], serde_json::json!(["PT"]));
    assert_eq!(detected["topics"], serde_json::json!(["chronic-disease/respiratory"]));
}

#[test]
fn detect_lang_answers_one_code_per_line_in_order() {
    // Sentences written for this test; the empty and the digits-only lines have no language.
    let input = "La stratégie nationale précise comment les applications de santé sont évaluées.\n\
                 \n\
                 Tá an tseirbhís sláinte ag obair ar aip nua do dhaoine a bhfuil diaibéiteas orthu.\n\
                 Il-Gvern ħabbar li l-applikazzjoni l-ġdida se tgħin lill-pazjenti jieħdu ħsieb saħħithom.\n\
                 12345 678\n\
                 Министерство здравоохранения представило новое приложение для пациентов с диабетом.\n\
                 Το υπουργείο υγείας παρουσίασε μια νέα εφαρμογή για ασθενείς με διαβήτη.";
    assert_eq!(detect_lang(input), ["fr", "und", "ga", "mt", "und", "ru", "el"]);
}

#[test]
fn detect_lang_answers_und_for_garbled_text() {
    // Sentences written for this test, garbled as PDFs with undecodable fonts extract them: an
    // English one with its glyphs renumbered in order of use from `!` (letters strewn among
    // punctuation) and from `a` (cipher-like words), a Russian one in windows-1251 read as
    // windows-1252, a Greek one in UTF-8 read as windows-1252; then a line that is fine, and
    // three words repeated.
    let input = "!\"# $%&'($%) *&+%&#,- *#&* (.& \"(/ 0(1')# \"#%)&\" %22)'3%&'($* %+# %**#**#4 1#5(+# +#'01.+*#0#$&6\n\
                 abc defghdei jfkefclm jcfj hnf bho phqgic bceifb errigsefghdj ekc ejjcjjct qcuhkc kcgpqnkjcpcdfv\n\
                 Íàöèîíàëüíàÿ ñòðàòåãèÿ îïðåäåëÿåò, êàê ìîáèëüíûå ïðèëîæåíèÿ äëÿ çäîðîâüÿ îöåíèâàþòñÿ.\n\
                 Î— ÎµÎ¸Î½Î¹ÎºÎ® ÏƒÏ„Ï\u{81}Î±Ï„Î·Î³Î¹ÎºÎ® Î¿Ï\u{81}Î¯Î¶ÎµÎ¹ Ï€ÏŽÏ‚ Î±Î¾Î¹Î¿Î»Î¿Î³Î¿Ï\u{8d}Î½Ï„Î±Î¹ Î¿Î¹ ÎµÏ†Î±Ï\u{81}Î¼Î¿Î³Î\u{ad}Ï‚ ÎºÎ¹Î½Î·Ï„Î®Ï‚ Ï…Î³ÎµÎ¯Î±Ï‚.\n\
                 La stratégie nationale précise comment les applications de santé sont évaluées.\n\
                 ab ba abba ab ba abba ab ba abba ab ba abba ab ba abba";
    assert_eq!(detect_lang(input), ["und", "und", "und", "und", "fr", "und"]);
}

/// The lines `hubsearch detect-lang` answers for `input`.
fn detect_lang(input: &str) -> Vec<String> {
    use std::io::Write;
    let mut child = Command::new(binary())
        .arg("detect-lang")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run hubsearch detect-lang");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect()
}
