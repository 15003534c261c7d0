"""Readable admin renderings of JSON-backed values: staff never read or edit raw JSON."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def json_display(value: Any) -> SafeString | str:
    """A dict as a definition list, a list as a bulleted list, a scalar as text ("—" if empty)."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict):
        rows = ((key, _scalar(item)) for key, item in sorted(value.items()))
        return format_html(
            '<dl class="json-display">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
        )
    if isinstance(value, list):
        return format_html(
            '<ul class="json-display">{}</ul>',
            format_html_join("", "<li>{}</li>", ((_scalar(item),) for item in value)),
        )
    return _scalar(value)


def _scalar(value: Any) -> SafeString | str:
    if isinstance(value, dict | list):
        return json_display(value)
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', value, value)
    return str(value)
