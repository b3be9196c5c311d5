from datetime import date

from django.contrib.auth.models import AnonymousUser

from facilities.models import AccessStatus
from facilities.selectors import (
    access_is_approved,
    access_requests_for_staff,
    access_requests_for_user,
    facilities_in_state,
    is_facility_staff,
    staff_facilities,
    states_with_facilities,
    terms_current,
)
from facilities.tests.factories import (
    AccessRequestFactory,
    FacilityFactory,
    StaffMembershipFactory,
    TermsVersionFactory,
)


def test_staff_see_only_requests_at_their_facilities(
    home_user, other_home_user, facility_a, facility_b, staff_a, staff_b
):
    at_a = AccessRequestFactory(user=home_user, facility=facility_a)
    at_b = AccessRequestFactory(user=other_home_user, facility=facility_b)

    assert list(access_requests_for_staff(user=staff_a)) == [at_a]
    assert list(access_requests_for_staff(user=staff_b)) == [at_b]


def test_staff_of_two_facilities_see_both_once(home_user, facility_a, facility_b, staff_a):
    StaffMembershipFactory(user=staff_a, facility=facility_b)
    AccessRequestFactory(user=home_user, facility=facility_a)
    AccessRequestFactory(user=home_user, facility=facility_b)

    assert access_requests_for_staff(user=staff_a).count() == 2
    assert set(staff_facilities(user=staff_a)) == {facility_a, facility_b}


def test_home_users_reviewers_and_anonymous_are_staff_of_nothing(home_user, reviewer, facility_a):
    AccessRequestFactory(user=home_user, facility=facility_a)

    for user in (home_user, reviewer, AnonymousUser()):
        assert not is_facility_staff(user=user)
        assert not staff_facilities(user=user).exists()
        assert not access_requests_for_staff(user=user).exists()


def test_staff_and_administrators_are_facility_staff(staff_a, admin_a):
    assert is_facility_staff(user=staff_a)
    assert is_facility_staff(user=admin_a)


def test_home_user_sees_only_own_requests(home_user, other_home_user, facility_a):
    mine = AccessRequestFactory(user=home_user, facility=facility_a)
    AccessRequestFactory(user=other_home_user, facility=facility_a)

    assert list(access_requests_for_user(user=home_user)) == [mine]


def test_access_is_approved_only_for_an_approved_request_at_that_facility(
    home_user, facility_a, facility_b
):
    AccessRequestFactory(user=home_user, facility=facility_a, status=AccessStatus.APPROVED)
    AccessRequestFactory(user=home_user, facility=facility_b)

    assert access_is_approved(user=home_user, facility=facility_a)
    assert not access_is_approved(user=home_user, facility=facility_b)


def test_revoked_access_is_not_approved(home_user, facility_a):
    AccessRequestFactory(user=home_user, facility=facility_a, status=AccessStatus.REVOKED)

    assert not access_is_approved(user=home_user, facility=facility_a)


def test_facilities_in_state_lists_open_ones_by_name(facility_a, facility_b):
    later = FacilityFactory(name="Zavala County Jail", state="TX")
    FacilityFactory(name="Closed Jail", state="TX", is_active=False)

    assert list(facilities_in_state(state="TX")) == [facility_a, later]
    assert states_with_facilities() == ["GA", "TX"]


def test_current_terms_are_the_latest_in_effect(facility_a):
    TermsVersionFactory(facility=facility_a, version="1", effective_from=date(2025, 1, 1))
    TermsVersionFactory(facility=facility_a, version="2", effective_from=date(2026, 3, 1))
    TermsVersionFactory(facility=FacilityFactory(), version="9", effective_from=date(2024, 1, 1))

    assert terms_current(facility=facility_a, today=date(2024, 12, 31)) is None
    assert terms_current(facility=facility_a, today=date(2026, 2, 28)).version == "1"
    assert terms_current(facility=facility_a, today=date(2026, 3, 1)).version == "2"
