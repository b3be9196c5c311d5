"""Guards that keep each rule in one home: a visit's states are named as groups only in
the model, its queryset and `scheduling/rules.py`, and no template decides on a raw
status string (it reads `rules.visit_display` through the `visits` template tags)."""

import re
from pathlib import Path

from scheduling.models import VisitStatus

ROOT = Path(__file__).resolve().parents[2]
STATUS_HOMES = {ROOT / "scheduling" / "models.py", ROOT / "scheduling" / "rules.py"}
MEMBER = r"VisitStatus\.[A-Z_]+"
# Two or more statuses in one tuple, list or set, written as members or as strings.
MEMBER_GROUP = re.compile(rf"[\[({{]\s*{MEMBER}\s*,\s*\*?{MEMBER}")
VALUES = "|".join(re.escape(v) for v in VisitStatus.values)
STRING_GROUP = re.compile(rf"status__in=[\[(]\s*[\"']({VALUES})[\"']")
TEMPLATE_COMPARISON = re.compile(
    rf"(status\s*(==|!=|in)\s*[\"']({VALUES})[\"'])|([\"']({VALUES})[\"']\s*(==|!=)\s*\S*status)"
)


def _python_sources():
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "var", "node_modules"} or "migrations" in parts:
            continue
        if "tests" in parts or path.name == "conftest.py":
            continue
        yield path


def status_groups_outside_their_home() -> list[str]:
    found = []
    for path in _python_sources():
        if path in STATUS_HOMES:
            continue
        text = path.read_text()  # whole, so a group written over several lines is seen
        for pattern in (MEMBER_GROUP, STRING_GROUP):
            for match in pattern.finditer(text):
                number = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    return found


def status_strings_in_templates() -> list[str]:
    found = []
    for path in (ROOT / "templates").rglob("*"):
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if TEMPLATE_COMPARISON.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    return found


def test_the_scan_recognises_a_status_group_and_a_template_comparison():
    assert MEMBER_GROUP.search("if v.status in (VisitStatus.BOOKED, VisitStatus.CHECKED_IN):")
    assert MEMBER_GROUP.search(
        "OCCUPYING = [\n    VisitStatus.BOOKED,\n    VisitStatus.NO_SHOW,\n]"
    )
    assert MEMBER_GROUP.search("x = [VisitStatus.HELD, *LIVE]") is None
    assert STRING_GROUP.search('Visit.objects.filter(status__in=["held", "booked"])')
    assert TEMPLATE_COMPARISON.search('{% if visit.status == "cancelled" %}')
    assert TEMPLATE_COMPARISON.search('{% if access_request.status == "pending" %}') is None


def test_sets_of_visit_statuses_are_written_only_in_the_model_and_rules():
    assert status_groups_outside_their_home() == []


def test_no_template_compares_a_visit_status_string():
    assert status_strings_in_templates() == []
