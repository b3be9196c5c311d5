"""Console users set up an authenticator right after following a link emailed to them,
get backup codes, and enter a code (or a backup code) every time."""

import re
from base64 import b32encode
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor as services
from review.tests.factories import (
    NEW_PASSWORD,
    current_code,
    otp_login,
    set_password_by_link,
    totp_device,
)

SETUP = reverse("review:otp_setup")
VERIFY = reverse("review:otp_verify")
BACKUP = reverse("review:backup_codes")
HOME = reverse("review:home")
QR = 'src="data:image/svg+xml'
BY_LINK = "right after following the link we emailed you"


def grouped_secret(device):
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def shown_codes(page) -> list[str]:
    return re.findall(r'<code class="site-secret">(\w+)</code>', page.text)


def enrol(client, user, next_url=""):
    """Choose a password by the emailed link, then confirm the authenticator."""
    set_password_by_link(client, user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    return client.post(SETUP, {"code": current_code(device), "next": next_url})


# Setting up only from the emailed link ------------------------------------------------


def test_a_password_alone_cannot_set_up_an_authenticator(client, staff_a):
    client.force_login(staff_a)

    page = client.get(SETUP)

    assert page.status_code == 403
    assert QR not in page.text
    assert BY_LINK in page.text
    assert f'href="{reverse("accounts:password_reset")}"' in page.text
    assert "Forgot your password? Get a new link" in page.text
    assert not TOTPDevice.objects.exists()


def test_a_password_alone_cannot_confirm_a_secret_seen_before(client, reviewer):
    device = totp_device(reviewer, confirmed=False)
    client.force_login(reviewer)

    page = client.post(SETUP, {"code": current_code(device)})

    assert page.status_code == 403
    assert BY_LINK in page.text
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(HOME).url.startswith(SETUP)


def test_the_staff_invitation_link_leads_to_the_set_up(
    db, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_staff", "sam@operator.org", "--reviewer", stdout=StringIO())
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/\S+/)", mailoutbox[0].body)
    form_page = client.get(link.group(1), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == SETUP
    assert "Your password is set." in response.text
    assert QR in response.text
    device = TOTPDevice.objects.get(user__email="sam@operator.org")
    assert grouped_secret(device) in response.text


def test_forgot_password_link_opens_the_set_up_for_someone_signed_in_by_password(
    client, staff_a, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)
    assert QR not in client.get(SETUP).text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": staff_a.email})
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/\S+/)", mailoutbox[0].body)
    form_page = client.get(link.group(1), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.url == SETUP
    assert QR in client.get(SETUP).text


def test_after_the_link_the_set_up_shows_the_secret_and_a_qr_code(client, staff_a):
    set_password_by_link(client, staff_a)

    page = client.get(SETUP)

    device = TOTPDevice.objects.get(user=staff_a)
    assert not device.confirmed
    assert QR in page.text
    assert grouped_secret(device) in page.text
    # Coming back before confirming shows the same secret, not a new device.
    assert grouped_secret(device) in client.get(SETUP).text
    assert TOTPDevice.objects.filter(user=staff_a).count() == 1


def test_a_secret_shown_before_the_link_is_not_the_one_set_up(client, staff_a):
    seen_before = totp_device(staff_a, confirmed=False)

    set_password_by_link(client, staff_a)
    page = client.get(SETUP)

    assert grouped_secret(seen_before) not in page.text
    assert not TOTPDevice.objects.filter(pk=seen_before.pk).exists()


def test_the_set_up_closes_30_minutes_after_the_link(client, staff_a):
    with time_machine.travel("2026-03-02 10:00:00 +0000", tick=False) as clock:
        set_password_by_link(client, staff_a)
        clock.move_to("2026-03-02 10:29:00 +0000")
        assert QR in client.get(SETUP).text
        clock.move_to("2026-03-02 10:30:01 +0000")
        device = TOTPDevice.objects.get(user=staff_a)
        page = client.post(SETUP, {"code": current_code(device)})

    assert page.status_code == 403
    assert QR not in page.text
    assert BY_LINK in page.text
    device.refresh_from_db()
    assert not device.confirmed


def test_a_wrong_code_does_not_confirm_the_device(client, staff_a):
    set_password_by_link(client, staff_a)
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


def test_a_letter_in_the_set_up_code_is_an_error_on_the_field(client, staff_a):
    set_password_by_link(client, staff_a)

    page = client.post(SETUP, {"code": "12a456"})

    assert "The code is 6 digits." in page.text


def test_the_right_code_confirms_the_device_and_opens_the_console(client, staff_a):
    page = enrol(client, staff_a, next_url="/console/access/")

    assert page.status_code == 200
    assert "Your authenticator app is set up." in page.text
    assert 'href="/console/access/"' in page.text
    assert TOTPDevice.objects.get(user=staff_a).confirmed
    assert client.get(HOME).status_code == 200
    assert client.get(SETUP).url == VERIFY


def test_after_set_up_the_link_no_longer_allows_another(client, staff_a):
    enrol(client, staff_a)
    # The phone is removed (say an operator did): this session may not add another one.
    TOTPDevice.objects.filter(user=staff_a).delete()

    page = client.get(SETUP)

    assert page.status_code == 403
    assert QR not in page.text
    assert BY_LINK in page.text


def test_a_home_user_choosing_a_password_by_link_gets_no_console(client, home_user):
    response = set_password_by_link(client, home_user)

    assert response.url == reverse("accounts:password_reset_complete")
    assert client.get(SETUP).url.startswith(reverse("accounts:login"))
    client.post(reverse("accounts:login"), {"username": home_user.email, "password": NEW_PASSWORD})
    for url in (SETUP, VERIFY, BACKUP):
        assert client.get(url).status_code == 404, url
    assert not TOTPDevice.objects.exists()


# Backup codes --------------------------------------------------------------------------


def test_enrolling_shows_ten_backup_codes_once(client, staff_a):
    page = enrol(client, staff_a)

    codes = shown_codes(page)
    assert len(codes) == 10
    assert sorted(services.backup_code_digest(code) for code in codes) == sorted(
        StaticToken.objects.filter(device__user=staff_a).values_list("token", flat=True)
    )
    assert "Keep them somewhere safe" in page.text
    assert "Each code works once." in page.text
    assert "no-store" in page["Cache-Control"]
    later = client.get(BACKUP)
    assert "You have 10 unused backup codes." in later.text
    assert shown_codes(later) == []


def test_a_backup_code_signs_in_once(client, reviewer):
    totp_device(reviewer)
    codes = services.second_factor_backup_codes_new(user=reviewer)
    client.force_login(reviewer)
    assert "Lost your phone? Enter one of your backup codes." in client.get(VERIFY).text

    response = client.post(VERIFY, {"code": codes[0].upper(), "next": "/console/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/console/"
    assert "You signed in with a backup code. 9 backup codes are left." in response.text
    client.logout()
    client.force_login(reviewer)
    page = client.post(VERIFY, {"code": codes[0]})
    assert "That backup code did not work." in page.text
    assert client.get(HOME).status_code == 302


def test_wrong_backup_codes_are_throttled(client, reviewer):
    totp_device(reviewer)
    codes = services.second_factor_backup_codes_new(user=reviewer)
    client.force_login(reviewer)
    with time_machine.travel("2026-03-02 10:00:00 +0000", tick=False):
        client.post(VERIFY, {"code": "zzzz2345"})
        page = client.post(VERIFY, {"code": codes[0]})

    assert "That backup code did not work." in page.text
    assert client.get(HOME).status_code == 302


def test_a_code_that_is_neither_is_an_error_on_the_field(client, reviewer):
    totp_device(reviewer)
    client.force_login(reviewer)

    page = client.post(VERIFY, {"code": "12a456"})

    assert (
        "Enter the 6-digit code from your app, or a backup code of 8 letters and digits."
        in page.text
    )


def test_new_backup_codes_replace_the_old_ones(client, reviewer):
    old = services.second_factor_backup_codes_new(user=reviewer)
    otp_login(client, reviewer)
    home = client.get(HOME)
    assert f'href="{BACKUP}"' in home.text
    assert "You have 10 unused backup codes." in client.get(BACKUP).text

    page = client.post(BACKUP)

    new = shown_codes(page)
    assert len(new) == 10
    assert set(new).isdisjoint(old)
    client.logout()
    client.force_login(reviewer)
    with time_machine.travel("2026-03-02 10:00:00 +0000", tick=False) as clock:
        assert "That backup code did not work." in client.post(VERIFY, {"code": old[0]}).text
        clock.shift(2)  # past the wait after a wrong code
        assert client.post(VERIFY, {"code": new[0]}).url == HOME
        assert "You have 9 unused backup codes." in client.get(BACKUP).text


def test_backup_codes_page_asks_for_the_second_factor_first(client, reviewer):
    totp_device(reviewer)
    old = services.second_factor_backup_codes_new(user=reviewer)
    client.force_login(reviewer)

    response = client.post(BACKUP)

    assert response.url.startswith(VERIFY)
    assert sorted(services.backup_code_digest(code) for code in old) == sorted(
        StaticToken.objects.values_list("token", flat=True)
    )


def test_the_database_keeps_no_backup_code_in_clear(client, reviewer):
    totp_device(reviewer)
    codes = services.second_factor_backup_codes_new(user=reviewer)
    kept = list(StaticToken.objects.values_list("token", flat=True))

    assert set(kept).isdisjoint(codes)
    assert not any(code in stored for code in codes for stored in kept)
    client.force_login(reviewer)
    with time_machine.travel("2026-03-02 10:00:00 +0000", tick=False) as clock:
        # What a copy of the database shows does not sign in; the code shown once does.
        refused = client.post(VERIFY, {"code": kept[0]})
        assert refused.status_code == 200
        assert "backup code" in refused.text
        assert client.get(HOME).url.startswith(VERIFY)
        clock.shift(2)  # past any wait after a wrong code
        assert client.post(VERIFY, {"code": codes[0]}).url == HOME


# Every sign-in ---------------------------------------------------------------------


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


def test_an_already_verified_user_is_not_asked_again(client, reviewer):
    otp_login(client, reviewer)

    assert client.get(VERIFY + "?next=/console/identity/").url == "/console/identity/"


@pytest.mark.django_db(transaction=True)
def test_codes_made_before_they_were_hashed_keep_working(reviewer):
    """Migration review 0002 hashes the codes a database already holds, in place."""
    executor = MigrationExecutor(connection)
    executor.migrate([("review", "0001_initial")])
    device = StaticDevice.objects.create(user=reviewer, name="Backup codes", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd2345")  # as kept before, in clear

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(StaticToken.objects.values_list("token", flat=True)) == [
        services.backup_code_digest("abcd2345")
    ]
    assert services.second_factor_verify(user=reviewer, token="ABCD2345") == device
    assert not StaticToken.objects.exists()  # used once
