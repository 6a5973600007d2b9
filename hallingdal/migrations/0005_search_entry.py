"""The search index: one entry per object and language, with GIN indexes on PostgreSQL.

One GIN index per language, since every search reads one language: given a
single index over all of them, PostgreSQL judged reading the table cheaper,
and matched the query against every stored vector, a document's as long as
its text. A new language needs its own index here.

The GIN indexes are not in SearchEntry.Meta.indexes: SQLite cannot create
them, and SQLite rebuilds a table (with every index its model declares)
whenever a later migration alters one of its columns. Fill the search index
with `manage.py update_search_index` once after migrating; saves keep it
current.
"""

import django.contrib.postgres.search
from django.db import migrations, models


LANGUAGES = ("nn", "nb", "en")


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """SQL that only PostgreSQL runs; on other databases the operation does nothing."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("hallingdal", "0004_redirect"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.CharField(max_length=100, verbose_name="source")),
                ("object_id", models.PositiveBigIntegerField(verbose_name="object id")),
                ("language", models.CharField(max_length=8, verbose_name="language")),
                ("title", models.TextField(blank=True, verbose_name="title")),
                ("text", models.TextField(blank=True, verbose_name="text")),
                (
                    "vector",
                    django.contrib.postgres.search.SearchVectorField(
                        editable=False, null=True, verbose_name="search vector"
                    ),
                ),
            ],
            options={
                "verbose_name": "search entry",
                "verbose_name_plural": "search entries",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "object_id", "language"), name="search_entry_unique"
                    )
                ],
            },
        ),
        RunSQLOnPostgreSQL(
            [
                f"CREATE INDEX search_entry_vector_{language} ON hallingdal_searchentry "
                f"USING gin (vector) WITH (fastupdate = off) WHERE language = '{language}'"
                for language in LANGUAGES
            ],
            reverse_sql=[f"DROP INDEX search_entry_vector_{language}" for language in LANGUAGES],
        ),
    ]
