"""The DET curve as an SVG drawing, written by hand (no plotting library at run time).

Both axes are on the normal-deviate (probit) scale, as DET curves are drawn (bob.measure,
pyeer): APCER across, BPCER up. Rates of 0 and 1, which that scale cannot place, are
drawn on the edge of the plot. One line per species, the worst-case species curve in
black, the service's own operating point as a ring, the EER on the dashed diagonal.
The drawing depends on the figures only: the same figures give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from evaluation._sweep import Point, Sweep

WIDTH: Final = 640
HEIGHT: Final = 480
LEFT, RIGHT, TOP, BOTTOM = 64, 170, 24, 56
LOW, HIGH = 0.001, 0.99  # the axis range, as rates
TICKS: Final = (0.001, 0.005, 0.02, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 0.99)
COLOURS: Final = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")


def probit(p: float) -> float:
    """The normal deviate of ``p`` in (0, 1), by bisection on the normal CDF."""
    low, high = -10.0, 10.0
    for _ in range(100):
        middle = (low + high) / 2
        if 0.5 * math.erfc(-middle / math.sqrt(2)) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


_P_LOW, _P_HIGH = probit(LOW), probit(HIGH)


def _x(rate: float) -> float:
    deviate = probit(min(max(rate, LOW), HIGH))
    return LEFT + (deviate - _P_LOW) / (_P_HIGH - _P_LOW) * (WIDTH - LEFT - RIGHT)


def _y(rate: float) -> float:
    deviate = probit(min(max(rate, LOW), HIGH))
    return HEIGHT - BOTTOM - (deviate - _P_LOW) / (_P_HIGH - _P_LOW) * (HEIGHT - TOP - BOTTOM)


def _percent(rate: float) -> str:
    text = f"{rate * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def det_svg(result: Sweep, operating: tuple[float, float] | None = None) -> str:
    """The SVG document of ``result``'s curves; ``operating`` is (worst APCER, BPCER)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11" '
        'role="img" aria-labelledby="det-title">',
        '<title id="det-title">DET curve: BPCER against APCER (worst-case species)</title>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    parts += _axes()
    if result.reason is not None:
        parts.append(
            f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT / 2:.1f}" '
            f'text-anchor="middle" class="no-curve">No curve: {escape(result.reason)}</text>'
        )
        parts.append("</svg>")
        return "\n".join(parts) + "\n"
    legend: list[tuple[str, str, float]] = []
    for index, (name, points) in enumerate(result.species.items()):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(_line(points, colour, 1.2, f"species {name}"))
        legend.append((f"{name} ({result.attacks[name]} attacks)", colour, 1.2))
    parts.append(_line(result.worst, "#000000", 2.4, "worst-case species"))
    legend.append(("worst-case species", "#000000", 2.4))
    if result.eer.value is not None:
        x, y = _x(result.eer.value), _y(result.eer.value)
        parts.append(
            f'<circle class="eer" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#000000">'
            f"<title>EER {_percent(result.eer.value)}</title></circle>"
        )
    if operating is not None:
        x, y = _x(operating[0]), _y(operating[1])
        parts.append(
            f'<circle class="operating-point" cx="{x:.1f}" cy="{y:.1f}" r="6" fill="none" '
            f'stroke="#e6550d" stroke-width="2"><title>operating point: APCER '
            f"{_percent(operating[0])}, BPCER {_percent(operating[1])}</title></circle>"
        )
    parts += _legend(legend, operating is not None)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _axes() -> list[str]:
    left, right, top, bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    parts = [
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
        'fill="none" stroke="#444444"/>'
    ]
    for tick in TICKS:
        x, y = _x(tick), _y(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#dddddd"/>'
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#dddddd"/>'
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">{_percent(tick)}</text>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{_percent(tick)}</text>'
        )
    parts.append(
        f'<line class="diagonal" x1="{_x(LOW):.1f}" y1="{_y(LOW):.1f}" x2="{_x(HIGH):.1f}" '
        f'y2="{_y(HIGH):.1f}" stroke="#999999" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text x="{(left + right) / 2:.1f}" y="{HEIGHT - 16}" text-anchor="middle" '
        'font-size="12">APCER (worst-case species for the black line)</text>'
    )
    parts.append(
        f'<text transform="translate(16 {(top + bottom) / 2:.1f}) rotate(-90)" '
        'text-anchor="middle" font-size="12">BPCER</text>'
    )
    return parts


def _line(points: Sequence[Point], colour: str, width: float, name: str) -> str:
    coordinates = " ".join(f"{_x(p.apcer):.1f},{_y(p.bpcer):.1f}" for p in points)
    return (
        f'<polyline class="curve" data-name={quoteattr(name)} points="{coordinates}" '
        f'fill="none" stroke="{colour}" stroke-width="{width}"/>'
    )


def _legend(items: list[tuple[str, str, float]], operating: bool) -> list[str]:
    x = WIDTH - RIGHT + 12
    parts = []
    y = TOP + 10
    for text, colour, width in items:
        parts.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" stroke="{colour}" '
            f'stroke-width="{width}"/><text x="{x + 24}" y="{y + 4}">{escape(text)}</text>'
        )
        y += 16
    parts.append(
        f'<circle cx="{x + 9}" cy="{y}" r="3.5" fill="#000000"/>'
        f'<text x="{x + 24}" y="{y + 4}">EER</text>'
    )
    if operating:
        y += 16
        parts.append(
            f'<circle cx="{x + 9}" cy="{y}" r="6" fill="none" stroke="#e6550d" '
            f'stroke-width="2"/><text x="{x + 24}" y="{y + 4}">operating point</text>'
        )
    return parts
