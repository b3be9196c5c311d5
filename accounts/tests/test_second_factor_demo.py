"""In the demo a newcomer can still pass the second factor: known devices, printed codes."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import demo as accounts_demo
from accounts import second_factor_demo as demo
from accounts.tests.factories import current_code
from facilities import demo as facilities_demo


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    accounts_demo.seed(password="visit-demo-2026")
    facilities_demo.seed(password="visit-demo-2026")
    return demo.seed(password="visit-demo-2026")


def test_every_demo_console_account_gets_a_known_confirmed_device(seeded):
    devices = TOTPDevice.objects.filter(name=demo.DEMO_DEVICE_NAME).select_related("user")

    emails = sorted(device.user.email for device in devices)
    assert "reviewer@demo.visits" in emails
    for code in ("tx", "ga", "ca"):
        assert f"staff@{code}.demo.visits" in emails
        assert f"admin@{code}.demo.visits" in emails
    assert all(device.confirmed and device.key == demo.DEMO_KEY_HEX for device in devices)
    assert "operator@demo.visits" in emails  # the Django admin asks for it too
    assert not any(email.startswith(("approved@", "pending@")) for email in emails)
    assert demo.DEMO_SECRET in seeded[0][1]


def test_seeding_twice_adds_no_device(seeded):
    count = TOTPDevice.objects.count()

    demo.seed(password="visit-demo-2026")

    assert TOTPDevice.objects.count() == count


def test_no_device_is_made_with_debug_off(db, settings):
    settings.DEBUG = True
    accounts_demo.seed(password="visit-demo-2026")
    settings.DEBUG = False

    assert demo.seed(password="visit-demo-2026") == []
    assert not TOTPDevice.objects.exists()


def test_demo_without_facilities_still_covers_the_reviewer_and_the_operator(db, settings):
    settings.DEBUG = True
    accounts_demo.seed(password="visit-demo-2026")

    demo.seed(password="visit-demo-2026")

    emails = TOTPDevice.objects.order_by("user__email").values_list("user__email", flat=True)
    assert list(emails) == ["operator@demo.visits", "reviewer@demo.visits"]


@time_machine.travel("2026-03-02 15:00:10 +0000", tick=False)
def test_demo_totp_prints_the_current_code_that_signs_in(seeded, client):
    out = StringIO()
    call_command("demo_totp", stdout=out)
    lines = out.getvalue().splitlines()
    reviewer_line = next(line for line in lines if "reviewer@demo.visits" in line)
    code = reviewer_line.split()[-1]
    device = TOTPDevice.objects.get(user__email="reviewer@demo.visits")
    assert code == current_code(device)

    client.post(
        reverse("accounts:login"),
        {"username": "reviewer@demo.visits", "password": "visit-demo-2026"},
    )
    assert client.get(reverse("review:home")).url.startswith(reverse("review:otp_verify"))
    response = client.post(reverse("review:otp_verify"), {"code": code})
    assert response.url == reverse("review:home")
    assert client.get(reverse("review:identity_queue")).status_code == 200


def test_demo_totp_refuses_with_debug_off(seeded, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("demo_totp", stdout=StringIO())


def test_the_demo_secret_is_the_key_the_devices_use():
    assert TOTP(bytes.fromhex(demo.DEMO_KEY_HEX)).token() >= 0
    assert demo.DEMO_SECRET == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
