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
