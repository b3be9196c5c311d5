"""The benchmark's tools: seed_load's dataset (small here) and the figures it prints."""

from datetime import time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from bench.tools import Figures, double_bookings, form_values
from facilities.models import Facility, Inmate, Terminal
from scheduling.models import CardState, Visit, VisitKind, VisitStatus

SMALL = [
    "--facilities=3",
    "--terminals=60",
    "--big-terminals=30",
    "--persons=600",
    "--visitors=90",
    "--visits=3000",
    "--days=30",
]


def test_seed_load_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=1, or with --force"):
        call_command("seed_load", *SMALL)
    assert not Facility.objects.exists()


def test_seed_load_needs_postgresql(db, settings):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL it runs")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("seed_load", *SMALL)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seed_load_builds_a_consistent_dataset_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("COPY and the exclusion constraints need PostgreSQL")
    settings.DEBUG = True
    out = StringIO()

    call_command("seed_load", *SMALL, stdout=out)

    assert "no double booking: the exclusion constraints hold" in out.getvalue()
    big = Facility.objects.get(slug="load-big")
    assert Facility.objects.count() == 3
    assert Terminal.objects.count() == 60
    assert big.terminals.count() == 30
    assert Inmate.objects.count() == 600
    assert Visit.objects.count() == 3000
    for facility in Facility.objects.all():
        assert set(double_bookings(facility_id=facility.pk).values()) == {0}
    zone = ZoneInfo(big.time_zone)
    for visit in Visit.objects.filter(facility=big).select_related("inmate", "inmate_terminal"):
        local = visit.starts_at.astimezone(zone).time()
        assert time(9) <= local <= time(21, 20)
        assert visit.inmate.housing_unit_id == visit.inmate_terminal.housing_unit_id
        assert (visit.kind == VisitKind.ONSITE) == (visit.lobby_terminal_id is not None)
    assert Visit.objects.filter(status=VisitStatus.BOOKED).exists()
    assert Visit.objects.filter(status=VisitStatus.COMPLETED).exists()
    # Money in the state the 48-hour rule leaves it: paid visits still 48 hours or more
    # away are held, later ones final, cancelled ones credited.
    soon = timezone.now() + timedelta(hours=48)
    paid = Visit.objects.filter(price_cents__gt=0)
    assert paid.filter(status=VisitStatus.BOOKED, starts_at__gte=soon).exists()
    assert set(
        paid.filter(status=VisitStatus.BOOKED, starts_at__gte=soon).values_list(
            "card_state", flat=True
        )
    ) == {CardState.HELD}
    assert set(
        paid.exclude(status=VisitStatus.CANCELLED)
        .filter(starts_at__lt=timezone.now())
        .values_list("card_state", flat=True)
    ) == {CardState.CHARGED}
    assert set(paid.filter(status=VisitStatus.CANCELLED).values_list("card_state", flat=True)) == {
        CardState.CREDITED
    }

    with pytest.raises(CommandError, match="already holds the load dataset"):
        call_command("seed_load", *SMALL)


def test_figures_give_the_median_and_95th_percentile_in_milliseconds():
    figures = Figures.of([n / 1000 for n in range(1, 101)])  # 1 ms to 100 ms

    assert figures.median == pytest.approx(50.5)
    assert figures.p95 == pytest.approx(95.05)
    assert (figures.low, figures.high, figures.count) == (1, 100, 100)


def test_form_values_reads_the_hidden_fields_of_a_page():
    html = (
        '<input type="hidden" name="idempotency_key" value="0123abcd">'
        '<input type="hidden" name="terms_version" value="7">'
    )
    assert form_values(html) == {"idempotency_key": "0123abcd", "terms_version": "7"}
