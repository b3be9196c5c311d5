"""Who may reach which console page: every view refuses every persona it should."""

import pytest
from django.urls import reverse

from accounts.models import IdentityStatus
from facilities.models import AccessDecision, AccessStatus
from review.models import DocumentView
from review.tests.factories import (
    otp_login,
    pending_access_request,
    pending_submission,
    totp_device,
)

ANY_KIND = ["review:home", "review:user_search"]
REVIEWER_ONLY = ["review:identity_queue"]
STAFF_ONLY = ["review:access_queue"]


@pytest.fixture
def objects(facility_a, home_user):
    """One of each thing the console shows, all of facility A or the home user."""
    submission = pending_submission(user=home_user)
    access_request = pending_access_request(facility=facility_a, user=home_user)
    return {"submission": submission, "access_request": access_request, "person": home_user}


def console_urls(objects):
    """(url, kind, method) for every console page."""
    sub = objects["submission"].pk
    req = objects["access_request"].pk
    person = objects["person"].pk
    return [
        (reverse("review:home"), "any", "get"),
        (reverse("review:user_search") + "?q=Rivera", "any", "get"),
        (reverse("review:user_detail", args=[person]), "any", "get"),
        (reverse("review:identity_queue"), "reviewer", "get"),
        (reverse("review:identity_detail", args=[sub]), "reviewer", "get"),
        (reverse("review:identity_detail", args=[sub]), "reviewer", "post"),
        (reverse("review:identity_document", args=[sub, "id"]), "reviewer", "get"),
        (reverse("review:identity_document", args=[sub, "selfie"]), "reviewer", "get"),
        (reverse("review:access_queue"), "staff", "get"),
        (reverse("review:access_detail", args=[req]), "staff", "get"),
        (reverse("review:access_detail", args=[req]), "staff", "post"),
        (reverse("review:access_revoke", args=[req]), "staff", "post"),
    ]


def all_urls(objects):
    """The console pages plus the second-factor pages."""
    return [
        *console_urls(objects),
        (reverse("review:otp_setup"), "any", "get"),
        (reverse("review:otp_verify"), "any", "get"),
        (reverse("review:backup_codes"), "any", "get"),
        (reverse("review:backup_codes"), "any", "post"),
    ]


APPROVE = {"outcome": "approve", "reason": "", "sub_reason": "", "note": "", "proceed": "1"}


def _call(client, url, method):
    return client.post(url, APPROVE) if method == "post" else client.get(url)


def _nothing_decided(objects):
    objects["submission"].refresh_from_db()
    objects["access_request"].refresh_from_db()
    assert objects["submission"].status == IdentityStatus.PENDING
    assert objects["access_request"].status == AccessStatus.PENDING
    assert not AccessDecision.objects.exists()
    assert not DocumentView.objects.exists()


def test_anonymous_visitor_is_sent_to_sign_in_everywhere(client, objects):
    for url, _kind, method in all_urls(objects):
        response = _call(client, url, method)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login") + "?next=/console/"), url
    _nothing_decided(objects)


def test_home_user_gets_not_found_everywhere_even_with_an_authenticator(
    client, objects, other_home_user
):
    otp_login(client, other_home_user)
    for url, _kind, method in all_urls(objects):
        assert _call(client, url, method).status_code == 404, url
    _nothing_decided(objects)


def test_reviewer_gets_not_found_on_staff_pages(client, objects, reviewer):
    otp_login(client, reviewer)
    for url, kind, method in console_urls(objects):
        response = _call(client, url, method)
        if kind == "staff":
            assert response.status_code == 404, url
        else:
            assert response.status_code in (200, 302), url
    objects["access_request"].refresh_from_db()
    assert objects["access_request"].status == AccessStatus.PENDING


def test_facility_staff_get_not_found_on_reviewer_pages(client, objects, staff_a):
    otp_login(client, staff_a)
    for url, kind, method in console_urls(objects):
        if kind == "reviewer":
            assert _call(client, url, method).status_code == 404, url
    _nothing_decided(objects)


def test_staff_of_another_facility_get_not_found_for_everything_of_facility_a(
    client, objects, staff_b
):
    otp_login(client, staff_b)
    lists = {reverse("review:home"), reverse("review:access_queue")}
    for url, _kind, method in console_urls(objects):
        if url in lists or "?q=" in url:
            continue
        assert _call(client, url, method).status_code == 404, url
    _nothing_decided(objects)


def test_staff_of_another_facility_do_not_see_its_requests_in_their_queue(client, objects, staff_b):
    otp_login(client, staff_b)

    page = client.get(reverse("review:access_queue"))

    assert page.status_code == 200
    assert "Rivera" not in page.text
    assert "No requests waiting." in page.text


def test_staff_of_another_facility_find_nobody_from_facility_a(client, objects, staff_b):
    otp_login(client, staff_b)

    page = client.get(reverse("review:user_search"), {"q": "Rivera"})

    assert page.status_code == 200
    assert "home@example.com" not in page.text
    assert "Nobody matches" in page.text


@pytest.mark.parametrize("persona", ["reviewer", "staff_a"])
def test_console_user_without_a_device_is_sent_to_set_one_up_first(
    client, objects, persona, request
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for url, kind, method in console_urls(objects):
        if kind not in ("any", "reviewer" if persona == "reviewer" else "staff"):
            continue
        response = _call(client, url, method)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("review:otp_setup") + "?next="), url
    _nothing_decided(objects)


@pytest.mark.parametrize("persona", ["reviewer", "staff_a"])
def test_console_user_with_a_device_must_enter_a_code_each_sign_in(
    client, objects, persona, request
):
    user = request.getfixturevalue(persona)
    otp_login(client, user)
    assert client.get(reverse("review:home")).status_code == 200

    client.logout()
    client.force_login(user)
    for url, kind, method in console_urls(objects):
        if kind not in ("any", "reviewer" if persona == "reviewer" else "staff"):
            continue
        response = _call(client, url, method)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("review:otp_verify") + "?next="), url
    _nothing_decided(objects)


def test_unverified_page_shows_no_personal_data(client, objects, reviewer):
    totp_device(reviewer)
    client.force_login(reviewer)

    page = client.get(
        reverse("review:identity_detail", args=[objects["submission"].pk]), follow=True
    )

    assert page.redirect_chain[-1][0].startswith(reverse("review:otp_verify"))
    assert "Rivera" not in page.text
    assert "home@example.com" not in page.text


def test_unknown_document_kind_is_not_found(client, objects, reviewer):
    otp_login(client, reviewer)

    response = client.get(
        reverse("review:identity_document", args=[objects["submission"].pk, "passport"])
    )

    assert response.status_code == 404
    assert not DocumentView.objects.exists()


def test_draft_submission_is_not_shown_to_reviewers(client, reviewer, home_user):
    from accounts.tests.factories import IdentitySubmissionFactory

    draft = IdentitySubmissionFactory(user=home_user)
    otp_login(client, reviewer)

    assert client.get(reverse("review:identity_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("review:identity_document", args=[draft.pk, "id"])).status_code == 404
