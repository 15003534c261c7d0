"""Server-rendered inline SVG charts for the admin dashboard (no JavaScript, no CDN)."""

from __future__ import annotations

import datetime as dt

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#417690", "#e0a526", "#70bf2b", "#ba2121", "#8e6cc0", "#5b8a9a")

WIDTH, HEIGHT = 560, 190
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 42


def _n(value: float) -> str:
    return f"{value:.1f}"


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    days: list[dt.date],
    series: dict[str, list[int]],
    unit: str = "",
) -> SafeString:
    """A stacked daily bar chart with a y-axis maximum, date ticks, tooltips and a legend."""
    names = list(series)
    totals = [sum(series[name][i] for name in names) for i in range(len(days))]
    peak = max([*totals, 1])
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(days), 1)
    bar = max(slot * 0.7, 1)
    parts: list[str] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="mwork-chart" id="chart-{}" '
            'data-chart="{}" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">',
            chart_id,
            chart_id,
            WIDTH,
            HEIGHT,
            title,
        ),
        format_html("<title>{}</title>", title),
        # axes and the y maximum
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999" stroke-width="1"/>',
            LEFT,
            TOP + plot_height,
            WIDTH - RIGHT,
            TOP + plot_height,
        ),
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd" stroke-dasharray="3 3"/>',
            LEFT,
            TOP,
            WIDTH - RIGHT,
            TOP,
        ),
        format_html(
            '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#666">{}</text>',
            LEFT - 4,
            TOP + 8,
            f"{peak:,}".replace(",", " "),
        ),
        format_html(
            '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#666">0</text>',
            LEFT - 4,
            TOP + plot_height,
        ),
    ]
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar) / 2
        y = TOP + plot_height
        for color_index, name in enumerate(names):
            value = series[name][index]
            if value <= 0:
                continue
            height = value / peak * plot_height
            y -= height
            parts.append(
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
                    value,
                    unit,
                )
            )
        if index % 5 == 0 or index == len(days) - 1:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="9" text-anchor="middle" fill="#666">{}</text>',
                    _n(x + bar / 2),
                    TOP + plot_height + 12,
                    day.strftime("%d.%m"),
                )
            )
    legend_x = LEFT
    for color_index, name in enumerate(names):
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
                sum(series[name]),
            )
        )
        legend_x += 14 + 8 * (len(escape(name)) + len(str(sum(series[name]))) + 3)
    parts.append("</svg>")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every value escaped
