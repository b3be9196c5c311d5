from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import IdentityDecision, IdentitySubmission, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "state",
        "is_reviewer",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_reviewer", "is_staff", "is_superuser", "is_active", "state"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Person"),
            {"fields": ["first_name", "last_name", "date_of_birth", "phone", "language"]},
        ),
        (_("Address"), {"fields": ["street_address", "city", "state", "zip_code"]}),
        (
            _("Roles"),
            {"fields": ["is_active", "is_reviewer", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Dates"), {"fields": ["email_verified_at", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "password1", "password2"],
            },
        )
    ]


class IdentityDecisionInline(admin.StackedInline):
    model = IdentityDecision
    extra = 0
    can_delete = False
    readonly_fields = ["reviewer", "outcome", "reason", "sub_reason", "note", "created_at"]


@admin.register(IdentitySubmission)
class IdentitySubmissionAdmin(admin.ModelAdmin):
    # The photos themselves are only shown in the review console, where each view is logged.
    list_display = ["pk", "user", "status", "id_type", "submitted_at", "due_at", "decided_at"]
    list_filter = ["status", "id_type"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user"]
    exclude = ["id_image", "selfie_image"]
    readonly_fields = [
        "user",
        "status",
        "submitted_at",
        "due_at",
        "decided_at",
        "documents_purged_at",
    ]
    inlines = [IdentityDecisionInline]
