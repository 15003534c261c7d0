"""Migration operations that only run on PostgreSQL and are no-ops elsewhere (SQLite).

The embedded default runs on SQLite, which has no `pg_trgm`, GIN indexes or `tsvector`
triggers; production and CI run PostgreSQL, where the catalogue relies on them.
"""

from __future__ import annotations

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def _is_postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class PostgresOnlyTrigramExtension(TrigramExtension):
    """`CREATE EXTENSION pg_trgm` on PostgreSQL; forwards and backwards no-ops elsewhere."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _is_postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class PostgresOnlySQL(migrations.RunSQL):
    """`RunSQL` that runs only on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _is_postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _is_postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


# Keeps `search_vector` current on every INSERT/UPDATE, whatever the write path (services,
# admin, bulk loaders). Name weighs more than bio in ranking.
SEARCH_VECTOR_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION profiles_modelprofile_search_vector_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('pg_catalog.simple', coalesce(NEW.name, '')), 'A') ||
        setweight(to_tsvector('pg_catalog.simple', coalesce(NEW.bio, '')), 'B');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER profiles_modelprofile_search_vector_trigger
BEFORE INSERT OR UPDATE OF name, bio, search_vector ON profiles_modelprofile
FOR EACH ROW EXECUTE FUNCTION profiles_modelprofile_search_vector_update();
"""

SEARCH_VECTOR_TRIGGER_REVERSE_SQL = """
DROP TRIGGER IF EXISTS profiles_modelprofile_search_vector_trigger ON profiles_modelprofile;
DROP FUNCTION IF EXISTS profiles_modelprofile_search_vector_update();
"""


POSTGRES_INDEXES_SQL = """
CREATE INDEX IF NOT EXISTS profiles_mp_search_gin
    ON profiles_modelprofile USING gin (search_vector);
CREATE INDEX IF NOT EXISTS profiles_mp_name_trgm
    ON profiles_modelprofile USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS profiles_mp_categories_gin
    ON profiles_modelprofile USING gin (categories jsonb_path_ops);
CREATE INDEX IF NOT EXISTS profiles_mp_languages_gin
    ON profiles_modelprofile USING gin (languages jsonb_path_ops);
"""

POSTGRES_INDEXES_REVERSE_SQL = """
DROP INDEX IF EXISTS profiles_mp_search_gin;
DROP INDEX IF EXISTS profiles_mp_name_trgm;
DROP INDEX IF EXISTS profiles_mp_categories_gin;
DROP INDEX IF EXISTS profiles_mp_languages_gin;
"""
