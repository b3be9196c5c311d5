import csv
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from facilities.models import Facility, Terminal
from scheduling.models import LedgerKind, VisitStatus
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.reports import visit_report

MONEY_LABELS = {
    LedgerKind.PAYMENT: "card payments",
    LedgerKind.FUNDS_HOLD: "paid, held for visits",
    LedgerKind.CHARGE: "held, made final",
    LedgerKind.CREDIT: "credits given",
    LedgerKind.CREDIT_USE: "credits used",
}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f'"{value}" is not a date: write it as YYYY-MM-DD.') from None


def _label(choices, value: str) -> str:
    return str(dict(choices.choices).get(value, value or "none"))


def _dollars(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _hours(span: timedelta | None) -> str:
    return "none" if span is None else f"{span.total_seconds() / 3600:.1f} hours"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _terminal_name(terminal: Terminal) -> str:
    flag = "" if terminal.in_service else " (out of service)"
    return f"{terminal.name}{flag}"


class Command(BaseCommand):
    help = (
        "Report a facility's visits starting between two dates (its local dates, both "
        "included): visits by status; use of each terminal (minutes of booked, checked-in, "
        "completed and no-show visits over the minutes of its visit windows on those days, "
        "less the minutes the facility was closed and, for a terminal in a housing unit, "
        "the minutes its unit was locked down; both totals are shown); cancellations by "
        "reason family and reason; credits and charges (sums of the ledger entries dated "
        "in the period); and the review times of the access requests made in the period "
        "against the 24-hour rule. --csv writes the same figures as CSV rows: "
        "section,item,value,unit."
    )

    def add_arguments(self, parser):
        parser.add_argument("facility", help="The facility's slug.")
        parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--csv", action="store_true", help="CSV instead of text.")

    def handle(self, *args, facility, start, end, **options):
        found = Facility.objects.filter(slug=facility).first()
        if found is None:
            known = ", ".join(Facility.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f'No facility "{facility}". Facilities: {known}.')
        start, end = _date(start), _date(end)
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}.")
        report = visit_report(facility=found, start=start, end=end, now=timezone.now())
        if options["csv"]:
            self._csv(report)
        else:
            self._text(report)

    def _rows(self, report):
        """(section, item, value, unit) for every figure."""
        for status, count in report.by_status:
            yield "visits_by_status", status, count, "visits"
        yield "visits_by_status", "total", report.visits, "visits"
        for use in report.terminals:
            name = use.terminal.name
            yield "terminal_use", name, use.booked_minutes, "booked_minutes"
            yield "terminal_use", name, use.window_minutes, "window_minutes"
            share = "" if use.share is None else f"{use.share:.4f}"
            yield "terminal_use", name, share, "share"
        deducted = report.deducted
        yield "window_minutes_not_counted", "closed", deducted.closed, "window_minutes"
        for unit, minutes in deducted.locked_down:
            yield "window_minutes_not_counted", f"locked_down/{unit}", minutes, "window_minutes"
        for family in report.cancellations:
            yield "cancellations", family.family, family.count, "visits"
            for reason, count in family.by_reason:
                yield "cancellations", f"{family.family}/{reason}", count, "visits"
        for line in report.money:
            yield "money", line.kind, line.entries, "entries"
            yield "money", line.kind, line.cents, "cents"
        reviews = report.reviews
        yield "access_reviews", "decided", reviews.decided, "requests"
        yield "access_reviews", "decided_within_24h", reviews.within_24h, "requests"
        share = reviews.within_24h_share
        yield "access_reviews", "within_24h_share", "" if share is None else f"{share:.4f}", "share"
        median = "" if reviews.median is None else f"{reviews.median.total_seconds() / 3600:.2f}"
        yield "access_reviews", "median_decision_time", median, "hours"
        yield "access_reviews", "pending", reviews.pending, "requests"
        yield "access_reviews", "pending_past_24h", reviews.pending_late, "requests"

    def _csv(self, report):
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["section", "item", "value", "unit"])
        writer.writerows(self._rows(report))

    def _text(self, report):
        write = self.stdout.write
        facility = report.facility
        write(
            f"Visits at {facility.name} ({facility.slug}), {report.start} to {report.end}, "
            f"dates on the facility's clock ({facility.time_zone})."
        )
        write("")
        write("Visits by status")
        for status, count in report.by_status:
            write(f"  {_label(VisitStatus, status):<28}{count:>8,}")
        write(f"  {'Total':<28}{report.visits:>8,}")
        write("")
        write("Terminal use: booked minutes / visit window minutes")
        width = max((len(_terminal_name(u.terminal)) for u in report.terminals), default=10) + 2
        for use in report.terminals:
            write(
                f"  {_terminal_name(use.terminal):<{width}}{use.booked_minutes:>8,} /"
                f"{use.window_minutes:>8,}  {_share(use.share):>6}"
            )
        if not report.terminals:
            write("  (no terminals)")
        deducted = report.deducted
        locked = ", ".join(f"{unit} {minutes:,}" for unit, minutes in deducted.locked_down)
        write(
            f"  Window minutes not counted: facility closed {deducted.closed:,}; "
            f"housing unit locked down {locked or 'none'}"
        )
        write("")
        write("Cancellations by reason family")
        for family in report.cancellations:
            write(f"  {_label(CancelFamily, family.family):<56}{family.count:>6,}")
            for reason, count in family.by_reason:
                write(f"    {_label(CancelReason, reason):<54}{count:>6,}")
        if not report.cancellations:
            write("  none")
        write("")
        write("Credits and charges: ledger entries dated in the period")
        for line in report.money:
            amount = _dollars(line.cents)
            write(f"  {MONEY_LABELS[line.kind]:<22}{line.entries:>6,} entries  {amount:>12}")
        write("")
        reviews = report.reviews
        write("Access reviews of the requests made in the period (rule: decided within 24 hours)")
        write(f"  decided: {reviews.decided:,}, median time to decide: {_hours(reviews.median)}")
        write(
            f"  decided within 24 hours: {reviews.within_24h:,} "
            f"({_share(reviews.within_24h_share)})"
        )
        late = reviews.pending_late
        write(f"  still pending: {reviews.pending:,}, of which past 24 hours: {late:,}")
