import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.tests.factories import UserFactory, signup_data
from accounts.tests.pages import text_of
from visitation.errors import DomainError
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db


def verify_link(message) -> str:
    """The path of the verification link in an email's text."""
    match = re.search(r"http://testserver(/accounts/verify/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_verification_email_is_sent_only_after_the_signup_commits(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("accounts:signup"), signup_data())
        assert OutboundEmail.objects.filter(to_email="new.person@example.com").exists()
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.com"]
    assert message.subject == "Confirm your email address"
    assert "The link works for 3 days." in message.body
    assert verify_link(message) in message.alternatives[0][0]
    assert OutboundEmail.objects.get().sent_at is not None


def test_following_the_link_confirms_the_email_and_asks_to_sign_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), signup_data())
    response = client.get(verify_link(mailoutbox[0]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert (
        "Thank you, your email address new.person@example.com is confirmed. "
        "Sign in to continue." in text_of(response)
    )
    assert User.objects.get().email_verified_at is not None
    assert "_auth_user_id" not in client.session  # the link alone does not sign in


def test_following_the_link_signed_in_shows_the_account_confirmed(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), signup_data())
    client.force_login(User.objects.get())
    response = client.get(verify_link(mailoutbox[0]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:home")
    assert "Thank you, your email address new.person@example.com is confirmed." in text_of(response)
    assert "Please confirm your email address" not in text_of(response)


def test_the_link_works_without_being_signed_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), signup_data())
    client.logout()
    client.get(verify_link(mailoutbox[0]))
    assert User.objects.get().email_verified_at is not None


def test_an_expired_link_says_so_clearly(client, mailoutbox, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:signup"), signup_data())
        clock.shift(timedelta(days=3, minutes=1))
        response = client.get(verify_link(mailoutbox[0]))
    assert response.status_code == 400
    assert "This link has expired. Sign in and ask for a new one from your account page." in (
        text_of(response)
    )
    assert User.objects.get().email_verified_at is None


def test_a_link_still_works_just_before_it_expires(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:signup"), signup_data())
        clock.shift(timedelta(days=3, minutes=-1))
        client.get(verify_link(mailoutbox[0]))
    assert User.objects.get().email_verified_at is not None


def test_a_damaged_link_says_so_clearly(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), signup_data())
    response = client.get(verify_link(mailoutbox[0])[:-6] + "xxxxx/")
    assert response.status_code == 400
    assert "This link is not valid. Please copy the whole link from the email." in text_of(response)
    assert User.objects.get().email_verified_at is None


def test_resend_sends_a_new_link_that_works(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_verification"), follow=True)
    assert f"We sent a new link to {user.email}." in text_of(response)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    client.get(verify_link(mailoutbox[0]))
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_resend_is_offered_while_the_email_is_unconfirmed(client):
    client.force_login(UserFactory(email_verified_at=None))
    page = client.get(reverse("accounts:home")).content.decode()
    assert f'action="{reverse("accounts:resend_verification")}"' in page
    assert "Send the link again" in page


def test_resend_sends_nothing_once_confirmed(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(home_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:resend_verification"))
    assert mailoutbox == []


# "Send the link again" is limited: one link per 2 minutes, 5 a day.

RESEND_AT = datetime(2026, 3, 2, 15, 40, tzinfo=UTC)  # 10:40 a.m. in New York


def resend(client, capture, **headers):
    with capture(execute=True):
        return client.post(reverse("accounts:resend_verification"), follow=True, **headers)


def test_a_second_link_within_2_minutes_is_refused_kindly(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(email="new@example.com", email_verified_at=None))
    with time_machine.travel(RESEND_AT, tick=False) as clock:
        resend(client, django_capture_on_commit_callbacks)
        clock.shift(timedelta(minutes=1, seconds=59))
        response = resend(client, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    assert (
        "We sent a link to new@example.com a moment ago. Please check your inbox and spam "
        "folder; you can ask for another link at 10:42 a.m. EST." in text_of(response)
    )
    assert "We sent a new link" not in text_of(response)


def test_a_link_asked_for_right_after_signup_is_refused(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(RESEND_AT, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:signup"), signup_data())
        client.force_login(User.objects.get())
        response = resend(client, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    assert "you can ask for another link at" in text_of(response)


def test_after_2_minutes_a_new_link_is_sent(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    with time_machine.travel(RESEND_AT, tick=False) as clock:
        resend(client, django_capture_on_commit_callbacks)
        clock.shift(timedelta(minutes=2))
        response = resend(client, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    assert f"We sent a new link to {user.email}." in text_of(response)


def test_at_most_5_links_a_day(client, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(email="new@example.com", email_verified_at=None))
    with time_machine.travel(RESEND_AT, tick=False) as clock:
        for _ in range(5):
            resend(client, django_capture_on_commit_callbacks)
            clock.shift(timedelta(minutes=10))
        refused = resend(client, django_capture_on_commit_callbacks)
        clock.move_to(RESEND_AT + timedelta(hours=24, seconds=-1))
        still_refused = resend(client, django_capture_on_commit_callbacks)
        assert len(mailoutbox) == 5
        clock.move_to(RESEND_AT + timedelta(hours=24))
        sent = resend(client, django_capture_on_commit_callbacks)
    assert (
        "We have sent 5 links to new@example.com today. Please check your inbox and spam "
        "folder; you can ask for another link on March 3, 2026, 10:40 a.m. EST." in text_of(refused)
    )
    assert "you can ask for another link on March 3, 2026" in text_of(still_refused)
    assert len(mailoutbox) == 6
    assert "We sent a new link to new@example.com." in text_of(sent)


def test_the_refusal_is_in_spanish_for_a_spanish_speaker(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(email="new@example.com", email_verified_at=None))
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    with time_machine.travel(RESEND_AT, tick=False):
        resend(client, django_capture_on_commit_callbacks, **spanish)
        response = resend(client, django_capture_on_commit_callbacks, **spanish)
    assert len(mailoutbox) == 1
    assert "Revise su bandeja de entrada" in text_of(response)


def test_a_double_click_sends_one_link(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=None)
    first, second = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)
    with (
        time_machine.travel(RESEND_AT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.user_send_verification(user=first)
        with pytest.raises(DomainError):
            services.user_send_verification(user=second)
    assert len(mailoutbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_send_one_link(mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    user = UserFactory(email_verified_at=None)
    start = threading.Barrier(2)
    outcomes = []

    def click():
        try:
            start.wait()
            services.user_send_verification(user=User.objects.get(pk=user.pk))
            outcomes.append("sent")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "sent"]
    assert OutboundEmail.objects.filter(to_email=user.email).count() == 1
