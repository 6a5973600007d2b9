"""Enforce in the database that a grant's phase belongs to the grant's programme.

PostgreSQL gets a composite foreign key onto the unique (programme, id) pair of
the phase table. SQLite cannot add constraints to an existing table, so it gets
triggers instead. Note for later migrations: when Django rebuilds
programme_grant or programme_phase on SQLite (to alter a field), the triggers
are dropped with the old table and must be created again; the tests of this
rule run on both databases and would catch that.
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    """
    ALTER TABLE programme_grant
    ADD CONSTRAINT grant_phase_in_same_programme
    FOREIGN KEY (programme_id, phase_id) REFERENCES programme_phase (programme_id, id)
    """,
]
POSTGRESQL_BACKWARD = [
    "ALTER TABLE programme_grant DROP CONSTRAINT grant_phase_in_same_programme",
]

SQLITE_GRANT_CHECK = """
    WHEN NEW.phase_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM programme_phase
        WHERE programme_phase.id = NEW.phase_id
        AND programme_phase.programme_id = NEW.programme_id
    )
    BEGIN SELECT RAISE(ABORT, 'grant_phase_in_same_programme'); END
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER grant_phase_in_same_programme_insert BEFORE INSERT ON programme_grant"
    + SQLITE_GRANT_CHECK,
    "CREATE TRIGGER grant_phase_in_same_programme_update"
    " BEFORE UPDATE OF programme_id, phase_id ON programme_grant" + SQLITE_GRANT_CHECK,
    """
    CREATE TRIGGER phase_keeps_grants_in_programme
    BEFORE UPDATE OF programme_id ON programme_phase
    WHEN EXISTS (
        SELECT 1 FROM programme_grant
        WHERE programme_grant.phase_id = NEW.id
        AND programme_grant.programme_id != NEW.programme_id
    )
    BEGIN SELECT RAISE(ABORT, 'grant_phase_in_same_programme'); END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS grant_phase_in_same_programme_insert",
    "DROP TRIGGER IF EXISTS grant_phase_in_same_programme_update",
    "DROP TRIGGER IF EXISTS phase_keeps_grants_in_programme",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("programme", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
