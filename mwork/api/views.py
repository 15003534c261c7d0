"""Platform endpoints that belong to no domain: health, ping."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mwork.api.handlers import error_body
from mwork.api.responses import ok
from mwork.api.schema import api_schema, envelope

logger = logging.getLogger(__name__)

_CHECKS = ("database", "cache", "channel_layer")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.set("health:probe", "1", timeout=5)
    if cache.get("health:probe") != "1":
        raise RuntimeError("cache did not return the probe")


def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    async_to_sync(layer.group_send)("health", {"type": "health.probe"})


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @api_schema(
        responses={200: envelope("Health", {c: serializers.CharField() for c in _CHECKS})},
        errors=(503,),
        summary="Liveness of the database, cache and channel layer",
    )
    def get(self, request):
        results: dict[str, str] = {}
        for name, check in (
            ("database", _check_database),
            ("cache", _check_cache),
            ("channel_layer", _check_channel_layer),
        ):
            try:
                check()
                results[name] = "ok"
            except Exception:
                logger.exception("health check %s failed", name)
                results[name] = "down"
        down = [name for name, state in results.items() if state != "ok"]
        if down:
            details = {name: [state] for name, state in results.items()}
            body = error_body("SERVICE_UNAVAILABLE", f"Unavailable: {', '.join(down)}.", details)
            return Response(body, status=503)
        return ok(results)


class PingView(APIView):
    """The benchmark's floor (docs/PERFORMANCE.md): a no-op through the whole stack.

    Every middleware, the default authentication (a bearer token is still read), permission and
    rate limit run; the view itself does nothing, so its cost is the cost of the framework.
    """

    permission_classes = [AllowAny]

    @api_schema(
        responses={200: envelope("Ping", {"pong": serializers.BooleanField()})},
        errors=(429,),
        summary="No-op: the cost of the middleware, authentication and rate-limit stack",
    )
    def get(self, request):
        return ok({"pong": True})
