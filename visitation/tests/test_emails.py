import pytest

from visitation import emails
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db


def test_plain_text_email_and_subject_are_not_html_escaped(home_user):
    home_user.first_name = "Siobhán O'Brien & Co"
    emails.send_verify_email(user=home_user, verify_url="http://testserver/v/?a=1&b=2", key="k1")
    email = OutboundEmail.objects.get(key="k1")
    assert "Siobhán O'Brien & Co" in email.body_text
    assert "http://testserver/v/?a=1&b=2" in email.body_text
    assert "&#x27;" not in email.body_text
    assert "O&#x27;Brien" in email.body_html
