"""Server-rendered inline SVG charts for the admin dashboard (no JavaScript, no CDN)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from mwork.formats import thousands

PALETTE = ("#417690", "#e0a526", "#70bf2b", "#ba2121", "#8e6cc0", "#5b8a9a")

WIDTH, HEIGHT = 560, 190
RIGHT, TOP, BOTTOM = 10, 10, 42
AXIS_FONT = 10
# Widest digit of the admin's sans-serif at AXIS_FONT px, rounded up: the y labels' column is
# sized from their length so "155 000" is never cut off.
AXIS_CHAR_WIDTH = 6.5


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 2.5, 5 times 10^n that is at least `value` (axis maximum)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def _n(value: float) -> str:
    return f"{value:.1f}"


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    days: list[dt.date],
    series: dict[str, list[int]],
    unit: str = "",
    day_url: Callable[[dt.date], str] | None = None,
) -> SafeString:
    """A stacked daily bar chart: y axis with 0, half and a round maximum, date ticks,
    tooltips, a legend with totals, and each day's bars linking to `day_url(day)`."""
    names = list(series)
    totals = [sum(series[name][i] for name in names) for i in range(len(days))]
    peak = nice_ceiling(max([*totals, 1]))
    ticks = [0, peak / 2, peak] if peak >= 2 and peak % 2 == 0 else [0, peak]
    labels = [thousands(tick) for tick in ticks]
    left = math.ceil(8 + AXIS_CHAR_WIDTH * max(len(label) for label in labels))
    plot_width = WIDTH - left - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(days), 1)
    bar = max(slot * 0.7, 1)
    parts: list[str] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="mwork-chart" id="chart-{}" '
            'data-chart="{}" data-axis-max="{}" viewBox="0 0 {} {}" width="100%" role="img" '
            'aria-label="{}">',
            chart_id,
            chart_id,
            peak,
            WIDTH,
            HEIGHT,
            title,
        ),
        format_html("<title>{}</title>", title),
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999" stroke-width="1"/>',
            left,
            TOP + plot_height,
            WIDTH - RIGHT,
            TOP + plot_height,
        ),
    ]
    for tick, label in zip(ticks, labels, strict=True):
        y = TOP + plot_height - tick / peak * plot_height
        if tick:
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd" stroke-dasharray="3 3"/>',
                    left,
                    _n(y),
                    WIDTH - RIGHT,
                    _n(y),
                )
            )
        parts.append(
            format_html(
                '<text class="axis-label" x="{}" y="{}" font-size="{}" text-anchor="end" '
                'fill="#666">{}</text>',
                left - 4,
                _n(y + (8 if tick == peak else 0)),
                AXIS_FONT,
                label,
            )
        )
    for index, day in enumerate(days):
        x = left + index * slot + (slot - bar) / 2
        y = TOP + plot_height
        bars: list[str] = []
        for color_index, name in enumerate(names):
            value = series[name][index]
            if value <= 0:
                continue
            height = value / peak * plot_height
            y -= height
            bars.append(
                format_html(
                    '<rect class="bar" x="{}" y="{}" width="{}" height="{}" '
                    'fill="{}" data-series="{}" data-value="{}"><title>{} {}: {}{}</title></rect>',
                    _n(x),
                    _n(y),
                    _n(bar),
                    _n(height),
                    PALETTE[color_index % len(PALETTE)],
                    name,
                    value,
                    day.strftime("%d.%m"),
                    name,
                    thousands(value),
                    unit,
                )
            )
        if bars and day_url is not None:
            parts.append(format_html('<a href="{}" class="day-link">', day_url(day)))
            parts.extend(bars)
            parts.append("</a>")
        else:
            parts.extend(bars)
        if index % 5 == 0 or index == len(days) - 1:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="9" text-anchor="middle" fill="#666">{}</text>',
                    _n(x + bar / 2),
                    TOP + plot_height + 12,
                    day.strftime("%d.%m"),
                )
            )
    legend_x = left
    for color_index, name in enumerate(names):
        total = thousands(sum(series[name]))
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11" fill="#333">{} ({})</text>',
                legend_x,
                HEIGHT - 14,
                PALETTE[color_index % len(PALETTE)],
                legend_x + 14,
                HEIGHT - 5,
                name,
                total,
            )
        )
        legend_x += 14 + 7 * (len(name) + len(total) + 3)
    parts.append("</svg>")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every value escaped
