"""labels.csv at the root of an input archive, and result archives read back."""

from __future__ import annotations

import io

import pytest

import bulk
from bulk import Label, parse_labels, read_cases, read_labels, read_results
from tests.bulk.support import JPEG, MP4, make_zip

MODES = {"alice": "image", "bob": "video", "carol": "image_video"}


def problems_of(text: str, modes: dict[str, str] = MODES) -> list[str]:
    return [str(problem) for problem in parse_labels(text.encode(), modes)[1]]


def test_a_good_file_gives_every_label() -> None:
    text = (
        "\ufeffcase,label,subject,pair\n"
        "alice,bona_fide,p1,\n"
        "bob, attack:Paper Mask ,p1,\n"
        "carol,,p1,Genuine\n"
    )
    labels, problems = parse_labels(text.encode(), MODES)
    assert problems == []
    assert labels == {
        "alice": Label("alice", "bona_fide", "p1"),
        "bob": Label("bob", "attack:Paper Mask", "p1"),
        "carol": Label("carol", None, "p1", "genuine"),
    }
    assert labels["bob"].species == "Paper Mask" and labels["alice"].species is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "case,label\nalice,live\nbob,attack:print\ncarol,bona_fide\n",
            [
                "labels.csv line 2: case 'alice': unknown label 'live' "
                "(expected bona_fide or attack:<species>)"
            ],
        ),
        (
            "case,label\nalice,attack:\nbob,attack:print\ncarol,bona_fide\n",
            [
                "labels.csv line 2: case 'alice': 'attack:' names no species "
                "(expected bona_fide or attack:<species>)"
            ],
        ),
        (
            "case,label\nalice,bona_fide\nbob,attack:print\n",
            ["labels.csv: case 'carol' has no label"],
        ),
        (
            "case,label\nalice,bona_fide\nalice,bona_fide\nbob,attack:print\ncarol,bona_fide\n",
            ["labels.csv line 3: case 'alice' is labelled again (first on line 2)"],
        ),
        (
            "case,label\nalice,bona_fide\nbob,attack:print\ncarol,bona_fide\nzed,bona_fide\n",
            ["labels.csv line 5: case 'zed' is not in the archive"],
        ),
        (
            "case,label,pair\nalice,bona_fide,genuine\nbob,attack:print,\ncarol,,twin\n",
            [
                "labels.csv line 2: case 'alice': a pair needs an image and a video, "
                "the case has only a image",
                "labels.csv line 4: case 'carol': unknown pair 'twin' (genuine or impostor)",
            ],
        ),
        (
            "case,label\nalice,bona_fide,extra\nbob,attack:print\ncarol,bona_fide\n",
            [
                "labels.csv line 2: has 3 fields, the header has 2",
                "labels.csv: case 'alice' has no label",
            ],
        ),
        (
            "case,kind\nalice,bona_fide\n",
            ["labels.csv: unknown column 'kind' (columns: case,label[,subject][,pair])"],
        ),
        (
            "label\nbona_fide\n",
            ["labels.csv: no 'case' column (the header must name case,label[,subject][,pair])"],
        ),
        ("", ["labels.csv: empty: expected a header case,label"]),
    ],
    ids=[
        "unknown-label",
        "no-species",
        "missing-label",
        "duplicate",
        "unknown-case",
        "bad-pairs",
        "field-count",
        "unknown-column",
        "no-case-column",
        "empty",
    ],
)
def test_bad_and_missing_labels_are_reported_by_case(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_a_file_that_is_not_text_is_one_problem() -> None:
    labels, problems = parse_labels(b"case,label\n\xff\xfe\x00", MODES)
    assert labels == {} and [str(p) for p in problems] == ["labels.csv: not UTF-8 text"]


def test_labels_sit_beside_the_cases_and_are_no_unknown_file() -> None:
    archive = make_zip(
        [
            ("alice_image.jpg", JPEG),
            ("bob_video.mp4", MP4),
            ("bad_image.gif", JPEG),
            ("labels.csv", "case,label\nalice,bona_fide\nbob,attack:replay\nbad,bona_fide\n"),
            ("batch/labels.csv", "case,label\n"),
        ]
    )
    case_set = read_cases(archive)
    assert [case.name for case in case_set.cases] == ["alice", "bob"]
    assert [p.entry for p in case_set.problems] == ["bad_image.gif", "batch/labels.csv"]
    label_set = read_labels(archive, case_set)
    assert sorted(label_set.labels) == ["alice", "bob"]  # "bad" was left out: not reported
    assert label_set.problems == []
    assert label_set.data is not None and label_set.data.startswith(b"case,label")


def test_an_archive_without_labels_has_none() -> None:
    archive = make_zip([("alice_image.jpg", JPEG)])
    assert read_labels(archive, read_cases(archive)) == bulk.LabelSet({}, [], None)


def test_a_result_archive_reads_back_with_its_labels() -> None:
    labels = b"case,label\nalice,bona_fide\n"
    archive = make_zip([("alice_image.jpg", JPEG), ("x_params.json", "{}")])
    case_set = read_cases(archive)
    result = bulk.CaseResult(case_set.cases[0], 200, b'{"result": "real", "confidence": 0.9}')
    buffer = io.BytesIO()
    bulk.write_archive([result], case_set.problems, buffer, options={"api": "v1"}, labels=labels)

    run = read_results(buffer.getvalue())
    assert run.labels == labels and run.options == {"api": "v1"}
    assert [(c.name, c.mode, c.outcome, c.status) for c in run.cases] == [
        ("alice", "image", "ok", 200),
        ("x", "", "invalid", None),
    ]
    assert run.cases[0].json_body() == {"result": "real", "confidence": 0.9}
    (live,) = bulk.recorded([result])
    assert (live.name, live.mode, live.outcome, live.status) == ("alice", "image", "ok", 200)
    assert live.json_body() == run.cases[0].json_body()  # the archive re-indents the body


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([("summary.csv", "case\n")], "not a bulk result archive: no manifest.json"),
        ([("manifest.json", "{}")], "not a bulk result archive: manifest.json is not"),
        ([("manifest.json", '{"format": "liveness-kit-bulk/1"}')], "no summary.csv"),
    ],
    ids=["no-manifest", "other-format", "no-summary"],
)
def test_an_archive_that_is_not_a_result_archive_is_refused(
    members: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(bulk.BulkInputError, match=message):
        read_results(make_zip(members))
