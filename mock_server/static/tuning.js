// Tuning-field rules from the contract (embedded in the page by the server) and their checks.

/** Why `value` is not acceptable for `rule`, or null; mirrors the server's 422 messages. */
export function tuningProblem(rule, value) {
  if (rule.enum && !rule.enum.includes(value)) {
    return `must be one of ${rule.enum.map((v) => `"${v}"`).join(", ")}, got ${show(value)}`;
  }
  if (rule.pattern && !new RegExp(rule.pattern).test(value)) {
    return `${rule.expected || `must match ${rule.pattern}`}, got ${show(value)}`;
  }
  if (rule.minimum != null && rule.maximum != null) {
    const number = Number(value);
    if (!(number >= rule.minimum && number <= rule.maximum)) {
      return `must be from ${rule.minimum} to ${rule.maximum}, got ${show(value)}`;
    }
  }
  if (rule.maxLength != null && value.length > rule.maxLength) {
    return `must be at most ${rule.maxLength} characters, got ${value.length}`;
  }
  return null;
}

function show(value) {
  const shown = value.length <= 40 ? value : `${value.slice(0, 37)}...`;
  return `"${shown.replaceAll('"', '\\"')}"`;
}

/** The controls of the tuning fields, keyed by field name. */
export function tuningControls(root) {
  const controls = {};
  for (const control of root.querySelectorAll("[data-tuning]")) {
    controls[control.dataset.tuning] = control;
  }
  return controls;
}

/** The values the user entered (empty ones are not sent). */
export function enteredTuning(controls) {
  const values = {};
  for (const [name, control] of Object.entries(controls)) {
    if (control.value !== "") values[name] = control.value;
  }
  return values;
}

/** Check every field, mark the invalid ones inline, and return their names. */
export function flagTuning(controls, rules) {
  const invalid = [];
  for (const [name, control] of Object.entries(controls)) {
    const problem = control.value === "" ? null : tuningProblem(rules[name], control.value);
    const message = document.getElementById(`error-${name}`);
    message.textContent = problem ? `${name} ${problem}` : "";
    control.setAttribute("aria-invalid", problem ? "true" : "false");
    control.closest(".field").classList.toggle("invalid", Boolean(problem));
    if (problem) invalid.push(name);
  }
  return invalid;
}

/** The tuning values the analysis will use: the entered ones, else the contract's defaults. */
export function effectiveTuning(entered, rules) {
  const effective = {};
  for (const [name, rule] of Object.entries(rules)) {
    effective[name] = entered[name] ?? rule.default;
  }
  return effective;
}
