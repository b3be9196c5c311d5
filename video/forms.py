from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WatchReason


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
