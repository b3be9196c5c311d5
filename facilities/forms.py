from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.states import USState
from visitation.forms import StyledForm

from . import selectors
from .models import Inmate, Relationship


class StateForm(StyledForm):
    state = forms.ChoiceField(label=_("State"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(USState.choices)
        self.fields["state"].choices = [("", _("- Select -"))] + [
            (code, labels[code]) for code in selectors.states_with_facilities()
        ]


class FacilityChoiceForm(StyledForm):
    facility = forms.ModelChoiceField(
        label=_("Facility"),
        queryset=None,
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, state, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = selectors.facilities_in_state(state=state)


class AccessRequestForm(StyledForm):
    """Whom the home user wants to visit at the facility (chosen from the roster search)
    and who they are to them."""

    person = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    relationship = forms.ChoiceField(
        label=_("Who are you to this person?"),
        help_text=_("The facility checks this against its visiting rules."),
        choices=Relationship.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Inmate.objects.filter(
            facility=facility, status=Inmate.Status.ACTIVE
        )
        self.fields["person"].error_messages["invalid_choice"] = _(
            "Choose a person held at this facility."
        )
