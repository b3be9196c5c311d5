"""Every email the site sends: one function per message.

Each renders templates/emails/<name>-subject.txt, <name>.txt and <name>.html in the
recipient's language and records it in the outbox under a key naming the event, so it is
sent after the transaction commits, once.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .outbox import outbox_enqueue


def _enqueue(*, name, key, to_email, language, context, attachments=None):
    context = {"SITE_URL": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}-subject.txt", context).strip()
        body_text = render_to_string(f"emails/{name}.txt", context)
        body_html = render_to_string(f"emails/{name}.html", context)
    return outbox_enqueue(
        key=key,
        to_email=to_email,
        subject=" ".join(subject.split()),
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
    )


def send_verify_email(*, user, verify_url, key):
    return _enqueue(
        name="verify-email",
        key=key,
        to_email=user.email,
        language=user.language,
        context={"user": user, "verify_url": verify_url},
    )


def send_password_reset(*, user, reset_url, key):
    return _enqueue(
        name="password-reset",
        key=key,
        to_email=user.email,
        language=user.language,
        context={"user": user, "reset_url": reset_url},
    )
