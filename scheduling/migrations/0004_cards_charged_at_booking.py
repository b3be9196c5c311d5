"""Cards are charged at booking: no more holds on a card to capture or release.

Before, a visit booked at least 48 hours ahead only authorised the card (a funds hold with
the provider's reference), captured by the 48-hour sweep or released by a cancellation.
Now the card is charged at booking and a cancellation in time gives credit. Released holds
have no place in the new model, and an authorisation still waiting would be made final
without ever being captured, so the migration stops if the database has either. The only
provider there has been is the sandbox, which takes no money: such a database is test data
and can be made again (`make clean`, then `make run`).
"""

from django.db import migrations, models


def refuse_card_holds_of_the_old_model(apps, schema_editor):
    LedgerEntry = apps.get_model("scheduling", "LedgerEntry")
    Visit = apps.get_model("scheduling", "Visit")
    released = LedgerEntry.objects.filter(kind="release").count()
    released += Visit.objects.filter(card_state="released").count()
    waiting = (
        Visit.objects.filter(card_state="held", ledger_entries__kind="funds_hold")
        .exclude(ledger_entries__provider_reference="")
        .count()
    )
    if released or waiting:
        raise RuntimeError(
            f"This database has {released} released card hold(s) and {waiting} card "
            "authorisation(s) not yet captured, from before cards were charged at booking. "
            "Only the sandbox provider (no money taken) could have made them: recreate the "
            "database (make clean, then make run) and migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_visit_revision"),
    ]

    operations = [
        migrations.RunPython(refuse_card_holds_of_the_old_model, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="ledgerentry",
            name="ledger_amounts_match_kind",
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("payment", "Card payment"),
                    ("funds_hold", "Held for the visit"),
                    ("charge", "Final charge"),
                    ("credit", "Credit"),
                    ("credit_use", "Credit used"),
                ],
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="card_state",
            field=models.CharField(
                choices=[
                    ("none", "No card payment"),
                    ("held", "Paid by card, comes back as credit if cancelled in time"),
                    ("charged", "Paid by card, final"),
                    ("credited", "Paid by card, given back as credit"),
                ],
                default="none",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amount_cents__gt", 0), ("card_amount_cents", 0), ("kind", "credit")),
                    models.Q(
                        ("amount_cents__lt", 0), ("card_amount_cents", 0), ("kind", "credit_use")
                    ),
                    models.Q(
                        ("amount_cents", 0),
                        ("card_amount_cents__gt", 0),
                        ("kind__in", ["payment", "funds_hold", "charge"]),
                    ),
                    _connector="OR",
                ),
                name="ledger_amounts_match_kind",
            ),
        ),
    ]
