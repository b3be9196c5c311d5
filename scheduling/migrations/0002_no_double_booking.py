"""No terminal, incarcerated person or visitor in two live visits at once, enforced by
PostgreSQL exclusion constraints over half-open ranges [starts_at, ends_at).

Only live statuses (held, booked, checked_in) take part. A hold past its expiry still
counts until it is moved to `expired`; every booking does that for the holds in its way,
inside its transaction, before it inserts (see scheduling/services.py).

On SQLite this migration does nothing: the settings open every transaction with BEGIN
IMMEDIATE, so the services' re-check inside the transaction cannot be raced.
"""

from django.db import migrations

LIVE = "('held', 'booked', 'checked_in')"
CONSTRAINTS = {
    "visit_no_overlap_inmate_terminal": "inmate_terminal_id",
    "visit_no_overlap_lobby_terminal": "lobby_terminal_id",
    "visit_no_overlap_inmate": "inmate_id",
    "visit_no_overlap_visitor": "visitor_id",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE scheduling_visit ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (status IN {LIVE})"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE scheduling_visit DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add_constraints, drop_constraints, elidable=False)]
