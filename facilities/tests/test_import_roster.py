from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import connection

from facilities.models import Inmate
from facilities.roster import roster_read
from facilities.tests.factories import HousingUnitFactory, InmateFactory
from scheduling import services
from scheduling.models import CardState, Visit, VisitStatus
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.selectors import balance_for
from scheduling.tests.factories import CreditFactory, VisitFactory
from video import rooms, terminals
from video.tests.fixtures import at
from visitation.errors import DomainError
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
HEADER = "ID Number,Last Name,First Name,Date of Birth,Housing Unit,Status\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def roster(visit_site):
    """Facility A with units N and S: Ana Diaz (TX-1001) and Ben Cole (TX-1002) in N."""
    south = HousingUnitFactory(facility=visit_site.facility, name="South", code="S")
    ben = InmateFactory(
        facility=visit_site.facility,
        housing_unit=visit_site.unit,
        id_number="TX-1002",
        first_name="Ben",
        last_name="Cole",
        date_of_birth=date(1980, 5, 6),
    )
    visit_site.south, visit_site.ben = south, ben
    return visit_site


@pytest.fixture
def paid_visit(visitor, visit_site):
    """Ana Diaz's paid $4.00 remote visit in two days: 100 cents of credit, the rest by card."""
    CreditFactory(user=visitor, amount_cents=100)
    held = services.visit_hold(
        user=visitor,
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        kind="remote",
        duration=20,
        starts_at=NOW + timedelta(days=2, hours=2),
    )
    return services.visit_book(
        user=visitor, visit_id=held.pk, idempotency_key="k", payment="4242424242424242"
    )


def write(tmp_path, *rows, header=HEADER, name="roster.csv"):
    path = tmp_path / name
    path.write_text(header + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def run(*args, slug="travis-county-jail"):
    out = StringIO()
    call_command("import_roster", slug, *map(str, args), stdout=out)
    return out.getvalue()


def refused(*args, slug="travis-county-jail"):
    with pytest.raises(CommandError) as error:
        run(*args, slug=slug)
    return str(error.value)


def statuses(facility):
    return dict(Inmate.objects.filter(facility=facility).values_list("id_number", "status"))


def test_adds_corrects_and_moves_persons(roster, tmp_path):
    path = write(
        tmp_path,
        "TX-1001,Diaz,Ana,1990-02-03,N,active",
        "TX-1002,Cole,Benjamin,05/06/1980,S,active",
        "TX-1003,Ortiz,Carla,1975-12-24,S,",
    )

    output = run(path)

    assert "Roster of Travis County Jail (travis-county-jail) from" in output
    assert ": 3 rows." in output
    assert "  added: 1\n" in output
    assert "  name or date of birth corrected: 1\n" in output
    assert "  moved to another housing unit: 1\n" in output
    assert "  unchanged: 0" not in output
    assert "Saved in" in output
    ben = Inmate.objects.get(id_number="TX-1002")
    assert (ben.first_name, ben.housing_unit, ben.date_of_birth) == (
        "Benjamin",
        roster.south,
        date(1980, 5, 6),
    )
    carla = Inmate.objects.get(id_number="TX-1003")
    assert (carla.full_name, carla.housing_unit, carla.status) == (
        "Carla Ortiz",
        roster.south,
        "active",
    )
    assert carla.date_of_birth == date(1975, 12, 24)


def test_a_second_run_changes_nothing(roster, tmp_path):
    path = write(tmp_path, "TX-1001,Diaz,Ana,1990-02-03,N,active", "TX-1003,Ortiz,Carla,,S,active")
    run(path)

    output = run(path)

    assert "  unchanged: 2\n" in output
    assert output.endswith("Nothing changed.\n")


@pytest.mark.parametrize(
    "status, reason",
    [("released", CancelReason.PERSON_RELEASED), ("transferred", CancelReason.PERSON_TRANSFERRED)],
)
def test_a_released_or_transferred_person_has_visits_to_come_cancelled_with_credit(
    roster,
    paid_visit,
    visitor,
    tmp_path,
    status,
    reason,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    past = VisitFactory(
        facility=roster.facility,
        inmate=roster.inmate,
        inmate_terminal=roster.terminals[1],
        starts_at=NOW - timedelta(days=2),
        status=VisitStatus.COMPLETED,
    )
    path = write(tmp_path, f"TX-1001,Diaz,Ana,1990-02-03,N,{status.upper()}")

    with django_capture_on_commit_callbacks(execute=True):
        output = run(path)

    assert f"  {status}: 1\n" in output
    assert "  visits to come cancelled with a credit: 1 (visitors emailed)" in output
    assert statuses(roster.facility)["TX-1001"] == status
    paid_visit.refresh_from_db()
    assert (paid_visit.status, paid_visit.cancel_family, paid_visit.cancel_reason) == (
        VisitStatus.CANCELLED,
        CancelFamily.NON_BEHAVIOURAL,
        reason,
    )
    assert balance_for(user=visitor) == 400  # the credit used and the card payment
    assert paid_visit.card_state == CardState.CREDITED
    past.refresh_from_db()
    assert past.status == VisitStatus.COMPLETED
    assert [m.to for m in mailoutbox] == [[visitor.email]]
    assert "no longer at this facility" in mailoutbox[0].body
    assert "$4.00 is back as credit toward a future visit" in mailoutbox[0].body


def test_a_full_roster_releases_the_persons_missing_from_it(
    roster, paid_visit, tmp_path, django_capture_on_commit_callbacks, mailoutbox
):
    InmateFactory(facility=roster.facility, housing_unit=roster.unit, id_number="TX-1004")
    path = write(tmp_path, "TX-1002,Cole,Ben,1980-05-06,N,active", "TX-1004,X,Y,,N,active")

    with django_capture_on_commit_callbacks(execute=True):
        output = run(path, "--full")

    assert "  released: not in the full roster: 1\n" in output
    assert statuses(roster.facility) == {
        "TX-1001": "released",
        "TX-1002": "active",
        "TX-1004": "active",
    }
    paid_visit.refresh_from_db()
    assert paid_visit.cancel_reason == CancelReason.PERSON_RELEASED
    assert len(mailoutbox) == 1


def test_without_full_persons_missing_from_the_file_stay(roster, paid_visit, tmp_path):
    run(write(tmp_path, "TX-1002,Cole,Ben,1980-05-06,N,active"))

    assert statuses(roster.facility)["TX-1001"] == "active"
    paid_visit.refresh_from_db()
    assert paid_visit.status == VisitStatus.BOOKED


def test_a_full_roster_missing_most_people_is_refused_unless_allowed(roster, tmp_path):
    path = write(tmp_path, "TX-9999,New,Person,,N,active")

    message = refused(path, "--full")

    assert "--full would release 2 of the 2 active persons" in message
    assert "--allow-mass-release" in message
    assert statuses(roster.facility) == {"TX-1001": "active", "TX-1002": "active"}

    run(path, "--full", "--allow-mass-release")

    assert statuses(roster.facility)["TX-1001"] == "released"


BAD_ROWS = [
    "TX-1001,Diaz,Ana,1990-02-03,N,active",
    ",Nobody,No,1990-01-01,N,active",
    "TX-2001,Lane,Lou,1990-02-30,N,active",
    "TX-2002,Moss,Mo,1990-01-01,ZZ,active",
    "TX-2003,Nash,Ned,1990-01-01,N,paroled",
    "TX-1001,Diaz,Ana,1990-02-03,N,active",
    "TX-2004,Page",
    "TX-2005,,Pat,,N,active",
    "TX-2006,Quinn,Quentin,,N,active",
]
BAD_ROW_LINES = [
    "line 3: missing ID number",
    'line 4: ID TX-2001: date of birth "1990-02-30" is not a date (YYYY-MM-DD or MM/DD/YYYY)',
    'line 5: ID TX-2002: unknown housing unit "ZZ"',
    'line 6: ID TX-2003: unknown status "paroled" (active, released or transferred)',
    "line 7: ID TX-1001 is also on line 2",
    "line 8: 2 fields, the header has 6",
    "line 9: ID TX-2005: missing last name",
]


def test_bad_rows_are_listed_with_their_lines_and_nothing_is_applied(roster, tmp_path):
    message = refused(write(tmp_path, *BAD_ROWS))

    assert message.startswith("7 bad rows; nothing was applied.")
    assert "--skip-bad-rows" in message
    for line in BAD_ROW_LINES:
        assert f"  {line}\n" in message + "\n"
    assert set(statuses(roster.facility)) == {"TX-1001", "TX-1002"}


def test_skip_bad_rows_applies_the_good_ones_and_lists_the_others(roster, tmp_path):
    output = run(write(tmp_path, *BAD_ROWS), "--skip-bad-rows")

    assert "  added: 1\n" in output
    assert "  bad rows skipped: 7" in output
    for line in BAD_ROW_LINES:
        assert f"    {line}\n" in output
    assert set(statuses(roster.facility)) == {"TX-1001", "TX-1002", "TX-2006"}


def test_a_full_roster_does_not_release_a_person_whose_row_is_bad(roster, tmp_path):
    path = write(tmp_path, "TX-1001,Diaz,Ana,1990-02-03,N,active", "TX-1002,Cole,Ben,bad,N,active")

    run(path, "--full", "--skip-bad-rows")

    assert statuses(roster.facility)["TX-1002"] == "active"


def test_dry_run_prints_what_would_change_and_saves_nothing(
    roster, paid_visit, tmp_path, django_capture_on_commit_callbacks
):
    path = write(
        tmp_path,
        "TX-1001,Diaz,Ana,1990-02-03,N,released",
        "TX-1002,Cole,Ben,1980-05-06,S,active",
        "TX-1003,Ortiz,Carla,,S,active",
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = run(path, "--dry-run")

    assert "  released: 1\n  visits to come cancelled with a credit: 1\n" in output.replace(
        "  moved to another housing unit: 1\n", ""
    ).replace("  added: 1\n", "")
    assert "What would change:" in output
    assert "  line 2: TX-1001 Diaz, Ana: released" in output
    assert "  line 3: TX-1002 Cole, Ben: moved N -> S" in output
    assert "  line 4: TX-1003 Ortiz, Carla: add in S" in output
    assert output.endswith("Dry run: nothing was saved.\n")
    assert statuses(roster.facility) == {"TX-1001": "active", "TX-1002": "active"}
    assert Inmate.objects.get(id_number="TX-1002").housing_unit == roster.unit
    paid_visit.refresh_from_db()
    assert paid_visit.status == VisitStatus.BOOKED
    assert callbacks == []
    assert not OutboundEmail.objects.filter(key__startswith="visit-cancelled").exists()


def test_a_move_leaving_visits_on_the_old_units_terminal_is_pointed_out(
    roster, paid_visit, tmp_path
):
    output = run(write(tmp_path, "TX-1001,Diaz,Ana,1990-02-03,S,active"))

    assert "  visits to come on a terminal of the person's old unit: 1" in output
    assert Visit.objects.get().status == VisitStatus.BOOKED


def test_released_rows_of_people_never_on_the_roster_are_ignored(roster, tmp_path):
    output = run(write(tmp_path, "TX-5000,Gone,Gina,,,released"))

    assert "  released or transferred, not on the roster: ignored: 1" in output
    assert "TX-5000" not in statuses(roster.facility)


@pytest.mark.parametrize(
    "content, problem",
    [
        ("", "empty file, expected a header line first"),
        (
            "id,last,first\nA,B,C\n",
            "line 1 has no column id_number, last_name, first_name, housing_unit "
            "(the header must name: id_number, last_name, first_name, date_of_birth, "
            "housing_unit, status)",
        ),
    ],
)
def test_a_file_without_the_columns_is_refused(roster, tmp_path, content, problem):
    path = tmp_path / "roster.csv"
    path.write_text(content)

    assert problem in refused(path)


def test_a_file_that_is_not_utf8_is_refused(roster, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(HEADER.encode() + "TX-1,Pe\xf1a,Jo,,N,active\n".encode("latin-1"))

    assert "not UTF-8 text" in refused(path)


def test_an_unknown_facility_or_file_is_refused(roster, tmp_path):
    path = write(tmp_path, "TX-1001,Diaz,Ana,,N,active")

    assert refused(path, slug="nowhere") == (
        'No facility "nowhere". Facilities: travis-county-jail.'
    )
    assert "missing.csv: no such file" in refused(tmp_path / "missing.csv")


def test_extra_columns_are_ignored_and_named(roster, tmp_path):
    path = write(
        tmp_path,
        "TX-1001,Diaz,Ana,1990-02-03,N,active,High",
        header=HEADER.strip() + ",Classification\n",
    )

    assert "  columns ignored: Classification" in run(path)


def test_help_names_the_columns(capsys):
    with pytest.raises(SystemExit):
        call_command("import_roster", "--help")

    help_text = capsys.readouterr().out
    assert "  id_number      the facility's ID number for the person (required)" in help_text
    assert "  housing_unit   the housing unit's code" in help_text
    for option in ("--full", "--skip-bad-rows", "--dry-run"):
        assert option in help_text


def _rows(count, start=0, unit="N"):
    return [
        f"TX-{9000 + start + i},Last{i},First{i},1990-01-01,{unit},active" for i in range(count)
    ]


def test_rows_are_written_in_batches_not_one_query_each(
    roster, tmp_path, django_assert_max_num_queries
):
    added = write(tmp_path, *_rows(400), name="added.csv")
    with django_assert_max_num_queries(12):
        run(added)
    moved = write(tmp_path, *_rows(5, start=1000), *_rows(400, unit="S"), name="moved.csv")
    with django_assert_max_num_queries(14):
        run(moved, "--full", "--allow-mass-release")

    assert Inmate.objects.filter(housing_unit=roster.south).count() == 400
    assert Inmate.objects.count() == 2 + 400 + 5
    assert statuses(roster.facility)["TX-1001"] == "released"


def test_the_benchmark_imports_and_cleans_up():
    out = StringIO()
    call_command("bench_roster", "--rows", "300", stdout=out)

    output = out.getvalue()
    assert f"Roster benchmark on {connection.vendor}: 300 rows" in output
    assert "first import (all added): 300 rows in" in output
    assert "added: 300" in output
    assert "moved to another housing unit: 30" in output
    assert "released: 3" in output
    assert "released: not in the full roster: 3" in output
    assert not Inmate.objects.exists()


def test_the_benchmark_can_give_every_row_a_pin():
    out = StringIO()
    call_command("bench_roster", "--rows", "100", "--pins", stdout=out)

    output = out.getvalue()
    assert "100 rows into bench-roster-" in output
    assert ", each with a check-in PIN." in output
    assert "    added: 100\n    check-in PINs set: 100\n" in output
    assert "    check-in PINs set: 99\n" in output
    assert not Inmate.objects.exists()


PIN_HEADER = HEADER.strip() + ",Checkin PIN\n"


def pin_of(id_number):
    return Inmate.objects.get(id_number=id_number).checkin_pin


@pytest.fixture
def kiosk(admin_a, remote_visit, fake_janus, roster):
    """The unit terminal of Ana Diaz's remote visit (14:00 on 5 March 2030, Chicago),
    enrolled, with the visit's room open."""
    with time_machine.travel(at(9), tick=False):
        code = terminals.enrolment_code_create(actor=admin_a, terminal=remote_visit.inmate_terminal)
        device, _ = terminals.terminal_enrol(code=code)
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    return device


def check_in(device, visit, pin):
    """Ana Diaz checks in at the terminal at 13:58: the refusal's message, or None. The
    visit is read again, as the terminal's page does."""
    try:
        terminals.terminal_check_in(
            device=device,
            visit=Visit.objects.get(pk=visit.pk),
            id_number="TX-1001",
            pin=pin,
            now=at(13, 58),
        )
    except DomainError as refusal:
        return refusal.message
    return None


def test_a_pin_in_the_roster_replaces_the_old_one_and_lets_the_person_check_in(
    roster, admin_a, kiosk, remote_visit, tmp_path
):
    terminals.inmate_pin_set(actor=admin_a, inmate=roster.inmate, pin="1111")
    path = write(
        tmp_path,
        "TX-1001,Diaz,Ana,,N,active,4821",
        "TX-1003,Ortiz,Carla,,S,active,5937",
        header=PIN_HEADER,
    )

    output = run(path)

    assert output.startswith("Hashing 2 check-in PINs first: this takes a while.\n")
    assert "  added: 1\n  check-in PINs set: 2\n" in output
    assert "unchanged" not in output
    assert "Saved in" in output
    assert "4821" not in pin_of("TX-1001")
    assert check_password("5937", pin_of("TX-1003"))
    assert check_in(kiosk, remote_visit, "1111") == "The ID number or PIN is wrong. 2 tries left."
    assert check_in(kiosk, remote_visit, "4821") is None
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.CHECKED_IN


def test_a_pin_from_the_roster_leaves_a_locked_check_in_locked_as_the_console_does(
    roster, admin_a, kiosk, remote_visit, tmp_path
):
    terminals.inmate_pin_set(actor=admin_a, inmate=roster.inmate, pin="1111")
    for wrong in ("0000", "2222", "3333"):
        check_in(kiosk, remote_visit, wrong)

    run(write(tmp_path, "TX-1001,Diaz,Ana,,N,active,4821", header=PIN_HEADER))

    assert check_in(kiosk, remote_visit, "4821") == (
        "Check-in is locked for this visit. Ask an officer to confirm it in the console."
    )


@pytest.mark.parametrize("pin", ["12", "12345", "abcd", "12 34", "\u0661\u0662\u0663\u0664"])
def test_a_pin_that_is_not_4_digits_is_a_bad_row_and_never_shown(roster, admin_a, tmp_path, pin):
    terminals.inmate_pin_set(actor=admin_a, inmate=roster.inmate, pin="1111")
    path = write(
        tmp_path,
        "TX-1002,Cole,Ben,1980-05-06,N,active,",
        f"TX-1001,Diaz,Ana,1990-02-03,N,active,{pin}",
        header=PIN_HEADER,
    )

    message = refused(path)
    output = run(path, "--skip-bad-rows").replace(str(path), "")

    expected = "line 3: ID TX-1001: checkin_pin is not 4 digits (the value is not shown)"
    assert f"  {expected}\n" in message + "\n"
    assert f"    {expected}\n" in output
    assert pin not in message
    assert pin not in output
    assert check_password("1111", pin_of("TX-1001"))
    with pytest.raises(DomainError, match=r"The PIN is 4 digits\."):  # the console alike
        terminals.inmate_pin_set(actor=admin_a, inmate=roster.inmate, pin=pin)


def test_a_pin_is_not_in_a_read_rows_repr(roster, tmp_path):
    path = write(tmp_path, "TX-1001,Diaz,Ana,,N,active,4821", header=PIN_HEADER)

    row = roster_read(path=path, unit_codes={"N"}, today=NOW.date()).rows[0]

    assert row.checkin_pin == "4821"
    assert "4821" not in repr(row)


def test_spaces_around_a_pin_are_dropped_like_in_any_cell(roster, tmp_path):
    run(write(tmp_path, "TX-1001,Diaz,Ana,,N,active, 4821 ", header=PIN_HEADER))

    assert check_password("4821", pin_of("TX-1001"))


def test_an_empty_pin_cell_keeps_the_persons_pin(roster, admin_a, tmp_path):
    terminals.inmate_pin_set(actor=admin_a, inmate=roster.inmate, pin="1111")
    before = pin_of("TX-1001")
    path = write(
        tmp_path,
        "TX-1001,Diaz,Ana,,N,active,",
        "TX-1003,Ortiz,Carla,,S,active,",
        header=PIN_HEADER,
    )

    output = run(path)

    assert "Hashing" not in output
    assert "check-in PINs set" not in output
    assert "  unchanged: 1\n" in output
    assert pin_of("TX-1001") == before
    assert pin_of("TX-1003") == ""


def test_a_dry_run_counts_the_pins_and_sets_none(roster, admin_a, tmp_path):
    terminals.inmate_pin_set(actor=admin_a, inmate=roster.inmate, pin="1111")
    before = pin_of("TX-1001")
    path = write(
        tmp_path,
        "TX-1001,Diaz,Ana,,N,active,4821",
        "TX-1002,Cole,Ben,1980-05-06,N,active,",
        "TX-1003,Ortiz,Carla,,S,active,5937",
        header=PIN_HEADER,
    )

    output = run(path, "--dry-run")

    assert "  added: 1\n  unchanged: 1\n  check-in PINs set: 2\n" in output
    assert "  line 2: TX-1001 Diaz, Ana: check-in PIN set\n" in output
    assert "  line 4: TX-1003 Ortiz, Carla: add in S\n" in output
    assert "  line 4: TX-1003 Ortiz, Carla: check-in PIN set\n" in output
    assert "4821" not in output and "5937" not in output
    assert output.endswith("Dry run: nothing was saved.\n")
    assert pin_of("TX-1001") == before
    assert not Inmate.objects.filter(id_number="TX-1003").exists()
