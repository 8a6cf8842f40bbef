// The admin page: the token lives in a variable of this script only (never in storage or
// cookies); everything shown from the server is inserted as text, never as HTML.
"use strict";

(function () {
  let token = null;
  let selected = null;
  let timer = null;

  const $ = (id) => document.getElementById(id);

  function message(text) {
    $("message").textContent = text;
  }

  async function api(method, path, body) {
    const options = { method, headers: { Authorization: "Bearer " + token }, cache: "no-store" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = data && data.detail ? data.detail : response.statusText;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "–" : String(text);
    row.appendChild(td);
    return td;
  }

  function renderJobs(jobs) {
    const body = $("jobs").querySelector("tbody");
    body.replaceChildren();
    if (selected === null && jobs.length > 0) {
      selected = jobs[0].id;
    }
    for (const job of jobs) {
      const row = document.createElement("tr");
      if (job.id === selected) {
        row.className = "selected";
      }
      row.addEventListener("click", () => {
        selected = job.id;
        renderJobs(jobs);
      });
      cell(row, job.id);
      cell(row, job.trigger + (job.full ? " (full)" : ""));
      const state = cell(row, job.state + (job.phase ? " · " + job.phase : ""));
      state.className = "state-" + job.state;
      const progressCell = document.createElement("td");
      if (job.state === "running" && job.progress.total > 0) {
        const bar = document.createElement("progress");
        bar.max = job.progress.total;
        bar.value = job.progress.done;
        progressCell.appendChild(bar);
      }
      progressCell.appendChild(document.createTextNode(" " + job.progress.done + "/" + job.progress.total));
      row.appendChild(progressCell);
      const c = job.counts;
      for (const value of [c.seen, c.added, c.updated, c.deleted, c.unchanged, c.failed]) {
        cell(row, value);
      }
      cell(row, job.started_at ? new Date(job.started_at).toLocaleString() : null);
      cell(row, job.elapsed_secs !== null ? job.elapsed_secs.toFixed(1) + " s" : null);
      cell(row, job.files_per_sec !== null ? Math.round(job.files_per_sec) : null);
      body.appendChild(row);
    }
    renderFailures(jobs.find((job) => job.id === selected));
  }

  function renderFailures(job) {
    const list = $("failures");
    list.replaceChildren();
    $("failures-job").textContent = job ? String(job.id) : "–";
    if (!job) {
      return;
    }
    if (job.error) {
      const li = document.createElement("li");
      li.textContent = "job failed: " + job.error;
      list.appendChild(li);
    }
    for (const failure of job.errors) {
      const li = document.createElement("li");
      li.textContent = failure.path + ": " + failure.reason;
      list.appendChild(li);
    }
    if (job.errors_omitted > 0) {
      const li = document.createElement("li");
      li.textContent = "… and " + job.errors_omitted + " more";
      list.appendChild(li);
    }
    if (list.children.length === 0) {
      const li = document.createElement("li");
      li.textContent = job.state === "done" ? "no failures" : "none so far";
      list.appendChild(li);
    }
  }

  async function refresh() {
    if (token === null) {
      return;
    }
    try {
      const data = await api("GET", "/api/v1/admin/jobs");
      renderJobs(data.jobs);
      const busy = data.jobs.some((job) => job.state === "running" || job.state === "queued");
      schedule(busy ? 1000 : 5000);
    } catch (error) {
      if (error.status === 401 || error.status === 403) {
        forget();
      }
      message(error.message);
      if (token !== null) {
        schedule(5000);
      }
    }
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(refresh, ms);
  }

  function forget() {
    token = null;
    selected = null;
    clearTimeout(timer);
    $("controls").hidden = true;
    $("jobs-section").hidden = true;
    $("login").hidden = false;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      token = $("token").value.trim();
      $("token").value = "";
      $("login").hidden = true;
      $("controls").hidden = false;
      $("jobs-section").hidden = false;
      message("");
      refresh();
    });
    $("reingest-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const answer = await api("POST", "/api/v1/admin/reingest", { full: $("full").checked });
        selected = answer.job_id;
        message(answer.created ? "Started job " + answer.job_id : "Job " + answer.job_id + " is already under way");
        refresh();
      } catch (error) {
        message(error.message);
      }
    });
    $("forget").addEventListener("click", () => {
      forget();
      message("Token forgotten");
    });
  });
})();
