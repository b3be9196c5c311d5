"""What the staff console's pages share: reaching objects, always through a scoped
queryset (another facility's object is a 404, like one that does not exist), the day a
page is about, and the list of visits a closure, lockdown or terminal affects."""

from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from facilities.selectors import staff_facilities
from visitation.errors import DomainError
from visitation.formatting import dollars, in_zone
from visitation.forms import add_domain_error

from .. import rules, selectors, services
from ..days import requested_day
from ..forms_staff import BulkForm
from ..rules import staff_actions


def staff_facility(request, facility_id):
    return get_object_or_404(staff_facilities(user=request.user), pk=facility_id)


def admin_facility(request, facility_id):
    return get_object_or_404(
        staff_facilities(user=request.user, administrator=True), pk=facility_id
    )


def is_admin(request, facility) -> bool:
    return staff_facilities(user=request.user, administrator=True).filter(pk=facility.pk).exists()


def staff_visit(request, pk):
    return get_object_or_404(selectors.visits_for_staff(user=request.user), pk=pk)


def today_at(facility) -> date:
    return timezone.localdate(timezone.now(), ZoneInfo(facility.time_zone))


def day_asked(request, facility, default: date | None = None, **kwargs) -> date:
    """The facility-local date the page is about: ?day=YYYY-MM-DD, else today there; a
    date no facility can have is a bad value (scheduling.days)."""
    return requested_day(request, today=today_at(facility), default=default, **kwargs)


def local_date(visit) -> date:
    return visit.starts_at.astimezone(ZoneInfo(visit.facility.time_zone)).date()


def board_url(facility_id: int, day: date) -> str:
    url = reverse("console_visits:board", args=[facility_id])
    return f"{url}?{urlencode({'day': day.isoformat()})}"


def money_words(money) -> str:
    if money.credit_cents:
        return _("%(credit)s comes back to the visitor as credit.") % {
            "credit": dollars(money.credit_cents)
        }
    if money.kept_cents:
        return _("The visitor is charged %(kept)s.") % {"kept": dollars(money.kept_cents)}
    return _("The visit was free: no money changes hands.")


def totals_words(totals: rules.MoneyTotals) -> str:
    """ "2 visits charged, $8.00 in all; 1 free visit." """
    parts = []
    if totals.charged:
        parts.append(
            ngettext(
                "%(count)s visit charged, %(total)s in all",
                "%(count)s visits charged, %(total)s in all",
                totals.charged,
            )
            % {"count": totals.charged, "total": dollars(totals.charged_cents)}
        )
    if totals.credited:
        parts.append(
            ngettext(
                "%(count)s visit credited, %(total)s back as credit in all",
                "%(count)s visits credited, %(total)s back as credit in all",
                totals.credited,
            )
            % {"count": totals.credited, "total": dollars(totals.credited_cents)}
        )
    if totals.free:
        parts.append(
            ngettext("%(count)s free visit", "%(count)s free visits", totals.free)
            % {"count": totals.free}
        )
    return "; ".join(parts) + "."


def totals_if_cancelled(visits) -> dict[bool, str]:
    """What cancelling `visits` would do with their money, for each family (refund or not)."""
    return {
        refund: totals_words(
            rules.money_totals(
                rules.cancellation_outcome(
                    credit_applied_cents=visit.credit_applied_cents,
                    card_cents=visit.card_cents,
                    card_state=visit.card_state,
                    refund=refund,
                )
                for visit in visits
            )
        )
        for refund in (False, True)
    }


def cancel_by_staff(request, form, cancel, **chosen):
    """Call a staff cancel service for the chosen visit(s) with the form's reason; None when
    it refuses, its message then shown on the form."""
    try:
        return cancel(
            actor=request.user,
            **chosen,
            family=form.family,
            reason=form.cleaned_data["reason"],
            explanation=form.cleaned_data["explanation"],
        )
    except DomainError as error:
        add_domain_error(form, error)
        return None


def affected_page(request, *, template, context, affected, can_move: bool, default_reason: str):
    """A page listing the visits something affects, with one form to move (to another free
    terminal at the same time) or cancel the chosen ones."""
    now = timezone.now()
    affected = affected.filter(ends_at__gt=now)
    form = BulkForm(
        request.POST or None,
        visits=selectors.visits_for_staff(user=request.user),
        can_move=can_move,
        lockdown_charges=selectors.config_for(facility=context["facility"]).lockdown_charges,
        initial={"reason": default_reason, "visits": affected},
    )
    if request.method == "POST":
        if form.is_valid():
            chosen = list(form.cleaned_data["visits"])
            if form.cleaned_data["action"] == BulkForm.CANCEL:
                cancellations = cancel_by_staff(
                    request, form, services.visits_cancel_by_staff, visits=chosen
                )
                if cancellations is not None:
                    totals = rules.money_totals(c.money for c in cancellations)
                    messages.success(
                        request,
                        ngettext(
                            "%(count)s visit cancelled: %(money)s The visitor will get an email.",
                            "%(count)s visits cancelled: %(money)s Each visitor will get an email.",
                            len(cancellations),
                        )
                        % {"count": len(cancellations), "money": totals_words(totals)},
                    )
                    return redirect(request.get_full_path())
            else:
                _say_moved(
                    request,
                    chosen,
                    services.visits_move_by_staff(actor=request.user, visits=chosen),
                )
                return redirect(request.get_full_path())
        elif form.tampered():
            raise Http404
    visits = list(affected)
    for visit in visits:
        visit.staff_actions = staff_actions(visit, now)
    money = totals_if_cancelled(visits)
    return render(
        request,
        template,
        {
            **context,
            "form": form,
            "affected": visits,
            "if_behavioural": money[False],
            "if_non_behavioural": money[True],
            "move_result": request.session.pop(MOVE_RESULT_KEY, None),
        },
    )


# The last bulk move's outcome, kept in the session for the page it redirects to.
MOVE_RESULT_KEY = "console_bulk_move"


def _say_moved(request, chosen, result) -> None:
    """Say how many visits moved and how many could not be; the page then lists each
    chosen visit once, with its time and where it went (or that no terminal was free)."""
    went_to = {visit.pk: visit.inmate_terminal.name for visit in result.moved}
    moved, stuck = [], []
    for visit in chosen:
        line = {
            "when": in_zone(visit.starts_at, visit.facility.time_zone),
            "person": f"{visit.inmate.full_name} ({visit.inmate.id_number})",
            "from": visit.inmate_terminal.name,
        }
        if visit.pk in went_to:
            moved.append({**line, "to": went_to[visit.pk]})
        else:
            stuck.append(line)
    request.session[MOVE_RESULT_KEY] = {"moved": moved, "stuck": stuck}
    if moved:
        messages.success(
            request,
            ngettext(
                "%(count)s visit moved to another terminal. The visitor will get an email.",
                "%(count)s visits moved to another terminal. Each visitor will get an email.",
                len(moved),
            )
            % {"count": len(moved)},
        )
    if stuck:
        messages.error(
            request,
            ngettext(
                "%(count)s visit could not be moved: no terminal is free at its time. Move it "
                "to another time or cancel it.",
                "%(count)s visits could not be moved: no terminal is free at their time. Move "
                "them to another time or cancel them.",
                len(stuck),
            )
            % {"count": len(stuck)},
        )
