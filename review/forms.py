from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.reasons import HOW_TO_FIX, SUB_REASONS, IdentityReason, IdentitySubReason
from facilities.models import AccessReason
from visitation.forms import StyledForm

from . import rules

NO_CHOICE = [("", _("Choose..."))]


class CodeForm(StyledForm):
    """The 6-digit code from the authenticator app; with `backup=True` also one of the
    8-character backup codes (spaces, dashes and capitals do not matter)."""

    code = forms.CharField(label=_("6-digit code from your authenticator app"), max_length=20)

    def __init__(self, *args, backup: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.backup = backup
        attrs = {"autocomplete": "one-time-code", "autocapitalize": "none"}
        if backup:
            self.fields["code"].label = _(
                "6-digit code from your authenticator app, or a backup code"
            )
        else:
            attrs |= {"inputmode": "numeric", "pattern": "[0-9]*"}
        self.fields["code"].widget.attrs.update(attrs)

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "").replace("-", "").lower()
        if len(code) == 6 and code.isdigit():
            return code
        if self.backup and len(code) == 8 and code.isascii() and code.isalnum():
            return code
        if self.backup:
            raise forms.ValidationError(
                _("Enter the 6-digit code from your app, or a backup code of 8 letters and digits.")
            )
        raise forms.ValidationError(_("The code is 6 digits."))


class IdentityDecisionForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("disapprove", _("Disapprove"))],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=_("Reason code (to disapprove)"),
        choices=NO_CHOICE + IdentityReason.choices,
        required=False,
    )
    sub_reason = forms.ChoiceField(
        label=_("Sub-reason (to disapprove)"),
        choices=NO_CHOICE
        + [
            (reason.label, [(sub.value, sub.label) for sub in subs])
            for reason, subs in SUB_REASONS.items()
        ],
        required=False,
        help_text=_("Choose one under the reason you picked."),
    )
    note = forms.CharField(
        label=_("Note to the home user"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("Required for a security concern. The home user reads it in the email."),
    )

    @property
    def approve(self) -> bool:
        return self.cleaned_data.get("outcome") == "approve"

    def summary(self) -> dict:
        """The valid decision in words, for the confirmation step."""
        if self.approve:
            return {}
        sub_reason = self.cleaned_data["sub_reason"]
        return {
            "reason": IdentityReason(self.cleaned_data["reason"]).label,
            "sub_reason": IdentitySubReason(sub_reason).label,
            "how_to_fix": HOW_TO_FIX[sub_reason],
        }

    def clean(self):
        data = super().clean()
        if "outcome" in data:
            problem = rules.identity_decision_problem(
                approve=self.approve,
                reason=data.get("reason", ""),
                sub_reason=data.get("sub_reason", ""),
                note=data.get("note", ""),
            )
            if problem is not None:
                self.add_error(problem.field, problem.message)
        return data


class AccessDecisionForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("deny", _("Deny"))],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=_("Reason code (to deny)"), choices=NO_CHOICE + AccessReason.choices, required=False
    )
    note = forms.CharField(
        label=_("Note to the home user"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class AccessRevokeForm(StyledForm):
    reason = forms.ChoiceField(label=_("Reason code"), choices=NO_CHOICE + AccessReason.choices)
    note = forms.CharField(
        label=_("Note to the home user"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class UserSearchForm(StyledForm):
    q = forms.CharField(label=_("Name or email"), max_length=100, required=False)
