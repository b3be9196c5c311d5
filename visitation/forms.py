from django import forms
from django.core.exceptions import ValidationError
from django.forms.widgets import Input

from visitation.errors import DomainError

WIDGET_CLASSES = {
    forms.Select: "usa-select",
    forms.Textarea: "usa-textarea",
    forms.CheckboxInput: "usa-checkbox__input",
    forms.RadioSelect: "usa-radio__input",
    forms.FileInput: "usa-input site-file",
    Input: "usa-input",
}


class ModelsChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField that refuses an id no database column can hold, as an
    invalid choice, before asking the database (SQLite cannot even take it as a parameter)."""

    def clean(self, value):
        for pk in value or ():
            try:
                number = int(str(pk))
            except ValueError:
                continue  # the parent refuses it
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)


class StyledForm(forms.Form):
    """A form whose widgets carry the design system's classes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            for widget_type, css in WIDGET_CLASSES.items():
                if isinstance(field.widget, widget_type):
                    field.widget.attrs.setdefault("class", css)
                    break


def add_domain_error(form, error: DomainError, *, default_field=None):
    """Show a rule's refusal on the form, on its field when it names one."""
    field = error.field if error.field in form.fields else default_field
    form.add_error(field, error.message)
