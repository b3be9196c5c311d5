from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import IdentityStatus
from accounts.tests.factories import IdentitySubmissionFactory, UserFactory
from facilities.models import AccessStatus, Terminal
from facilities.tests.factories import (
    AccessRequestFactory,
    FacilityFactory,
    HousingUnitFactory,
    InmateFactory,
    TerminalFactory,
)
from scheduling.models import (
    CardState,
    Closure,
    LedgerEntry,
    LedgerKind,
    Lockdown,
    SchedulingConfig,
    Visit,
    VisitKind,
    VisitStatus,
)


def grant_access(user, facility):
    """An approved identity (if not yet) and approved access to the facility."""
    if not user.identity_submissions.filter(status=IdentityStatus.APPROVED).exists():
        IdentitySubmissionFactory(user=user, status=IdentityStatus.APPROVED)
    AccessRequestFactory(
        user=user, facility=facility, status=AccessStatus.APPROVED, decided_at=timezone.now()
    )
    return user


class SchedulingConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchedulingConfig

    facility = factory.SubFactory(FacilityFactory)


class VisitFactory(factory.django.DjangoModelFactory):
    """A booked, free remote visit; pass starts_at (aware) and anything else to change."""

    class Meta:
        model = Visit

    facility = factory.SubFactory(FacilityFactory)
    inmate = factory.SubFactory(InmateFactory, facility=factory.SelfAttribute("..facility"))
    visitor = factory.SubFactory(UserFactory)
    kind = VisitKind.REMOTE
    inmate_terminal = factory.SubFactory(
        TerminalFactory,
        facility=factory.SelfAttribute("..facility"),
        housing_unit=factory.SelfAttribute("..inmate.housing_unit"),
    )
    lobby_terminal = None
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=20))
    status = VisitStatus.BOOKED
    hold_expires_at = factory.LazyAttribute(
        lambda o: timezone.now() + timedelta(minutes=10) if o.status == VisitStatus.HELD else None
    )
    booked_at = factory.LazyAttribute(
        lambda o: o.starts_at - timedelta(days=5) if o.status != VisitStatus.HELD else None
    )
    price_cents = 0
    credit_applied_cents = 0
    card_cents = factory.LazyAttribute(lambda o: o.price_cents - o.credit_applied_cents)
    card_state = factory.LazyAttribute(lambda o: CardState.HELD if o.card_cents else CardState.NONE)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    facility = factory.SubFactory(FacilityFactory)
    reason = "Staff training"


class LockdownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lockdown

    housing_unit = factory.SubFactory(HousingUnitFactory)
    reason = "Search of the unit"


class CreditFactory(factory.django.DjangoModelFactory):
    """Credit in a user's ledger (as left by an earlier cancellation)."""

    class Meta:
        model = LedgerEntry

    user = factory.SubFactory(UserFactory)
    kind = LedgerKind.CREDIT
    amount_cents = 500
    description = "Credit for a cancelled visit"
    key = factory.Sequence(lambda n: f"test-credit:{n}")


def lobby_terminal(facility, name="Lobby 1"):
    return TerminalFactory(
        facility=facility, name=name, side=Terminal.Side.LOBBY, housing_unit=None
    )
