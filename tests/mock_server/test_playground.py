"""The playground page, the docs page, the spec endpoints and the playground-only bulk jobs."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from html.parser import HTMLParser
from typing import Any

import anyio.from_thread
import httpx
import pytest
import yaml

import fixtures
import spec
from mock_server import Settings, create_app, jobs, pages
from mock_server.auth import issue_token, verify_token
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET, jpeg, mp4

STATIC = pages.STATIC_DIR


def playground_app(**overrides: Any) -> Any:
    """The mock's app with the playground routes (the one place that wires them)."""
    return create_app(Settings(secret=SECRET, playground=True, **overrides))


AUTHORIZATION = {"Authorization": f"Bearer {issue_token(Settings(secret=SECRET))}"}


@pytest.fixture(scope="module")
def web(portal: anyio.from_thread.BlockingPortal) -> Client:
    return Client(playground_app(), portal)


@pytest.fixture(scope="module")
def open_web(portal: anyio.from_thread.BlockingPortal) -> Client:
    """The playground of a server on the public development secret (an open mode)."""
    return Client(create_app(Settings(playground=True)), portal)


# --- routes and content types -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/playground", "text/html"),
        ("/docs", "text/html"),
        ("/openapi.yaml", "application/yaml"),
        ("/openapi.json", "application/json"),
        ("/playground/static/playground.js", "text/javascript"),
        ("/playground/static/docs.js", "text/javascript"),
        ("/playground/static/playground.css", "text/css"),
        ("/playground/bulk-example.zip", "application/zip"),
    ],
)
def test_routes_answer_with_their_content_types(web: Client, path: str, content_type: str) -> None:
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == content_type


def test_routes_are_off_when_the_playground_is_disabled(
    portal: anyio.from_thread.BlockingPortal,
) -> None:
    client = Client(create_app(Settings(secret=SECRET, playground=False)), portal)
    for path in ("/playground", "/docs", "/openapi.json", "/playground/static/playground.js"):
        assert client.get(path).status_code == 404


def test_static_files_stay_inside_their_folder(web: Client) -> None:
    for path in ("/playground/static/../playground.py", "/playground/static/%2e%2e/app.py"):
        assert web.get(path).status_code == 404


def test_pages_load_nothing_from_outside_the_server(web: Client) -> None:
    for path in ("/playground", "/docs"):
        response = web.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        references = re.findall(r'(?:src|href)="([^"]*)"', response.text)
        assert references
        assert all(ref.startswith(("/", "#")) for ref in references), references
    for asset in STATIC.iterdir():
        text = asset.read_text(encoding="utf-8")
        assert not re.search(r"""(?:from|import|url\()\s*["']?https?:""", text), asset.name


def test_javascript_modules_import_existing_files() -> None:
    for module in STATIC.glob("*.js"):
        for target in re.findall(r'from "\./([^"]+)"', module.read_text(encoding="utf-8")):
            assert (STATIC / target).is_file(), f"{module.name} imports a missing {target}"


# --- the playground page ----------------------------------------------------------------


class _Controls(HTMLParser):
    """The page's form controls, its labels, and what each element holds."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_targets: set[str] = set()
        self.script_json: dict[str, str] = {}
        self._script_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "label" and "for" in attributes:
            self.label_targets.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.controls.append({"tag": tag, **attributes})
        if tag == "script" and attributes.get("type") == "application/json":
            self._script_id = attributes["id"]

    def handle_data(self, data: str) -> None:
        if self._script_id is not None:
            self.script_json[self._script_id] = data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_id = None


def _page(client: Client) -> _Controls:
    parser = _Controls()
    parser.feed(client.get("/playground").text)
    return parser


def test_page_has_a_label_for_every_control(web: Client) -> None:
    page = _page(web)
    ids = [control.get("id", "") for control in page.controls]
    assert all(ids), "every control has an id"
    unlabelled = [i for i in ids if i not in page.label_targets]
    assert unlabelled == []
    names = {control.get("name") for control in page.controls}
    assert {"token", "image", "video", "api", "archive", *spec.TUNING_FIELDS} <= names


def test_page_offers_the_tuning_fields_with_the_contract_rules(web: Client) -> None:
    page = _page(web)
    config = json.loads(page.script_json["playground-config"])
    assert config["paths"] == spec.PATHS
    by_name = {control["name"]: control for control in page.controls if "data-tuning" in control}
    assert list(by_name) == list(spec.TUNING_FIELDS)
    for name, field in spec.tuning_fields().items():
        rule = config["tuning"][name]
        assert (rule["default"], rule["pattern"], rule["minimum"], rule["maximum"]) == (
            field.default,
            field.pattern,
            field.minimum,
            field.maximum,
        )
        assert rule["enum"] == (list(field.enum) if field.enum else None)
        control = by_name[name]
        if field.enum is None:
            assert control["placeholder"] == (field.default or "not sent")
        else:
            assert control["tag"] == "select"


def test_an_open_page_is_prefilled_with_a_token_the_server_accepts(open_web: Client) -> None:
    token = next(c["value"] for c in _page(open_web).controls if c.get("id") == "token")
    claims = verify_token(token, Settings())
    assert claims["exp"] > time.time() + 3600


def test_page_says_when_any_token_is_accepted(portal: anyio.from_thread.BlockingPortal) -> None:
    client = Client(playground_app(accept_any_token=True), portal)
    assert "accepts any token" in client.get("/playground").text


def test_prefilled_token_authenticates_a_request(open_web: Client) -> None:
    token = next(c["value"] for c in _page(open_web).controls if c.get("id") == "token")
    response = open_web.post(
        "/liveness",
        files={"image": ("still.jpg", jpeg(), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


# --- the contract endpoints -------------------------------------------------------------


def test_spec_endpoints_serve_the_canonical_document(web: Client) -> None:
    as_yaml = web.get("/openapi.yaml")
    assert as_yaml.text == spec.spec_text()
    assert yaml.safe_load(as_yaml.text) == spec.load_spec()
    assert web.get("/openapi.json").json() == spec.load_spec()


def test_docs_page_renders_the_spec_from_the_server(web: Client) -> None:
    html = web.get("/docs").text
    assert '<script type="module" src="/playground/static/docs.js">' in html
    assert 'href="/openapi.yaml"' in html  # readable without JavaScript too
    assert 'fetch("/openapi.json")' in (STATIC / "docs.js").read_text(encoding="utf-8")


# --- playground-only bulk jobs ----------------------------------------------------------


def _start(client: Client, archive: bytes, **fields: str) -> httpx.Response:
    files = {"archive": ("cases.zip", archive, "application/zip")}
    return client.post("/playground/bulk", files=files, data=fields, headers=AUTHORIZATION)


def _wait_until_finished(client: Client, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while job["state"] == "running":
        assert time.monotonic() < deadline, f"bulk job still running: {job}"
        time.sleep(0.2)
        response = client.get(job["progress_url"])
        assert response.status_code == 200
        job = response.json()
    return job


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _summary(archive: bytes) -> tuple[zipfile.ZipFile, list[dict[str, str]]]:
    opened = zipfile.ZipFile(io.BytesIO(archive))
    rows = list(csv.DictReader(io.StringIO(opened.read("summary.csv").decode("utf-8"))))
    return opened, rows


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_bulk_runs_the_example_archive(web: Client, api: str) -> None:
    example = fixtures.bulk_example_zip().read_bytes()
    response = _start(web, example, api=api)
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["state"] == "running" and started["archive_url"] is None
    assert started["total"] > 0

    job = _wait_until_finished(web, started)
    assert job["state"] == "done", job
    assert job["done"] == job["total"] == started["total"]
    assert job["counts"]["ok"] == job["total"]

    download = web.get(job["archive_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert "attachment" in download.headers["content-disposition"]
    archive, rows = _summary(download.content)
    assert {"summary.csv", "errors.json", "manifest.json"} <= set(archive.namelist())
    assert len(rows) == job["total"]
    assert [row["case"] for row in job["summary"]] == [row["case"] for row in rows]
    assert all(row["outcome"] == "ok" and row["http_status"] == "200" for row in rows)
    for row in rows:
        body = json.loads(archive.read(f"cases/{row['case']}/response.json"))
        assert ("overall" in body) == (api == "v2")
    assert json.loads(archive.read("manifest.json"))["options"]["api"] == api


def test_bulk_reports_left_out_entries_and_sends_the_callers_token(web: Client) -> None:
    archive = _zip({"a_image.jpg": jpeg(), "b_video.mp4": mp4(), "notes.txt": b"hello"})
    response = _start(web, archive, api="v1")
    assert response.status_code == 202, response.text
    job = _wait_until_finished(web, response.json())
    assert job["state"] == "done"
    assert any(problem.startswith("notes.txt:") for problem in job["problems"])
    _, rows = _summary(web.get(job["archive_url"]).content)
    assert len(rows) == 2
    assert "401" not in {row["http_status"] for row in rows}  # the server checks tokens


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["detail"]["code"] == code
    assert isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize(
    ("fields", "archive", "status", "code"),
    [
        ({}, b"", 400, "empty_archive"),
        ({}, b"this is not a zip file", 400, "unusable_archive"),
        ({}, _zip({"readme.txt": b"nothing to send"}), 400, "no_cases"),
        ({}, _zip({"a_params.json": b"{}"}), 400, "no_cases"),
        ({"api": "v3"}, _zip({"a_image.jpg": b"x"}), 400, "invalid_api"),
    ],
)
def test_bad_bulk_uploads_get_a_clear_error(
    web: Client, fields: dict[str, str], archive: bytes, status: int, code: str
) -> None:
    _error(_start(web, archive, **fields), status, code)


def test_bulk_upload_must_be_a_form_with_an_archive(web: Client) -> None:
    auth = AUTHORIZATION
    _error(web.post("/playground/bulk", json={"archive": "x"}, headers=auth), 400, "not_multipart")
    _error(
        web.post("/playground/bulk", data={"api": "v1"}, files={}, headers=auth),
        400,
        "not_multipart",
    )
    files = {"other": ("x.zip", b"PK", "application/zip")}
    _error(web.post("/playground/bulk", files=files, headers=auth), 400, "missing_archive")
    malformed = {"content-type": "multipart/form-data; boundary=xyz", **auth}
    response = web.post("/playground/bulk", content=b"--xyz\r\nbroken", headers=malformed)
    assert response.status_code == 400
    assert response.json()["detail"]["code"] in ("malformed_multipart", "missing_archive")


def test_bulk_upload_over_the_size_limit_is_refused(
    web: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "MAX_ARCHIVE_BYTES", 1000)
    _error(_start(web, b"x" * 200_000), 413, "archive_too_large")


def test_unknown_bulk_jobs_are_404(web: Client) -> None:
    _error(web.get("/playground/bulk/0123456789abcdef"), 404, "unknown_job")
    _error(web.get("/playground/bulk/0123456789abcdef/archive"), 404, "unknown_job")
