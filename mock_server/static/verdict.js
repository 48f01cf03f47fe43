// A readable verdict from either response shape: v1 (flat) or v2 (structured blocks).

/** Normalise a 200 body of either version; `tuning` holds the values the request used. */
export function verdictOf(body, tuning) {
  return isV2(body) ? fromV2(body) : fromV1(body, tuning);
}

export function isV2(body) {
  return body !== null && typeof body === "object" && typeof body.overall === "object";
}

function fromV1(body, tuning) {
  const both = body.image_input && body.video_input;
  const mode = both ? "image_video" : body.video_input ? "video" : "image";
  return {
    api: "v1",
    mode,
    path: !body.video_input ? null : both && !body.enhanced_detection ? "legacy" : "sampled",
    liveness: { result: body.result, confidence: body.confidence },
    image: body.image_input
      ? { result: body.image_result, confidence: body.image_confidence, faces: null }
      : null,
    blink: body.video_input ? body.blink_detection : null,
    facematch: both
      ? {
          passed: body.facematch_result === "True",
          confidence: body.facematch_confidence,
          tested: body.facematch_frames_tested,
          matched: null,
          requested: Number(tuning.facematch_frames),
          threshold: Number(tuning.facematch_threshold),
        }
      : null,
    overall: { passed: body.overall_result === "True", confidence: body.overall_confidence },
    frames: body.video_input
      ? {
          analysed: body.video_frames_analyzed,
          real: body.real_video_frames,
          total: body.total_video_frames,
        }
      : null,
    reasons: null,
  };
}

function fromV2(body) {
  const { image, video, image_video_facematch: match, overall } = body;
  return {
    api: "v2",
    mode: overall.mode,
    path: video ? video.path : null,
    liveness: { result: overall.result, confidence: overall.confidence },
    image: image ? { result: image.result, confidence: image.confidence, faces: image.face_count } : null,
    blink: video ? video.blink_detected : null,
    facematch: match
      ? {
          passed: match.passed,
          confidence: match.confidence,
          tested: match.frames_tested,
          matched: match.frames_matched,
          requested: match.frames_requested,
          threshold: match.threshold,
        }
      : null,
    overall: { passed: overall.passed, confidence: overall.overall_confidence },
    frames: video
      ? { analysed: video.frames_analyzed, real: video.real_frames, total: video.total_frames }
      : null,
    reasons: overall.reasons,
  };
}

const percent = (value) => `${(value * 100).toFixed(1)}%`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function tile(name, label, outcome, badge, lines, confidence) {
  const node = element("div", `tile ${outcome}`);
  node.dataset.check = name;
  node.append(element("h3", "tile-title", label));
  node.append(element("p", "badge", badge));
  if (confidence !== undefined) {
    const meter = element("div", "meter");
    const fill = element("span");
    fill.style.width = percent(confidence);
    meter.append(fill);
    meter.setAttribute("aria-hidden", "true");
    node.append(meter);
  }
  for (const line of lines) node.append(element("p", "tile-line", line));
  return node;
}

const notApplicable = (name, label, why) => tile(name, label, "na", "n/a", [why]);

/** Fill `container` with the verdict tiles of a normalised verdict. */
export function renderVerdict(container, verdict) {
  container.replaceChildren();
  const { liveness, overall, facematch, frames, image } = verdict;
  const good = (ok) => (ok ? "pass" : "fail");
  const tiles = [
    tile(
      "overall",
      "Overall",
      good(overall.passed),
      overall.passed ? "PASS" : "FAIL",
      [`overall confidence ${overall.confidence}`],
      overall.confidence,
    ),
    tile(
      "liveness",
      "Liveness",
      good(liveness.result === "real"),
      liveness.result.toUpperCase(),
      [`confidence ${liveness.confidence}`, `mode ${verdict.mode.replace("_", " + ")}`],
      liveness.confidence,
    ),
    verdict.blink === null
      ? notApplicable("blink", "Blink", "no video sent")
      : tile("blink", "Blink", good(verdict.blink), verdict.blink ? "SEEN" : "NOT SEEN", [
          verdict.path === "legacy" ? "consecutive frames (legacy path)" : "over the sampled frames",
        ]),
    facematch === null
      ? notApplicable("facematch", "Facematch", "needs both image and video")
      : tile(
          "facematch",
          "Facematch",
          good(facematch.passed),
          facematch.passed ? "MATCH" : "NO MATCH",
          [
            `${facematch.tested} of ${facematch.requested} frames tested` +
              (facematch.matched === null ? "" : `, ${facematch.matched} matched`),
            `confidence ${facematch.confidence} vs threshold ${facematch.threshold}`,
          ],
          facematch.confidence,
        ),
    frames === null
      ? notApplicable("frames", "Frames", "no video sent")
      : tile("frames", "Frames", "info", `${frames.analysed} analysed`, [
          `of ${frames.total} in the video, ${frames.real} real`,
          `${verdict.path} path`,
        ]),
  ];
  if (image !== null) {
    const lines = [`confidence ${image.confidence}`];
    if (image.faces !== null) lines.push(`${image.faces} face${image.faces === 1 ? "" : "s"} found`);
    tiles.splice(2, 0, tile("image", "Still image", good(image.result === "real"), image.result.toUpperCase(), lines));
  }
  const grid = element("div", "tiles");
  grid.append(...tiles);
  container.append(grid);
  if (verdict.reasons !== null) {
    const reasons = element("p", "reasons");
    reasons.append(element("span", "muted", "Reasons: "));
    if (verdict.reasons.length === 0) reasons.append(element("span", "chip ok", "none"));
    for (const reason of verdict.reasons) reasons.append(element("span", "chip", reason));
    container.append(reasons);
  }
}

/** Fill `container` with a readable error from a non-200 answer. */
export function renderError(container, status, body) {
  container.replaceChildren();
  const box = element("div", "error-box");
  box.append(element("h3", "", `HTTP ${status}`));
  const message = body && typeof body.message === "string" ? body.message : "No JSON error body";
  box.append(element("p", "", message));
  const detail = body && body.detail;
  if (detail && typeof detail.code === "string") {
    box.append(element("p", "muted", `code: ${detail.code}${detail.part ? `, part: ${detail.part}` : ""}`));
  } else if (detail && detail.body) {
    const list = element("ul", "problems");
    for (const [field, messages] of Object.entries(detail.body)) {
      for (const text of messages) list.append(element("li", "", `${field}: ${text}`));
    }
    box.append(list);
  }
  container.append(box);
}
