// The Bulk tab: upload a ZIP, follow the job's progress, download the result archive;
// for a ZIP with labels.csv, show its evaluation report with the DET drawing.

const POLL_MS = 500;
const $ = (id) => document.getElementById(id);

const SUMMARY_COLUMNS = ["case", "outcome", "http_status", "result", "overall_result", "error"];

/** The per-case rows of a finished job (the archive's summary.csv), as a table. */
function renderSummary(rows) {
  const container = $("bulk-summary");
  container.replaceChildren();
  if (!rows || rows.length === 0) return;
  const table = document.createElement("table");
  table.className = "summary";
  const caption = document.createElement("caption");
  caption.textContent = "Cases (summary.csv)";
  const head = table.createTHead().insertRow();
  for (const column of SUMMARY_COLUMNS) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = column;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.className = `outcome-${row.outcome}`;
    for (const column of SUMMARY_COLUMNS) tr.insertCell().textContent = row[column] ?? "";
  }
  table.prepend(caption);
  container.append(table);
}

/** A table of text rows, styled like the summary table. */
function textTable(captionText, head, rows) {
  const table = document.createElement("table");
  table.className = "summary";
  const caption = document.createElement("caption");
  caption.textContent = captionText;
  table.append(caption);
  const headRow = table.createTHead().insertRow();
  for (const column of head) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = column;
    headRow.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = cell;
  }
  return table;
}

let reportUrl = null;

/** The evaluation of a labelled ZIP (labels.csv): its figures, the DET drawing, the page. */
function renderReport(report) {
  let container = $("bulk-report");
  if (!container) {
    container = document.createElement("div");
    container.id = "bulk-report";
    container.className = "summary-wrap";
    $("bulk-summary").after(container);
  }
  container.replaceChildren();
  if (reportUrl) URL.revokeObjectURL(reportUrl);
  reportUrl = null;
  if (!report) return;
  const title = document.createElement("h3");
  title.className = "subheading";
  title.textContent = `${report.title} (labels.csv)`;
  const intro = document.createElement("p");
  intro.textContent = report.intro;
  const point = report.operating_point;
  container.append(title, intro, textTable("At the service's operating point", point.head, point.rows));
  const notes = [...report.notes, ...report.problems];
  if (notes.length) {
    const list = document.createElement("ul");
    list.className = "problems";
    for (const note of notes) {
      const item = document.createElement("li");
      item.textContent = note;
      list.append(item);
    }
    container.append(list);
  }
  if (report.non_responses.length) {
    container.append(textTable("Non-responses (in no rate)", ["class", "cause", "count"], report.non_responses));
  }
  container.append(textTable("Swept over the confidence", ["figure", "value", "at"], report.swept));
  const det = document.createElement("img");
  det.id = "bulk-det";
  det.alt = "DET curve: BPCER against APCER";
  det.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(report.det_svg)}`;
  det.style.maxWidth = "100%";
  det.style.height = "auto";
  det.style.display = "block";
  const link = document.createElement("a");
  reportUrl = URL.createObjectURL(new Blob([report.html], { type: "text/html" }));
  link.href = reportUrl;
  link.download = "report.html";
  link.className = "button";
  link.textContent = "Download the report (HTML)";
  container.append(det, link);
}

export function setupBulk({ token, api }) {
  const form = $("bulk-form");
  let polling = null;

  function status(text, warning = false) {
    $("bulk-status").textContent = text;
    $("bulk-status").classList.toggle("warning", warning);
  }

  function showProgress(job) {
    $("bulk-empty").hidden = true;
    $("bulk-job").hidden = false;
    $("bulk-job").dataset.state = job.state;
    const progress = $("bulk-progress");
    progress.max = Math.max(job.total, 1);
    progress.value = job.done;
    const counts = job.counts;
    $("bulk-counts").textContent =
      `${job.done} of ${job.total} cases done (${counts.ok} ok, ${counts.client_error} client errors, ` +
      `${counts.failed} failed) · ${job.api} · ${job.state} · ${job.elapsed_seconds} s` +
      (job.error ? ` · ${job.error}` : "");
    $("bulk-problems-title").hidden = job.problems.length === 0;
    const problems = $("bulk-problems");
    problems.replaceChildren();
    for (const problem of job.problems) {
      const item = document.createElement("li");
      item.textContent = problem;
      problems.append(item);
    }
    renderSummary(job.summary);
    renderReport(job.report);
    const download = $("bulk-download");
    download.hidden = !job.archive_url;
    if (job.archive_url) download.href = job.archive_url;
  }

  async function poll(url) {
    try {
      const response = await fetch(url, { cache: "no-store" });
      const job = await response.json();
      if (!response.ok) throw new Error(job.message || `HTTP ${response.status}`);
      showProgress(job);
      if (job.state === "running") {
        polling = setTimeout(() => poll(url), POLL_MS);
        return;
      }
      status(job.state === "done" ? "Done: the result archive is ready." : `Failed: ${job.error}`, job.state !== "done");
    } catch (error) {
      status(`Lost track of the job: ${error.message}`, true);
    }
    $("bulk-start").disabled = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("bulk-archive").files[0];
    if (!file) {
      status("Choose a ZIP archive first.", true);
      $("bulk-archive").focus();
      return;
    }
    clearTimeout(polling);
    const body = new FormData();
    body.append("archive", file);
    body.append("api", api());
    // the same bearer token as a single request: the server checks it before reading the upload
    const headers = token() ? { Authorization: `Bearer ${token()}` } : {};
    $("bulk-start").disabled = true;
    status("Uploading…");
    try {
      const response = await fetch("/playground/bulk", { method: "POST", body, headers });
      const job = await response.json();
      if (!response.ok) throw new Error(job.message || `HTTP ${response.status}`);
      status("Running…");
      showProgress(job);
      poll(job.progress_url);
    } catch (error) {
      status(`Could not start: ${error.message}`, true);
      $("bulk-start").disabled = false;
    }
  });
}
