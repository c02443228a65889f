"""Inline SVG charts drawn by hand: no library, no script, readable when printed in grey.

Every chart carries a <title> and <desc> for screen readers; flagged items are marked by shape
and text as well as colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

INK, MUTED, ACCENT, ALERT, BAND = "#1f2933", "#7b8794", "#2f6fad", "#b3261e", "#e4ecf5"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.2g}"


def _anchor(i: int, n: int) -> str:
    """Keep the first and last axis labels inside the frame."""
    return "start" if i == 0 else "end" if i == n - 1 else "middle"


def _open(width: int, height: int, title: str, desc: str, ident: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}-t {ident}-d" {FONT}>',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
    ]


def daily_bars(
    bins: Sequence[tuple[str, int, bool, float, float]],
    *,
    title: str,
    desc: str,
    unit: str = "day",
    ident: str = "surge",
) -> str:
    """Applications per period (label, count, flagged, expected, upper): flagged bars red with a
    triangle; the expected count as a line and the range of normal as a shaded band."""
    width, height, left, bottom, top = 760, 280, 56, 40, 16
    plot_w, plot_h = width - left - 16, height - top - bottom
    peak = _nice_max(max([1.0, *(max(n, u) for _, n, _, _, u in bins)]))
    n = max(1, len(bins))
    bar_w = plot_w / n

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    def step_path(values: Sequence[float]) -> str:
        points = []
        for i, v in enumerate(values):
            points += [
                f"{left + i * bar_w:.1f},{y(v):.1f}",
                f"{left + (i + 1) * bar_w:.1f},{y(v):.1f}",
            ]
        return "M" + " L".join(points)

    out = _open(width, height, title, desc, ident)
    for tick in (0, peak / 2, peak):
        out.append(
            f'<line x1="{left}" x2="{width - 16}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#d9e2ec"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'fill="{MUTED}">{_fmt(tick)}</text>'
        )
    uppers = [u for *_, u in bins]
    out.append(
        f'<path d="{step_path(uppers)} L{left + n * bar_w:.1f},{y(0):.1f} L{left},{y(0):.1f} Z" '
        f'fill="{BAND}"/>'
    )
    for i, (label, count, flagged, _, _) in enumerate(bins):
        x = left + i * bar_w
        colour = ALERT if flagged else ACCENT
        out.append(
            f'<rect x="{x + bar_w * 0.1:.1f}" y="{y(count):.1f}" width="{bar_w * 0.8:.1f}" '
            f'height="{y(0) - y(count):.1f}" fill="{colour}"><title>{escape(label)}: '
            f"{count:,} applications{' (flagged)' if flagged else ''}</title></rect>"
        )
        if flagged:
            cx, cy = x + bar_w / 2, y(count) - 4
            out.append(
                f'<path d="M{cx - 4:.1f},{cy - 7:.1f} L{cx + 4:.1f},{cy - 7:.1f} '
                f'L{cx:.1f},{cy:.1f} Z" fill="{ALERT}"/>'
            )
    out.append(
        f'<path d="{step_path([e for *_, e, _ in bins])}" fill="none" stroke="{INK}" '
        f'stroke-width="1.5"/><path d="{step_path(uppers)}" fill="none" stroke="{INK}" '
        f'stroke-dasharray="5 4"/>'
    )
    for i in sorted({0, len(bins) // 2, len(bins) - 1}):
        if 0 <= i < len(bins):
            x = left + (i + 0.5) * bar_w
            out.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="{_anchor(i, len(bins))}" fill="{MUTED}">{escape(bins[i][0])}</text>'
            )
    out.append(
        f'<text x="{width - 18}" y="{top + 12}" text-anchor="end" fill="{INK}">'
        f"applications per {escape(unit)}; dashed: the most a normal {escape(unit)} brings</text>"
    )
    out.append("</svg>")
    return "".join(out)


def rate_dots(
    rows: Sequence[tuple[str, float, float, float, bool]],
    *,
    overall: float | None,
    title: str,
    desc: str,
    ident: str,
) -> str:
    """One line per group: its rate (dot) and interval (whisker); flagged groups red and starred."""
    row_h, left, width = 26, 220, 760
    height = 36 + row_h * max(1, len(rows))
    plot_w = width - left - 70
    peak = _nice_max(max([0.01, *(r[3] for r in rows), overall or 0]))

    def x(v: float) -> float:
        return left + v / peak * plot_w

    out = _open(width, height, title, desc, ident)
    for tick in (0, peak / 2, peak):
        out.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="8" y2="{height - 22}" '
            f'stroke="#d9e2ec"/><text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle" '
            f'fill="{MUTED}">{tick * 100:.3g}%</text>'
        )
    if overall is not None:
        out.append(
            f'<line x1="{x(overall):.1f}" x2="{x(overall):.1f}" y1="8" y2="{height - 22}" '
            f'stroke="{INK}" stroke-dasharray="4 3"/>'
        )
    for i, (label, rate, low, high, flagged) in enumerate(rows):
        cy = 22 + i * row_h
        colour = ALERT if flagged else ACCENT
        name = escape(label if len(label) <= 32 else label[:31] + "…")
        out.append(
            f'<text x="{left - 8}" y="{cy + 4}" text-anchor="end" fill="{INK}">'
            f"{'★ ' if flagged else ''}{name}</text>"
            f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{cy}" y2="{cy}" stroke="{colour}" '
            f'stroke-width="2"/><circle cx="{x(rate):.1f}" cy="{cy}" r="4.5" fill="{colour}">'
            f"<title>{name}: {rate * 100:.2f}% "
            f"({low * 100:.2f}&#8211;{high * 100:.2f}%)</title></circle>"
            f'<text x="{x(high) + 6:.1f}" y="{cy + 4}" fill="{MUTED}">{rate * 100:.1f}%</text>'
        )
    out.append("</svg>")
    return "".join(out)


def ranges(
    rows: Sequence[tuple[str, float, float, float, float | None]],
    *,
    title: str,
    desc: str,
    ident: str,
) -> str:
    """Intervals as bars with their expected value, and an observed value as a diamond."""
    row_h, left, width = 40, 250, 760
    height = 40 + row_h * len(rows)
    plot_w = width - left - 80
    peak = _nice_max(max([1.0, *(max(r[3], r[4] or 0) for r in rows)]))

    def x(v: float) -> float:
        return left + v / peak * plot_w

    out = _open(width, height, title, desc, ident)
    for tick in (0, peak / 2, peak):
        out.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="8" y2="{height - 22}" '
            f'stroke="#d9e2ec"/><text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle" '
            f'fill="{MUTED}">{_fmt(tick)}</text>'
        )
    for i, (label, low, expected, high, observed) in enumerate(rows):
        cy = 26 + i * row_h
        out.append(
            f'<text x="{left - 8}" y="{cy + 4}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{x(low):.1f}" y="{cy - 8}" width="{max(2.0, x(high) - x(low)):.1f}" '
            f'height="16" fill="{BAND}" stroke="{ACCENT}"/>'
            f'<line x1="{x(expected):.1f}" x2="{x(expected):.1f}" y1="{cy - 10}" y2="{cy + 10}" '
            f'stroke="{ACCENT}" stroke-width="3"/>'
            f'<text x="{x(high) + 6:.1f}" y="{cy + 4}" fill="{MUTED}">'
            f"{_fmt(low)}&#8211;{_fmt(high)}</text>"
        )
        if observed is not None:
            ox = x(observed)
            out.append(
                f'<path d="M{ox:.1f},{cy - 9} L{ox + 7:.1f},{cy} L{ox:.1f},{cy + 9} '
                f'L{ox - 7:.1f},{cy} Z" '
                f'fill="{ALERT}"><title>observed {_fmt(observed)}</title></path>'
            )
    out.append("</svg>")
    return "".join(out)


def backlog_line(
    points: Sequence[tuple[str, int]],
    *,
    title: str,
    desc: str,
    ident: str = "backlog",
) -> str:
    """Open cases at the end of each recent day."""
    width, height, left, bottom, top = 760, 220, 56, 36, 16
    plot_w, plot_h = width - left - 16, height - top - bottom
    peak = _nice_max(max([1, *(v for _, v in points)]))
    n = max(2, len(points))

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i / (n - 1) * plot_w, top + plot_h - v / peak * plot_h

    out = _open(width, height, title, desc, ident)
    for tick in (0, peak / 2, peak):
        _, ty = xy(0, tick)
        out.append(
            f'<line x1="{left}" x2="{width - 16}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#d9e2ec"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{_fmt(tick)}</text>"
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{xy(i, v)[0]:.1f},{xy(i, v)[1]:.1f}"
        for i, (_, v) in enumerate(points)
    )
    out.append(f'<path d="{path}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>')
    for i in sorted({0, len(points) - 1}):
        if 0 <= i < len(points):
            px, _ = xy(i, 0)
            out.append(
                f'<text x="{px:.1f}" y="{height - 12}" text-anchor="{_anchor(i, len(points))}" '
                f'fill="{MUTED}">{escape(points[i][0])}</text>'
            )
    out.append("</svg>")
    return "".join(out)
