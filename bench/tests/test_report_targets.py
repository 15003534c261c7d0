"""The targets table of `make bench`: x floor, count / page, search SQL, plugged-in rows."""

from bench import report


def _results() -> dict:
    return {
        "inprocess": {
            "floor": {"view_ms": 0.5},
            "castings_list": {"view_ms": 2.5},  # 5x the floor
            "search": {"view_ms": 7.0},  # 14x
        },
        "explain_sql": {
            "castings: city": [
                {"count": False, "ms": 0.05},  # a query before the list (a plan check, say)
                {"count": True, "ms": 0.3},
                {"count": False, "ms": 0.4},
            ],
            "chat: rooms list": [{"count": True, "ms": 0.9}, {"count": False, "ms": 0.3}],
            # a first page: the page is fetched first, then counted
            "models: city": [{"count": False, "ms": 0.5}, {"count": True, "ms": 1.0}],
            "search: nurzh": [{"count": True, "ms": 1.0}, {"count": False, "ms": 2.0}],
            "search: abeno": [{"count": True, "ms": 3.0}, {"count": False, "ms": 3.5}],
        },
    }


def test_target_rows_and_verdicts():
    ws_row = {"target": "ws 300 msg/s: p99", "measured": 80, "limit": 100, "unit": "ms"}
    rows = report.target_rows(
        _results(),
        floor_targets={"castings_list": 6, "search": 12, "apply": 8},
        search_sql_ms=5.0,
        extra=[{**ws_row, "met": True}],
    )

    verdicts = {row["target"]: (row["measured"], row["met"]) for row in rows}
    assert verdicts == {
        "castings_list: in process x floor": (5.0, True),
        "search: in process x floor": (14.0, False),
        "castings: city: count / page query (SQL)": (0.75, True),
        "chat: rooms list: count / page query (SQL)": (3.0, False),
        "models: city: count / page query (SQL)": (2.0, False),
        "search SQL, worst of 2 fragments (search: abeno)": (6.5, False),
        "ws 300 msg/s: p99": (80, True),
    }  # apply was not measured: no row
    assert report.missed(rows) == [
        "search: in process x floor",
        "chat: rooms list: count / page query (SQL)",
        "models: city: count / page query (SQL)",
        "search SQL, worst of 2 fragments (search: abeno)",
    ]
    table = report.targets_table(rows)
    assert table[2] == "| castings_list: in process x floor | 5 x | ≤ 6 x | met |"
    assert "**missed**" in table[3]


def test_rows_from_the_websocket_bench_fit_the_table():
    ws_row = {
        "target": "chat ceiling (uvicorn): p99 < 100 ms",
        "measured": "150 msg/s",
        "met": False,
    }

    table = report.targets_table([ws_row])

    assert table[2] == "| chat ceiling (uvicorn): p99 < 100 ms | 150 msg/s | — | **missed** |"
    assert report.missed([ws_row]) == [ws_row["target"]]


def _ws_step(rate: float, p99: float, cpu: float, *, seconds: float = 20.0, undelivered=0):
    return {
        "rate_target": rate,
        "seconds": seconds,
        "recipient_ms": {"99": p99},
        "undelivered": undelivered,
        "cpu_ms_per_message": cpu,
    }


def test_chat_targets_are_judged_on_uvicorn_at_300_sustained():
    from bench import ws

    uvicorn = [_ws_step(50, 12, 4.1), _ws_step(300, 70, 2.3, seconds=60), _ws_step(400, 140, 2.0)]
    daphne = [_ws_step(50, 30, 4.0), _ws_step(300, 300, 2.7, seconds=60)]
    runs = {
        "uvicorn": {"steps": uvicorn, "ceiling_msg_s": ws.ceiling(uvicorn)},
        "daphne": {"steps": daphne, "ceiling_msg_s": ws.ceiling(daphne)},
    }

    rows = ws.target_rows({"ws": runs})

    verdicts = {row["target"]: (row["measured"], row["met"]) for row in rows}
    assert verdicts == {
        "chat ceiling (uvicorn): p99 < 100 ms up to 300 msg/s": ("300 msg/s", True),
        "chat at 300 msg/s for 60 s (uvicorn): recipient p99 < 100 ms": ("70 ms over 60 s", True),
        "chat server CPU per message at 300 msg/s (uvicorn) <= 2.5 ms": (
            "2.3 ms (every step: 2.0-4.1)",
            True,
        ),
        "chat: nothing undelivered below the ceiling (uvicorn)": ("0 undelivered in 2 steps", True),
    }  # daphne's steps are shown in the WebSockets table, not judged


def test_a_300_step_shorter_than_a_minute_does_not_meet_the_chat_target():
    from bench import ws

    steps = [_ws_step(300, 70, 2.3, seconds=20)]

    rows = ws.target_rows({"ws": {"uvicorn": {"steps": steps, "ceiling_msg_s": 300.0}}})

    assert [row["met"] for row in rows if "for 60 s" in row["target"]] == [False]
