from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from visitation import emails
from visitation.forms import StyledForm

from .models import IdType, User
from .rules import IDENTITY_DETAILS
from .states import USState, zone_choices

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DetailsForm(StyledForm):
    """The person's legal name, date of birth, address and phone: asked at signup and
    changed later on the details page."""

    first_name = forms.CharField(
        label=_("Legal first name"),
        max_length=100,
        help_text=_("As it is written on your ID."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Legal last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=DATE_WIDGET, help_text=_("You must be 18 or older.")
    )
    street_address = forms.CharField(
        label=_("Street address"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    state = forms.ChoiceField(label=_("State"), choices=[("", _("- Select -")), *USState.choices])
    zip_code = forms.RegexField(
        label=_("ZIP code"),
        regex=r"^\d{5}(-\d{4})?$",
        error_messages={"invalid": _("Enter a ZIP code like 12345 or 12345-6789.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    phone = forms.RegexField(
        label=_("Phone (optional)"),
        required=False,
        regex=r"^[0-9+()\-. ]{7,30}$",
        error_messages={"invalid": _("Enter a phone number using digits, spaces and dashes.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=zone_choices,
        help_text=_("Times on this site are shown on this clock."),
    )

    field_order = [
        "first_name",
        "last_name",
        "date_of_birth",
        "phone",
        "street_address",
        "city",
        "state",
        "zip_code",
    ]

    def __init__(self, *args, identity_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if identity_locked:
            for name in IDENTITY_DETAILS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Your identity is checked against this, so it cannot change now."
                )


class SignupForm(DetailsForm):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. Avoid common words and all-number passwords."),
    )
    time_zone = None  # taken from the state; changed later on the details page
    field_order = ["email", "password", *DetailsForm.field_order]

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            # An unsaved user, so the similarity validator can compare with the details.
            probe = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LoginForm(StyledForm, AuthenticationForm):
    """Django's login form with the email as the username (any case: see
    UserManager.get_by_natural_key). django-axes counts failures per email and address."""

    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email or password is not right. Please check both and try again."),
    }


class IdentityForm(StyledForm):
    id_type = forms.ChoiceField(
        label=_("Type of ID"), choices=IdType.choices, widget=forms.RadioSelect
    )
    id_expiry = forms.DateField(
        label=_("Expiry date on the ID"),
        widget=DATE_WIDGET,
        help_text=_("The ID must not be expired."),
    )
    id_image = forms.FileField(
        label=_("Photo of your ID"),
        help_text=_(
            "The front of the ID, with your picture, name and date of birth readable. "
            "JPEG, PNG or WebP, at most 10 MB."
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    selfie_image = forms.FileField(
        label=_("Photo of yourself"),
        help_text=_(
            "Your face, in good light, no filters, hat or sunglasses. "
            "JPEG, PNG or WebP, at most 10 MB."
        ),
        widget=forms.FileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "user"}
        ),
    )

    def __init__(self, *args, draft=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Photos already in the draft need not be uploaded again.
        if draft is not None and draft.id_image:
            self.fields["id_image"].required = False
        if draft is not None and draft.selfie_image:
            self.fields["selfie_image"].required = False


class PasswordResetForm(StyledForm, DjangoPasswordResetForm):
    """Django's reset form, with the email sent through the outbox like every other."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context["user"]
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        emails.send_password_reset(
            user=user,
            reset_url=settings.SITE_URL + path,
            key=f"password-reset:{user.pk}:{timezone.now().timestamp()}",
        )


class SetPasswordForm(StyledForm, DjangoSetPasswordForm):
    pass


class CloseAccountForm(StyledForm):
    """The person's password again, before their account is closed."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        help_text=_("To be sure it is you who asks."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password
