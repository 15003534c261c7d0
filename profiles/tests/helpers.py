from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    return body["error"]


def list_url(**params: Any) -> str:
    url = reverse("profiles:model-list")
    return f"{url}?{urlencode(params)}" if params else url


def detail_url(profile_id: Any) -> str:
    return reverse("profiles:model-detail", args=[profile_id])


def promoted_url(**params: Any) -> str:
    url = reverse("profiles:model-promoted")
    return f"{url}?{urlencode(params)}" if params else url
