// A small Markdown subset for the contract's descriptions: headings, paragraphs, tables,
// lists, `code`, **bold**, [links](url). Input is escaped before any markup is added.

const escapeHtml = (text) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

export function inline(text) {
  const parts = escapeHtml(text).split(/(`[^`]*`)/);
  return parts
    .map((part) => {
      if (part.startsWith("`") && part.endsWith("`") && part.length > 1) return `<code>${part.slice(1, -1)}</code>`;
      return part
        .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
        .replace(/\[([^\]]+)\]\(((?:https?:\/\/|\/|#)[^)\s]*)\)/g, '<a href="$2">$1</a>');
    })
    .join("");
}

const cells = (line) => line.trim().replace(/^\||\|$/g, "").split("|").map((cell) => cell.trim());

function table(lines) {
  const [head, , ...body] = lines;
  const th = cells(head).map((cell) => `<th>${inline(cell)}</th>`).join("");
  const rows = body.map((line) => `<tr>${cells(line).map((cell) => `<td>${inline(cell)}</td>`).join("")}</tr>`);
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function markdown(source) {
  const blocks = [];
  let paragraph = [];
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const flush = () => {
    if (paragraph.length) blocks.push(`<p>${inline(paragraph.join(" "))}</p>`);
    paragraph = [];
  };
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (!line.trim()) {
      flush();
    } else if (heading) {
      flush();
      const level = Math.min(heading[1].length + 2, 6);
      blocks.push(`<h${level}>${inline(heading[2])}</h${level}>`);
    } else if (line.trim().startsWith("|") && /^\s*\|?[\s:|-]+\|?\s*$/.test(lines[index + 1] ?? "")) {
      flush();
      const rows = [];
      while (index < lines.length && lines[index].trim().startsWith("|")) rows.push(lines[index++]);
      index -= 1;
      blocks.push(table(rows));
    } else if (/^\s*[-*]\s+/.test(line)) {
      flush();
      const items = [];
      while (index < lines.length && /^\s*[-*]\s+/.test(lines[index])) {
        items.push(`<li>${inline(lines[index].replace(/^\s*[-*]\s+/, ""))}</li>`);
        index += 1;
      }
      index -= 1;
      blocks.push(`<ul>${items.join("")}</ul>`);
    } else {
      paragraph.push(line.trim());
    }
  }
  flush();
  return blocks.join("\n");
}
