from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from facilities.models import (
    AccessRequest,
    Facility,
    HousingUnit,
    Inmate,
    StaffMembership,
    Terminal,
    TermsVersion,
)


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    name = factory.Sequence(lambda n: f"County Jail {n}")
    slug = factory.Sequence(lambda n: f"county-jail-{n}")
    state = "TX"
    street_address = "1 Justice Way"
    city = "Austin"
    zip_code = "73301"
    time_zone = "America/Chicago"


class TermsVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermsVersion

    facility = factory.SubFactory(FacilityFactory)
    version = factory.Sequence(lambda n: f"{n + 1}")
    text = "Be respectful. Visits may be recorded."
    effective_from = date(2025, 1, 1)


class HousingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HousingUnit

    facility = factory.SubFactory(FacilityFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"U{n}")


class TerminalFactory(factory.django.DjangoModelFactory):
    """An incarcerated-side terminal in a housing unit; use LobbyTerminalFactory for the lobby."""

    class Meta:
        model = Terminal

    facility = factory.SubFactory(FacilityFactory)
    name = factory.Sequence(lambda n: f"Terminal {n}")
    side = Terminal.Side.INMATE
    housing_unit = factory.SubFactory(
        HousingUnitFactory, facility=factory.SelfAttribute("..facility")
    )


class LobbyTerminalFactory(TerminalFactory):
    side = Terminal.Side.LOBBY
    housing_unit = None


class InmateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inmate

    facility = factory.SubFactory(FacilityFactory)
    id_number = factory.Sequence(lambda n: f"{100000 + n}")
    # Not random: searches in tests must find exactly the people they made.
    first_name = factory.Sequence(lambda n: f"First{n:05d}")
    last_name = factory.Sequence(lambda n: f"Last{n:05d}")
    date_of_birth = date(1990, 2, 3)
    housing_unit = factory.SubFactory(
        HousingUnitFactory, facility=factory.SelfAttribute("..facility")
    )


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    facility = factory.SubFactory(FacilityFactory)
    role = StaffMembership.Role.OFFICER


class AccessRequestFactory(factory.django.DjangoModelFactory):
    """A pending request; pass status= and decided_at= for others (no decision row)."""

    class Meta:
        model = AccessRequest

    user = factory.SubFactory(UserFactory)
    facility = factory.SubFactory(FacilityFactory)
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))


def pending_access_request(*, facility, hours_ago=1, user=None):
    asked = timezone.now() - timedelta(hours=hours_ago)
    access_request = AccessRequestFactory(
        user=user or UserFactory(), facility=facility, due_at=asked + timedelta(hours=24)
    )
    type(access_request).objects.filter(pk=access_request.pk).update(created_at=asked)
    access_request.refresh_from_db()
    return access_request
