"""The API's JSON renderer: DRF's output, written by orjson.

DRF's `JSONRenderer` runs `json.dumps` with its encoder, compact separators, UTF-8 and
`\\u2028`/`\\u2029` escaped. Writing a list page's body that way was about a twentieth of
the request (docs/PERFORMANCE.md, "Bodies written by orjson"); orjson writes the same bytes
in a fraction of the time. What orjson does not write the way DRF does goes through DRF's own
encoder (`default`): datetimes (DRF's ISO form, "Z" for UTC), lazy translations, decimals,
dataclasses (which DRF refuses, as here) and everything else that is not a plain JSON value.
A body orjson refuses (an integer past 64 bits, text that is not valid Unicode) and an
indented body (`Accept: application/json; indent=4`) are written by DRF's renderer itself.
`mwork/tests/test_renderers.py` holds the two to the same bytes.

Two differences are kept, neither in a body the API writes today: a float that is not a
number (NaN, infinity) is written as `null` where DRF's strict renderer fails the request, and
a float's negative exponent has no leading zero (`1e-7`, DRF `1e-07`: the same number).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
_default = JSONEncoder().default  # DRF's: datetimes, lazy text, decimals, querysets...


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # JSON that is also JavaScript, as DRF writes it: the two line separators escaped
        if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
            body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return body
