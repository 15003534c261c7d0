from __future__ import annotations

from django.urls import reverse


def url(name: str, *args) -> str:
    return reverse(f"agencies:{name}", args=args)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    return body["error"]
