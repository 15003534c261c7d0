"""EXPLAIN (ANALYZE, BUFFERS) of every list filter, search and history query, at bench scale.

Each request below goes through the real view in process (Django test client); every SELECT it
runs is explained on the same connection, and the plans are written to
`docs/perf/explain.md` with a one-line summary per query (the access path and the time).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.load import Request

HEADERS = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "127.0.0.1"}


def requests_to_explain(fx: Any) -> list[tuple[str, Request]]:
    """One request per filter of the two catalogues, plus search, chat rooms and history."""
    castings = "/api/v1/castings"
    models = "/api/v1/profiles/models"
    plain = [
        ("castings: no filter (active, newest first)", castings),
        ("castings: city", f"{castings}?city=Almaty"),
        ("castings: category", f"{castings}?category=editorial"),
        ("castings: city + category", f"{castings}?city=Astana&category=fashion"),
        ("castings: gender", f"{castings}?gender=female"),
        ("castings: age range", f"{castings}?min_age=20&max_age=25"),
        ("castings: height range", f"{castings}?min_height=170&max_height=180"),
        ("castings: experience", f"{castings}?experience=beginner"),
        ("castings: pay_min", f"{castings}?pay_min=60000"),
        ("castings: search", f"{castings}?search=runway"),
        ("castings: status=completed", f"{castings}?status=completed"),
        ("castings: ordering=-pay_max", f"{castings}?ordering=-pay_max"),
        ("castings: ordering=shoot_date", f"{castings}?ordering=shoot_date"),
        ("models: no filter", models),
        ("models: city", f"{models}?city=Almaty"),
        ("models: category", f"{models}?category=runway"),
        ("models: gender + age", f"{models}?gender=male&min_age=25&max_age=30"),
        ("models: height range", f"{models}?min_height=175&max_height=180"),
        ("models: experience", f"{models}?experience=experienced"),
        ("models: city + category + gender + age", fx.requests["catalogue"][0].path),
        ("models: ordering=-rating", f"{models}?ordering=-rating"),
        ("models: ordering=-height", f"{models}?ordering=-height"),
        ("models: search (name fragment)", f"{models}?search=nurzh"),
        ("models: search (misspelt name)", f"{models}?search=Nurzhanva"),
    ]
    out = [(title, Request("GET", path)) for title, path in plain]
    out.append(("chat: rooms list", fx.requests["chat_rooms"][0]))
    out.append(("chat: history page", fx.requests["chat_history"][0]))
    # Every fragment the search scenario sends: the search target holds for each of them.
    for request in fx.requests["search"]:
        fragment = request.path.split("search=", 1)[1].replace("%20", " ")
        out.append((f"search: {fragment}", request))
    return out


_TOKEN_USER = 'SELECT "accounts_user"."password"'  # noqa: S105 - a column name
_NODE = re.compile(r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)( using \S+)? on (\S+)")


def _summary(plan: list[str]) -> str:
    nodes = []
    for line in plan:
        match = _NODE.search(line)
        if match:
            nodes.append(f"{match.group(1)}{match.group(2) or ''} on {match.group(3)}")
    time = next((line for line in reversed(plan) if line.startswith("Execution Time")), "")
    return f"{time.replace('Execution Time: ', '')}; " + ", ".join(dict.fromkeys(nodes))


_EXECUTION_MS = re.compile(r"Execution Time: ([0-9.]+) ms")


def explain_all(fx: Any, target: Path) -> tuple[dict[str, list[str]], dict[str, list[dict]]]:
    """Writes `target`; returns the one-line summaries and, per request, each SELECT's
    `{"count": is it the list's count, "ms": execution time}`."""
    client = Client()
    summaries: dict[str, list[str]] = {}
    timings: dict[str, list[dict]] = {}
    sections = []
    for title, request in requests_to_explain(fx):
        extra = dict(HEADERS)
        if request.token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {request.token}"
        client.get(request.path, **extra)  # warm
        with CaptureQueriesContext(connection) as captured:
            response = client.get(request.path, **extra)
        block = [f"### {title}", "", f"`GET {request.path}` → {response.status_code}", ""]
        summaries[title] = []
        timings[title] = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or sql.startswith(_TOKEN_USER):
                continue  # the token's user lookup (primary key) is the same everywhere
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
            summary = _summary(plan)
            summaries[title].append(summary)
            executed = next(
                (m for line in reversed(plan) if (m := _EXECUTION_MS.search(line))), None
            )
            timings[title].append(
                {
                    "count": sql.startswith("SELECT COUNT(*)"),
                    "ms": float(executed.group(1)) if executed else 0.0,
                }
            )
            shown = sql if len(sql) < 1500 else sql[:1500] + " …"
            block += [f"- {summary}", "", "```sql", shown, "```", "", "```", *plan, "```", ""]
        sections.append("\n".join(block))
    target.parent.mkdir(parents=True, exist_ok=True)
    head = (
        "# EXPLAIN (ANALYZE, BUFFERS) of the hot read queries\n\n"
        "Generated by `make bench` (bench/explain.py) against the bench database; each "
        "section is one request through the real view, every SELECT it ran, explained. The "
        "token's user lookup by primary key is left out.\n\n"
    )
    target.write_text(head + "\n".join(sections))
    return summaries, timings
