import json
from datetime import time
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from facilities import demo
from facilities.models import Facility, HousingUnit, Terminal, TermsVersion
from scheduling.models import SchedulingConfig, VisitWindow

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BLUEBONNET = EXAMPLES / "bluebonnet-county-jail.yaml"


def load(path, *args):
    out = StringIO()
    call_command("load_facility", str(path), *args, stdout=out)
    return out.getvalue()


def example(**changes):
    data = yaml.safe_load(BLUEBONNET.read_text())
    data.update(changes)
    return data


def write(tmp_path, data, name="facility.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def refused(path):
    with pytest.raises(CommandError) as error:
        load(path)
    return str(error.value)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(EXAMPLES.iterdir()), ids=lambda p: p.name)
def test_each_example_loads_and_a_second_run_changes_nothing(path):
    first = load(path)

    slug = path.stem
    facility = Facility.objects.get(slug=slug)
    spec = next(spec for spec in demo.FACILITIES if spec["slug"] == slug)
    assert f"{facility.name} ({slug}): " in first
    assert "Saved." in first
    assert facility.time_zone == spec["time_zone"]
    assert sorted(facility.housing_units.values_list("code", flat=True)) == sorted(
        code for code, _ in spec["units"]
    )
    assert facility.terminals.count() == 2 + 2 * len(spec["units"])
    assert facility.terms_versions.get().text == demo.TERMS_V1
    assert VisitWindow.objects.filter(facility=facility, kind="remote").count() == 21

    assert load(path) == f"{facility.name} ({slug}): no changes.\n"


@pytest.mark.django_db
@pytest.mark.parametrize("spec", demo.FACILITIES, ids=lambda spec: spec["slug"])
def test_examples_describe_the_demo_facilities(spec):
    """Loading an example over the seeded demo facility only adds its scheduling settings."""
    demo._facility(spec)
    path = next(EXAMPLES.glob(f"{spec['slug']}.*"))

    output = load(path)

    assert "housing unit" not in output
    assert "terminal" not in output
    assert "terms" not in output
    assert "facility " not in output
    assert "scheduling settings: created" in output


@pytest.mark.django_db
def test_changes_are_listed_and_saved(tmp_path):
    load(BLUEBONNET)
    data = example(name="Bluebonnet County Jail Annex", weekly_limit=3, lockdown_charges=False)
    data["prices"]["remote_cents_per_minute"] = 25
    data["windows"]["remote"]["sunday"] = ["10:00-12:00"]
    data["housing_units"].append({"code": "D", "name": "D Pod"})
    data["terminals"][2]["in_service"] = False

    output = load(write(tmp_path, data))

    assert 'facility name: "Bluebonnet County Jail" -> "Bluebonnet County Jail Annex"' in output
    assert "scheduling weekly_limit: none -> 3" in output
    assert "scheduling lockdown_charges: true -> false" in output
    assert "scheduling remote_price_per_minute_cents: 20 -> 25" in output
    assert "windows.remote.sunday: 09:00-11:20, 12:20-16:20, 17:20-22:45 -> 10:00-12:00" in output
    assert "housing unit D: created (D Pod)" in output
    assert "terminal A-1 in_service: true -> false" in output
    facility = Facility.objects.get(slug="bluebonnet-county-jail")
    assert facility.name == "Bluebonnet County Jail Annex"
    config = SchedulingConfig.objects.get(facility=facility)
    assert (config.weekly_limit, config.remote_price_per_minute_cents) == (3, 25)
    assert config.lockdown_charges is False
    sunday = VisitWindow.objects.get(facility=facility, kind="remote", weekday=6)
    assert (sunday.start_time, sunday.end_time) == (time(10), time(12))
    assert VisitWindow.objects.filter(facility=facility, kind="onsite", weekday=6).count() == 3
    assert not Terminal.objects.get(facility=facility, name="A-1").in_service


@pytest.mark.django_db
def test_units_and_terminals_left_out_of_the_file_are_kept_and_noted(tmp_path):
    load(BLUEBONNET)
    data = example()
    data["housing_units"] = [u for u in data["housing_units"] if u["code"] != "MED"]
    data["terminals"] = [t for t in data["terminals"] if t.get("unit") != "MED"]

    output = load(write(tmp_path, data))

    assert "no changes" in output
    assert "note: housing unit MED is not in the file: left as it is" in output
    assert "note: terminal MED-1 is not in the file: left as it is" in output
    assert HousingUnit.objects.filter(code="MED").exists()


@pytest.mark.django_db
def test_dry_run_lists_the_changes_and_saves_nothing(tmp_path):
    output = load(BLUEBONNET, "--dry-run")

    assert "Bluebonnet County Jail (bluebonnet-county-jail): would make" in output
    assert "facility bluebonnet-county-jail: created" in output
    assert "terminal Lobby 1: created (lobby)" in output
    assert output.endswith("Dry run: nothing was saved.\n")
    assert not Facility.objects.exists()
    assert not HousingUnit.objects.exists()


@pytest.mark.django_db
def test_a_json_file_loads(tmp_path):
    path = tmp_path / "facility.json"
    path.write_text(json.dumps(example(slug="json-jail"), default=str))

    load(path)

    assert Facility.objects.get(slug="json-jail").terms_versions.get().version == "1"


def _overlapping():
    data = example()
    data["windows"]["remote"]["monday"] = ["09:00-11:20", "11:00-12:00"]
    return data


def _ends_before_start():
    data = example()
    data["windows"]["remote"]["monday"] = ["12:20-16:20", "10:00-09:00"]
    return data


def _over_cap():
    data = example()
    data["prices"]["remote_cents_per_minute"] = 60
    return data


def _unknown_keys():
    data = example(colour="blue")
    data["terminals"][0]["screen"] = "large"
    return data


def _wrong_types():
    data = example(horizon_days="fourteen", active="yes", lockdown_charges="no")
    data["address"]["zip"] = 78701
    data["durations"] = [20, "forty"]
    return data


def _unknown_unit():
    data = example()
    data["terminals"].append({"name": "Z-1", "side": "inmate", "unit": "Z"})
    return data


def _not_a_window():
    data = example()
    data["windows"]["onsite"]["friday"] = ["9am-11am", "10:00-25:00"]
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, problems",
    [
        (
            example(time_zone="America/Austin"),
            ['time_zone: unknown time zone "America/Austin" (an IANA name like America/Chicago)'],
        ),
        (
            example(visiting_rules="our website"),
            ["visiting_rules: expected a web address like https://example.org/visiting"],
        ),
        (
            _overlapping(),
            ["windows.remote.monday[1]: 11:00-12:00 overlaps 09:00-11:20 (monday[0])"],
        ),
        (_ends_before_start(), ["windows.remote.monday[1]: ends 09:00 before it starts 10:00"]),
        (
            _over_cap(),
            [
                "prices.remote_cents_per_minute: 60 cents a minute is over the cap of 50 "
                "(prices.cap_cents_per_minute)"
            ],
        ),
        (
            _unknown_keys(),
            [
                "colour: unknown key (expected one of: slug, name, state,",
                "terminals[0].screen: unknown key (expected one of: name, side, unit, in_service)",
            ],
        ),
        (
            _wrong_types(),
            [
                'horizon_days: expected a whole number, got the text "fourteen"',
                'active: expected true or false, got the text "yes"',
                'lockdown_charges: expected true or false, got the text "no"',
                'address.zip: expected text, got the number 78701 (put it in quotes: "78701")',
                'durations[1]: expected a whole number, got the text "forty"',
            ],
        ),
        (_unknown_unit(), ['terminals[10].unit: the text "Z" is not a code in housing_units']),
        (
            _not_a_window(),
            [
                'windows.onsite.friday[0]: expected a window like "09:00-11:20", '
                'got the text "9am-11am"',
                'windows.onsite.friday[1]: "10:00-25:00" has a time that is not on a 24-hour clock',
            ],
        ),
        (example(state="Texas"), ['state: the text "Texas" is not a USPS state code like TX']),
        (
            example(kinds=["remote"]),
            ["windows.onsite: the facility does not offer on-site visits (see kinds)"],
        ),
        (
            example(kinds=["onsite", "video"]),
            ['kinds[1]: the text "video" is not onsite or remote'],
        ),
    ],
    ids=[
        "time zone",
        "visiting rules",
        "overlap",
        "end before start",
        "price over cap",
        "unknown keys",
        "wrong types",
        "unknown unit",
        "not a window",
        "state",
        "kind not offered",
        "unknown kind",
    ],
)
def test_a_bad_file_is_refused_with_every_problem_named_and_nothing_saved(tmp_path, data, problems):
    message = refused(write(tmp_path, data))

    assert "was not loaded" in message
    assert "Nothing was saved." in message
    for problem in problems:
        assert problem in message
    assert not Facility.objects.exists()


@pytest.mark.django_db
def test_missing_keys_are_each_named_once(tmp_path):
    data = example()
    del data["time_zone"]
    del data["address"]["city"]

    message = refused(write(tmp_path, data))

    assert "2 problems" in message
    assert "  time_zone: missing" in message
    assert "  address.city: missing" in message


@pytest.mark.django_db
def test_on_site_visits_need_a_lobby_terminal(tmp_path):
    data = example()
    data["terminals"] = [t for t in data["terminals"] if t["side"] != "lobby"]

    message = refused(write(tmp_path, data))

    assert "terminals: the facility offers on-site visits but has no lobby terminal" in message


@pytest.mark.django_db
def test_changed_terms_need_a_new_version_and_nothing_else_is_saved(tmp_path):
    load(BLUEBONNET)
    data = example(name="Renamed Jail")
    data["terms"]["text"] = "New rules."

    message = refused(write(tmp_path, data))

    assert "terms.version: version 1 already exists with another text or date" in message
    assert Facility.objects.get().name == "Bluebonnet County Jail"
    data["terms"]["version"] = "2"
    data["terms"]["effective_from"] = "2026-06-01"

    output = load(write(tmp_path, data))

    assert "terms version 2: created, in effect from 2026-06-01" in output
    assert list(TermsVersion.objects.values_list("version", flat=True).order_by("version")) == [
        "1",
        "2",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("bad.yaml", "slug: a\nname: [unclosed\n", "bad.yaml, line 3: not valid YAML"),
        ("bad.json", '{"slug": "a",\n "name": }', "bad.json, line 2: not valid JSON"),
        ("list.yaml", "- a\n- b\n", "expected a mapping of keys (slug, name, ...), got a list"),
    ],
)
def test_a_file_that_does_not_parse_is_refused_with_its_line(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_text(content)

    assert problem in refused(path)


def test_a_missing_file_is_refused(tmp_path):
    assert "nope.yaml: no such file" in refused(tmp_path / "nope.yaml")


def test_help_describes_the_file(capsys):
    with pytest.raises(SystemExit):
        call_command("load_facility", "--help")

    help_text = capsys.readouterr().out
    assert "facilities/examples/" in help_text
    assert "--dry-run" in help_text
