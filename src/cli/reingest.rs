//! `hubsearch reingest`: asks a running server to re-ingest the library, follows the job's
//! progress stream with a progress bar, and ends with the job's summary.

use std::io::{BufRead, BufReader, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use crate::jobs::{JobState, JobStatus};

/// Where and how to ask.
pub struct ReingestArgs {
    /// Base URL of the server (`http://127.0.0.1:8080`).
    pub server: String,
    /// The admin token.
    pub token: String,
    /// Re-extract everything.
    pub full: bool,
}

pub fn run(args: &ReingestArgs) -> anyhow::Result<ExitCode> {
    let server = args.server.trim_end_matches('/');
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .build()
        .into();
    let auth = format!("Bearer {}", args.token);

    let body = serde_json::json!({ "full": args.full }).to_string();
    let mut response = agent
        .post(format!("{server}/api/v1/admin/reingest"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .with_context(|| format!("cannot reach {server}"))?;
    let answer: Value = read_json(response.body_mut())?;
    if response.status().as_u16() != 202 {
        bail!("the server refused ({}): {}", response.status(), problem_detail(&answer));
    }
    let id = answer["job_id"].as_u64().context("the server's answer has no job_id")?;
    if answer["created"] == false {
        eprintln!("job {id} was already under way; following it");
    }

    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
                .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let status = follow(&agent, server, &auth, id, |status| {
        if let Some(bar) = &bar {
            bar.set_length(status.progress.total as u64);
            bar.set_position(status.progress.done as u64);
            let phase = status.phase.map(|p| format!("{p:?}").to_lowercase()).unwrap_or_else(|| "queued".to_owned());
            bar.set_message(format!("{phase}, {} failed", status.counts.failed));
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    print_summary(&status);
    Ok(if status.state == JobState::Done { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Follows job `id` to its end through its event stream; if the stream breaks off, polls.
fn follow(
    agent: &ureq::Agent,
    server: &str,
    auth: &str,
    id: u64,
    mut on_status: impl FnMut(&JobStatus),
) -> anyhow::Result<JobStatus> {
    let stream = agent
        .get(format!("{server}/api/v1/admin/jobs/{id}/events"))
        .header("Authorization", auth)
        .header("Accept", "text/event-stream")
        .call();
    if let Ok(response) = stream
        && response.status().as_u16() == 200
    {
        let mut data = String::new();
        for line in BufReader::new(response.into_body().into_reader()).lines() {
            let Ok(line) = line else { break };
            if let Some(chunk) = line.strip_prefix("data:") {
                data.push_str(chunk.strip_prefix(' ').unwrap_or(chunk));
            } else if line.is_empty() && !data.is_empty() {
                let status: JobStatus = serde_json::from_str(&data).context("malformed progress event")?;
                data.clear();
                on_status(&status);
                if status.state.is_terminal() {
                    return Ok(status);
                }
            }
        }
    }
    loop {
        let mut response = agent
            .get(format!("{server}/api/v1/admin/jobs/{id}"))
            .header("Authorization", auth)
            .call()
            .with_context(|| format!("cannot reach {server}"))?;
        let body = response.body_mut().read_to_string().context("cannot read the server's answer")?;
        if response.status().as_u16() != 200 {
            let answer: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            bail!("cannot follow job {id} ({}): {}", response.status(), problem_detail(&answer));
        }
        let status: JobStatus = serde_json::from_str(&body).context("malformed job status")?;
        on_status(&status);
        if status.state.is_terminal() {
            return Ok(status);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn read_json(body: &mut ureq::Body) -> anyhow::Result<Value> {
    let text = body.read_to_string().context("cannot read the server's answer")?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn problem_detail(answer: &Value) -> String {
    answer["detail"].as_str().or(answer["title"].as_str()).unwrap_or("no details").to_owned()
}

fn print_summary(status: &JobStatus) {
    let c = &status.counts;
    let state = if status.state == JobState::Done { "done" } else { "FAILED" };
    println!(
        "job {} {state} in {:.1}s: {} seen, {} added, {} updated, {} deleted, {} unchanged, {} failed",
        status.id,
        status.elapsed_secs.unwrap_or(0.0),
        c.seen,
        c.added,
        c.updated,
        c.deleted,
        c.unchanged,
        c.failed,
    );
    if let Some(error) = &status.error {
        println!("error: {error}");
    }
    for failure in &status.errors {
        println!("failed: {}: {}", failure.path, failure.reason);
    }
    if status.errors_omitted > 0 {
        println!("… and {} more failures", status.errors_omitted);
    }
}
