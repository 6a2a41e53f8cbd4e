"""Server-rendered SVG charts (no JavaScript, no CDN): grouped bars and horizontal bars, text escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

#: Colour-blind-safe palette (Okabe–Ito), one colour per series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 88, 12, 16, 46


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _short(value: float) -> str:
    """Axis tick text: 1 200 000 → '1,2 M', 25 000 → '25 k'."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f} M".replace(".0 ", " ").replace(".", ",")
    if abs(value) >= 1_000:
        thousands = value / 1_000
        text = f"{thousands:.0f}" if thousands == int(thousands) else f"{thousands:.1f}".replace(".", ",")
        return f"{text} k"
    return f"{value:.0f}"


def grouped_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    fmt: Callable[[float], str] = _short,
) -> Markup:
    """Vertical bars: one group per category, one bar per series, with a legend and tooltips."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((float(v) for _, values in series for v in values), default=0))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + 22 * ((len(series) + 1) // 2)}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        tick = escape(_short(value))
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>')
    n_cat = max(len(categories), 1)
    group_w = plot_w / n_cat
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    for c, category in enumerate(categories):
        x0 = LEFT + c * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series):
            value = float(values[c]) if c < len(values) else 0.0
            h = plot_h * value / top
            x, y = x0 + s * bar_w, TOP + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{_colour(s)}">'
                f"<title>{escape(category)} — {escape(name)} : {escape(fmt(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{LEFT + (c + 0.5) * group_w:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" class="tick">'
            f"{escape(category)}</text>"
        )
    for s, (name, _) in enumerate(series):
        x, y = LEFT + (s % 2) * (plot_w / 2), HEIGHT - 8 + 22 * (s // 2)
        parts.append(f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{y}" class="legend">{escape(_truncate(name, 48))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def horizontal_bars(title: str, items: Sequence[tuple[str, float, str]], maximum: float | None = None) -> Markup:
    """One bar per item (label, value, text shown at the bar's end)."""
    row_h, label_w = 26, 250
    height = TOP + row_h * len(items) + 8
    top = maximum if maximum else _nice_max(max((float(v) for _, v, _ in items), default=0))
    plot_w = WIDTH - label_w - 90
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value, text) in enumerate(items):
        y = TOP + i * row_h
        w = plot_w * float(value) / top if top else 0
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="label">{escape(_truncate(label, 40))}'
            "</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[i % len(PALETTE)]}">'
            f"<title>{escape(label)} : {escape(text)}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" class="value">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
