// The mock's outcome menu, read from GET /__mock/scenarios (outside the contract).

/** Fill `select` with the catalogue's scenarios, contract examples and faults. */
export async function setupMockChoices(select, token) {
  const headers = token() ? { Authorization: `Bearer ${token()}` } : {};
  let catalogue;
  try {
    const response = await fetch("/__mock/scenarios", { headers });
    if (!response.ok) return;
    catalogue = await response.json();
  } catch {
    return;
  }
  const groups = [
    ["Scenarios", catalogue.scenarios],
    ["Contract examples", catalogue.examples],
    ["Faults", catalogue.faults],
  ];
  for (const [label, items] of groups) {
    const group = document.createElement("optgroup");
    group.label = label;
    for (const item of items) {
      const option = document.createElement("option");
      option.value = item.select.header;
      option.textContent = item.api ? `${item.api} ${item.status} ${item.name}` : item.name;
      option.title = item.description;
      group.append(option);
    }
    select.append(group);
  }
}

/** The header the chosen entry sends, as { name: value } (none for "analyse normally"). */
export function mockHeaders(select) {
  if (!select.value) return {};
  const at = select.value.indexOf(": ");
  return { [select.value.slice(0, at)]: select.value.slice(at + 2) };
}
