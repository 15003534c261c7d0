"""PostgreSQL only: a stored, generated tsvector over title and description, GIN-indexed.

It is not a model field (SQLite has no tsvector; search there is a substring match), so
`makemigrations` never sees it. `castings.selectors._search_condition` queries it with raw SQL.
"""

from django.db import migrations

FORWARD = [
    """
    ALTER TABLE castings_casting ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        to_tsvector('pg_catalog.simple', coalesce(title, '') || ' ' || coalesce(description, ''))
    ) STORED
    """,
    "CREATE INDEX casting_search_gin ON castings_casting USING GIN (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS casting_search_gin",
    "ALTER TABLE castings_casting DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("castings", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
