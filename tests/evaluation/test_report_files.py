"""The report files: a valid DET drawing, a self-contained page, the same bytes each time."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from evaluation import Evaluation, Trial, build_report, det_svg, sweep

SVG = "{http://www.w3.org/2000/svg}"


def trials() -> list[Trial]:
    def t(case: str, label: str, score: float) -> Trial:
        verdict = "real" if score >= 0.5 else "fake"
        return Trial(case, label, status=200, verdict=verdict, score=score, reasons=("r<&>",))

    return [
        t("b1", "bona_fide", 0.9),
        t("b2", "bona_fide", 0.3),
        t("p1", "attack:print", 0.2),
        t("p2", "attack:print", 0.6),
        t("m1", "attack:<mask & co>", 0.1),
        Trial("x", "bona_fide", status=400, cause="HTTP 400 no_face"),
    ]


def test_the_det_drawing_is_valid_svg_with_a_line_per_species() -> None:
    evaluation = Evaluation.of(trials(), target="t", api="v2")
    root = ET.fromstring(det_svg(evaluation.swept, evaluation.operating_xy))
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title") is not None
    names = [line.get("data-name") for line in root.iter(f"{SVG}polyline")]
    assert names == ["species <mask & co>", "species print", "worst-case species"]
    for line in root.iter(f"{SVG}polyline"):
        points = (line.get("points") or "").split()
        assert len(points) == 6  # five distinct scores and one threshold above them
        assert all(re.fullmatch(r"\d+\.\d,\d+\.\d", point) for point in points)
    classes = {circle.get("class") for circle in root.iter(f"{SVG}circle")}
    assert {"eer", "operating-point"} <= classes


def test_without_bona_fide_the_drawing_says_why() -> None:
    result = sweep([Trial("p", "attack:print", status=200, verdict="fake", score=0.1)])
    root = ET.fromstring(det_svg(result))
    assert not list(root.iter(f"{SVG}polyline"))
    texts = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "no-curve"]
    assert texts == ["No curve: no bona fide presentation got a decision"]


def test_the_page_is_self_contained_and_embeds_the_drawing() -> None:
    report = build_report(Evaluation.of(trials(), target="https://x.test", api="v2"))
    page = report.files["report.html"]
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg xmlns=" in page and page.count("<polyline") == 3
    assert re.search(r"<(script|link|img|iframe)\b", page) is None
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "https://x.test"}
    assert "r&lt;&amp;&gt;" in page and "<mask & co>" not in page
    assert "not computed: needs at least 10 decided attacks" in page


def test_the_report_files_agree_and_repeat_byte_for_byte() -> None:
    first = build_report(Evaluation.of(trials(), target="t", api="v2"))
    second = build_report(Evaluation.of(list(reversed(trials())), target="t", api="v2"))
    assert first.files == second.files
    document = json.loads(first.files["report.json"])
    assert document["operating_point"]["apcer"]["print"]["rate"] == 0.5
    markdown = first.files["report.md"]
    assert "| APCER print | 2 | 2 | 1 | 50.00% | [1.26%, 98.74%] | 0 |" in markdown
    assert "| bona_fide | HTTP 400 no_face | 1 |" in markdown
    assert "![DET curve](det.svg)" in markdown
