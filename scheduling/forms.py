import re
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from visitation.formatting import dollars, time_in_zone
from visitation.forms import StyledForm

from .models import VisitKind

KIND_LABELS = {
    VisitKind.REMOTE: _("Remote: from your phone or computer, wherever you are"),
    VisitKind.ONSITE: _("On-site: at a video terminal in the facility's visitor lobby"),
}


class FacilityForm(StyledForm):
    facility = forms.ModelChoiceField(
        label=_("Which facility?"),
        queryset=None,
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities


class KindForm(StyledForm):
    kind = forms.ChoiceField(label=_("What kind of visit?"), widget=forms.RadioSelect)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, KIND_LABELS[kind]) for kind in kinds]


class PersonSearchForm(StyledForm):
    q = forms.CharField(
        label=_("Name or ID number of the person you want to visit"),
        help_text=_(
            "At least three letters of the name, or the whole ID number. For example: Diaz, "
            "or Ana Diaz, or the facility's ID number."
        ),
        max_length=100,
        strip=True,
    )


def price_label(minutes: int, price_per_minute_cents: int) -> str:
    price = minutes * price_per_minute_cents
    length = ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}
    if not price:
        return gettext("%(length)s: free") % {"length": length}
    return gettext("%(length)s: %(price)s") % {"length": length, "price": dollars(price)}


class DurationForm(StyledForm):
    duration = forms.TypedChoiceField(
        label=_("How long?"), coerce=int, widget=forms.RadioSelect, empty_value=None
    )

    def __init__(self, *args, durations, price_per_minute_cents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duration"].choices = [
            (minutes, price_label(minutes, price_per_minute_cents)) for minutes in durations
        ]


def slot_label(starts_at: datetime, facility_zone: str, user_zone: str) -> str:
    """ "2:20 p.m. CST", and the user's own clock when it is another zone."""
    label = time_in_zone(starts_at, facility_zone)
    if user_zone and user_zone != facility_zone:
        label = gettext("%(facility_time)s (%(your_time)s your time)") % {
            "facility_time": label,
            "your_time": time_in_zone(starts_at, user_zone),
        }
    return label


class StartField(forms.CharField):
    """A start time as an ISO 8601 instant with its offset; cleaned to UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                _("Please choose a time from the list."), code="invalid"
            ) from None
        if timezone.is_naive(moment):
            raise ValidationError(_("Please choose a time from the list."), code="invalid")
        return moment.astimezone(UTC)


def slot_value(starts_at: datetime) -> str:
    return starts_at.astimezone(UTC).isoformat()


class TimeForm(StyledForm):
    """Pick one of the bookable starts of a day. The service decides whether the time is
    still free, so a time taken meanwhile gets its "just taken" answer, not a form error."""

    starts_at = StartField(
        label=_("What time?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a time.")},
    )

    def __init__(self, *args, slots, facility_zone, user_zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_slots(slots, facility_zone=facility_zone, user_zone=user_zone)

    def set_slots(self, slots, *, facility_zone, user_zone):
        self.fields["starts_at"].widget.choices = [
            (slot_value(slot.starts_at), slot_label(slot.starts_at, facility_zone, user_zone))
            for slot in slots
        ]


class RescheduleTimeForm(TimeForm):
    """A new time for a visit, read from the link the time list builds; only a time still
    offered is accepted."""

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        offered = {value for value, _label in self.fields["starts_at"].widget.choices}
        if slot_value(starts_at) not in offered:
            raise ValidationError(_("That time was just taken, please pick another."))
        return starts_at


class NoEchoInput(forms.TextInput):
    """A card detail is never written back into the page."""

    def format_value(self, value):
        return None


CARD_DIGITS = re.compile(r"^[0-9 -]+$")
# A card's expiry as people type it, a phone's number pad having no slash: 04/29, 0429,
# 04 29, 04-29, 04/2029 (and 4/29). Month then year, two or four digits.
CARD_EXPIRY = re.compile(r"(\d{2})(\d{2}|\d{4})|(\d{1,2})\s*[/ .-]\s*(\d{2}|\d{4})")


class PaymentForm(StyledForm):
    """The confirmation form: terms when the facility's current version is not yet
    accepted, a card when part of the price is left after credit, and a key that makes a
    repeated submission book once."""

    idempotency_key = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={"invalid": _("This form is out of date. Please try again.")},
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and accept these terms and conditions"),
        error_messages={"required": _("Please accept the terms and conditions to book.")},
    )
    terms_version = forms.IntegerField(widget=forms.HiddenInput)
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        widget=NoEchoInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    card_expiry = forms.CharField(
        label=_("Expiry date"),
        help_text=_("Month and year, for example 04/29 or 0429"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "inputmode": "numeric"}),
    )
    card_cvc = forms.CharField(
        label=_("Security code"),
        help_text=_("The 3 or 4 digits on the back of the card"),
        max_length=4,
        widget=NoEchoInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )

    def __init__(self, *args, terms=None, card_needed=False, card_optional=False, **kwargs):
        super().__init__(*args, **kwargs)
        if terms is None:
            del self.fields["accept_terms"], self.fields["terms_version"]
        else:
            self.fields["terms_version"].initial = terms.pk
        if not (card_needed or card_optional):
            del self.fields["card_number"], self.fields["card_expiry"], self.fields["card_cvc"]
        elif card_optional:
            for name in ("card_number", "card_expiry", "card_cvc"):
                self.fields[name].required = False

    @property
    def has_card_fields(self):
        return "card_number" in self.fields

    def clean_card_number(self):
        number = self.cleaned_data["card_number"]
        if number and not CARD_DIGITS.match(number):
            raise ValidationError(_("Enter only the digits of the card number."))
        digits = re.sub(r"\D", "", number)
        if number and not 12 <= len(digits) <= 19:
            raise ValidationError(_("A card number has 12 to 19 digits."))
        return digits

    def clean_card_expiry(self):
        value = self.cleaned_data["card_expiry"].strip()
        if not value:
            return None
        match = CARD_EXPIRY.fullmatch(value)
        month, year = (int(g) for g in match.groups() if g) if match else (0, 0)
        if not 1 <= month <= 12:
            raise ValidationError(_("Enter the month and year as on the card, like 04/29."))
        year = year + 2000 if year < 100 else year
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise ValidationError(_("This card has expired. Please use another card."))
        return (month, year)

    def clean_card_cvc(self):
        value = self.cleaned_data["card_cvc"].strip()
        if value and not re.fullmatch(r"\d{3,4}", value):
            raise ValidationError(_("The security code is 3 or 4 digits."))
        return value

    def clean(self):
        cleaned = super().clean()
        if self.has_card_fields and cleaned.get("card_number"):
            for name, message in (
                ("card_expiry", _("Please enter the expiry date.")),
                ("card_cvc", _("Please enter the security code.")),
            ):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def payment(self) -> str | None:
        return self.cleaned_data.get("card_number") or None

    def accept_terms_version(self) -> int | None:
        if self.cleaned_data.get("accept_terms"):
            return self.cleaned_data["terms_version"]
        return None

    def renew_key(self, key: str) -> None:
        """After a refusal (a declined card), the next try is a new attempt."""
        self.data = self.data.copy()
        self.data[self.add_prefix("idempotency_key")] = key
