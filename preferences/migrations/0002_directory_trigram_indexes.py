"""Trigram indexes for the directory of experts' "contains" searches (PostgreSQL only).

``icontains`` compiles on PostgreSQL to ``UPPER(col::text) LIKE UPPER('%term%')``, which no
B-tree can serve: each search read every user (or every institution). A pg_trgm GIN index
on the same ``UPPER(col)`` expression can. pg_trgm and GIN are PostgreSQL's, so these
indexes are created here, outside the models' state, and nothing is done on SQLite (where
the tests also run); ``makemigrations`` does not know of them and stays clean.
"""

from django.db import migrations

# (model label, index name, column)
TRIGRAM_INDEXES = [
    ("accounts.User", "user_first_name_trgm_idx", "first_name"),
    ("accounts.User", "user_last_name_trgm_idx", "last_name"),
    ("access_requests.Organisation", "org_name_trgm_idx", "name"),
    ("access_requests.Organisation", "org_code_trgm_idx", "code"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A trusted extension since PostgreSQL 13: the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Plain SQL: django.contrib.postgres's GinIndex(OpClass(...)) only renders once that
    # app is installed (it registers OpClass as an index wrapper), and it is not needed
    # otherwise.
    q = schema_editor.quote_name
    for label, name, column in TRIGRAM_INDEXES:
        table = apps.get_model(label)._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX {q(name)} ON {q(table)} USING gin (UPPER({q(column)}) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _label, name, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
    # pg_trgm stays: something else may use it, and it costs nothing unused.


class Migration(migrations.Migration):
    dependencies = [
        ("preferences", "0001_initial"),
        ("accounts", "0008_directory_indexes"),
        ("access_requests", "0005_directory_indexes"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
