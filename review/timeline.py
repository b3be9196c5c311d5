"""Decision trails as timelines: one list of events, oldest first, for every page that
shows who decided what. Pure: it reads rows already loaded (with their decisions)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from accounts.models import IdentityDecision, IdentitySubmission
from facilities.models import AccessRequest, AccessStatus


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    what: str
    who: str
    tone: str = "info"  # info, success, error, warning
    reason: str = ""
    note: str = ""
    how_to_fix: str = ""


def _name(user) -> str:
    return user.full_name or user.email


def identity_timeline(submissions: list[IdentitySubmission]) -> list[TimelineEvent]:
    """Every submission and decision of one person, oldest first. Each submission must
    carry its user and, when decided, its decision with the reviewer."""
    events = []
    for submission in submissions:
        if submission.submitted_at is None:
            continue
        events.append(
            TimelineEvent(
                at=submission.submitted_at,
                what=_("Identity submitted for review"),
                who=_name(submission.user),
            )
        )
        if submission.overdue_at:
            events.append(
                TimelineEvent(
                    at=submission.overdue_at,
                    what=_("Review overdue (more than 24 hours)"),
                    who=_("the site"),
                    tone="warning",
                )
            )
        decision = getattr(submission, "decision", None)
        if decision is not None:
            approved = decision.outcome == IdentityDecision.Outcome.APPROVED
            events.append(
                TimelineEvent(
                    at=decision.created_at,
                    what=_("Identity approved") if approved else _("Identity disapproved"),
                    who=_name(decision.reviewer),
                    tone="success" if approved else "error",
                    reason=(
                        ""
                        if approved
                        else f"{decision.get_reason_display()}: {decision.get_sub_reason_display()}"
                    ),
                    note=decision.note,
                    how_to_fix="" if approved else str(decision.how_to_fix),
                )
            )
    return sorted(events, key=lambda event: event.at)


def _access_outcome(outcome: str) -> tuple[str, str]:
    if outcome == AccessStatus.APPROVED:
        return _("Access approved"), "success"
    if outcome == AccessStatus.DENIED:
        return _("Access denied"), "error"
    if outcome == AccessStatus.REVOKED:
        return _("Access revoked"), "error"
    return _("Request withdrawn by the home user"), "info"


def access_timeline(access_request: AccessRequest) -> list[TimelineEvent]:
    """A request's trail, oldest first: asked, overdue, then each decision. The request
    must carry its user and its decisions with their actors."""
    events = [
        TimelineEvent(
            at=access_request.created_at,
            what=_("Access requested at %(facility)s") % {"facility": access_request.facility},
            who=_name(access_request.user),
        )
    ]
    if access_request.overdue_at:
        events.append(
            TimelineEvent(
                at=access_request.overdue_at,
                what=_("Decision overdue (more than 24 hours)"),
                who=_("the site"),
                tone="warning",
            )
        )
    for decision in access_request.decisions.all():
        what, tone = _access_outcome(decision.outcome)
        events.append(
            TimelineEvent(
                at=decision.created_at,
                what=what,
                who=_name(decision.actor),
                tone=tone,
                reason=decision.get_reason_display() if decision.reason else "",
                note=decision.note,
            )
        )
    return sorted(events, key=lambda event: event.at)
