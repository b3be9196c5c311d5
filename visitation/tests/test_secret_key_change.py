"""Changing SECRET_KEY: with the old key in SECRET_KEY_FALLBACKS, nobody is locked out while
the change is under way (sessions, staff backup codes, enrolled terminals, lobby booking
codes); without it, what the old key made stops working."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import second_factor
from review.tests.factories import totp_device
from scheduling.models import VisitKind
from scheduling.tests.factories import VisitFactory
from video import rooms, terminals
from video.models import TerminalDevice
from video.tests.fixtures import at
from visitation.errors import DomainError

pytestmark = pytest.mark.django_db

OLD = "the-old-key-" + "o" * 40
NEW = "the-new-key-" + "n" * 40


@pytest.fixture
def old_key(settings):
    settings.SECRET_KEY = OLD
    settings.SECRET_KEY_FALLBACKS = []
    return settings


def change_key(settings, *, keep_old: bool):
    settings.SECRET_KEY = NEW
    settings.SECRET_KEY_FALLBACKS = [OLD] if keep_old else []


@pytest.mark.parametrize("keep_old", [True, False])
def test_a_family_stays_signed_in_while_the_old_key_is_a_fallback(
    client, old_key, home_user, keep_old
):
    client.force_login(home_user)
    change_key(old_key, keep_old=keep_old)
    page = client.get(reverse("accounts:details"))
    assert (page.status_code == 200) is keep_old


def test_a_backup_code_made_under_the_old_key_works_while_it_is_a_fallback(old_key, reviewer):
    totp_device(reviewer)
    codes = second_factor.second_factor_backup_codes_new(user=reviewer)
    change_key(old_key, keep_old=True)
    assert second_factor.second_factor_verify(user=reviewer, token=codes[0]).name == "Backup codes"
    with pytest.raises(DomainError, match="That backup code did not work"):
        second_factor.second_factor_verify(user=reviewer, token=codes[0])  # used once
    # A wrong code counts once against the throttle, not once per key.
    assert StaticDevice.objects.get(user=reviewer).throttling_failure_count == 1
    change_key(old_key, keep_old=False)
    with pytest.raises(DomainError, match="That backup code did not work"):
        second_factor.second_factor_verify(user=reviewer, token=codes[1])


def test_new_backup_codes_are_kept_under_the_new_key(old_key, reviewer):
    change_key(old_key, keep_old=True)
    totp_device(reviewer)
    codes = second_factor.second_factor_backup_codes_new(user=reviewer)
    old_key.SECRET_KEY_FALLBACKS = []
    assert second_factor.second_factor_verify(user=reviewer, token=codes[0])


def test_an_enrolled_terminal_keeps_working_and_moves_to_the_new_key(old_key, admin_a, visit_site):
    code = terminals.enrolment_code_create(actor=admin_a, terminal=visit_site.terminals[0])
    device, token = terminals.terminal_enrol(code=code)
    old_hash = device.token_hash
    change_key(old_key, keep_old=False)
    assert terminals.device_for_token(token) is None
    change_key(old_key, keep_old=True)
    assert terminals.device_for_token(token) == device
    assert TerminalDevice.objects.get(pk=device.pk).token_hash != old_hash
    change_key(old_key, keep_old=False)  # the fallback removed after the terminal was seen
    assert terminals.device_for_token(token) == device


def test_an_enrolment_code_made_just_before_the_change_still_works(old_key, admin_a, visit_site):
    code = terminals.enrolment_code_create(actor=admin_a, terminal=visit_site.terminals[0])
    change_key(old_key, keep_old=True)
    device, token = terminals.terminal_enrol(code=code)
    assert terminals.device_for_token(token) == device


@pytest.mark.parametrize("keep_old", [True, False])
def test_a_booking_code_shown_before_the_change_checks_in_at_the_lobby(
    old_key, admin_a, visitor, visit_site, fake_janus, keep_old
):
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        visitor=visitor,
        kind=VisitKind.ONSITE,
        inmate_terminal=visit_site.terminals[0],
        lobby_terminal=visit_site.lobby,
        starts_at=at(14),
        ends_at=at(14) + timedelta(minutes=20),
    )
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
        lobby, _token = terminals.terminal_enrol(
            code=terminals.enrolment_code_create(actor=admin_a, terminal=visit_site.lobby)
        )
    shown = terminals.booking_code(visit)
    change_key(old_key, keep_old=keep_old)
    assert terminals.booking_code(visit) != shown  # the page now shows the new one
    with time_machine.travel(at(13, 55), tick=False):
        if keep_old:
            assert terminals.lobby_check_in(device=lobby, code=shown) == visit
        else:
            with pytest.raises(DomainError, match="No visit at this terminal now has that"):
                terminals.lobby_check_in(device=lobby, code=shown)
