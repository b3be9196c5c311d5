import pytest
from django.utils.html import escape

from facilities import reasons
from facilities.models import AccessReason
from facilities.services import access_request_decide, access_request_revoke
from facilities.tests.factories import AccessRequestFactory
from visitation.models import OutboundEmail


@pytest.fixture
def pending(approved_home_user, facility_a):
    return AccessRequestFactory(user=approved_home_user, facility=facility_a)


def test_approval_email_says_what_to_do_next(pending, staff_a):
    access_request_decide(actor=staff_a, access_request=pending, approve=True)

    email = OutboundEmail.objects.get()
    assert email.subject == "You can now visit Travis County Jail"
    assert "Hello Dana," in email.body_text
    assert "Travis County Jail approved your request" in email.body_text
    assert "accept the facility's terms and conditions" in email.body_text
    assert "http://testserver/facilities/" in email.body_text
    assert 'href="http://testserver/facilities/"' in email.body_html


@pytest.mark.parametrize("reason", AccessReason.values)
def test_denial_email_gives_the_reason_in_plain_words_and_the_next_step(pending, staff_a, reason):
    access_request_decide(
        actor=staff_a,
        access_request=pending,
        approve=False,
        reason=reason,
        note="Please call the visitation desk.",
    )

    email = OutboundEmail.objects.get()
    assert email.subject == "Travis County Jail did not approve your request to visit"
    words = [
        str(AccessReason(reason).label),
        str(reasons.explanation(reason)),
        str(reasons.next_step(reason)),
        "Please call the visitation desk.",
        "http://testserver/facilities/",
    ]
    for text in words:
        assert text in email.body_text
        assert escape(text) in email.body_html


def test_every_reason_has_an_explanation_and_a_next_step():
    for reason in AccessReason.values:
        assert reasons.explanation(reason)
        assert reasons.next_step(reason)


def test_revocation_email_gives_reason_and_next_step(pending, staff_a):
    access_request_decide(actor=staff_a, access_request=pending, approve=True)

    access_request_revoke(
        actor=staff_a,
        access_request=pending,
        reason=AccessReason.BEHAVIOURAL,
        note="The account was shared with another person.",
    )

    email = OutboundEmail.objects.get(key=f"access-revoked:{pending.pk}")
    assert email.subject == "Your access to Travis County Jail was withdrawn"
    assert "You can no longer book visits there." in email.body_text
    assert "Behavioural (account usage violation)" in email.body_text
    assert "The account was shared with another person." in email.body_text
    assert "Contact the facility to ask how long the decision stands" in email.body_text
