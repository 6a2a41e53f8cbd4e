"""Server-rendered SVG charts (no JavaScript, no CDN): grouped bars and horizontal bars, text escaped.

Styles are presentation attributes on the elements themselves, so a chart looks the same in the back office,
in the annual report's PDF and anywhere an SVG is opened on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

#: Colour-blind-safe palette (Okabe–Ito), one colour per series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 12, 16, 46
TEXT = 'font-family="DejaVu Sans, Arial, sans-serif" fill="#343a40"'
#: Rough width of one character of 11 px text, to keep labels inside the drawing.
CHAR_W = 6.6


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def short(value: float, unit: str = "") -> str:
    """Compact French figure with its unit: 1 200 000 → '1,2 M€', 25 000 → '25 k€', 800 → '800 €'."""
    value = float(value)
    if abs(value) >= 1_000_000:
        text, prefix = f"{value / 1_000_000:.1f}".replace(".0", "").replace(".", ","), "M"
    elif abs(value) >= 1_000:
        thousands = value / 1_000
        text = f"{thousands:.0f}" if thousands == int(thousands) or thousands >= 100 else f"{thousands:.1f}"
        text, prefix = text.replace(".", ","), "k"
    else:
        text, prefix = f"{value:.0f}", ""
    suffix = f"{prefix}{unit}"
    return f"{text}\u202f{suffix}" if suffix else text


def grouped_bars(
    title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], unit: str = ""
) -> Markup:
    """Vertical bars: one group per category, one bar per series, each bar with its value, and a legend."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n_cat = max(len(categories), 1)
    group_w = plot_w / n_cat
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    upright = bar_w >= 44  # room for the value written across the bar's top; else it is written upwards
    highest = max((float(v) for _, values in series for v in values), default=0)
    top = _nice_max(highest * (1.0 if upright else 1.3))
    legend_rows = (len(series) + 1) // 2 if len(series) > 1 else 0
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + 22 * legend_rows}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dee2e6"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" {TEXT}>'
            f"{escape(short(value, unit))}</text>"
        )
    for c, category in enumerate(categories):
        x0 = LEFT + c * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series):
            value = float(values[c]) if c < len(values) else 0.0
            h = plot_h * value / top
            x, y = x0 + s * bar_w, TOP + plot_h - h
            label = short(value, unit)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{_colour(s)}">'
                f"<title>{escape(category)} — {escape(name)} : {escape(label)}</title></rect>"
            )
            if value <= 0:
                continue
            cx = x + bar_w / 2
            if upright:
                parts.append(
                    f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11" {TEXT}>'
                    f"{escape(label)}</text>"
                )
            else:
                parts.append(
                    f'<text transform="translate({cx + 3.5:.1f},{y - 4:.1f}) rotate(-90)" font-size="10" {TEXT}>'
                    f"{escape(label)}</text>"
                )
        parts.append(
            f'<text x="{LEFT + (c + 0.5) * group_w:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" '
            f'font-size="12" {TEXT}>{escape(category)}</text>'
        )
    if legend_rows:
        for s, (name, _) in enumerate(series):
            x, y = LEFT + (s % 2) * (plot_w / 2), HEIGHT - 8 + 22 * (s // 2)
            parts.append(f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" fill="{_colour(s)}"/>')
            parts.append(f'<text x="{x + 16:.1f}" y="{y}" font-size="12" {TEXT}>{escape(_truncate(name, 52))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def horizontal_bars(title: str, items: Sequence[tuple[str, float, str]], maximum: float | None = None) -> Markup:
    """One bar per item (label, value, text written after the bar); one colour, since colour means nothing."""
    row_h = 26
    label_w = min(max((len(label) for label, _, _ in items), default=10) * CHAR_W + 14, 300)
    text_w = max((len(text) for _, _, text in items), default=4) * CHAR_W + 12
    height = TOP + row_h * len(items) + 8
    top = maximum if maximum else _nice_max(max((float(v) for _, v, _ in items), default=0))
    plot_w = max(WIDTH - label_w - text_w - RIGHT, 120)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value, text) in enumerate(items):
        y = TOP + i * row_h
        w = plot_w * float(value) / top if top else 0
        parts.append(
            f'<text x="{label_w - 8:.1f}" y="{y + 15}" text-anchor="end" font-size="11" {TEXT}>'
            f"{escape(_truncate(label, 44))}</text>"
        )
        parts.append(
            f'<rect x="{label_w:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)} : {escape(text)}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="11" {TEXT}>{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
