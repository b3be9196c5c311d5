"""Console users set up an authenticator on first sign-in and enter a code every time."""

from base64 import b32encode

import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from review.tests.factories import current_code, otp_login, totp_device

SETUP = reverse("review:otp_setup")
VERIFY = reverse("review:otp_verify")
HOME = reverse("review:home")


def test_first_sign_in_shows_the_secret_and_a_qr_code(client, staff_a):
    client.force_login(staff_a)

    page = client.get(SETUP)

    device = TOTPDevice.objects.get(user=staff_a)
    assert not device.confirmed
    assert 'src="data:image/svg+xml' in page.text
    secret = b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in page.text
    # Coming back before confirming shows the same secret, not a new device.
    assert grouped in client.get(SETUP).text
    assert TOTPDevice.objects.filter(user=staff_a).count() == 1


def test_a_wrong_code_does_not_confirm_the_device(client, staff_a):
    client.force_login(staff_a)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff_a)
    wrong = str((int(current_code(device)) + 1) % 1_000_000).zfill(6)

    page = client.post(SETUP, {"code": wrong})

    assert page.status_code == 200
    assert "That code did not match" in page.text
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1
    assert client.get(HOME).url.startswith(SETUP)


def test_the_right_code_confirms_the_device_and_opens_the_console(client, staff_a):
    client.force_login(staff_a)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff_a)

    response = client.post(
        SETUP + "?next=/console/access/", {"code": current_code(device), "next": "/console/access/"}
    )

    assert response.status_code == 302
    assert response.url == "/console/access/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    assert client.get(SETUP).url == VERIFY


def test_each_sign_in_asks_for_a_current_code(client, reviewer):
    device = totp_device(reviewer)
    client.force_login(reviewer)
    assert client.get(HOME).url == f"{VERIFY}?next=%2Fconsole%2F"

    response = client.post(VERIFY, {"code": current_code(device), "next": "/console/"})

    assert response.url == "/console/"
    assert client.get(HOME).status_code == 200


def test_a_code_cannot_be_used_twice(client, reviewer):
    device = totp_device(reviewer)
    code = current_code(device)
    client.force_login(reviewer)
    client.post(VERIFY, {"code": code})
    client.logout()
    client.force_login(reviewer)

    page = client.post(VERIFY, {"code": code})

    assert "That code did not work" in page.text
    assert client.get(HOME).status_code == 302


def test_wrong_codes_are_throttled(client, reviewer):
    device = totp_device(reviewer)
    client.force_login(reviewer)
    with time_machine.travel("2026-03-02 10:00:00 +0000", tick=False):
        client.post(VERIFY, {"code": "000000"})
        page = client.post(VERIFY, {"code": current_code(device)})

    assert "That code did not work" in page.text
    assert client.get(HOME).status_code == 302


def test_a_next_address_off_the_site_is_ignored(client, reviewer):
    device = totp_device(reviewer)
    client.force_login(reviewer)

    response = client.post(VERIFY, {"code": current_code(device), "next": "https://evil.example/"})

    assert response.url == HOME


def test_verify_without_a_device_goes_to_setup(client, reviewer):
    client.force_login(reviewer)

    assert client.get(VERIFY).url == SETUP


def test_a_letter_in_the_code_is_an_error_on_the_field(client, reviewer):
    totp_device(reviewer)
    client.force_login(reviewer)

    page = client.post(VERIFY, {"code": "12a456"})

    assert "The code is 6 digits." in page.text


def test_an_already_verified_user_is_not_asked_again(client, reviewer):
    otp_login(client, reviewer)

    assert client.get(VERIFY + "?next=/console/identity/").url == "/console/identity/"
