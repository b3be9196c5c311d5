from accounts import demo as accounts_demo
from facilities import demo
from facilities.models import (
    AccessDecision,
    AccessRequest,
    AccessStatus,
    Facility,
    HousingUnit,
    Inmate,
    StaffMembership,
    Terminal,
    TermsVersion,
)
from facilities.selectors import access_is_approved, terms_current

MODELS = [
    Facility,
    TermsVersion,
    HousingUnit,
    Terminal,
    Inmate,
    StaffMembership,
    AccessRequest,
    AccessDecision,
]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_has_three_facilities_with_staff_and_requests_and_runs_twice(db):
    accounts_demo.seed(password="pw-demo-test")
    logins = demo.seed(password="pw-demo-test")
    first = _counts()

    logins_again = demo.seed(password="pw-demo-test")

    assert _counts() == first
    assert logins == logins_again
    zones = set(Facility.objects.values_list("state", "time_zone"))
    assert zones == {
        ("TX", "America/Chicago"),
        ("GA", "America/New_York"),
        ("CA", "America/Los_Angeles"),
    }
    for facility in Facility.objects.all():
        assert 2 <= facility.housing_units.count() <= 4
        assert facility.terminals.filter(side="lobby").exists()
        assert facility.terminals.filter(side="inmate").exists()
        assert facility.inmates.count() == 20
        assert terms_current(facility=facility, today=facility.created_at.date()).version == "1"
        assert set(facility.staff_memberships.values_list("role", flat=True)) == {
            "officer",
            "administrator",
        }
    approved = AccessRequest.objects.filter(user__email="approved@demo.visits")
    assert access_is_approved(user=approved.first().user, facility=Facility.objects.get(state="TX"))
    assert approved.filter(status=AccessStatus.PENDING).count() == 1
    denied = AccessRequest.objects.get(user__email="denied@demo.visits", status="denied")
    assert denied.decisions.get().reason == "facility_policy"
    emails = [email for email, _ in logins]
    assert "staff@tx.demo.visits" in emails
    assert "admin@ca.demo.visits" in emails
