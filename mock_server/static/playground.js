// The playground page: one request at a time (v1 or v2), or a bulk run.

import { setupBulk } from "./bulk.js";
import { curlCommand } from "./curl.js";
import { mockHeaders, setupMockChoices } from "./scenarios.js";
import { setupTabs } from "./tabs.js";
import { effectiveTuning, enteredTuning, flagTuning, tuningControls } from "./tuning.js";
import { renderError, renderVerdict, verdictOf } from "./verdict.js";

const config = JSON.parse(document.getElementById("playground-config").textContent);
const $ = (id) => document.getElementById(id);

const form = $("single-form");
const controls = tuningControls(form);
let lastRequest = null;

export function selectedApi() {
  return document.querySelector('input[name="api"]:checked').value;
}

export function currentToken() {
  return $("token").value.trim();
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function chosenFile(input) {
  return input.files && input.files.length ? input.files[0] : null;
}

function checksEnabled() {
  return $("check-before-send").checked;
}

/** Re-check the tuning fields; Send is disabled while one is invalid (when checks are on). */
function refreshValidity() {
  const invalid = flagTuning(controls, config.tuning);
  const blocked = checksEnabled() && invalid.length > 0;
  $("send").disabled = blocked;
  $("form-status").textContent = blocked
    ? `Fix ${invalid.join(", ")} before sending (or untick the check to see the server's 422).`
    : "";
  $("form-status").classList.toggle("warning", blocked);
  return !blocked;
}

function describeMedia() {
  const preview = $("preview");
  preview.replaceChildren();
  for (const [label, input] of [["image", $("image")], ["video", $("video")]]) {
    const file = chosenFile(input);
    if (!file) continue;
    const chip = document.createElement("span");
    chip.className = "chip file";
    chip.textContent = `${label}: ${file.name} (${(file.size / 1024).toFixed(1)} KiB)`;
    preview.append(chip);
  }
}

async function send(event) {
  event.preventDefault();
  if (!refreshValidity()) return;
  const api = selectedApi();
  const image = chosenFile($("image"));
  const video = chosenFile($("video"));
  const tuning = enteredTuning(controls);
  const imageAsBase64 = tuning.image_type === "base64";
  const body = new FormData();
  if (image) body.append("image", imageAsBase64 ? await readAsBase64(image) : image);
  if (video) body.append("video", video);
  for (const [name, value] of Object.entries(tuning)) body.append(name, value);

  const url = new URL(config.paths[api], window.location.origin).href;
  const token = currentToken();
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const extra = mockHeaders($("mock-choice"));
  Object.assign(headers, extra);
  lastRequest = { url, token, image, video, imageAsBase64, tuning, api, headers: extra };
  $("send").disabled = true;
  $("send").textContent = "Sending…";
  $("form-status").textContent = "Waiting for the server…";
  const started = performance.now();
  try {
    const response = await fetch(url, { method: "POST", body, headers });
    const elapsed = Math.round(performance.now() - started);
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    showResponse(response, elapsed, json, text, effectiveTuning(tuning, config.tuning));
    $("form-status").textContent = "";
  } catch (error) {
    $("form-status").textContent = `The request failed: ${error.message}`;
  } finally {
    $("send").textContent = "Send";
    refreshValidity();
  }
}

function showResponse(response, elapsed, json, text, tuning) {
  $("empty-state").hidden = true;
  $("result").hidden = false;
  const statusLine = $("status-line");
  statusLine.replaceChildren();
  const code = document.createElement("span");
  code.className = `status-code s${String(response.status)[0]}xx`;
  code.textContent = `${response.status} ${response.statusText}`;
  const path = new URL(response.url).pathname;
  statusLine.append(code, ` POST ${path} · ${elapsed} ms`);
  statusLine.dataset.status = String(response.status);

  $("body-json").textContent = json === null ? text : JSON.stringify(json, null, 2);
  if (response.ok && json !== null) {
    renderVerdict($("verdict"), verdictOf(json, tuning));
  } else {
    renderError($("verdict"), response.status, json);
  }
  renderCurl();
}

function renderCurl() {
  if (lastRequest) $("curl-command").textContent = curlCommand(lastRequest, $("curl-show-token").checked);
}

function reset() {
  form.reset();
  describeMedia();
  refreshValidity();
}

function setupCopyButtons() {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const text = $(button.dataset.copy).textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch {
        const range = document.createRange();
        range.selectNodeContents($(button.dataset.copy));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        button.textContent = "Selected";
      }
      setTimeout(() => (button.textContent = "Copy"), 1500);
    });
  }
}

function setup() {
  setupTabs(document.querySelector(".tabs"));
  setupTabs(document.querySelector(".subtabs"));
  $("token-visible").addEventListener("change", (event) => {
    $("token").type = event.target.checked ? "text" : "password";
  });
  for (const control of Object.values(controls)) {
    control.addEventListener("input", refreshValidity);
    control.addEventListener("change", refreshValidity);
  }
  $("check-before-send").addEventListener("change", refreshValidity);
  $("image").addEventListener("change", describeMedia);
  $("video").addEventListener("change", describeMedia);
  $("curl-show-token").addEventListener("change", renderCurl);
  $("reset").addEventListener("click", reset);
  form.addEventListener("submit", send);
  setupCopyButtons();
  setupBulk({ token: currentToken, api: selectedApi });
  setupMockChoices($("mock-choice"), currentToken);
  describeMedia();
  refreshValidity();
  document.body.dataset.ready = "true";
}

setup();
