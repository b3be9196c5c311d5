import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, IdentitySubmissionFactory, UserFactory
from facilities.models import StaffMembership
from facilities.tests.factories import StaffMembershipFactory
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long passphrase for the console 9"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("create_staff", *args, stdout=out)
        return out.getvalue()

    return run


def refused(*args):
    with pytest.raises(CommandError) as error:
        call_command("create_staff", *args, stdout=StringIO())
    return str(error.value)


def link_in(message) -> str:
    match = re.search(r"http://testserver(/accounts/password-reset/\S+/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_new_officer_gets_no_password_and_an_email_to_choose_one(
    run, facility_a, mailoutbox, client
):
    output = run(
        "Ana.Ruiz@County.gov",
        "--facility",
        facility_a.slug,
        "--role",
        "officer",
        "--first-name",
        "Ana",
        "--last-name",
        "Ruiz",
    )

    user = User.objects.get(email__iexact="ana.ruiz@county.gov")
    assert "Created the account Ana.Ruiz@county.gov (Ana Ruiz)." in output
    assert "  officer at Travis County Jail (travis-county-jail): added" in output
    assert "A link to choose a password is emailed to Ana.Ruiz@county.gov" in output
    assert "No password is set" in output
    assert not user.has_usable_password()
    assert user.time_zone == "America/Chicago"
    assert StaffMembership.objects.get(user=user).role == "officer"
    (message,) = mailoutbox
    assert message.subject == "Your staff account for video visits"
    assert "- Officer at Travis County Jail" in message.body
    assert "The link works for 3 hours and only once." in message.body
    assert "this can only be done within 30 minutes of following the link" in message.body
    assert "then gives you backup codes for when the phone is lost" in message.body

    form_page = client.get(link_in(message), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    signed_in = client.post(
        reverse("accounts:login"), {"username": "ana.ruiz@county.gov", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.get(link_in(message), follow=True).redirect_chain == []


def test_an_administrator_of_two_facilities(run, facility_a, facility_b, mailoutbox):
    output = run(
        "lee@county.gov",
        "--facility",
        facility_a.slug,
        "--facility",
        facility_b.slug,
        "--role",
        "administrator",
    )

    user = User.objects.get(email="lee@county.gov")
    assert set(user.staff_memberships.values_list("facility__slug", "role")) == {
        ("travis-county-jail", "administrator"),
        ("fulton-county-jail", "administrator"),
    }
    assert "administrator at Fulton County Jail (fulton-county-jail): added" in output
    assert "- Facility administrator at Travis County Jail" in mailoutbox[0].body
    assert "- Facility administrator at Fulton County Jail" in mailoutbox[0].body


def test_a_reviewer(run, mailoutbox):
    output = run("sam@operator.org", "--reviewer")

    user = User.objects.get(email="sam@operator.org")
    assert user.is_reviewer
    assert not user.staff_memberships.exists()
    assert "  identity reviewer: added" in output
    assert "- Identity reviewer" in mailoutbox[0].body


def test_an_existing_staff_account_gets_a_facility_and_a_new_role_without_email(
    run, staff_a, facility_a, facility_b, mailoutbox
):
    output = run(
        staff_a.email,
        "--facility",
        facility_a.slug,
        "--facility",
        facility_b.slug,
        "--role",
        "administrator",
    )

    assert "Existing account officer.a@example.com (Alex Officer)." in output
    assert (
        "administrator at Travis County Jail (travis-county-jail): role changed from officer"
        in output
    )
    assert "administrator at Fulton County Jail (fulton-county-jail): added" in output
    assert "The account already has a password: no email sent." in output
    assert set(staff_a.staff_memberships.values_list("facility__slug", "role")) == {
        ("travis-county-jail", "administrator"),
        ("fulton-county-jail", "administrator"),
    }
    assert staff_a.check_password(PASSWORD)
    assert mailoutbox == []


def test_running_it_again_before_a_password_is_chosen_sends_a_new_link(run, facility_a, mailoutbox):
    run("new@county.gov", "--facility", facility_a.slug, "--role", "officer")

    output = run("new@county.gov", "--facility", facility_a.slug, "--role", "officer")

    assert "officer at Travis County Jail (travis-county-jail): unchanged" in output
    assert len(mailoutbox) == 2
    assert User.objects.filter(email="new@county.gov").count() == 1


def test_dry_run_creates_and_sends_nothing(run, facility_a, mailoutbox):
    output = run("new@county.gov", "--facility", facility_a.slug, "--role", "officer", "--dry-run")

    assert "Would create the account new@county.gov." in output
    assert "A link to choose a password would be emailed" in output
    assert output.endswith("Dry run: nothing was saved.\n")
    assert not User.objects.filter(email="new@county.gov").exists()
    assert not OutboundEmail.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["x@county.gov"], "Give --facility SLUG --role ROLE, or --reviewer, or both."),
        (["x@county.gov", "--role", "officer"], "--role needs at least one --facility."),
        (
            ["x@county.gov", "--facility", "travis-county-jail"],
            "--facility needs --role officer or --role administrator.",
        ),
        (
            ["x@county.gov", "--facility", "nowhere", "--role", "officer"],
            "No facility nowhere. Facilities: travis-county-jail.",
        ),
        (["not-an-email", "--reviewer"], "not-an-email is not an email address."),
        (
            ["x@county.gov", "--facility", "travis-county-jail", "--role", "warden"],
            "argument --role: invalid choice: 'warden' (choose from 'officer', 'administrator')",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(facility_a, args, message):
    assert message in refused(*args)
    assert not User.objects.exists()


def test_a_home_users_account_is_refused(home_user, facility_a):
    IdentitySubmissionFactory(user=home_user)

    message = refused(home_user.email, "--facility", facility_a.slug, "--role", "officer")

    assert message == (
        "home@example.com is a home user's account (identity, facility access or visits). "
        "Staff need an account of their own."
    )
    assert not home_user.staff_memberships.exists()


def test_a_closed_account_is_refused(facility_a):
    user = UserFactory(email="gone@county.gov", is_active=False)
    StaffMembershipFactory(user=user, facility=facility_a)

    assert refused("gone@county.gov", "--reviewer") == "The account gone@county.gov is closed."
    user.refresh_from_db()
    assert not user.is_reviewer


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit):
        call_command("create_staff", "--help")

    help_text = capsys.readouterr().out
    assert "  create_staff sam@operator.org --reviewer" in help_text
    assert "No password is ever set here" in help_text
