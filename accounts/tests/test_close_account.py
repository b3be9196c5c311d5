from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import IdentityStatus, User
from accounts.tests.factories import PASSWORD, IdentityDecisionFactory, stored_path
from accounts.tests.pages import field_error, text_of
from facilities.models import AccessRequest, AccessStatus
from facilities.tests.factories import AccessRequestFactory
from scheduling.models import LedgerEntry, Visit, VisitStatus
from scheduling.tests.factories import CreditFactory, VisitFactory
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def family(home_user, facility_a, facility_b):
    """Dana Rivera with an approved identity, access to facility A, a pending request at
    facility B, a past visit, 300 cents of credit, emails and failed sign-ins."""
    home_user.phone = "555-0100"
    home_user.save()
    decision = IdentityDecisionFactory(
        submission__user=home_user, outcome="approved", reason="", sub_reason=""
    )
    AccessRequestFactory(user=home_user, facility=facility_a, status=AccessStatus.APPROVED)
    AccessRequestFactory(user=home_user, facility=facility_b)
    visit = VisitFactory(
        facility=facility_a,
        visitor=home_user,
        starts_at=NOW - timedelta(days=3),
        status=VisitStatus.COMPLETED,
    )
    CreditFactory(user=home_user, amount_cents=300, visit=visit)
    OutboundEmail.objects.create(
        key="sent", to_email="home@example.com", subject="Dana", body_text="Hello Dana"
    )
    OutboundEmail.objects.create(
        key="unsent", to_email="Home@Example.com", subject="x", body_text="y"
    )
    OutboundEmail.objects.create(
        key="other", to_email="other@example.com", subject="x", body_text="y"
    )
    OutboundEmail.objects.filter(key__in=["sent", "other"]).update(sent_at=NOW)
    AccessAttempt.objects.create(
        username="home@example.com", ip_address="10.0.0.1", user_agent="x", failures_since_start=2
    )
    home_user.submission = decision.submission
    return home_user


def close(*args):
    out = StringIO()
    call_command("close_account", *args, stdout=out)
    return out.getvalue()


def refused(*args):
    with pytest.raises(CommandError) as error:
        close(*args)
    return str(error.value)


def test_closing_removes_personal_data_and_documents_and_keeps_money_and_visits(family):
    photos = [stored_path(family.submission.id_image), stored_path(family.submission.selfie_image)]

    output = close("HOME@example.com")

    assert output == (
        f"The account home@example.com is closed (user id {family.pk}).\n"
        "Removed:\n"
        "  name, email, date of birth, address and phone: replaced by a placeholder\n"
        "  identity photos deleted from storage: 2\n"
        "  facility access requests withdrawn: 2\n"
        "  emails to the address emptied or dropped: 2\n"
        "  password and sign-in: removed; every session ends\n"
        "Kept:\n"
        "  visits: 1\n"
        "  ledger entries: 1 (credit left: $3.00)\n"
        "  identity submissions and their decisions, without photos: 1\n"
    )
    user = User.objects.get(pk=family.pk)
    assert user.email == f"closed-{user.pk}@closed.invalid"
    assert (user.first_name, user.last_name) == ("Closed account", f"#{user.pk}")
    assert user.date_of_birth is None
    assert [user.street_address, user.city, user.state, user.zip_code, user.phone] == [""] * 5
    assert not user.is_active and not user.has_usable_password()
    assert user.closed_at == NOW
    assert not any(path.exists() for path in photos)
    submission = user.identity_submissions.get()
    assert submission.status == IdentityStatus.APPROVED
    assert submission.documents_purged_at == NOW
    assert submission.decision.outcome == "approved"
    assert set(AccessRequest.objects.filter(user=user).values_list("status", flat=True)) == {
        AccessStatus.WITHDRAWN
    }
    assert Visit.objects.get().visitor == user
    assert LedgerEntry.objects.get().amount_cents == 300
    assert set(OutboundEmail.objects.values_list("key", "to_email", "body_text")) == {
        ("sent", user.email, ""),
        ("other", "other@example.com", "y"),
    }
    assert not AccessAttempt.objects.exists()


def test_placeholders_are_unique_per_account(family, other_home_user):
    close(family.email)
    close(other_home_user.email)

    assert User.objects.filter(email__endswith="@closed.invalid").count() == 2


def test_dry_run_says_what_would_happen_and_changes_nothing(family):
    output = close("home@example.com", "--dry-run")

    assert output.startswith("The account home@example.com would be closed")
    assert "Removed (would be):\n" in output
    assert "  identity photos deleted from storage: 2\n" in output
    assert output.endswith("Dry run: nothing was changed.\n")
    family.refresh_from_db()
    assert family.is_active and family.email == "home@example.com"
    assert stored_path(family.submission.id_image).exists()


def test_an_unknown_email_is_refused(db):
    assert refused("nobody@example.com") == "No account with the email nobody@example.com."


def test_closing_twice_is_refused(family):
    close(family.email)
    placeholder = User.objects.get(pk=family.pk).email

    assert refused(placeholder) == "This account was closed on 2027-03-01."


@pytest.mark.parametrize("persona", ["staff_a", "reviewer"])
def test_staff_and_reviewer_accounts_are_refused(request, persona):
    user = request.getfixturevalue(persona)

    message = refused(user.email, "--dry-run")

    assert message.endswith("not a home user's: remove its roles in the Django admin instead.")
    user.refresh_from_db()
    assert user.is_active


def test_visits_to_come_must_be_cancelled_first(family, facility_a):
    VisitFactory(facility=facility_a, visitor=family, starts_at=NOW + timedelta(days=2))

    message = refused(family.email)

    assert message == (
        "There is 1 visit to come. Cancel it first (My visits), then close the account."
    )
    family.refresh_from_db()
    assert family.is_active


def test_a_closed_account_cannot_sign_in(family, client):
    close(family.email)

    response = client.post(
        reverse("accounts:login"), {"username": "home@example.com", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


# The page in the person's account.


def test_the_page_says_what_is_removed_and_kept(family, client):
    client.force_login(family)

    page = text_of(client.get(reverse("accounts:close_account")))

    assert "The photos of your ID and of you (2 files)." in page
    assert "Your access to 2 facilities." in page
    assert "1 visit" in page
    assert "You have $3.00 of credit. It cannot be used once your account is closed." in page


def test_the_home_page_links_to_it(home_user, client):
    client.force_login(home_user)

    assert (
        reverse("accounts:close_account") in client.get(reverse("accounts:home")).content.decode()
    )


def test_a_wrong_password_closes_nothing(family, client):
    client.force_login(family)

    response = client.post(reverse("accounts:close_account"), {"password": "not it at all"})

    assert field_error(response, "password") == "This is not your password."
    family.refresh_from_db()
    assert family.is_active


def test_the_password_closes_the_account_and_signs_out_every_session(family, client):
    other_device = client.__class__()
    other_device.force_login(family)
    client.force_login(family)

    response = client.post(reverse("accounts:close_account"), {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "Your account is closed and your personal data is removed." in text_of(response)
    assert User.objects.get(pk=family.pk).closed_at == NOW
    for device in (client, other_device):
        home = device.get(reverse("accounts:home"))
        assert home.status_code == 302
        assert home.url.startswith(reverse("accounts:login"))


def test_with_visits_to_come_the_page_says_so_and_has_no_form(family, client, facility_a):
    VisitFactory(facility=facility_a, visitor=family, starts_at=NOW + timedelta(days=2))
    client.force_login(family)

    page = client.get(reverse("accounts:close_account"))
    posted = client.post(reverse("accounts:close_account"), {"password": PASSWORD})

    assert "There is 1 visit to come. Cancel it first (My visits)" in text_of(page)
    assert 'name="password"' not in page.content.decode()
    assert posted.status_code == 200
    family.refresh_from_db()
    assert family.is_active


def test_staff_are_told_to_ask_an_operator(staff_a, client):
    client.force_login(staff_a)

    page = client.post(reverse("accounts:close_account"), {"password": PASSWORD})

    assert "not a home user's" in text_of(page)
    staff_a.refresh_from_db()
    assert staff_a.is_active


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("accounts:close_account"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_closed_accounts_documents_are_not_left_for_the_retention_run(family):
    close(family.email)

    output = StringIO()
    call_command("purge_identity_documents", stdout=output)

    assert output.getvalue().startswith("Deleted 0 photo files of 0 identity submissions")


def test_help(capsys):
    with pytest.raises(SystemExit):
        call_command("close_account", "--help")

    help_text = " ".join(capsys.readouterr().out.split())
    assert "visits, ledger entries and identity decisions are kept" in help_text
    assert "--dry-run" in help_text
