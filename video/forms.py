from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from visitation.forms import ModelsChoiceField, StyledForm

from .models import WatchReason
from .services import NOTICE_MAX_LENGTH, RETENTION_DAYS_MAX, RETENTION_DAYS_MIN


def _lazy_format(message, **values):
    """`message % values`, translated when shown (in the language of the request)."""
    return lazy(lambda: str(message) % values, str)()


RETENTION_RANGE = _lazy_format(
    _("Keep recordings at least %(min)s day and at most %(max)s days."),
    min=RETENTION_DAYS_MIN,
    max=RETENTION_DAYS_MAX,
)
NOT_AN_OFFICER = _("Choose only officers of this facility, from the list on this page.")


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Enrolment code"),
        max_length=20,
        help_text=_("The code a facility administrator sees in the console, like ABCD-EFGH."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class CheckInForm(forms.Form):
    id_number = forms.CharField(
        label=_("Your ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    pin = forms.CharField(
        label=_("Your 4-digit PIN"),
        max_length=4,
        min_length=4,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class LobbyCheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Booking code"),
        max_length=20,
        help_text=_("It is on your visit's page on the website."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class PinForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    pin = forms.CharField(
        label=_("New 4-digit PIN"),
        max_length=4,
        min_length=4,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class WatchForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you watching this visit?"),
        choices=WatchReason.choices,
        widget=forms.RadioSelect,
        help_text=_("Your name, the reason and the time are logged on the visit."),
    )


class HoldForm(forms.Form):
    note = forms.CharField(
        label=_("Why the recording is kept"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
        help_text=_("Kept for an investigation: it is not deleted until the hold is lifted."),
    )


class VideoSettingsForm(StyledForm):
    """A facility's video settings, for its administrators. The officers offered as
    recording viewers are this facility's only: any other id is refused."""

    not_produced_rule = forms.BooleanField(
        label=_("Cancel a visit whose incarcerated person is not brought in time"),
        help_text=_(
            "On: when the person has not checked in at the terminal 10 minutes after the "
            "start, the visit is cancelled then and what the visitor paid comes back as "
            "credit. Off: the person may check in until the end of the visit; a visit they "
            "never joined gets the same credit at its end."
        ),
        required=False,
    )
    notice = forms.CharField(
        label=_("Notice to families before they join"),
        help_text=_lazy_format(
            _(
                "Shown on the join page, above the button that joins the visit. Leave it "
                "empty for the standard notice: “This visit may be monitored and recorded by "
                "the facility.” At most %(max)s characters."
            ),
            max=NOTICE_MAX_LENGTH,
        ),
        max_length=NOTICE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    record_visits = forms.BooleanField(
        label=_("Record video visits"),
        help_text=_(
            "Both sides of every video visit are recorded. Families are told on the "
            "booking's confirm page and before they join. The change applies to visits "
            "whose room is not prepared yet (rooms are prepared 15 minutes before the "
            "start). Turning it off deletes no recording: those made are kept until their "
            "retention ends."
        ),
        required=False,
    )
    family_may_download = forms.BooleanField(
        label=_("Families may download the recording of their own visit"),
        help_text=_(
            "From their visit's page, while the recording is kept. This applies also to "
            "recordings made before recording was turned off."
        ),
        required=False,
    )
    recording_retention_days = forms.IntegerField(
        label=_("Days a recording is kept"),
        help_text=_lazy_format(
            _(
                "From %(min)s to %(max)s days after the visit. The new number applies to "
                "every recording not yet deleted, counted from the end of its visit: a "
                "shorter period deletes the older recordings at the next daily purge. A "
                "recording kept for an investigation is not deleted until the hold is lifted."
            ),
            min=RETENTION_DAYS_MIN,
            max=RETENTION_DAYS_MAX,
        ),
        min_value=RETENTION_DAYS_MIN,
        max_value=RETENTION_DAYS_MAX,
        error_messages={
            "min_value": RETENTION_RANGE,
            "max_value": RETENTION_RANGE,
            "required": _("Say how many days a recording is kept."),
        },
    )
    viewers = ModelsChoiceField(
        label=_("Officers who may play recordings"),
        help_text=_("The facility's administrators always may. Every viewing is logged."),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": NOT_AN_OFFICER,
            "invalid_pk_value": NOT_AN_OFFICER,
        },
    )

    def __init__(self, *args, current, officers, viewers, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "not_produced_rule": current.not_produced_rule,
                "notice": current.notice,
                "record_visits": current.record_visits,
                "family_may_download": current.family_may_download,
                "recording_retention_days": current.recording_retention_days,
                "viewers": list(viewers),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["viewers"].queryset = officers
        self.fields["viewers"].label_from_instance = lambda user: f"{user.full_name} ({user.email})"
