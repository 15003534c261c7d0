"""The casting team's private side of its pipeline never reaches a model.

Every GET operation of the OpenAPI schema is called, as each model identity of party A, with
every path parameter taken from the world's pools: no answer contains a team's private note on
a response, and no answer tells a model about a shortlist its owner did not tell it about.
"""

from __future__ import annotations

import itertools
import re

import pytest

from castings.models import ResponseNote
from castings.services import response_change_status, response_submit
from mwork.tests.fuzz.harness import load_schema
from mwork.tests.security.world import World

pytestmark = pytest.mark.django_db

MARKER = "PRIVATE-NOTE-7f3a"
MODEL_IDENTITIES = ("model", "invitee", "roster")


def _get_paths(world: World) -> list[str]:
    paths = []
    for template, item in load_schema().raw_schema["paths"].items():
        if "get" not in item:
            continue
        names = re.findall(r"\{(\w+)\}", template)
        pools = [world.pools.get(name, ["00000000-0000-0000-0000-000000000000"]) for name in names]
        for values in itertools.product(*pools):
            path = template
            for name, value in zip(names, values, strict=True):
                path = path.replace("{" + name + "}", value)
            paths.append(path)
    return sorted(set(paths))


def test_no_model_answer_shows_a_note_or_an_untold_shortlist(world, client_for):
    a_model = world.a.model
    # A's model also applied to B's casting; B's team shortlisted it silently and noted it.
    untold = response_submit(actor=a_model, casting=world.b.casting, message="Hello")
    untold = response_change_status(response=untold, status="shortlisted")
    for response in (untold, world.a.response, world.b.response):
        ResponseNote.objects.create(response=response, text=f"{MARKER} {response.id}")
    paths = _get_paths(world)
    problems = []

    for identity in MODEL_IDENTITIES:
        client = client_for(world.users()[identity])
        for path in paths:
            for query in ("", "?status=pending", "?status=shortlisted"):
                answer = client.get(path + query)
                body = answer.content.decode(errors="replace")
                if MARKER in body:
                    problems.append(f"{identity} GET {path}{query}: a private note")
                if "shortlisted" in body and answer.status_code < 400:  # errors echo input
                    problems.append(f"{identity} GET {path}{query}: an untold shortlist")

    assert len(paths) > 40
    assert not problems, "\n".join(problems)
