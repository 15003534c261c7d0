"""Primary and read replica against two real PostgreSQL databases (docs/SCALING.md).

The replica is a logical copy of the test database (pg_dump into a second database), changed
after the copy so that every answer shows which database it came from. A real server runs with
`DATABASE_REPLICA_URL`: the catalogue and the public castings list read the replica; details,
owner pages and every write use the primary.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import psycopg
import pytest
import requests
from django.db import DEFAULT_DB_ALIAS, connection
from django.utils import timezone

from accounts.tokens import tokens_for_user
from castings.models import Casting
from castings.tests.factories import CastingFactory, EmployerProfileFactory, ModelProfileFactory
from mwork.db_router import PrimaryReplicaRouter, on_replica
from profiles.models import ModelProfile
from reliability.faults import database_url_for
from reliability.tests.servers import app_server, server_database_url


def test_without_a_replica_everything_reads_and_writes_the_primary():
    router = PrimaryReplicaRouter()

    assert on_replica(ModelProfile.objects.all()).db == DEFAULT_DB_ALIAS
    assert router.db_for_write(ModelProfile) == DEFAULT_DB_ALIAS
    assert router.allow_migrate("replica", "profiles") is False


def _admin_connection() -> psycopg.Connection:
    settings_dict = connection.settings_dict
    return psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def replica_copy():
    """A logical copy of the test database as it is now (pg_dump into a new database, which
    needs no exclusive access to the source); dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    if not (shutil.which("pg_dump") and shutil.which("psql")):
        pytest.skip("needs pg_dump and psql")
    replica = f"{connection.settings_dict['NAME']}_replica"
    primary_url = database_url_for(connection.settings_dict)
    replica_url = database_url_for({**connection.settings_dict, "NAME": replica})
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{replica}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{replica}"')
    dump = subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("pg_dump"), "--no-owner", "--dbname", primary_url],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("psql"), "-q", "-v", "ON_ERROR_STOP=1", "--dbname", replica_url],
        input=dump,
        check=True,
        capture_output=True,
    )
    yield replica_url
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{replica}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.timeout(90)
@pytest.mark.django_db(transaction=True)
def test_catalogue_reads_the_replica_and_writes_go_to_the_primary(request):
    shared = ModelProfileFactory(name="Aru Copied")
    employer = EmployerProfileFactory().user
    listed = CastingFactory(owner=employer, title="Autumn lookbook in the studio")
    replica_url = request.getfixturevalue("replica_copy")
    # After the copy: a profile and a casting only the primary has, a name only the replica has.
    only_primary = ModelProfileFactory(name="Dana Primary")
    new_casting = CastingFactory(owner=employer, title="Spring campaign on the primary")
    with psycopg.connect(replica_url, autocommit=True) as replica:
        replica.execute(
            "UPDATE profiles_modelprofile SET name = 'Aru On Replica' WHERE id = %s", [shared.id]
        )

    with app_server(
        database_url=server_database_url(),
        redis_url="",
        extra_env={"DATABASE_REPLICA_URL": replica_url},
    ) as server:
        base = f"http://127.0.0.1:{server.port}/api/v1"
        catalogue = requests.get(f"{base}/profiles/models", timeout=10).json()["data"]
        searched = requests.get(f"{base}/profiles/models?search=Aru", timeout=10).json()["data"]
        detail = requests.get(f"{base}/profiles/models/{shared.id}", timeout=10).json()["data"]
        castings = requests.get(f"{base}/castings", timeout=10).json()["data"]
        posted = requests.post(
            f"{base}/castings",
            json={
                "title": "Winter catalogue shoot",
                "description": "Models for a winter catalogue shoot in the studio.",
                "category": "fashion",
                "city": "Almaty",
                "shoot_date": (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            headers={"Authorization": f"Bearer {tokens_for_user(employer).access_token}"},
            timeout=10,
        )
        log = server.log_tail()

    names = {model["name"] for model in catalogue["models"]}
    assert "Aru On Replica" in names, log  # the catalogue reads the replica
    assert only_primary.name not in names and "Aru Copied" not in names
    assert [model["name"] for model in searched["models"]] == ["Aru On Replica"]
    assert detail["model"]["name"] == "Aru Copied"  # a detail page reads the primary
    titles = {casting["title"] for casting in castings["castings"]}
    assert listed.title in titles and new_casting.title not in titles
    assert posted.status_code == 201, posted.text  # a write: on the primary only
    assert Casting.objects.filter(title="Winter catalogue shoot").exists()
    with psycopg.connect(replica_url) as replica:
        on_replica_count = replica.execute(
            "SELECT count(*) FROM castings_casting WHERE title = 'Winter catalogue shoot'"
        ).fetchone()
    assert on_replica_count == (0,)
