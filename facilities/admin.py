from django.contrib import admin

from .models import (
    AccessDecision,
    AccessRequest,
    Facility,
    HousingUnit,
    Inmate,
    StaffMembership,
    Terminal,
    TermsVersion,
)


class HousingUnitInline(admin.TabularInline):
    model = HousingUnit
    extra = 0


class TerminalInline(admin.TabularInline):
    model = Terminal
    extra = 0
    fields = ["name", "side", "housing_unit", "in_service"]


class TermsVersionInline(admin.StackedInline):
    model = TermsVersion
    extra = 0


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "city", "time_zone", "visit_kinds", "is_active"]
    list_filter = ["state", "visit_kinds", "is_active"]
    search_fields = ["name", "slug", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [HousingUnitInline, TerminalInline, TermsVersionInline, StaffMembershipInline]


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["facility", "version", "effective_from", "created_at"]
    list_filter = ["facility__state", "facility"]
    search_fields = ["facility__name", "version", "text"]
    list_select_related = ["facility"]
    date_hierarchy = "effective_from"


@admin.register(HousingUnit)
class HousingUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "facility", "shown_to_families"]
    list_filter = ["facility__state", "facility", "shown_to_families"]
    search_fields = ["name", "code", "facility__name"]
    list_select_related = ["facility"]


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ["name", "facility", "side", "housing_unit", "in_service"]
    list_filter = ["side", "in_service", "facility__state", "facility"]
    search_fields = ["name", "facility__name", "housing_unit__name"]
    list_select_related = ["facility", "housing_unit"]
    list_editable = ["in_service"]


@admin.register(Inmate)
class InmateAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "id_number",
        "facility",
        "housing_unit",
        "status",
        "updated_at",
    ]
    list_filter = ["status", "facility__state", "facility"]
    search_fields = ["last_name", "first_name", "id_number"]
    list_select_related = ["facility", "housing_unit"]
    autocomplete_fields = ["housing_unit"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "facility", "role", "created_at"]
    list_filter = ["role", "facility__state", "facility"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "facility__name"]
    list_select_related = ["user", "facility"]
    autocomplete_fields = ["user", "facility"]


class AccessDecisionInline(admin.TabularInline):
    model = AccessDecision
    extra = 0
    can_delete = False
    fields = ["created_at", "outcome", "actor", "reason", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    """Decisions are made in the staff console, where they are emailed and recorded; the
    admin shows requests and their trail without changing them."""

    list_display = ["pk", "user", "facility", "status", "created_at", "due_at", "overdue_at"]
    list_filter = ["status", "facility__state", "facility"]
    search_fields = ["user__email", "user__last_name", "facility__name"]
    list_select_related = ["user", "facility"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "user",
        "facility",
        "inmate",
        "relationship",
        "status",
        "created_at",
        "due_at",
        "overdue_at",
        "decided_at",
    ]
    inlines = [AccessDecisionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessDecision)
class AccessDecisionAdmin(admin.ModelAdmin):
    list_display = ["request", "outcome", "reason", "actor", "created_at"]
    list_filter = ["outcome", "reason"]
    search_fields = ["request__user__email", "actor__email", "request__facility__name"]
    list_select_related = ["request__user", "request__facility", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
