// Renders the OpenAPI document (/openapi.json) as a readable page with anchors.

import { markdown } from "./markdown.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const CONSTRAINTS = [
  ["default", "default"],
  ["pattern", "pattern"],
  ["minimum", "minimum"],
  ["maximum", "maximum"],
  ["x-minimum", "minimum"],
  ["x-maximum", "maximum"],
  ["minLength", "min length"],
  ["maxLength", "max length"],
  ["minItems", "min items"],
  ["minProperties", "min properties"],
  ["uniqueItems", "unique items"],
  ["contentMediaType", "media type"],
  ["contentEncoding", "encoding"],
];

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "html") node.innerHTML = value;
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

const slug = (text) => String(text).replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-|-$/g, "");
const refName = (ref) => ref.split("/").pop();
const schemaAnchor = (name) => `schema-${slug(name)}`;

function heading(level, text, anchor, ...prefix) {
  return el(`h${level}`, { id: anchor }, ...prefix, text, el("a", { class: "anchor", href: `#${anchor}`, "aria-label": `Link to ${text}` }, "#"));
}

function resolve(doc, node) {
  let current = node;
  for (let depth = 0; current && current.$ref && depth < 10; depth += 1) {
    current = current.$ref.slice(2).split("/").reduce((value, key) => value?.[key], doc);
  }
  return current;
}

/** A short, linked description of a schema's type. */
function typeOf(schema) {
  if (!schema) return "any";
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return el("a", { href: `#${schemaAnchor(name)}` }, name);
  }
  for (const combinator of ["oneOf", "anyOf", "allOf"]) {
    if (schema[combinator]) {
      const parts = schema[combinator].map((item) => (item.title && !item.$ref && !item.type ? item.title : typeOf(item)));
      const span = el("span", {}, `${combinator} `);
      parts.forEach((part, index) => span.append(index ? " | " : "", part));
      if (schema.type) span.prepend(`${[schema.type].flat().join(" | ")}, `);
      return span;
    }
  }
  if (schema.type === "array") return el("span", {}, "array of ", typeOf(schema.items));
  if (schema.enum) return el("span", {}, el("code", {}, schema.enum.map((v) => JSON.stringify(v)).join(" | ")));
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") {
    return el("span", {}, "map of ", typeOf(schema.additionalProperties));
  }
  return [schema.type ?? "any"].flat().join(" | ");
}

function constraintsOf(schema) {
  const items = [];
  for (const [key, label] of CONSTRAINTS) {
    if (schema && schema[key] !== undefined) {
      items.push(el("span", { class: "constraint" }, `${label}: `, el("code", {}, JSON.stringify(schema[key]))));
    }
  }
  return items.flatMap((item, index) => (index ? [", ", item] : [item]));
}

function describe(schema) {
  return schema && schema.description ? el("div", { html: markdown(schema.description) }) : null;
}

function propertiesTable(doc, schema) {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties).map(([name, property]) => {
    const target = resolve(doc, property);
    return el(
      "tr",
      {},
      el("td", {}, el("code", {}, name), required.has(name) ? el("span", { class: "muted" }, " required") : null),
      el("td", {}, typeOf(property)),
      el("td", {}, describe(property) ?? describe(target), el("div", { class: "muted" }, constraintsOf(property))),
    );
  });
  return el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "description"))), el("tbody", {}, rows));
}

function exampleBlock(doc, name, example) {
  const resolved = resolve(doc, example);
  return el(
    "details",
    {},
    el("summary", {}, `${name}${resolved.summary ? ` — ${resolved.summary}` : ""}`),
    el("pre", { class: "code", tabindex: "0" }, JSON.stringify(resolved.value, null, 2)),
  );
}

function renderOverview(doc) {
  const info = doc.info;
  const section = el("section", { class: "card", id: "overview" });
  section.append(
    el("h1", {}, info.title, " ", el("span", { class: "tag" }, `v${info.version}`), " ", el("span", { class: "tag" }, `OpenAPI ${doc.openapi}`)),
    info.summary ? el("p", {}, el("strong", {}, info.summary)) : null,
    el("div", { html: markdown(info.description ?? "") }),
  );
  if (doc.servers) {
    section.append(heading(3, "Servers", "servers"), el("ul", {}, doc.servers.map((server) => el("li", {}, el("code", {}, server.url), server.description ? ` — ${server.description}` : ""))));
  }
  const schemes = doc.components?.securitySchemes ?? {};
  if (Object.keys(schemes).length) {
    section.append(heading(3, "Authentication", "authentication"));
    for (const [name, scheme] of Object.entries(schemes)) {
      section.append(el("p", {}, el("code", {}, name), ` — ${scheme.type} ${scheme.scheme ?? ""} ${scheme.bearerFormat ? `(${scheme.bearerFormat})` : ""}`), describe(scheme));
    }
  }
  return section;
}

function renderOperation(doc, path, method, operation) {
  const anchor = `op-${slug(operation.operationId ?? `${method}-${path}`)}`;
  const section = el("section", { class: "card", id: anchor });
  section.append(heading(2, path, `${anchor}-title`, el("span", { class: "method" }, method.toUpperCase())));
  if (operation.summary) section.append(el("p", {}, el("strong", {}, operation.summary)));
  section.append(describe(operation));
  if (operation.security) {
    const names = operation.security.flatMap((item) => Object.keys(item));
    section.append(el("p", {}, "Authentication: ", names.map((name) => el("code", {}, name))));
  }
  const body = resolve(doc, operation.requestBody);
  if (body) {
    section.append(heading(3, "Request body", `${anchor}-request`), describe(body));
    for (const [type, media] of Object.entries(body.content ?? {})) {
      section.append(el("p", {}, el("code", {}, type), body.required ? " (required): " : ": ", typeOf(media.schema)));
      if (media.encoding) {
        const parts = Object.entries(media.encoding).map(([part, enc]) => el("li", {}, el("code", {}, part), ` — ${enc.contentType}`));
        section.append(el("p", { class: "muted" }, "Part content types:"), el("ul", {}, parts));
      }
    }
  }
  section.append(heading(3, "Responses", `${anchor}-responses`));
  const rows = [];
  const examples = [];
  for (const [status, responseRef] of Object.entries(operation.responses ?? {})) {
    const response = resolve(doc, responseRef);
    const media = Object.entries(response.content ?? {});
    rows.push(
      el(
        "tr",
        { id: `${anchor}-${status}` },
        el("td", {}, el("strong", {}, status)),
        el("td", { html: markdown(response.description ?? "") }),
        el("td", {}, media.map(([type, item]) => el("div", {}, el("code", {}, type), " ", typeOf(item.schema)))),
      ),
    );
    for (const [, item] of media) {
      for (const [name, example] of Object.entries(item.examples ?? {})) {
        examples.push(exampleBlock(doc, `${status} ${name}`, example));
      }
    }
  }
  section.append(el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "description"), el("th", {}, "body"))), el("tbody", {}, rows)));
  if (examples.length) section.append(heading(3, "Examples", `${anchor}-examples`), ...examples);
  return section;
}

function renderSchema(doc, name, schema) {
  const anchor = schemaAnchor(name);
  const section = el("section", { class: "card", id: anchor });
  section.append(heading(2, name, `${anchor}-title`), describe(schema));
  section.append(el("p", {}, "Type: ", typeOf({ ...schema, description: undefined, title: undefined })));
  const constraints = constraintsOf(schema);
  if (constraints.length) section.append(el("p", { class: "muted" }, constraints));
  if (schema.properties) section.append(propertiesTable(doc, schema));
  if (schema.required && !schema.properties) section.append(el("p", {}, "Required: ", schema.required.join(", ")));
  return section;
}

function renderTable(id, title, headers, rows, intro) {
  const section = el("section", { class: "card", id });
  section.append(heading(2, title, `${id}-title`));
  if (intro) section.append(el("p", {}, intro));
  section.append(
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, headers.map((text) => el("th", {}, text)))),
      el("tbody", {}, rows.map((cells) => el("tr", { id: cells.id }, cells.values.map((value) => el("td", { html: markdown(String(value)) }))))),
    ),
  );
  return section;
}

function navList(title, items) {
  return [el("h2", {}, title), el("ul", {}, items.map(([href, text]) => el("li", {}, el("a", { href: `#${href}` }, text))))];
}

function render(doc) {
  const content = document.getElementById("docs-content");
  const nav = document.getElementById("docs-nav");
  const sections = [renderOverview(doc)];
  const operationLinks = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      const section = renderOperation(doc, path, method, item[method]);
      operationLinks.push([section.id, `${method.toUpperCase()} ${path}`]);
      sections.push(section);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {});
  sections.push(...schemas.map(([name, schema]) => renderSchema(doc, name, schema)));
  const extras = [];
  if (doc["x-invariants"]) {
    const rows = doc["x-invariants"].map((item) => ({ id: `inv-${slug(item.id)}`, values: [`\`${item.id}\``, item.statement] }));
    sections.push(renderTable("invariants", "Invariants", ["id", "statement"], rows, "What every conforming implementation keeps."));
    extras.push(["invariants", "Invariants"]);
  }
  if (doc["x-v1-from-v2"]) {
    const rows = Object.entries(doc["x-v1-from-v2"]).map(([field, source]) => ({ id: `v1-${slug(field)}`, values: [`\`${field}\``, source] }));
    sections.push(renderTable("v1-from-v2", "v1 fields from v2", ["v1 field", "v2 source"], rows, "How each flat v1 field is read from the structured v2 body."));
    extras.push(["v1-from-v2", "v1 fields from v2"]);
  }
  content.replaceChildren(...sections);
  nav.replaceChildren(
    ...navList("Overview", [["overview", doc.info.title], ["authentication", "Authentication"]]),
    ...navList("Operations", operationLinks),
    ...navList("Schemas", schemas.map(([name]) => [schemaAnchor(name), name])),
    ...navList("Reference", extras),
  );
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  document.body.dataset.ready = "true";
}

async function main() {
  try {
    const response = await fetch("/openapi.json");
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
  } catch (error) {
    document.getElementById("docs-loading").textContent = `Could not load /openapi.json: ${error.message}`;
  }
}

main();
