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
        subject = render_to_string(f"emails/{name}-subject.txt", context, using="text").strip()
        body_text = render_to_string(f"emails/{name}.txt", context, using="text")
        body_html = render_to_string(f"emails/{name}.html", context)
    return outbox_enqueue(
        key=key,
        to_email=to_email,
        subject=" ".join(subject.split()),
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
    )


def _send(name, *, to, key, context, attachments=None):
    """Message `name` to the account `to`, at its address and in its language."""
    return _enqueue(
        name=name,
        key=key,
        to_email=to.email,
        language=to.language,
        context=context,
        attachments=attachments,
    )


def _site_url(name, *args):
    from django.urls import reverse

    return settings.SITE_URL + reverse(name, args=args)


def send_verify_email(*, user, verify_url, key):
    return _send("verify-email", to=user, key=key, context={"user": user, "verify_url": verify_url})


def send_signup_attempt(*, user, login_url, reset_url, key):
    """To an account whose email someone tried to sign up with: no second account."""
    return _send(
        "signup-attempt",
        to=user,
        key=key,
        context={"user": user, "login_url": login_url, "reset_url": reset_url},
    )


def send_password_reset(*, user, reset_url, key):
    return _send("password-reset", to=user, key=key, context={"user": user, "reset_url": reset_url})


def _access_context(access_request, decision=None):
    from facilities import reasons

    context = {
        "user": access_request.user,
        "facility": access_request.facility,
        "facilities_url": _site_url("facilities:mine"),
    }
    if decision is not None:
        context |= {
            "decision": decision,
            "explanation": reasons.explanation(decision.reason),
            "next_step": reasons.next_step(decision.reason),
        }
    return context


def send_access_approved(*, access_request, decision, key):
    context = _access_context(access_request, decision)
    return _send("access-approved", to=access_request.user, key=key, context=context)


def send_access_denied(*, access_request, decision, key):
    context = _access_context(access_request, decision)
    return _send("access-denied", to=access_request.user, key=key, context=context)


def send_access_revoked(*, access_request, decision, key):
    context = _access_context(access_request, decision)
    return _send("access-revoked", to=access_request.user, key=key, context=context)


def send_identity_approved(*, submission, key, sent_to=()):
    """To the home user: approved; the requests they made meanwhile (`sent_to`, facility
    names) now reach the facilities."""
    return _send(
        "identity-approved",
        to=submission.user,
        key=key,
        context={
            "user": submission.user,
            "facilities_url": _site_url("facilities:mine"),
            "sent_to": ", ".join(sent_to),
        },
    )


def send_identity_disapproved(*, submission, decision, key):
    return _send(
        "identity-disapproved",
        to=submission.user,
        key=key,
        context={
            "user": submission.user,
            "decision": decision,
            "resubmit_url": _site_url("accounts:identity"),
        },
    )


def send_review_overdue_identity(*, reviewer, submission, key):
    """To a reviewer: an identity review passed its 24 hours. No personal data."""
    return _send(
        "review-overdue-identity",
        to=reviewer,
        key=key,
        context={
            "reviewer": reviewer,
            "submission": submission,
            "review_url": _site_url("review:identity_detail", submission.pk),
        },
    )


def send_review_overdue_access(*, staff, access_request, key):
    """To a facility's staff member: an access request passed its 24 hours."""
    return _send(
        "review-overdue-access",
        to=staff,
        key=key,
        context={
            "staff": staff,
            "access_request": access_request,
            "facility": access_request.facility,
            "review_url": _site_url("review:access_detail", access_request.pk),
        },
    )


def send_review_delayed_identity(*, submission, key):
    """To the home user: the identity review is taking longer than 24 hours."""
    return _send(
        "review-delayed-identity",
        to=submission.user,
        key=key,
        context={"user": submission.user, "account_url": _site_url("accounts:home")},
    )


def send_review_delayed_access(*, access_request, key):
    """To the home user: the facility is taking longer than 24 hours to decide."""
    context = _access_context(access_request)
    return _send("review-delayed-access", to=access_request.user, key=key, context=context)


def _visit_context(visit):
    """What every visit email shows: the visit on the facility's clock, and on the
    visitor's own clock when it is a different zone."""
    from django.utils import timezone

    from scheduling.rules import CREDIT_CUTOFF, credit_is_due

    visitor = visit.visitor
    facility_zone = visit.facility.time_zone
    return {
        "user": visitor,
        "visit": visit,
        "facility": visit.facility,
        "person": visit.inmate.full_name,
        "facility_zone": facility_zone,
        "visitor_zone": visitor.time_zone if visitor.time_zone != facility_zone else "",
        "credit_deadline": visit.starts_at - CREDIT_CUTOFF,
        "credit_due": credit_is_due(starts_at=visit.starts_at, now=timezone.now()),
        "visit_url": _site_url("visits:detail", visit.pk),
        "visits_url": _site_url("visits:mine"),
    }


def _ics_attachment(ics, method="PUBLISH"):
    return [
        {"filename": "visit.ics", "content": ics, "mimetype": f"text/calendar; method={method}"}
    ]


def send_visit_confirmed(*, visit, ics, key, card_last4=""):
    """To the visitor: the visit is booked, what it cost and how, with a calendar file."""
    return _send(
        "visit-confirmed",
        to=visit.visitor,
        key=key,
        context={**_visit_context(visit), "card_last4": card_last4},
        attachments=_ics_attachment(ics),
    )


def send_visit_changed(*, visit, previous_starts_at, money, ics, key):
    """To the visitor: the visit moved (by them, with the money outcome, or by staff)."""
    return _send(
        "visit-changed",
        to=visit.visitor,
        key=key,
        context={**_visit_context(visit), "previous_starts_at": previous_starts_at, "money": money},
        attachments=_ics_attachment(ics),
    )


def send_visit_cancelled(*, visit, money, ics, key):
    """To the visitor: the visit is cancelled, by whom, why, and what happens to the money,
    with the calendar file that removes it from their calendar."""
    return _send(
        "visit-cancelled",
        to=visit.visitor,
        key=key,
        context={**_visit_context(visit), "money": money},
        attachments=_ics_attachment(ics, method="CANCEL"),
    )


def send_visit_reminder(*, visit, key):
    """To the visitor, 24 hours before: the visit is coming."""
    return _send("visit-reminder", to=visit.visitor, key=key, context=_visit_context(visit))


def send_staff_invitation(*, user, memberships, reviewer, set_password_url, valid_hours, key):
    """To a new reviewer or facility staff member: what they were given and a link to choose
    their password (an account made by an operator has none until then)."""
    return _send(
        "staff-invitation",
        to=user,
        key=key,
        context={
            "user": user,
            "memberships": memberships,
            "reviewer": reviewer,
            "set_password_url": set_password_url,
            "valid_hours": valid_hours,
            "enrol_minutes": settings.SECOND_FACTOR_ENROLMENT_MINUTES,
            "login_url": _site_url("accounts:login"),
        },
    )


def send_test_email(*, to_email, key):
    """An operator's check that mail leaves the site (`manage.py send_test_email`)."""
    return _enqueue(
        name="test-email",
        key=key,
        to_email=to_email,
        language=settings.LANGUAGE_CODE,
        context={"key": key},
    )


def send_visit_join_link(*, visit, key):
    """To the visitor of a remote visit, 15 minutes before: the link to join."""
    return _send(
        "visit-join",
        to=visit.visitor,
        key=key,
        context={**_visit_context(visit), "join_url": _site_url("video:join", visit.pk)},
    )


def send_visit_missed(*, visit, key):
    """To the visitor: they did not join the visit, so it is charged as taken place."""
    return _send("visit-missed", to=visit.visitor, key=key, context=_visit_context(visit))
