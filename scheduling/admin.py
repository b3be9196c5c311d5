"""Django admin for operators. Visits and money are read-only here: they change only through
the services, which keep the ledger, the provider and the visitor's emails in step."""

from django.contrib import admin

from .models import (
    Closure,
    LedgerEntry,
    Lockdown,
    PaymentAttempt,
    SchedulingConfig,
    TermsAcceptance,
    Visit,
    VisitWindow,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SchedulingConfig)
class SchedulingConfigAdmin(admin.ModelAdmin):
    """The price cap per minute is set here, by the operator; facility administrators set
    prices under it in the console."""

    list_display = [
        "facility",
        "remote_price_per_minute_cents",
        "onsite_price_per_minute_cents",
        "price_cap_per_minute_cents",
        "weekly_limit",
        "horizon_days",
    ]
    list_select_related = ["facility"]
    search_fields = ["facility__name"]
    autocomplete_fields = ["facility"]


@admin.register(VisitWindow)
class VisitWindowAdmin(admin.ModelAdmin):
    list_display = ["facility", "kind", "weekday", "start_time", "end_time"]
    list_filter = ["kind", "weekday", "facility"]
    list_select_related = ["facility"]
    search_fields = ["facility__name"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["facility", "starts_at", "ends_at", "reason", "created_by"]
    list_filter = ["facility"]
    list_select_related = ["facility", "created_by"]
    search_fields = ["facility__name", "reason"]
    raw_id_fields = ["created_by", "ended_early_by"]


@admin.register(Lockdown)
class LockdownAdmin(admin.ModelAdmin):
    list_display = ["housing_unit", "starts_at", "ends_at", "reason", "created_by"]
    list_filter = ["housing_unit__facility"]
    list_select_related = ["housing_unit", "housing_unit__facility", "created_by"]
    search_fields = ["housing_unit__name", "housing_unit__facility__name", "reason"]
    raw_id_fields = ["created_by", "ended_early_by"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["pk", "facility", "inmate", "visitor", "kind", "starts_at", "status"]
    list_filter = ["status", "kind", "card_state", "facility"]
    list_select_related = ["facility", "inmate", "visitor"]
    search_fields = ["visitor__email", "inmate__last_name", "inmate__id_number"]
    date_hierarchy = "starts_at"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "user",
        "kind",
        "amount_cents",
        "card_amount_cents",
        "card_last4",
        "visit",
    ]
    list_filter = ["kind"]
    list_select_related = ["user", "visit"]
    search_fields = ["user__email", "description", "key"]


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "key", "user", "visit", "outcome", "resolved_at", "reported_at"]
    list_filter = ["outcome"]
    list_select_related = ["user", "visit"]
    search_fields = ["key", "user__email", "provider_reference"]


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "terms_version", "accepted_at"]
    list_select_related = ["user", "terms_version", "terms_version__facility"]
    search_fields = ["user__email"]
