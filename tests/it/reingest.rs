//! Re-ingestion against the real binary: `kill -9` at several moments of a job leaves an index
//! that opens and serves the last commit, and a restart finishes the work; searches keep their
//! full answer through a full re-ingest; the `reingest` client; the library watcher.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{ServeProcess, binary, sample_library};

const TOKEN: &str = "test-admin-token-0123456789";

/// A running `hubsearch serve` with an admin token and an HTTP client.
struct Server {
    process: ServeProcess,
    agent: ureq::Agent,
}

impl Server {
    fn start(library: &Path, data: &Path, watch: bool) -> Server {
        let process = ServeProcess::start(
            library,
            data,
            &[
                ("HUBSEARCH_ADMIN_TOKEN", TOKEN),
                ("HUBSEARCH_WATCH", if watch { "true" } else { "false" }),
                ("HUBSEARCH_WORKERS", "2"),
                // These tests search as fast as the server answers for as long as a job runs; on
                // a loaded machine a job took long enough for the per-client limit (300 a
                // minute) to answer 429 mid-test. The limit has its own tests.
                ("HUBSEARCH_RATE_LIMIT_PER_MINUTE", "0"),
            ],
        );
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server { process, agent }
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let mut response = self
            .agent
            .get(self.process.url(path))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .call()
            .expect("GET");
        let text = response.body_mut().read_to_string().unwrap();
        (response.status().as_u16(), serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn reingest(&self, full: bool) -> u64 {
        let mut response = self
            .agent
            .post(self.process.url("/api/v1/admin/reingest"))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .send(format!("{{\"full\": {full}}}").as_bytes())
            .expect("POST");
        let text = response.body_mut().read_to_string().unwrap();
        assert_eq!(response.status().as_u16(), 202, "{text}");
        serde_json::from_str::<Value>(&text).unwrap()["job_id"].as_u64().unwrap()
    }

    fn job(&self, id: u64) -> Value {
        let (status, job) = self.get(&format!("/api/v1/admin/jobs/{id}"));
        assert_eq!(status, 200, "{job}");
        job
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        while self.get("/readyz").0 != 200 {
            assert!(started.elapsed() < Duration::from_secs(120), "not ready after two minutes");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls job `id` until `moment` holds for its status (or the job ended), then kills the
    /// server with SIGKILL; says whether the moment was caught before the job ended.
    fn kill9_when(mut self, id: u64, moment: impl Fn(&Value) -> bool) -> bool {
        let started = Instant::now();
        let caught = loop {
            let (status, job) = self.get(&format!("/api/v1/admin/jobs/{id}"));
            if status == 200 && moment(&job) {
                break true;
            }
            if job["state"] == "done" || job["state"] == "failed" {
                break false;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "moment never came: {job}");
            std::thread::sleep(Duration::from_millis(2));
        };
        self.kill9();
        caught
    }

    fn kill9(&mut self) {
        // std's Child::kill sends SIGKILL on Unix: no shutdown code runs.
        self.process.child.kill().unwrap();
        self.process.child.wait().unwrap();
    }

    /// Every indexed id (listing all documents page by page) and the reported total.
    fn indexed_ids(&self) -> (u64, Vec<String>) {
        let mut ids = Vec::new();
        let mut total = 0;
        for page in 1.. {
            let (status, answer) = self.get(&format!("/api/v1/search?per_page=100&page={page}"));
            assert_eq!(status, 200, "{answer}");
            total = answer["total"].as_u64().unwrap();
            let hits = answer["hits"].as_array().unwrap();
            ids.extend(hits.iter().map(|h| h["id"].as_str().unwrap().to_owned()));
            if hits.len() < 100 {
                break;
            }
        }
        (total, ids)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The sample library plus `notes` generated text files, in a temporary directory.
fn library_with_notes(notes: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("library");
    copy_dir(&sample_library(), &library);
    write_notes(&library, "notes", 0..notes, "first");
    (dir, library)
}

fn write_notes(library: &Path, folder: &str, range: std::ops::Range<usize>, edition: &str) {
    let topics = ["telemonitoring", "reimbursement", "interoperability", "diabetes", "privacy", "evidence"];
    std::fs::create_dir_all(library.join(folder)).unwrap();
    for i in range {
        let text = format!(
            "Note {i} ({edition} edition) on {} of mobile health services in Europe. \
             It discusses {} and {} for national health systems.",
            topics[i % topics.len()],
            topics[(i / 6) % topics.len()],
            topics[(i / 36) % topics.len()],
        );
        std::fs::write(library.join(folder).join(format!("note-{i:04}.txt")), text).unwrap();
    }
}

/// The ids the library should give: its document files.
fn library_ids(library: &Path) -> BTreeSet<String> {
    ingest::LibraryWalker::new(library).scan().unwrap().files.iter().map(|f| f.id.to_string()).collect()
}

/// `hubsearch search --json` over the data directory with no server: the index opens and
/// answers from its last commit. Returns the total.
fn total_on_disk(library: &Path, data: &Path) -> u64 {
    let output: Output = Command::new(binary())
        .args(["search", "--json", "--library", library.to_str().unwrap(), "--data", data.to_str().unwrap()])
        .output()
        .expect("run hubsearch search");
    assert!(output.status.success(), "the index does not open: {}", String::from_utf8_lossy(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON answer");
    answer["total"].as_u64().unwrap()
}

fn assert_index_is_library(server: &Server, library: &Path) {
    let (total, ids) = server.indexed_ids();
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), unique.len(), "duplicated documents");
    assert_eq!(total as usize, ids.len());
    assert_eq!(unique, library_ids(library), "indexed ids differ from the library's files");
}

/// A moment of a job, told by its status.
type Moment = Box<dyn Fn(&Value) -> bool>;

fn phase_is(phase: &'static str) -> impl Fn(&Value) -> bool {
    move |job| job["phase"] == phase
}

fn extracted_at_least(fraction: f64) -> impl Fn(&Value) -> bool {
    move |job| {
        let total = job["progress"]["total"].as_f64().unwrap_or(0.0);
        job["phase"] == "extracting" && total > 0.0 && job["progress"]["done"].as_f64().unwrap() >= fraction * total
    }
}

#[test]
fn kill_9_at_any_moment_of_a_job_loses_nothing_and_duplicates_nothing() {
    let (_dir, library) = library_with_notes(300);
    let data = tempfile::tempdir().unwrap();
    let all = library_ids(&library).len() as u64;

    // The start-up ingestion of an empty index, killed while scanning, early in extraction,
    // late in extraction and while committing: the index opens and holds the last commit,
    // which is nothing or (if the commit landed) everything.
    let moments: [(&str, Moment); 4] = [
        ("start", Box::new(|job: &Value| job["state"] == "queued" || job["state"] == "running")),
        ("early extraction", Box::new(extracted_at_least(0.1))),
        ("late extraction", Box::new(extracted_at_least(0.8))),
        ("commit", Box::new(phase_is("committing"))),
    ];
    for (name, moment) in &moments {
        let caught = Server::start(&library, data.path(), false).kill9_when(1, moment);
        let total = total_on_disk(&library, data.path());
        eprintln!("killed at {name} (caught: {caught}): {total} documents on disk");
        if *name != "commit" {
            assert!(caught, "the job ended before the kill at {name}");
            assert_eq!(total, 0, "nothing was committed before the kill at {name}");
        } else {
            assert!(total == 0 || total == all, "{total} documents after a kill at {name}");
        }
    }

    // A restart finishes the work.
    let server = Server::start(&library, data.path(), false);
    server.wait_ready();
    assert_index_is_library(&server, &library);
    drop(server);

    // The library changes; the start-up job that would apply the change is killed half-way:
    // searches still see exactly the previous commit.
    let before = library_ids(&library);
    for i in 0..20 {
        std::fs::remove_file(library.join(format!("notes/note-{i:04}.txt"))).unwrap();
    }
    write_notes(&library, "notes", 20..40, "second");
    write_notes(&library, "more", 0..400, "first");
    let caught = Server::start(&library, data.path(), false).kill9_when(1, extracted_at_least(0.5));
    assert!(caught, "the job ended before the kill");
    assert_eq!(total_on_disk(&library, data.path()), before.len() as u64, "the last commit is served");
    let server = Server::start(&library, data.path(), false);
    // The new process serves the last commit while its own start-up job runs.
    let (status, ready) = server.get("/readyz");
    if status == 503 {
        assert_eq!(ready["documents"], before.len());
    }
    server.wait_ready();
    assert_index_is_library(&server, &library);

    // A full re-ingest killed half-way and while committing: the same documents, once each.
    drop(server);
    let full_moments: [Moment; 2] = [Box::new(extracted_at_least(0.5)), Box::new(phase_is("committing"))];
    for moment in &full_moments {
        let caught = server_reingest_and_kill(&library, data.path(), moment);
        eprintln!("full re-ingest killed (caught: {caught})");
        assert_eq!(total_on_disk(&library, data.path()), library_ids(&library).len() as u64);
    }
    let server = Server::start(&library, data.path(), false);
    server.wait_ready();
    assert_index_is_library(&server, &library);
}

fn server_reingest_and_kill(library: &Path, data: &Path, moment: &dyn Fn(&Value) -> bool) -> bool {
    let server = Server::start(library, data, false);
    server.wait_ready();
    let id = server.reingest(true);
    server.kill9_when(id, moment)
}

#[test]
fn searches_see_the_whole_index_all_through_a_full_reingest() {
    let (_dir, library) = library_with_notes(300);
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&library, data.path(), false);
    server.wait_ready();
    let expected = library_ids(&library).len() as u64;
    assert_eq!(server.get("/api/v1/search?per_page=1").1["total"], expected);
    let telemonitoring = server.get("/api/v1/search?q=telemonitoring&per_page=1").1["total"].clone();

    let id = server.reingest(true);
    let mut searches_while_running = 0;
    let started = Instant::now();
    loop {
        let running = server.job(id)["state"] == "running";
        for _ in 0..5 {
            let (status, answer) = server.get("/api/v1/search?per_page=1");
            assert_eq!(status, 200, "{answer}");
            assert_eq!(answer["total"], expected, "the total changed during the re-ingest");
            let (_, answer) = server.get("/api/v1/search?q=telemonitoring&per_page=1");
            assert_eq!(answer["total"], telemonitoring, "a query's total changed during the re-ingest");
            if running {
                searches_while_running += 2;
            }
        }
        let job = server.job(id);
        if job["state"] == "done" {
            assert_eq!(job["counts"]["updated"], expected, "{job}");
            break;
        }
        assert_ne!(job["state"], "failed", "{job}");
        assert!(started.elapsed() < Duration::from_secs(120), "the re-ingest takes too long");
    }
    assert!(searches_while_running >= 10, "only {searches_while_running} searches ran during the job");
    assert_eq!(server.get("/api/v1/search?per_page=1").1["total"], expected);
}

#[test]
fn the_reingest_command_follows_the_job_to_its_summary() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&sample_library(), data.path(), false);
    server.wait_ready();
    let url = format!("http://{}", server.process.address);
    let cwd = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(binary())
            .arg("reingest")
            .args(args)
            .current_dir(cwd.path())
            .env_remove("HUBSEARCH_ADMIN_TOKEN")
            .output()
            .expect("run hubsearch reingest")
    };

    let output = run(&["--server", &url, "--token", TOKEN]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let seen = library_ids(&sample_library()).len();
    assert!(stdout.contains(" done in "), "{stdout}");
    assert!(stdout.contains(&format!("{seen} seen, 0 added, 0 updated, 0 deleted, {seen} unchanged")), "{stdout}");

    let output = run(&["--server", &url, "--token", TOKEN, "--full"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains(&format!("{seen} updated")), "{stdout}");

    let output = run(&["--server", &url, "--token", "not-the-token-xyzzy"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("401") && stderr.contains("not the admin token"), "{stderr}");
    assert!(!stderr.contains("xyzzy"), "the token is not echoed: {stderr}");

    let output = run(&["--server", &url]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no admin token"));

    // The server logged the jobs, and neither token.
    let log = server.process.log_lines().join("\n");
    assert!(log.contains("ingestion job done"), "{log}");
    assert!(!log.contains(TOKEN) && !log.contains("xyzzy"), "a token reached the log");
}

/// Polls a search until `check` holds for its answer.
fn eventually(server: &Server, query: &str, what: &str, check: impl Fn(&Value) -> bool) {
    let started = Instant::now();
    loop {
        let (status, answer) = server.get(query);
        if status == 200 && check(&answer) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{what}: not seen within 30 s: {answer}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn ids_of(answer: &Value) -> Vec<String> {
    answer["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_watcher_shows_added_changed_renamed_and_deleted_files_and_survives_a_replaced_library() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("library");
    write_notes(&library, "notes", 0..5, "first");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&library, data.path(), true);
    server.wait_ready();
    assert_eq!(server.get("/api/v1/search").1["total"], 5);

    std::fs::write(library.join("notes/added.txt"), "Quokkaland telehealth pilot.").unwrap();
    eventually(&server, "/api/v1/search?q=quokkaland", "an added file", |a| ids_of(a) == ["notes/added.txt"]);

    std::fs::write(library.join("notes/added.txt"), "Wombatvale telehealth pilot.").unwrap();
    eventually(&server, "/api/v1/search?q=wombatvale", "a changed file", |a| ids_of(a) == ["notes/added.txt"]);
    assert_eq!(server.get("/api/v1/search?q=quokkaland").1["total"], 0);

    std::fs::rename(library.join("notes/added.txt"), library.join("renamed.txt")).unwrap();
    eventually(&server, "/api/v1/search?q=wombatvale", "a renamed file", |a| ids_of(a) == ["renamed.txt"]);

    std::fs::remove_file(library.join("renamed.txt")).unwrap();
    eventually(&server, "/api/v1/search?q=wombatvale", "a deleted file", |a| a["total"] == 0);

    // A burst of 2,000 files lands in a handful of jobs.
    let jobs_before = server.get("/api/v1/admin/jobs").1["jobs"].as_array().unwrap().len();
    write_notes(&library, "burst", 0..2000, "burst");
    eventually(&server, "/api/v1/search?per_page=1", "a burst of files", |a| a["total"] == 2005);
    let jobs_after = server.get("/api/v1/admin/jobs").1["jobs"].as_array().unwrap().len();
    assert!(jobs_after - jobs_before <= 10, "{} jobs for one burst", jobs_after - jobs_before);

    // The library directory is briefly missing, then replaced by another one: the last commit is
    // served meanwhile, and the watch follows the new directory.
    let other = dir.path().join("other");
    write_notes(&other, "notes", 0..3, "replacement");
    std::fs::write(other.join("platypus.txt"), "Platypusburg digital health strategy.").unwrap();
    std::fs::rename(&library, dir.path().join("old")).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(server.get("/api/v1/search?per_page=1").1["total"], 2005, "a missing library deletes nothing");
    std::fs::rename(&other, &library).unwrap();
    eventually(&server, "/api/v1/search?per_page=1", "a replaced library", |a| a["total"] == 4);
    assert_eq!(ids_of(&server.get("/api/v1/search?q=platypusburg").1), ["platypus.txt"]);
    std::fs::write(library.join("echidna.txt"), "Echidnaton mobile health register.").unwrap();
    eventually(&server, "/api/v1/search?q=echidnaton", "a file added to the new directory", |a| a["total"] == 1);
}
