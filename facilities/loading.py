"""A facility described in a file (YAML or JSON), for the operator's `load_facility`.

Reading is in two steps. `facility_file_read` parses the file and `facility_spec_parse`
checks every value, collecting every problem with the path of its key
(`windows.remote.monday[1]: ends 09:00 before it starts 10:00`), so the operator fixes the
file in one go. Only a file without problems reaches `facility_load`, which creates or
updates the facility by its slug in one transaction and lists what it changed: nothing the
second time.

The file is the whole truth for the facility's own fields, its scheduling settings and its
visit windows. Housing units and terminals are created or updated by code and name; those
in the database but not in the file are left as they are (people and visits point at
them) and listed. Terms versions are never edited once written: a new text needs a new
version.

The example files in facilities/examples/ show every key.
"""

import contextlib
import json
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, time
from itertools import pairwise
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction

from accounts.states import USState
from scheduling.availability import Window
from scheduling.models import SchedulingConfig, VisitKind, VisitWindow

from .models import Facility, HousingUnit, Terminal, TermsVersion, VisitKinds

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
KIND_NAMES = {VisitKind.ONSITE: "on-site", VisitKind.REMOTE: "remote"}
WINDOW_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

TOP_KEYS = {
    "slug": True,
    "name": True,
    "state": True,
    "address": True,
    "time_zone": True,
    "kinds": True,
    "windows": True,
    "housing_units": True,
    "terminals": True,
    "phone": False,
    "visiting_rules": False,
    "active": False,
    "durations": False,
    "slot_step_minutes": False,
    "min_notice_minutes": False,
    "horizon_days": False,
    "weekly_limit": False,
    "lockdown_charges": False,
    "prices": False,
    "terms": False,
}
ADDRESS_KEYS = {"street": True, "city": True, "zip": True}
PRICE_KEYS = {
    "remote_cents_per_minute": False,
    "onsite_cents_per_minute": False,
    "cap_cents_per_minute": False,
}
UNIT_KEYS = {"code": True, "name": True, "shown_to_families": False}
TERMINAL_KEYS = {"name": True, "side": True, "unit": False, "in_service": False}
TERMS_KEYS = {"version": True, "effective_from": True, "text": True}


class FacilityFileError(Exception):
    """The file cannot be loaded. `problems` are lines for the operator, each naming a key."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    shown_to_families: bool


@dataclass(frozen=True)
class TerminalSpec:
    name: str
    side: str
    unit_code: str | None
    in_service: bool


@dataclass(frozen=True)
class TermsSpec:
    version: str
    effective_from: date
    text: str


@dataclass
class FacilitySpec:
    slug: str
    facility: dict  # Facility field -> value
    config: dict  # SchedulingConfig field -> value
    windows: dict[str, list[Window]]  # kind -> windows
    units: list[UnitSpec]
    terminals: list[TerminalSpec]
    terms: TermsSpec | None


@dataclass
class LoadResult:
    facility: Facility
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# Reading and checking the file.


def facility_file_read(path: Path) -> dict:
    """The file's content: JSON for a .json file, YAML otherwise."""
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FacilityFileError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise FacilityFileError([f"{path}: cannot be read ({error})"]) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise FacilityFileError(
                [f"{path}, line {error.lineno}: not valid JSON ({error.msg})"]
            ) from None
    else:
        try:
            data = yaml.safe_load(content)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark else ""
            problem = getattr(error, "problem", None) or str(error)
            raise FacilityFileError([f"{path}{where}: not valid YAML ({problem})"]) from None
    if not isinstance(data, dict):
        raise FacilityFileError(
            [f"{path}: expected a mapping of keys (slug, name, ...), got {_what(data)}"]
        )
    return data


def _what(value) -> str:
    """How a value of the wrong type is described to the operator."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return type(value).__name__


# A required key left out: reported once by _Checker.mapping, then passed over quietly.
MISSING = object()


class _Checker:
    """Collects problems, each prefixed with the path of its key."""

    def __init__(self):
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(self, value, path: str, keys: dict[str, bool]) -> dict | None:
        """A mapping with only the known keys and every required one."""
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping, got {_what(value)}")
            return None
        prefix = f"{path}." if path else ""
        for key in value:
            if key not in keys:
                self.problem(f"{prefix}{key}", f"unknown key (expected one of: {', '.join(keys)})")
        for key, required in keys.items():
            if required and key not in value:
                self.problem(f"{prefix}{key}", "missing")
        return value

    def text(self, value, path: str, *, max_length: int, blank: bool = False) -> str | None:
        if value is MISSING:
            return None
        if not isinstance(value, str):
            hint = f' (put it in quotes: "{value}")' if isinstance(value, int | float) else ""
            self.problem(path, f"expected text, got {_what(value)}{hint}")
            return None
        value = value.strip()
        if not value and not blank:
            self.problem(path, "is empty")
            return None
        if len(value) > max_length:
            self.problem(path, f"is {len(value)} characters long, at most {max_length}")
            return None
        return value

    def whole(self, value, path: str, *, minimum: int, maximum: int) -> int | None:
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"expected a whole number, got {_what(value)}")
            return None
        if not minimum <= value <= maximum:
            self.problem(path, f"{value} is not between {minimum} and {maximum}")
            return None
        return value

    def flag(self, value, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.problem(path, f"expected true or false, got {_what(value)}")
            return None
        return value

    def items(self, value, path: str) -> list:
        if value is MISSING:
            return []
        if not isinstance(value, list):
            self.problem(path, f"expected a list, got {_what(value)}")
            return []
        return value


def _clock(hour: str, minute: str) -> time | None:
    if int(hour) > 23 or int(minute) > 59:
        return None
    return time(int(hour), int(minute))


def _windows(check: _Checker, value, path: str) -> list[Window]:
    """One kind's windows: weekday -> list of "HH:MM-HH:MM", none overlapping."""
    days = check.mapping(value, path, dict.fromkeys(WEEKDAYS, False))
    if days is None:
        return []
    windows = []
    for weekday, day in enumerate(WEEKDAYS):
        if day not in days:
            continue
        parsed = []
        for index, text in enumerate(check.items(days[day], f"{path}.{day}")):
            where = f"{path}.{day}[{index}]"
            match = WINDOW_PATTERN.match(text) if isinstance(text, str) else None
            if match is None:
                check.problem(where, f'expected a window like "09:00-11:20", got {_what(text)}')
                continue
            start, end = _clock(*match.group(1, 2)), _clock(*match.group(3, 4))
            if start is None or end is None:
                check.problem(where, f'"{text}" has a time that is not on a 24-hour clock')
                continue
            if end < start:
                check.problem(where, f"ends {end:%H:%M} before it starts {start:%H:%M}")
                continue
            if end == start:
                check.problem(where, f"starts and ends at {start:%H:%M}")
                continue
            parsed.append((index, Window(weekday=weekday, start=start, end=end)))
        parsed.sort(key=lambda item: item[1].start)
        for (earlier_index, earlier), (index, later) in pairwise(parsed):
            if later.start < earlier.end:
                check.problem(
                    f"{path}.{day}[{index}]",
                    f"{later.start:%H:%M}-{later.end:%H:%M} overlaps "
                    f"{earlier.start:%H:%M}-{earlier.end:%H:%M} ({day}[{earlier_index}])",
                )
        windows += [window for _, window in parsed]
    return windows


def _kinds(check: _Checker, value) -> list[str]:
    kinds = []
    for index, kind in enumerate(check.items(value, "kinds")):
        if kind not in VisitKind.values:
            check.problem(f"kinds[{index}]", f"{_what(kind)} is not onsite or remote")
        elif kind in kinds:
            check.problem(f"kinds[{index}]", f"{kind} is listed twice")
        else:
            kinds.append(kind)
    if value == []:
        check.problem("kinds", "give onsite, remote or both")
    return kinds


def _visit_kinds(kinds: list[str]) -> str:
    if set(kinds) == {VisitKind.ONSITE, VisitKind.REMOTE}:
        return VisitKinds.BOTH
    return VisitKinds.ONSITE if kinds == [VisitKind.ONSITE] else VisitKinds.REMOTE


def _config(check: _Checker, data: dict) -> dict:
    """SchedulingConfig values; a key left out takes the model's default."""
    defaults = SchedulingConfig()
    config = {}
    durations = data.get("durations", defaults.durations)
    parsed = [
        check.whole(d, f"durations[{i}]", minimum=5, maximum=240)
        for i, d in enumerate(check.items(durations, "durations"))
    ]
    if isinstance(durations, list) and not durations:
        check.problem("durations", "give at least one length of visit, in minutes")
    elif len(set(parsed)) != len(parsed):
        check.problem("durations", "a length is listed twice")
    config["durations"] = sorted(d for d in parsed if d is not None)
    limits = {
        "slot_step_minutes": (5, 240),
        "min_notice_minutes": (0, 60 * 24 * 30),
        "horizon_days": (1, 365),
    }
    for key, (minimum, maximum) in limits.items():
        config[key] = check.whole(
            data.get(key, getattr(defaults, key)), key, minimum=minimum, maximum=maximum
        )
    weekly_limit = data.get("weekly_limit")
    config["weekly_limit"] = (
        None
        if weekly_limit is None
        else check.whole(weekly_limit, "weekly_limit", minimum=1, maximum=100)
    )
    config["lockdown_charges"] = check.flag(
        data.get("lockdown_charges", defaults.lockdown_charges), "lockdown_charges"
    )
    prices = check.mapping(data.get("prices", {}), "prices", PRICE_KEYS) or {}
    fields = {
        "remote_cents_per_minute": "remote_price_per_minute_cents",
        "onsite_cents_per_minute": "onsite_price_per_minute_cents",
        "cap_cents_per_minute": "price_cap_per_minute_cents",
    }
    for key, model_field in fields.items():
        config[model_field] = check.whole(
            prices.get(key, getattr(defaults, model_field)),
            f"prices.{key}",
            minimum=0,
            maximum=10_000,
        )
    cap = config["price_cap_per_minute_cents"]
    for key in ("remote_cents_per_minute", "onsite_cents_per_minute"):
        price = config[fields[key]]
        if price is not None and cap is not None and price > cap:
            check.problem(
                f"prices.{key}",
                f"{price} cents a minute is over the cap of {cap} (prices.cap_cents_per_minute)",
            )
    return config


def _units(check: _Checker, value) -> list[UnitSpec]:
    units, codes = [], set()
    for index, item in enumerate(check.items(value, "housing_units")):
        path = f"housing_units[{index}]"
        item = check.mapping(item, path, UNIT_KEYS)
        if item is None:
            continue
        code = check.text(item.get("code", MISSING), f"{path}.code", max_length=20)
        name = check.text(item.get("name", MISSING), f"{path}.name", max_length=100)
        shown = check.flag(item.get("shown_to_families", False), f"{path}.shown_to_families")
        if code in codes:
            check.problem(f"{path}.code", f"{code} is listed twice")
        elif code and name:
            codes.add(code)
            units.append(UnitSpec(code=code, name=name, shown_to_families=bool(shown)))
    return units


def _terminals(check: _Checker, value, unit_codes: set[str]) -> list[TerminalSpec]:
    terminals, names = [], set()
    for index, item in enumerate(check.items(value, "terminals")):
        path = f"terminals[{index}]"
        item = check.mapping(item, path, TERMINAL_KEYS)
        if item is None:
            continue
        name = check.text(item.get("name", MISSING), f"{path}.name", max_length=100)
        side = item.get("side", MISSING)
        unit = item.get("unit")
        in_service = check.flag(item.get("in_service", True), f"{path}.in_service")
        if name in names:
            check.problem(f"{path}.name", f"{name} is listed twice")
        elif name:
            names.add(name)
        if side == Terminal.Side.LOBBY:
            if unit is not None:
                check.problem(f"{path}.unit", "a lobby terminal stands in no housing unit")
        elif side == Terminal.Side.INMATE:
            if unit is None:
                check.problem(f"{path}.unit", "missing: the housing unit the terminal stands in")
            elif unit not in unit_codes:
                check.problem(f"{path}.unit", f"{_what(unit)} is not a code in housing_units")
        elif side is not MISSING:
            check.problem(f"{path}.side", f"{_what(side)} is not lobby or inmate")
        terminals.append(TerminalSpec(name=name, side=side, unit_code=unit, in_service=in_service))
    return terminals


def _terms(check: _Checker, value) -> TermsSpec | None:
    item = check.mapping(value, "terms", TERMS_KEYS)
    if item is None:
        return None
    version = check.text(item.get("version", MISSING), "terms.version", max_length=20)
    text = check.text(item.get("text", MISSING), "terms.text", max_length=50_000)
    effective = item.get("effective_from", MISSING)
    if isinstance(effective, str):
        with contextlib.suppress(ValueError):
            effective = date.fromisoformat(effective)
    if effective is not MISSING and (type(effective) is not date):
        check.problem(
            "terms.effective_from", f"expected a date like 2025-01-01, got {_what(effective)}"
        )
        return None
    return TermsSpec(version=version, effective_from=effective, text=text)


def _web_address(check, value, path: str) -> str | None:
    """An optional http(s) address, like a facility's page of visiting rules."""
    text = check.text(value, path, max_length=200, blank=True)
    if text:
        try:
            URLValidator(schemes=["https", "http"])(text)
        except ValidationError:
            check.problem(path, "expected a web address like https://example.org/visiting")
            return None
    return text


def facility_spec_parse(data: dict) -> FacilitySpec:
    """Check every value of a facility file; raises FacilityFileError listing every problem."""
    check = _Checker()
    check.mapping(data, "", TOP_KEYS)
    slug = check.text(data.get("slug", MISSING), "slug", max_length=80)
    if slug:
        try:
            validate_slug(slug)
        except ValidationError:
            check.problem("slug", f'"{slug}" may only have letters, digits, - and _')
    facility = {
        "name": check.text(data.get("name", MISSING), "name", max_length=200),
        "state": data.get("state"),
        "time_zone": check.text(data.get("time_zone", MISSING), "time_zone", max_length=64),
        "phone": check.text(data.get("phone", ""), "phone", max_length=30, blank=True),
        "visiting_rules_url": _web_address(check, data.get("visiting_rules", ""), "visiting_rules"),
        "is_active": check.flag(data.get("active", True), "active"),
    }
    if "state" in data and facility["state"] not in USState.values:
        check.problem("state", f"{_what(facility['state'])} is not a USPS state code like TX")
    if facility["time_zone"]:
        try:
            zoneinfo.ZoneInfo(facility["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            check.problem(
                "time_zone",
                f'unknown time zone "{facility["time_zone"]}" (an IANA name like America/Chicago)',
            )
    address = check.mapping(data.get("address", MISSING), "address", ADDRESS_KEYS) or {}
    facility["street_address"] = check.text(
        address.get("street", MISSING), "address.street", max_length=200
    )
    facility["city"] = check.text(address.get("city", MISSING), "address.city", max_length=100)
    facility["zip_code"] = check.text(address.get("zip", MISSING), "address.zip", max_length=10)

    kinds = _kinds(check, data.get("kinds", MISSING))
    facility["visit_kinds"] = _visit_kinds(kinds)
    windows = {}
    given = check.mapping(
        data.get("windows", MISSING), "windows", dict.fromkeys(VisitKind.values, False)
    )
    for kind in VisitKind.values:
        if given is None:
            break
        if kind in given and kind not in kinds:
            check.problem(
                f"windows.{kind}",
                f"the facility does not offer {KIND_NAMES[kind]} visits (see kinds)",
            )
        elif kind in kinds and kind not in given:
            check.problem(f"windows.{kind}", f"missing: the {KIND_NAMES[kind]} visit windows")
        elif kind in kinds:
            before = len(check.problems)
            windows[kind] = _windows(check, given[kind], f"windows.{kind}")
            if not windows[kind] and len(check.problems) == before:
                check.problem(f"windows.{kind}", "no window on any day")
    config = _config(check, data)
    units = _units(check, data.get("housing_units", MISSING))
    terminals = _terminals(check, data.get("terminals", MISSING), {unit.code for unit in units})
    if VisitKind.ONSITE in kinds and not any(t.side == Terminal.Side.LOBBY for t in terminals):
        check.problem("terminals", "the facility offers on-site visits but has no lobby terminal")
    terms = _terms(check, data["terms"]) if "terms" in data else None
    if check.problems:
        raise FacilityFileError(check.problems)
    return FacilitySpec(
        slug=slug,
        facility=facility,
        config=config,
        windows=windows,
        units=units,
        terminals=terminals,
        terms=terms,
    )


# Writing.


def _shown(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _update(instance, values: dict, label: str, result: LoadResult) -> None:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        result.changes.append(
            f"{label} {name}: {_shown(getattr(instance, name))} -> {_shown(values[name])}"
        )
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)


def _window_text(windows) -> str:
    return ", ".join(f"{w.start:%H:%M}-{w.end:%H:%M}" for w in windows) or "no windows"


def _load_windows(facility: Facility, spec: FacilitySpec, result: LoadResult) -> None:
    existing = {kind: [] for kind in VisitKind.values}
    for row in VisitWindow.objects.filter(facility=facility):
        existing[row.kind].append(
            Window(weekday=row.weekday, start=row.start_time, end=row.end_time)
        )
    for kind in VisitKind.values:
        wanted = sorted(spec.windows.get(kind, []), key=lambda w: (w.weekday, w.start))
        have = sorted(existing[kind], key=lambda w: (w.weekday, w.start))
        if wanted == have:
            continue
        for weekday, day in enumerate(WEEKDAYS):
            before = [w for w in have if w.weekday == weekday]
            after = [w for w in wanted if w.weekday == weekday]
            if before != after:
                result.changes.append(
                    f"windows.{kind}.{day}: {_window_text(before)} -> {_window_text(after)}"
                )
        VisitWindow.objects.filter(facility=facility, kind=kind).delete()
        VisitWindow.objects.bulk_create(
            VisitWindow(
                facility=facility, kind=kind, weekday=w.weekday, start_time=w.start, end_time=w.end
            )
            for w in wanted
        )


def _load_units(facility: Facility, spec: FacilitySpec, result: LoadResult) -> dict:
    units = {unit.code: unit for unit in HousingUnit.objects.filter(facility=facility)}
    for unit_spec in spec.units:
        unit = units.get(unit_spec.code)
        if unit is None:
            units[unit_spec.code] = HousingUnit.objects.create(
                facility=facility,
                code=unit_spec.code,
                name=unit_spec.name,
                shown_to_families=unit_spec.shown_to_families,
            )
            result.changes.append(f"housing unit {unit_spec.code}: created ({unit_spec.name})")
        else:
            values = {"name": unit_spec.name, "shown_to_families": unit_spec.shown_to_families}
            _update(unit, values, f"housing unit {unit.code}", result)
    listed = {unit.code for unit in spec.units}
    for code in sorted(set(units) - listed):
        result.notes.append(f"housing unit {code} is not in the file: left as it is")
    return units


def _load_terminals(facility: Facility, spec: FacilitySpec, units: dict, result) -> None:
    terminals = {t.name: t for t in Terminal.objects.filter(facility=facility)}
    for terminal_spec in spec.terminals:
        values = {
            "side": terminal_spec.side,
            "housing_unit": units[terminal_spec.unit_code] if terminal_spec.unit_code else None,
            "in_service": terminal_spec.in_service,
        }
        terminal = terminals.get(terminal_spec.name)
        if terminal is None:
            Terminal.objects.create(facility=facility, name=terminal_spec.name, **values)
            where = f" in {terminal_spec.unit_code}" if terminal_spec.unit_code else ""
            result.changes.append(
                f"terminal {terminal_spec.name}: created ({terminal_spec.side}{where})"
            )
            continue
        if terminal.housing_unit_id != (
            values["housing_unit"].pk if values["housing_unit"] else None
        ):
            old = terminal.housing_unit.code if terminal.housing_unit else "none"
            result.changes.append(
                f"terminal {terminal.name} unit: {old} -> {terminal_spec.unit_code or 'none'}"
            )
            terminal.housing_unit = values["housing_unit"]
            terminal.save(update_fields=["housing_unit"])
        del values["housing_unit"]
        _update(terminal, values, f"terminal {terminal.name}", result)
    listed = {t.name for t in spec.terminals}
    for name in sorted(set(terminals) - listed):
        result.notes.append(f"terminal {name} is not in the file: left as it is")


def _load_terms(facility: Facility, spec: FacilitySpec, result: LoadResult) -> None:
    terms = spec.terms
    existing = TermsVersion.objects.filter(facility=facility, version=terms.version).first()
    if existing is None:
        TermsVersion.objects.create(
            facility=facility,
            version=terms.version,
            text=terms.text,
            effective_from=terms.effective_from,
        )
        result.changes.append(
            f"terms version {terms.version}: created, in effect from {terms.effective_from}"
        )
    elif existing.text.strip() != terms.text or existing.effective_from != terms.effective_from:
        raise FacilityFileError(
            [
                f"terms.version: version {terms.version} already exists with another text or "
                "date, and people may have accepted it; give the new terms a new version"
            ]
        )


@transaction.atomic
def facility_load(*, spec: FacilitySpec, dry_run: bool = False) -> LoadResult:
    """Create or update the facility described by `spec`, all or nothing. With `dry_run`
    every change is made, listed and rolled back."""
    facility = Facility.objects.select_for_update().filter(slug=spec.slug).first()
    if facility is None:
        facility = Facility.objects.create(slug=spec.slug, **spec.facility)
        result = LoadResult(facility=facility, changes=[f"facility {spec.slug}: created"])
    else:
        result = LoadResult(facility=facility)
        _update(facility, spec.facility, "facility", result)
    config = SchedulingConfig.objects.filter(facility=facility).first()
    if config is None:
        SchedulingConfig.objects.create(facility=facility, **spec.config)
        result.changes.append("scheduling settings: created")
    else:
        _update(config, spec.config, "scheduling", result)
    _load_windows(facility, spec, result)
    units = _load_units(facility, spec, result)
    _load_terminals(facility, spec, units, result)
    if spec.terms:
        _load_terms(facility, spec, result)
    if dry_run:
        transaction.set_rollback(True)
    return result
