"""docs/security.md has a row for every route of the app, and no row for a route that
is not there (the admin endpoints under /__mock/ excepted until they are served)."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Mount, Route

from mock_server import Settings, create_app

SECURITY_DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROW = re.compile(r"^\| `([A-Z]+) (/[^`]*)` \|(.*)\|(.*)\|\s*$")
# documented ahead of the routes that serve them: other work adds these to the app
ADMIN_PREFIX = "/__mock/"


def documented_routes(text: str) -> dict[str, tuple[str, str]]:
    """``"METHOD /path"`` -> (what it exposes, what protects it), from the Routes table."""
    section = text.split("\n## Routes\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if match:
            method, path, exposes, protected = match.groups()
            rows[f"{method} {path}"] = (exposes.strip(), protected.strip())
    return rows


def app_routes() -> set[str]:
    """Every method and path the app serves (HEAD goes with GET), playground on."""
    served = set()
    for route in create_app(Settings(playground=True)).routes:
        if isinstance(route, Mount):
            served.add(f"GET {route.path}/{{path}}")
        elif isinstance(route, Route):
            methods = (route.methods or set()) - {"HEAD"}
            served.update(f"{method} {route.path}" for method in methods)
        else:
            raise AssertionError(f"a route of an unknown kind: {route!r}")
    return served


def test_the_security_table_covers_every_route() -> None:
    rows = documented_routes(SECURITY_DOC.read_text(encoding="utf-8"))
    missing = app_routes() - set(rows)
    assert missing == set(), f"routes without a row in docs/security.md: {sorted(missing)}"


def test_the_security_table_names_no_route_that_is_not_served() -> None:
    rows = documented_routes(SECURITY_DOC.read_text(encoding="utf-8"))
    stale = {row for row in set(rows) - app_routes() if ADMIN_PREFIX not in row}
    assert stale == set(), f"rows of docs/security.md for no route: {sorted(stale)}"


def test_every_row_says_what_it_exposes_and_what_protects_it() -> None:
    rows = documented_routes(SECURITY_DOC.read_text(encoding="utf-8"))
    assert {"GET /__mock/scenarios", "GET /__mock/coverage", "DELETE /__mock/coverage"} <= set(rows)
    for route, (exposes, protected) in rows.items():
        assert exposes and protected, route


def test_the_table_parser_sees_a_missing_row() -> None:
    text = SECURITY_DOC.read_text(encoding="utf-8")
    without = "\n".join(line for line in text.splitlines() if "`GET /healthz`" not in line)
    assert "GET /healthz" in app_routes() - set(documented_routes(without))
