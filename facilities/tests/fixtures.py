"""Shared test fixtures (loaded by the root conftest): two facilities in different states
and time zones, an officer of each and an administrator of facility A."""

import pytest


@pytest.fixture
def facility_a(db):
    from facilities.tests.factories import FacilityFactory

    return FacilityFactory(
        name="Travis County Jail",
        slug="travis-county-jail",
        state="TX",
        city="Austin",
        time_zone="America/Chicago",
    )


@pytest.fixture
def facility_b(db):
    from facilities.tests.factories import FacilityFactory

    return FacilityFactory(
        name="Fulton County Jail",
        slug="fulton-county-jail",
        state="GA",
        city="Atlanta",
        zip_code="30303",
        time_zone="America/New_York",
    )


@pytest.fixture
def staff_a(facility_a):
    from accounts.tests.factories import UserFactory
    from facilities.tests.factories import StaffMembershipFactory

    user = UserFactory(email="officer.a@example.com", first_name="Alex", last_name="Officer")
    StaffMembershipFactory(user=user, facility=facility_a)
    return user


@pytest.fixture
def staff_b(facility_b):
    from accounts.tests.factories import UserFactory
    from facilities.tests.factories import StaffMembershipFactory

    user = UserFactory(email="officer.b@example.com", first_name="Blair", last_name="Officer")
    StaffMembershipFactory(user=user, facility=facility_b)
    return user


@pytest.fixture
def admin_a(facility_a):
    from accounts.tests.factories import UserFactory
    from facilities.models import StaffMembership
    from facilities.tests.factories import StaffMembershipFactory

    user = UserFactory(email="admin.a@example.com", first_name="Avery", last_name="Admin")
    StaffMembershipFactory(user=user, facility=facility_a, role=StaffMembership.Role.ADMINISTRATOR)
    return user


@pytest.fixture
def approved_home_user(home_user):
    """The home user with an approved identity, who may ask for facility access."""
    from accounts.models import IdentityStatus
    from accounts.tests.factories import IdentitySubmissionFactory

    IdentitySubmissionFactory(user=home_user, status=IdentityStatus.APPROVED)
    return home_user
