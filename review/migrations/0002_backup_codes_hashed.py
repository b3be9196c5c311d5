"""Backup codes are kept as keyed hashes (accounts.second_factor.backup_code_digest), no longer in
clear: the codes already made are hashed in place, so they keep working."""

from base64 import b32encode

from django.db import migrations
from django.utils.crypto import salted_hmac

# A copy of accounts.second_factor.backup_code_digest as it was when this migration was written.
SALT = "review.backup-code"


def _digest(code: str) -> str:
    digest = salted_hmac(SALT, code.strip().lower(), algorithm="sha256").digest()
    return b32encode(digest[:10]).decode().lower()


def hash_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().iterator():
        token.token = _digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # A hash cannot be turned back into its code: going back leaves the hashes, which no
    # code matches, so staff make a new set after signing in with their app.
    operations = [migrations.RunPython(hash_codes, migrations.RunPython.noop)]
