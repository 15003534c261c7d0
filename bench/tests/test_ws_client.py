"""The WebSocket load client's own bookkeeping (bench/ws.py)."""

import pytest

from bench import ws


@pytest.mark.parametrize("step", [-1, 0, 5])
def test_a_client_id_names_its_step_the_warm_up_included(step):
    # A warm-up message (step -1) shed by the server once killed its socket's reader: its
    # client_id was read as "<tag>--1-<seq>".split("-")[1] == "".
    assert ws._step_of(ws._client_id("0f3a9c1d", step, 42)) == step


def test_client_ids_are_unique_across_steps_and_runs():
    ids = {
        ws._client_id(tag, step, seq) for tag in ("a", "b") for step in (-1, 1) for seq in (1, 11)
    }

    assert len(ids) == 8
