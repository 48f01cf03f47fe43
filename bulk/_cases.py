"""The naming rules of a bulk input archive: its entries grouped into cases."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal, NamedTuple

from bulk._reading import (
    DEFAULT_LIMITS,
    Archive,
    EntryError,
    Limits,
    Source,
    check_entry,
)
from spec import tuning_fields

Role = Literal["image", "video", "params"]
Mode = Literal["image", "video", "image_video"]

EXTENSIONS: Final[Mapping[str, Mapping[str, str]]] = {
    "image": {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"},
    "video": {"mp4": "video/mp4", "mov": "video/quicktime"},
    "params": {"json": "application/json"},
}
NAMING_RULE: Final = (
    "expected <case>_image.jpg|jpeg|png, <case>_video.mp4|mov or <case>_params.json"
)
IGNORED_FILES: Final = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
IGNORED_FOLDERS: Final = frozenset({"__MACOSX"})
LABELS_ENTRY: Final = "labels.csv"  # at the root: the labels, read by bulk._labels
CASE_OUTPUT_FILES: Final = ("status", "response.json", "response.txt")

_CASE_FILE: Final = re.compile(r"(?P<stem>.+)_(?P<role>image|video|params)\.(?P<ext>[^.]+)")
_DRIVE: Final = re.compile(r"[A-Za-z]:")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Problem:
    """A rule an input entry breaks; ``case`` is the case it would belong to, if any."""

    entry: str
    code: str
    message: str
    case: str | None = None

    def __str__(self) -> str:
        return f"{self.entry}: {self.message}" if self.entry else self.message


@dataclass(frozen=True, slots=True, eq=False)
class Media:
    """An image or video entry, checked once; ``read()`` gets its bytes when they are sent."""

    entry: str
    content_type: str
    size: int
    sha256: str
    archive: Archive = field(repr=False)
    info: zipfile.ZipInfo = field(repr=False)

    @property
    def filename(self) -> str:
        return self.entry.rpartition("/")[2]

    def read(self) -> bytes:
        return self.archive.read(self.info, cap=self.size, sha256=self.sha256)


@dataclass(frozen=True, slots=True, eq=False)
class Case:
    """One request to send: an image, a video or both, and the tuning strings."""

    name: str
    image: Media | None = None
    video: Media | None = None
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    params_entry: str | None = None
    params_sha256: str | None = None

    def __post_init__(self) -> None:
        if self.image is None and self.video is None:
            raise ValueError(f"case {self.name!r} needs an image, a video or both")

    @property
    def mode(self) -> Mode:
        if self.image is not None and self.video is not None:
            return "image_video"
        return "image" if self.image is not None else "video"

    def inputs(self) -> list[dict[str, Any]]:
        """The case's entries with their role, size and sha256 (for the manifest)."""
        items: list[dict[str, Any]] = []
        for role, media in (("image", self.image), ("video", self.video)):
            if media is not None:
                items.append(
                    {"entry": media.entry, "role": role, "size": media.size, "sha256": media.sha256}
                )
        if self.params_entry is not None:
            params = {"entry": self.params_entry, "role": "params", "sha256": self.params_sha256}
            items.append(params)
        return items

    @property
    def fingerprint(self) -> str:
        """A digest of everything that is sent for this case."""
        identity = {"case": self.name, "inputs": self.inputs(), "params": dict(self.params)}
        text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CaseSet(NamedTuple):
    """The cases an input archive holds, and the problems of the entries that were left out."""

    cases: list[Case]
    problems: list[Problem]


@dataclass(slots=True)
class _Group:
    entries: dict[str, list[tuple[str, zipfile.ZipInfo, str]]] = field(default_factory=dict)


def read_cases(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> CaseSet:
    """Group the entries of a ZIP (its bytes or its path) into cases.

    A case with any problem is left out; every problem names its entry. Raises
    :class:`BulkInputError` when the archive as a whole cannot be used.
    """
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be a Limits, got {type(limits).__name__}")
    archive = Archive(source, limits)
    problems: list[Problem] = []
    groups: dict[str, _Group] = {}
    seen: set[str] = set()
    for info in archive.infos:
        name = info.filename.replace("\\", "/")
        if name.endswith("/") or _ignored(name) or name == LABELS_ENTRY:
            continue
        unsafe = _unsafe(name)
        if unsafe is not None:
            problems.append(Problem(name, "unsafe_path", unsafe))
            continue
        parsed = _parse_name(name)
        owner = parsed.case
        if name in seen:
            problems.append(Problem(name, "duplicate_entry", "appears twice in the archive", owner))
            continue
        seen.add(name)
        rejected = check_entry(info, limits)
        if rejected is not None:
            problems.append(Problem(name, rejected.code, rejected.message, owner))
            continue
        if isinstance(parsed, Problem):
            problems.append(parsed)
            continue
        group = groups.setdefault(parsed.case, _Group())
        group.entries.setdefault(parsed.role, []).append((name, info, parsed.content_type))

    cases = []
    for case_name in sorted(groups):
        case, case_problems = _build_case(case_name, groups[case_name], archive, limits)
        problems.extend(case_problems)
        if case is not None:
            cases.append(case)
    problems.extend(_clashes(cases, set(groups)))
    rejected_cases = {problem.case for problem in problems if problem.case is not None}
    cases = [case for case in cases if case.name not in rejected_cases]
    problems.sort(key=lambda problem: (problem.entry, problem.code, problem.message))
    return CaseSet(cases, problems)


class _Name(NamedTuple):
    case: str
    role: Role
    content_type: str


def _parse_name(name: str) -> _Name | Problem:
    folder, _, base = name.rpartition("/")
    match = _CASE_FILE.fullmatch(base)
    if match is None:
        return Problem(name, "unknown_file", f"not a case file ({NAMING_RULE})")
    case = f"{folder}/{match['stem']}" if folder else match["stem"]
    role: Role = match["role"]  # type: ignore[assignment]
    content_type = EXTENSIONS[role].get(match["ext"].lower())
    if content_type is None:
        allowed = " or ".join("." + ext for ext in EXTENSIONS[role])
        return Problem(name, "bad_extension", f"a {role} must end in {allowed}", case)
    return _Name(case, role, content_type)


def _build_case(
    name: str, group: _Group, archive: Archive, limits: Limits
) -> tuple[Case | None, list[Problem]]:
    problems: list[Problem] = []
    for role, items in sorted(group.entries.items()):
        if len(items) > 1:
            entries = ", ".join(entry for entry, _, _ in items)
            for entry, _, _ in items:
                message = f"case {name!r} has more than one {role}: {entries}"
                problems.append(Problem(entry, "duplicate_" + role, message, name))
    if "image" not in group.entries and "video" not in group.entries:
        for entry, _, _ in group.entries.get("params", []):
            message = f"case {name!r} has parameters but no image or video"
            problems.append(Problem(entry, "no_media", message, name))

    media: dict[str, Media] = {}
    for role in ("image", "video"):
        for entry, info, content_type in group.entries.get(role, []):
            try:
                size, sha256 = archive.scan(info, cap=limits.max_entry_bytes)
            except EntryError as error:
                problems.append(Problem(entry, error.code, error.message, name))
                continue
            media[role] = Media(entry, content_type, size, sha256, archive, info)

    params: dict[str, str] = {}
    params_entry = params_sha256 = None
    for entry, info, _ in group.entries.get("params", []):
        try:
            data = archive.read(info, cap=limits.max_params_bytes)
        except EntryError as error:
            problems.append(Problem(entry, error.code, error.message, name))
            continue
        params, messages = parse_params(data)
        problems.extend(Problem(entry, "bad_params", message, name) for message in messages)
        params_entry, params_sha256 = entry, hashlib.sha256(data).hexdigest()

    if problems:
        return None, problems
    case = Case(
        name,
        image=media.get("image"),
        video=media.get("video"),
        params=MappingProxyType(params),
        params_entry=params_entry,
        params_sha256=params_sha256,
    )
    return case, []


def parse_params(data: bytes) -> tuple[dict[str, str], list[str]]:
    """The tuning strings of a params file, and what is wrong with it (empty when valid)."""
    try:
        document = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        return {}, ["not UTF-8 text"]
    except _DuplicateKey as exc:
        return {}, [f"the key {exc.args[0]!r} appears twice"]
    except (ValueError, RecursionError) as exc:
        return {}, [f"not valid JSON ({str(exc).splitlines()[0][:200]})"]
    if not isinstance(document, dict):
        return {}, [f"must hold a JSON object of strings, got {_json_type(document)}"]
    fields = tuning_fields()
    params: dict[str, str] = {}
    messages: list[str] = []
    for key, value in sorted(document.items()):
        if key not in fields:
            known = ", ".join(sorted(fields))
            messages.append(f"unknown tuning field {_shown(key)} (known: {known})")
        elif not isinstance(value, str):
            text = json.dumps(value)[:40]
            message = f"{key}: must be a string, got {_json_type(value)} {text}"
            if isinstance(value, int | float):  # booleans too
                message += f" (write {json.dumps(_text(value))})"
            messages.append(message)
        elif (problem := fields[key].problem(value)) is not None:
            messages.append(f"{key}: {problem}")
        else:
            params[key] = value
    return params, messages


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(key)
        document[key] = value
    return document


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def _text(value: float) -> str:
    return str(value) if not isinstance(value, bool) else ("True" if value else "False")


def _shown(text: str) -> str:
    return json.dumps(text if len(text) <= 40 else text[:37] + "...")


def _ignored(name: str) -> bool:
    parts = name.split("/")
    return parts[-1] in IGNORED_FILES or parts[0] in IGNORED_FOLDERS


def _unsafe(name: str) -> str | None:
    if not name:
        return "an entry with an empty name"
    if name.startswith("/") or _DRIVE.match(name):
        return "an absolute path (entries must be relative to the archive)"
    parts = name.split("/")
    if ".." in parts:
        return "a path that leaves the archive (..)"
    if "" in parts or "." in parts:
        return "a path with an empty or '.' component"
    if _CONTROL.search(name):
        return "a name with control characters"
    return None


def _clashes(cases: list[Case], names: set[str]) -> list[Problem]:
    """Cases whose output folder would collide with the output files of another case."""
    problems: list[Problem] = []
    for case in cases:
        parent, _, last = case.name.rpartition("/")
        if parent in names and last in CASE_OUTPUT_FILES:
            message = f"case {case.name!r} clashes with the output file {last!r} of case {parent!r}"
            problems.extend(
                Problem(item["entry"], "name_clash", message, case.name) for item in case.inputs()
            )
    return problems
