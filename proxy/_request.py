"""The request side: the token's form, the body's shape, the oneOf branch, each part's
real content (magic bytes) and the tuning values, all read from the contract.

Every problem comes with the status and ``detail.code`` the contract then requires and the
gate check that states the rule; problems are kept in the contract's precedence (401, then
the body's shape, duplicated and missing parts, then tuning (422), then media content).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Iterator, Mapping

import spec
from proxy._form import Form
from proxy._model import Problem, RequestView
from proxy._sniff import IMAGE_TYPES, VIDEO_TYPES

STAGES = ("auth", "form", "duplicate", "media", "tuning", "content")
# Headers that do not change what the contract answers (transport, identity, the body's framing).
NEUTRAL_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "content-length",
        "host",
        "user-agent",
        "accept",
        "accept-encoding",
        "connection",
        "transfer-encoding",
        "expect",
    }
)


def _b64json(segment: str) -> object:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def auth_problem(authorization: str | None, *, now: float | None = None) -> Problem | None:
    """What the Authorization header lacks to be a usable bearer JWT (no key needed)."""

    def unauthorized(check: str, code: str, message: str) -> Problem:
        return Problem(check, 401, code, message, "auth")

    if authorization is None:
        return unauthorized("AUTH-001", "missing_token", "no Authorization header")
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return Problem("AUTH-002", 401, None, f"the {scheme or 'empty'} scheme", "auth")
    value = value.strip()
    if not value:
        return unauthorized("AUTH-003", "missing_token", "an empty bearer value")
    segments = value.split(".")
    if len(segments) != 3:
        return unauthorized("AUTH-004", "invalid_token", "the bearer value is not a JWT")
    try:
        header, claims = _b64json(segments[0]), _b64json(segments[1])
    except (ValueError, binascii.Error, UnicodeError):
        return unauthorized("AUTH-004", "invalid_token", "the bearer value is not a JWT")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return unauthorized("AUTH-004", "invalid_token", "the bearer value is not a JWT")
    if str(header.get("alg", "")).lower() == "none" or not segments[2]:
        return unauthorized("AUTH-006", "invalid_token", "an unsigned JWT (alg=none)")
    expiry = claims.get("exp")
    moment = time.time() if now is None else now
    if isinstance(expiry, int | float) and not isinstance(expiry, bool) and expiry < moment:
        return unauthorized("AUTH-007", "expired_token", "the JWT has expired")
    return None


def _form_problems(form: Form) -> Iterator[Problem]:
    if form.problem is not None:
        yield Problem("REQ-002", 400, form.problem, form.message, "form")
        return
    names = form.names()
    for name in sorted({name for name in names if names.count(name) > 1}):
        message = f"the part {name!r} is sent {names.count(name)} times"
        yield Problem("REQ-005", 400, "duplicate_part", message, "duplicate")
    if not set(names) & set(spec.MEDIA_FIELDS):
        yield Problem("REQ-001", 400, "missing_media", "neither image nor video is sent", "media")


def _tuning_problems(form: Form) -> Iterator[Problem]:
    rules = spec.tuning_fields()
    for name in form.names():
        if name not in rules and name not in spec.MEDIA_FIELDS:
            yield Problem("TUNE-003", 422, None, f"{name}: not a field of the contract", "tuning")
    for name, value in form.fields().items():
        rule = rules.get(name)
        reason = rule.problem(value) if rule is not None else None
        if reason is not None:
            yield Problem("TUNE-001", 422, None, f"{name}: {reason}", "tuning")


def _content_problems(form: Form) -> Iterator[Problem]:
    image_type = form.image_type
    for part in form.parts:
        if part.name not in spec.MEDIA_FIELDS:
            continue
        detected = part.detected(image_type)
        if part.name == "image" and detected not in IMAGE_TYPES:
            code = {
                "empty": "empty_file",
                "invalid_base64": "invalid_base64",
            }.get(detected, "unsupported_image_format")
            message = f"image: the content is {detected}, not JPEG or PNG"
            yield Problem("REQ-003", 400, code, message, "content")
        if part.name == "video" and detected not in VIDEO_TYPES:
            code = "empty_file" if detected == "empty" else "unsupported_video_format"
            message = f"video: the content is {detected}, not MP4/MOV"
            yield Problem("REQ-004", 400, code, message, "content")


def _branch(form: Form) -> str | None:
    if form.problem is not None:
        return None
    document = dict(form.fields())
    for name in form.names():
        if name in spec.MEDIA_FIELDS:
            document.setdefault(name, "")
    branches = spec.request_branches(document)
    return branches[0] if len(branches) == 1 else None


def _mode(form: Form) -> str | None:
    names = set(form.names())
    image, video = "image" in names, "video" in names
    if image and video:
        return "image_video"
    return "image" if image else "video" if video else None


def exchange_key(headers: Mapping[str, str], form: Form) -> str:
    """A digest of what decides the answer: the parts' names and contents, the other headers."""
    digest = hashlib.sha256()
    for name, value in sorted(headers.items()):
        if name not in NEUTRAL_HEADERS:
            digest.update(f"{name}:{value}\n".encode())
    for item in sorted((part.name, part.sha256) for part in form.parts):
        digest.update(f"{item[0]}={item[1]}\n".encode())
    return digest.hexdigest()


def read_request(path: str, headers: Mapping[str, str], form: Form) -> RequestView:
    """The request as the contract sees it; ``headers`` have lowercase names."""
    api = "v2" if path.rstrip("/") == spec.PATHS["v2"] else "v1"
    problems: list[Problem] = []
    auth = auth_problem(headers.get("authorization"))
    if auth is not None:
        problems.append(auth)
    problems += _form_problems(form)
    if form.problem is None:
        problems += _tuning_problems(form)
        problems += _content_problems(form)
    problems.sort(key=lambda problem: STAGES.index(problem.stage))
    image_type = form.image_type
    return RequestView(
        api=api,
        branch=_branch(form),
        mode=_mode(form),
        tuning={k: v for k, v in form.fields().items() if k in spec.TUNING_FIELDS},
        parts=[part.summary(image_type) for part in form.parts],
        problems=problems,
        key=exchange_key(headers, form),
    )
