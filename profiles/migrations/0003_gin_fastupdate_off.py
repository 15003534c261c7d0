"""GIN indexes of the catalogue without a pending list (PostgreSQL only).

With `fastupdate` on (PostgreSQL's default), new entries go to an unsorted pending list that
every search scans linearly until VACUUM merges it. At scale 1 right after a load the lists
held 404-430 pages each (all 100,000 category entries, 21,419 search-vector entries), so each
GIN lookup read ~3.4 MB: the trigram + full-text BitmapOr of a name search cost 48 ms instead
of 1 ms, and its cost estimate (3,529 instead of 129) made the planner scan the whole table
instead (docs/perf/explain.md). Profiles are read far more often than written, so entries go
straight into the index; the existing lists are merged once here.
"""

from django.db import migrations

import profiles.db

GIN_INDEXES = (
    "profiles_mp_search_gin",
    "profiles_mp_name_trgm",
    "profiles_mp_categories_gin",
    "profiles_mp_languages_gin",
)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0002_catalogue_order_indexes")]

    operations = [
        profiles.db.PostgresOnlySQL(
            sql=[
                *(f"ALTER INDEX {name} SET (fastupdate = off);" for name in GIN_INDEXES),
                *(f"SELECT gin_clean_pending_list('{name}'::regclass);" for name in GIN_INDEXES),
            ],
            reverse_sql=[f"ALTER INDEX {name} RESET (fastupdate);" for name in GIN_INDEXES],
        ),
    ]
