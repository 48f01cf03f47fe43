from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulk import BulkInputError, Limits, Problem, read_cases
from bulk import _cases as cases_module
from tests.bulk.support import JPEG, MP4, PNG, entry, make_zip, params, sample_zip

OK = ("ok_image.jpg", JPEG)


def test_entries_are_grouped_into_cases_by_folder_and_stem() -> None:
    case_set = read_cases(sample_zip())

    assert case_set.problems == []
    by_name = {case.name: case for case in case_set.cases}
    assert list(by_name) == [
        "bad_dave",
        "batch1/fake_bob",
        "batch1/real_carol",
        "real_alice",
        "real_erin",
    ]
    assert {name: case.mode for name, case in by_name.items()} == {
        "bad_dave": "image",
        "batch1/fake_bob": "video",
        "batch1/real_carol": "image_video",
        "real_alice": "image",
        "real_erin": "image",
    }
    carol = by_name["batch1/real_carol"]
    assert dict(carol.params) == {"frame_sampling_rate": "5", "unique_id": "c-1"}
    assert carol.image is not None and carol.video is not None
    assert carol.image.filename == "real_carol_image.png"
    assert carol.image.content_type == "image/png"
    assert carol.image.sha256 == hashlib.sha256(PNG).hexdigest()
    assert carol.video.read() == MP4
    assert by_name["real_alice"].params == {}


def test_a_path_on_disk_reads_like_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "in.zip"
    path.write_bytes(sample_zip())

    from_path = read_cases(path)
    from_bytes = read_cases(sample_zip())

    assert [c.fingerprint for c in from_path.cases] == [c.fingerprint for c in from_bytes.cases]


def test_extensions_are_case_insensitive_and_a_bom_is_accepted() -> None:
    data = make_zip(
        [
            ("x_image.JPG", JPEG),
            ("x_params.json", "\ufeff" + params(facematch_threshold="0.75")),
            ("y_video.MOV", MP4),
        ]
    )
    case_set = read_cases(data)
    assert case_set.problems == []
    assert [(c.name, c.mode) for c in case_set.cases] == [("x", "image"), ("y", "video")]
    assert dict(case_set.cases[0].params) == {"facematch_threshold": "0.75"}


def test_operating_system_litter_is_ignored() -> None:
    data = make_zip(
        [OK, ("__MACOSX/._ok_image.jpg", b"x"), (".DS_Store", b"x"), ("a/Thumbs.db", b"x")]
    )
    case_set = read_cases(data)
    assert case_set.problems == []
    assert [case.name for case in case_set.cases] == ["ok"]


def _patched(data: bytes, signature: bytes, offset: int, value: bytes) -> bytes:
    """Overwrite bytes at ``offset`` in every header that starts with ``signature``."""
    out = bytearray(data)
    start = 0
    while (position := out.find(signature, start)) >= 0:
        out[position + offset : position + offset + len(value)] = value
        start = position + 4
    return bytes(out)


def _stored(name: str, data: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = entry(name)
    info.compress_type = zipfile.ZIP_STORED
    return info, data


def _corrupt_data() -> bytes:
    data = make_zip([_stored("broken_image.jpg", JPEG), OK])
    position = data.index(b"jpeg-bytes")
    return data[:position] + b"JPEG" + data[position + 4 :]


def _unknown_method() -> bytes:
    data = make_zip([_stored("odd_image.jpg", JPEG)])
    data = _patched(data, b"PK\x03\x04", 8, struct.pack("<H", 99))
    data = _patched(data, b"PK\x01\x02", 10, struct.pack("<H", 99))
    return data + b""  # only odd_image.jpg: the OK case is added separately below


def _with_ok(data: bytes) -> bytes:
    """Append the OK case to an archive built with raw patches."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(entry(OK[0]), OK[1])
    return buffer.getvalue()


def _encrypted() -> bytes:
    data = make_zip([("secret_image.jpg", JPEG)])
    data = _patched(data, b"PK\x03\x04", 6, struct.pack("<H", 0x1))  # general purpose flags
    data = _patched(data, b"PK\x01\x02", 8, struct.pack("<H", 0x1))
    return _with_ok(data)


def _duplicate_names() -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        return make_zip([("twice_image.jpg", JPEG), ("twice_image.jpg", PNG), OK])


# (id, archive, the entry and the problem code expected, the case left out)
HOSTILE: list[tuple[str, Callable[[], bytes], str, str, str | None]] = [
    ("traversal", lambda: make_zip([("../up_image.jpg", JPEG), OK]), "../up_image.jpg",
     "unsafe_path", None),
    ("traversal_inside", lambda: make_zip([("a/../../up_image.jpg", JPEG), OK]),
     "a/../../up_image.jpg", "unsafe_path", None),
    ("traversal_backslash", lambda: make_zip([("..\\up_image.jpg", JPEG), OK]),
     "../up_image.jpg", "unsafe_path", None),
    ("absolute", lambda: make_zip([("/etc/abs_image.jpg", JPEG), OK]), "/etc/abs_image.jpg",
     "unsafe_path", None),
    ("drive_letter", lambda: make_zip([("C:/win_image.jpg", JPEG), OK]), "C:/win_image.jpg",
     "unsafe_path", None),
    ("dot_component", lambda: make_zip([("./dot_image.jpg", JPEG), OK]), "./dot_image.jpg",
     "unsafe_path", None),
    ("empty_name", lambda: _with_ok(_patched(make_zip([("x_image.jpg", JPEG)]), b"PK\x01\x02",
     46, b"\0")), "", "unsafe_path", None),
    ("control_character", lambda: make_zip([("bell\x07_image.jpg", JPEG), OK]),
     "bell\x07_image.jpg", "unsafe_path", None),
    ("symlink", lambda: make_zip([(entry("link_image.jpg", mode=0o120777), "/etc/passwd"), OK]),
     "link_image.jpg", "symlink", "link"),
    ("fifo", lambda: make_zip([(entry("pipe_image.jpg", mode=0o010644), b""), OK]),
     "pipe_image.jpg", "special_file", "pipe"),
    ("encrypted", _encrypted, "secret_image.jpg", "encrypted", "secret"),
    ("zip_bomb", lambda: make_zip([("bomb_video.mp4", bytes(20 * 1024 * 1024)), OK]),
     "bomb_video.mp4", "zip_bomb", "bomb"),
    ("corrupt_data", _corrupt_data, "broken_image.jpg", "corrupt", "broken"),
    ("unknown_compression", lambda: _with_ok(_unknown_method()), "odd_image.jpg", "corrupt",
     "odd"),
    ("duplicate_entry", _duplicate_names, "twice_image.jpg", "duplicate_entry", "twice"),
    ("duplicate_stem", lambda: make_zip([("a_image.jpg", JPEG), ("a_image.png", PNG), OK]),
     "a_image.png", "duplicate_image", "a"),
    ("duplicate_stem_by_case", lambda: make_zip([("a_image.jpg", JPEG), ("a_image.JPG", JPEG),
     OK]), "a_image.JPG", "duplicate_image", "a"),
    ("unknown_file", lambda: make_zip([("notes.txt", b"hello"), OK]), "notes.txt",
     "unknown_file", None),
    ("no_role", lambda: make_zip([("alice.jpg", JPEG), OK]), "alice.jpg", "unknown_file", None),
    ("empty_stem", lambda: make_zip([("_image.jpg", JPEG), OK]), "_image.jpg", "unknown_file",
     None),
    ("bad_image_extension", lambda: make_zip([("gif_image.gif", b"GIF89a"), OK]),
     "gif_image.gif", "bad_extension", "gif"),
    ("bad_video_extension", lambda: make_zip([("avi_video.avi", b"RIFF"), OK]), "avi_video.avi",
     "bad_extension", "avi"),
    ("params_not_json", lambda: make_zip([("p_image.jpg", JPEG), ("p_params.json", "{"), OK]),
     "p_params.json", "bad_params", "p"),
    ("params_not_object", lambda: make_zip([("p_image.jpg", JPEG), ("p_params.json", "[]"),
     OK]), "p_params.json", "bad_params", "p"),
    ("params_number", lambda: make_zip([("p_image.jpg", JPEG),
     ("p_params.json", '{"frame_sampling_rate": 5}'), OK]), "p_params.json", "bad_params", "p"),
    ("params_unknown_key", lambda: make_zip([("p_image.jpg", JPEG),
     ("p_params.json", params(speed="fast")), OK]), "p_params.json", "bad_params", "p"),
    ("params_bad_value", lambda: make_zip([("p_image.jpg", JPEG),
     ("p_params.json", params(facematch_threshold="1.5")), OK]), "p_params.json", "bad_params",
     "p"),
    ("params_duplicate_key", lambda: make_zip([("p_image.jpg", JPEG),
     ("p_params.json", '{"unique_id": "a", "unique_id": "b"}'), OK]), "p_params.json",
     "bad_params", "p"),
    ("params_not_utf8", lambda: make_zip([("p_image.jpg", JPEG),
     ("p_params.json", b'{"unique_id": "\xff"}'), OK]), "p_params.json", "bad_params", "p"),
    ("params_deeply_nested", lambda: make_zip([("p_image.jpg", JPEG),
     ("p_params.json", "[" * 60_000), OK]), "p_params.json", "bad_params", "p"),
    ("params_too_large", lambda: make_zip([("p_image.jpg", JPEG),
     ("p_params.json", params(unique_id="x" * 70_000)), OK]), "p_params.json", "too_large", "p"),
    ("params_without_media", lambda: make_zip([("lonely_params.json", params()), OK]),
     "lonely_params.json", "no_media", "lonely"),
    ("output_name_clash", lambda: make_zip([("x_image.jpg", JPEG), ("x/status_image.jpg", JPEG),
     OK]), "x/status_image.jpg", "name_clash", "x/status"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "bad_entry", "code", "case"),
    [pytest.param(*rest, id=name) for name, *rest in HOSTILE],
)
def test_a_broken_entry_is_reported_and_the_other_cases_kept(
    build: Callable[[], bytes], bad_entry: str, code: str, case: str | None
) -> None:
    case_set = read_cases(build())

    assert any(
        problem.entry == bad_entry and problem.code == code for problem in case_set.problems
    ), case_set.problems
    names = [c.name for c in case_set.cases]
    assert "ok" in names
    if case is not None:
        assert case not in names
        assert all(p.case == case for p in case_set.problems if p.entry == bad_entry)
    for problem in case_set.problems:
        assert str(problem).startswith(problem.entry + ": ") or not problem.entry
        assert "\n" not in str(problem)


def test_params_problems_name_the_field_and_the_fix() -> None:
    data = make_zip(
        [
            ("p_image.jpg", JPEG),
            ("p_params.json", '{"frame_sampling_rate": 5, "speed": "x", "image_type": "url"}'),
        ]
    )
    messages = [problem.message for problem in read_cases(data).problems]
    assert messages == [
        'frame_sampling_rate: must be a string, got a number 5 (write "5")',
        'image_type: must be one of "file", "base64", got "url"',
        'unknown tuning field "speed" (known: enhanced_detection, facematch_frames, '
        "facematch_threshold, frame_sampling_rate, image_type, max_frames_to_analyze, unique_id)",
    ]


def test_sizes_are_checked_while_reading_not_only_as_declared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cases_module, "check_entry", lambda info, limits: None)
    data = make_zip([("bomb_video.mp4", bytes(20 * 1024 * 1024)), OK])
    assert [(p.entry, p.code) for p in read_cases(data).problems] == [
        ("bomb_video.mp4", "zip_bomb")
    ]
    limits = Limits(max_entry_bytes=50)
    data = make_zip([("big_image.jpg", JPEG), OK])
    problems = read_cases(data, limits=limits).problems
    assert [(p.entry, p.code, p.message) for p in problems] == [
        ("big_image.jpg", "too_large", "larger than 50 bytes when read"),
        ("ok_image.jpg", "too_large", "larger than 50 bytes when read"),
    ]


def test_a_declared_size_smaller_than_the_data_is_caught() -> None:
    data = make_zip([_stored("liar_image.jpg", JPEG), OK])
    central = data.index(b"PK\x01\x02")
    patched = bytearray(data)
    patched[central + 24 : central + 28] = struct.pack("<I", 10)  # uncompressed size
    problems = read_cases(bytes(patched)).problems
    assert [(p.entry, p.code) for p in problems] == [("liar_image.jpg", "corrupt")]


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        pytest.param(b"", Limits(), "not a readable ZIP archive", id="empty"),
        pytest.param(b"hello world", Limits(), "not a readable ZIP archive", id="text"),
        pytest.param(b"PK\x03\x04" + bytes(100), Limits(), "not a readable ZIP", id="pk_header"),
        pytest.param(sample_zip()[:300], Limits(), "not a readable ZIP", id="truncated"),
        pytest.param(sample_zip(), Limits(max_entries=3), "declares 7 entries", id="entries"),
        pytest.param(
            sample_zip(), Limits(max_total_bytes=100), "uncompressed, more than", id="total_size"
        ),
    ],
)
def test_an_unusable_archive_raises_one_clear_error(
    data: bytes, limits: Limits, message: str
) -> None:
    with pytest.raises(BulkInputError, match=message) as caught:
        read_cases(data, limits=limits)
    assert "\n" not in str(caught.value)


def test_the_entry_count_is_checked_before_parsing_and_after() -> None:
    data = sample_zip()
    end = data.rindex(b"PK\x05\x06")
    huge = bytearray(data)
    huge[end + 8 : end + 12] = struct.pack("<HH", 0xFFFE, 0xFFFE)
    with pytest.raises(BulkInputError, match="declares 65534 entries"):
        read_cases(bytes(huge))
    lying = bytearray(data)
    lying[end + 8 : end + 12] = struct.pack("<HH", 2, 2)
    with pytest.raises(BulkInputError, match="has 7 entries, more than the limit 3"):
        read_cases(bytes(lying), limits=Limits(max_entries=3))


def test_a_missing_file_raises_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(BulkInputError, match=r"cannot read .*missing\.zip: No such file"):
        read_cases(tmp_path / "missing.zip")


def test_an_input_changed_on_disk_is_not_sent(tmp_path: Path) -> None:
    path = tmp_path / "in.zip"
    large = JPEG + bytes(range(256)) * 1024  # beyond what the file object buffers
    path.write_bytes(make_zip([_stored("a_image.jpg", large)]))
    case = read_cases(path).cases[0]
    path.write_bytes(make_zip([_stored("a_image.jpg", large[::-1])]))
    with pytest.raises(cases_module.EntryError, match=r"changed|cannot be read"):
        assert case.image is not None
        case.image.read()


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (dict(max_entries=0), "max_entries must be a whole number >= 1, got 0"),
        (dict(max_ratio=1.5), "max_ratio must be a whole number >= 1, got 1.5"),
        (dict(max_entry_bytes=True), "max_entry_bytes must be a whole number >= 1, got True"),
    ],
)
def test_limits_are_validated(limits: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Limits(**limits)  # type: ignore[arg-type]


def test_arguments_are_validated() -> None:
    with pytest.raises(TypeError, match="limits must be a Limits"):
        read_cases(sample_zip(), limits={"max_entries": 3})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="source must be bytes or a path"):
        read_cases(12)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=0),
)
def test_mangled_archives_never_crash(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(sample_zip())
    for position, value in edits:
        data[position % len(data)] = value
    data = data[: len(data) - cut % 64]
    try:
        case_set = read_cases(bytes(data))
    except BulkInputError:
        return
    for problem in case_set.problems:
        assert isinstance(problem, Problem)
    for case in case_set.cases:
        for media in (case.image, case.video):
            if media is not None:
                assert len(media.read()) == media.size
