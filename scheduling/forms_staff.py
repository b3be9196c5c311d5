"""Forms of the facility staff's visit pages in the console.

Times staff type are on the facility's clock; the forms turn them into UTC instants.
Object choices (visits, terminals, housing units) are scoped to what the staff member may
act on: a value outside them can only come from a tampered form, and the views answer it
with a 404, like an object that does not exist.
"""

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from visitation.forms import ModelsChoiceField, StyledForm

from .availability import Window
from .days import EARLIEST, day_in_range
from .reasons import CancelFamily, CancelReason, family_of, staff_reasons

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
OUT_OF_SCOPE_CODES = {"invalid_choice", "invalid_pk_value"}


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the facility's clock shows `day` `at`. In the hour repeated
    when the clocks go back, its first occurrence; a time skipped when they go forward does
    not exist and is refused."""
    wall = datetime.combine(day, at)
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        raise ValidationError(
            _("%(time)s does not exist on %(day)s: the clocks go forward then."),
            params={"time": at.strftime("%H:%M"), "day": day.isoformat()},
        )
    return instant


class ScopedForm(StyledForm):
    def tampered(self) -> bool:
        """A scoped object choice was refused: something the page never offered."""
        for name, errors in self.errors.as_data().items():
            if isinstance(self.fields.get(name), forms.ModelChoiceField) and any(
                error.code in OUT_OF_SCOPE_CODES for error in errors
            ):
                return True
        return False


class BoardFilterForm(StyledForm):
    """The board's filters, read from the address: a housing unit of the facility and a
    group of statuses. A value the page never offered shows the whole board."""

    STATUSES = [
        ("", _("All visits")),
        ("scheduled", _("Scheduled")),
        ("checked_in", _("Checked in")),
        ("completed", _("Completed")),
        ("no_show", _("No-show")),
        ("cancelled", _("Cancelled")),
    ]

    unit = forms.ModelChoiceField(
        label=_("Housing unit"), queryset=None, required=False, empty_label=_("All units")
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: unit.name

    def chosen(self) -> tuple:
        """(housing unit or None, status word or "")."""
        self.is_valid()
        return self.cleaned_data.get("unit"), self.cleaned_data.get("status") or ""


def staff_reason_choices(*, lockdown_charges: bool):
    """The staff reasons grouped by family: the family says who pays."""
    return [("", _("Choose a reason"))] + [
        (
            CancelFamily(family).label,
            [(CancelReason(reason).value, CancelReason(reason).label) for reason in reasons],
        )
        for family, reasons in staff_reasons(lockdown_charges=lockdown_charges).items()
    ]


class _CancelFields(forms.Form):
    """A staff cancellation's reason, listed under its family as the facility's settings
    place a lockdown, and the explanation for the visitor."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        help_text=_(
            "The reasons are grouped by who pays. Behavioural: the visitor is charged. "
            "Non-behavioural: what the visitor paid comes back as credit."
        ),
    )
    explanation = forms.CharField(
        label=_("Explanation for the visitor"),
        help_text=_("The visitor reads this in their email and on their visit page."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, lockdown_charges: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.lockdown_charges = lockdown_charges
        self.fields["reason"].choices = staff_reason_choices(lockdown_charges=lockdown_charges)

    @property
    def family(self) -> str:
        return family_of(self.cleaned_data["reason"], lockdown_charges=self.lockdown_charges)


class CancelForm(StyledForm, _CancelFields):
    pass


class BulkForm(ScopedForm, _CancelFields):
    """Move or cancel several affected visits in one action."""

    MOVE = "move"
    CANCEL = "cancel"

    visits = ModelsChoiceField(
        label=_("Visits"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    action = forms.ChoiceField(
        label=_("What to do with the chosen visits"), widget=forms.RadioSelect
    )

    def __init__(self, *args, visits, can_move: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visits"].queryset = visits
        actions = [(self.CANCEL, _("Cancel them, with the reason and explanation below"))]
        if can_move:
            actions.insert(0, (self.MOVE, _("Move each to another free terminal at the same time")))
        self.fields["action"].choices = actions
        self.fields["action"].initial = actions[0][0]
        # The reason and explanation matter only for a cancellation (see clean).
        self.fields["reason"].required = False
        self.fields["explanation"].required = False

    def clean(self):
        data = super().clean()
        if data.get("action") == self.CANCEL:
            if not data.get("reason"):
                self.add_error("reason", _("Please choose a reason to cancel."))
            if not data.get("explanation", "").strip():
                self.add_error(
                    "explanation",
                    _("Please explain to the visitors why their visits are cancelled."),
                )
        return data


class MoveForm(ScopedForm):
    """A new start (one of the free starts the page lists, as an instant) and, if staff
    want a particular one, the terminals."""

    starts_at = forms.DateTimeField(
        label=_("New time"), error_messages={"required": _("Please choose a new time.")}
    )
    inmate_terminal = forms.ModelChoiceField(
        label=_("Terminal on the incarcerated side"),
        queryset=None,
        required=False,
        empty_label=_("The first free terminal"),
    )
    lobby_terminal = forms.ModelChoiceField(
        label=_("Lobby terminal"),
        queryset=None,
        required=False,
        empty_label=_("The first free lobby terminal"),
    )

    def __init__(self, *args, inmate_terminals, lobby_terminals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inmate_terminal"].queryset = inmate_terminals
        self.fields["lobby_terminal"].queryset = lobby_terminals

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        # The day as written, before any conversion: 9999-12-31 has no next day in UTC.
        if not day_in_range(value.date(), today=timezone.localdate(timezone=UTC)):
            raise ValidationError(_("Please choose one of the free times listed."))
        return value.astimezone(UTC)


def _dollars(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _hours(minutes: int) -> str:
    """90 -> "1.5", 1440 -> "24", 6000 -> "100"."""
    return f"{(Decimal(minutes) / 60).quantize(Decimal('0.01')).normalize():f}"


class _PriceField(forms.DecimalField):
    """Dollars on the page, integer cents in the cleaned data."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=6, decimal_places=2, min_value=0, **kwargs)

    def clean(self, value):
        dollars = super().clean(value)
        return int(dollars * 100)


class ConfigForm(StyledForm):
    durations = forms.CharField(
        label=_("Visit lengths offered, in minutes"),
        help_text=_("Separate them with commas, for example: 20, 40, 60."),
        max_length=100,
    )
    slot_step_minutes = forms.IntegerField(
        label=_("Visits start every ... minutes"), min_value=5, max_value=240
    )
    min_notice_hours = forms.DecimalField(
        label=_("Minimum notice, in hours"),
        help_text=_(
            "How long before its start a visit may still be booked, for example 24 for a day "
            "or 1.5 for an hour and a half."
        ),
        min_value=0,
        max_value=24 * 60,
        decimal_places=2,
    )
    horizon_days = forms.IntegerField(
        label=_("How far ahead, in days"),
        help_text=_("Visits may be booked up to this many days ahead."),
        min_value=1,
        max_value=365,
    )
    weekly_limit = forms.IntegerField(
        label=_("Visits per incarcerated person per week"),
        help_text=_("Monday to Sunday. Leave empty for no limit."),
        min_value=1,
        max_value=100,
        required=False,
    )
    remote_price_per_minute_cents = _PriceField(
        label=_("Remote visits: price per minute, in dollars")
    )
    onsite_price_per_minute_cents = _PriceField(
        label=_("On-site visits: price per minute, in dollars"),
        help_text=_("0 makes on-site visits free."),
    )
    lockdown_charges = forms.TypedChoiceField(
        label=_("A visit cancelled because of a lockdown"),
        choices=[
            ("yes", _("Is charged: a lockdown counts as behavioural (the usual rule)")),
            ("no", _("Is not charged: what the visitor paid comes back as credit")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, config, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "durations": ", ".join(str(d) for d in config.durations),
                "slot_step_minutes": config.slot_step_minutes,
                "min_notice_hours": _hours(config.min_notice_minutes),
                "horizon_days": config.horizon_days,
                "weekly_limit": config.weekly_limit,
                "remote_price_per_minute_cents": _dollars(config.remote_price_per_minute_cents),
                "onsite_price_per_minute_cents": _dollars(config.onsite_price_per_minute_cents),
                "lockdown_charges": "yes" if config.lockdown_charges else "no",
            },
        )
        super().__init__(*args, **kwargs)
        cap = _dollars(config.price_cap_per_minute_cents)
        for name in ("remote_price_per_minute_cents", "onsite_price_per_minute_cents"):
            self.fields[name].help_text = " ".join(
                filter(
                    None,
                    [
                        str(self.fields[name].help_text or ""),
                        str(_("At most $%(cap)s a minute (set by the operator).") % {"cap": cap}),
                    ],
                )
            )

    def clean(self):
        data = super().clean()
        # Hours on the page, whole minutes in the settings.
        if data.get("min_notice_hours") is not None:
            data["min_notice_minutes"] = round(data.pop("min_notice_hours") * 60)
        return data

    def clean_durations(self):
        parts = [part.strip() for part in self.cleaned_data["durations"].split(",")]
        if not all(part.isdigit() for part in parts):
            raise ValidationError(_("Give whole minutes separated by commas, for example 20, 40."))
        return [int(part) for part in parts]


WINDOW_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*(?:-|–|to)\s*(\d{1,2}):(\d{2})$")


def parse_windows(text: str, weekday: int) -> list[Window]:
    windows = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = WINDOW_RE.match(part)
        try:
            if match is None:
                raise ValueError(part)
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = time(h1, m1), time(h2, m2)
        except ValueError:
            raise ValidationError(
                _("Write each window as start-end on a 24-hour clock, for example 09:00-11:20.")
            ) from None
        if start >= end:
            raise ValidationError(_("%(window)s ends before it starts."), params={"window": part})
        windows.append(Window(weekday=weekday, start=start, end=end))
    return windows


def format_windows(windows: list[Window], weekday: int) -> str:
    return ", ".join(
        f"{w.start:%H:%M}-{w.end:%H:%M}"
        for w in sorted(windows, key=lambda w: w.start)
        if w.weekday == weekday
    )


class WindowsForm(StyledForm):
    """One line per weekday: that day's windows, on the facility's clock."""

    def __init__(self, *args, windows: list[Window], **kwargs):
        super().__init__(*args, **kwargs)
        for weekday, name in enumerate(WEEKDAYS):
            self.fields[f"day_{weekday}"] = forms.CharField(
                label=name,
                required=False,
                max_length=300,
                initial=format_windows(windows, weekday),
                help_text=_("For example 09:00-11:20, 12:20-16:20. Empty: no visits that day."),
                # Added after StyledForm styled the declared fields: full width on a phone.
                widget=forms.TextInput(attrs={"class": "usa-input"}),
            )

    def clean(self):
        data = super().clean()
        windows = []
        for weekday in range(7):
            name = f"day_{weekday}"
            if name not in data:
                continue
            try:
                windows += parse_windows(data[name], weekday)
            except ValidationError as error:
                self.add_error(name, error)
        data["windows"] = windows
        return data


class PeriodForm(StyledForm):
    """A period on the facility's clock and its reason (a closure; a lockdown adds its
    housing unit)."""

    starts_on = forms.DateField(
        label=_("From (date)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_time = forms.TimeField(
        label=_("From (time)"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_on = forms.DateField(
        label=_("Until (date)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_time = forms.TimeField(
        label=_("Until (time)"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self):
        data = super().clean()
        today = timezone.localdate(timezone=self.zone)
        for field, day, at in (
            ("starts_at", "starts_on", "starts_time"),
            ("ends_at", "ends_on", "ends_time"),
        ):
            if data.get(day) is not None and not day_in_range(data[day], today=today):
                self.add_error(
                    day,
                    _("Choose a date from %(earliest)s to two years from today.")
                    % {"earliest": date_format(EARLIEST, "DATE_FORMAT")},
                )
            elif data.get(day) is not None and data.get(at) is not None:
                try:
                    data[field] = local_instant(data[day], data[at], self.zone)
                except ValidationError as error:
                    self.add_error(at, error)
        return data


class LockdownForm(ScopedForm, PeriodForm):
    """A lockdown starts now or at a time, and ends at a time or when staff end it by hand
    ("until further notice"): starts_at, ends_at None for those in the cleaned data."""

    NOW = "now"
    AT = "at"
    UNTIL_FURTHER_NOTICE = "notice"

    housing_unit = forms.ModelChoiceField(label=_("Housing unit"), queryset=None)
    starts = forms.ChoiceField(
        label=_("Starts"),
        choices=[(NOW, _("Now")), (AT, _("On the date and at the time below"))],
        widget=forms.RadioSelect,
        initial=NOW,
        required=False,
    )
    ends = forms.ChoiceField(
        label=_("Ends"),
        choices=[
            (AT, _("On the date and at the time below")),
            (UNTIL_FURTHER_NOTICE, _("Until further notice: it lasts until you end it here")),
        ],
        widget=forms.RadioSelect,
        initial=AT,
        required=False,
    )
    field_order = ["housing_unit"]

    def __init__(self, *args, housing_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["housing_unit"].queryset = housing_units
        for name in ("starts_on", "starts_time", "ends_on", "ends_time"):
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for choice, field, given, (day, at) in (
            ("starts", "starts_at", self.NOW, ("starts_on", "starts_time")),
            ("ends", "ends_at", self.UNTIL_FURTHER_NOTICE, ("ends_on", "ends_time")),
        ):
            if data.get(choice) == given:
                data[field] = None
                if self.data.get(self.add_prefix(day)) or self.data.get(self.add_prefix(at)):
                    self.add_error(
                        day,
                        _(
                            "You gave a date and a time but chose %(choice)s: clear them, or "
                            'choose "On the date and at the time below".'
                        )
                        % {"choice": dict(self.fields[choice].choices)[given]},
                    )
                continue
            for name in (day, at):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, self.fields[name].error_messages["required"])
        return data
