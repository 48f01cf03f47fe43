"""The kit's own corpus as a labelled bulk archive, with the cases its figures count.

Each presentation a corpus evaluation counts becomes an image-only or video-only case
labelled ``bona_fide`` or ``attack:<species>``; each facematch pair becomes an image +
video case with ``pair`` genuine or impostor and no PAD label (the corpus evaluation
counts pairs for facematch only). The fixtures that are in no figure (no face, several
faces, clips without a blink, broken files) are left out. Evaluating this archive gives
the corpus evaluation's figures.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any, Final

from bulk import ATTACK_PREFIX, BONA_FIDE
from evaluation._outcomes import ATTACK_SPECIES
from evaluation._running import counted_as_presentation, facematch_pairs

FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)


def corpus_archive(corpus: Sequence[Any]) -> bytes:
    """The labelled ZIP (cases and labels.csv) of the fixtures ``corpus``."""
    entries: list[tuple[str, bytes]] = []
    rows: list[list[str]] = []
    for fixture in corpus:
        if not counted_as_presentation(fixture):
            continue
        extension = fixture.filename.rpartition(".")[2]
        entries.append((f"{fixture.name}_{fixture.role}.{extension}", fixture.read_bytes()))
        if fixture.label in ATTACK_SPECIES:
            label = ATTACK_PREFIX + ATTACK_SPECIES[fixture.label]
        else:
            label = BONA_FIDE
        rows.append([fixture.name, label, fixture.subject or "", ""])
    for name, kind, still, video in facematch_pairs(corpus):
        case = name.replace("+", "__")
        entries.append((f"{case}_image.{still.filename.rpartition('.')[2]}", still.read_bytes()))
        entries.append((f"{case}_video.{video.filename.rpartition('.')[2]}", video.read_bytes()))
        pair = "genuine" if kind == "genuine_pair" else "impostor"
        rows.append([case, "", still.subject or "", pair])
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["case", "label", "subject", "pair"])
    writer.writerows(sorted(rows))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [*sorted(entries), ("labels.csv", table.getvalue().encode())]:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
