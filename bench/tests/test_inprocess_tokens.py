"""The in-process bench times each request as a session's later one: its token already verified."""

from __future__ import annotations

from accounts.tokens import _verified
from bench.inprocess import _Scenario
from bench.load import Request
from conftest import access_token_for


def test_each_sample_token_is_verified_before_it_is_timed(make_user):
    tokens = [access_token_for(make_user()) for _ in range(3)]
    requests = [Request("GET", "/api/v1/chat/rooms", token=token) for token in tokens]
    _verified.cache_clear()

    scenario = _Scenario(requests, samples=2, warmup=1, write=False)

    assert [r.token for r in scenario.chosen] == tokens[1:]
    assert _verified.cache_info().currsize == 2
    for token in tokens[1:]:
        hits = _verified.cache_info().hits
        _verified(token)
        assert _verified.cache_info().hits == hits + 1
