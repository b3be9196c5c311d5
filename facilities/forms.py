from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.states import USState
from visitation.forms import StyledForm

from . import selectors


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
