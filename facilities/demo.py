"""Demo facilities in three states and time zones, with units, terminals, a roster, terms,
staff, and access requests for the demo home users."""

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.demo import id_card_image, selfie_image
from accounts.models import IdentityDecision, IdentityStatus, IdentitySubmission, IdType, User
from accounts.selectors import identity_is_approved

from .models import (
    AccessDecision,
    AccessReason,
    AccessRequest,
    AccessStatus,
    Facility,
    HousingUnit,
    Inmate,
    Relationship,
    StaffMembership,
    Terminal,
    TermsVersion,
)

TERMS_V1 = (
    "1. Visits may be monitored and recorded.\n"
    "2. Dress as you would in a public place; no nudity or sexual content.\n"
    "3. No weapons, drugs, alcohol or signs of gang affiliation on camera.\n"
    "4. Only the people named in the booking may take part.\n"
    "5. Staff may end a visit that breaks these rules; the visit is then not refunded."
)

FACILITIES = [
    {
        "slug": "bluebonnet-county-jail",
        "name": "Bluebonnet County Jail",
        "state": "TX",
        "street_address": "500 W 10th Street",
        "city": "Austin",
        "zip_code": "78701",
        "time_zone": "America/Chicago",
        "visit_kinds": "both",
        "phone": "(512) 555-0140",
        "visiting_rules_url": "https://www.example.org/bluebonnet/visiting-rules",
        "units": [("A", "A Pod"), ("B", "B Pod"), ("C", "C Pod"), ("MED", "Medical")],
        "id_format": "TX{:07d}",
        "staff": "tx",
    },
    {
        "slug": "magnolia-county-detention-center",
        "name": "Magnolia County Detention Center",
        "state": "GA",
        "street_address": "901 Rice Street NW",
        "city": "Atlanta",
        "zip_code": "30318",
        "time_zone": "America/New_York",
        "visit_kinds": "remote",
        "phone": "(404) 555-0177",
        "visiting_rules_url": "https://www.example.org/magnolia/visiting-rules",
        "units": [("N1", "North 1"), ("N2", "North 2"), ("S1", "South 1")],
        "id_format": "GA-{:06d}",
        "staff": "ga",
    },
    {
        "slug": "redwood-valley-correctional-facility",
        "name": "Redwood Valley Correctional Facility",
        "state": "CA",
        "street_address": "651 I Street",
        "city": "Sacramento",
        "zip_code": "95814",
        "time_zone": "America/Los_Angeles",
        "visit_kinds": "both",
        "phone": "(916) 555-0123",
        "visiting_rules_url": "https://www.example.org/redwood/visiting-rules",
        "units": [("EAST", "East Housing"), ("WEST", "West Housing")],
        "id_format": "BK{:08d}",
        "staff": "ca",
    },
]

FIRST_NAMES = [
    "Marcus", "Daniel", "Tyrone", "Jose", "Kevin", "Brandon", "Luis", "Anthony", "Terrell",
    "Michael", "Carlos", "Jerome", "Andre", "Christopher", "Miguel", "Darnell", "Robert",
    "Angela", "Tanya", "Keisha", "Rosa", "Melissa",
]  # fmt: skip
LAST_NAMES = [
    "Williams", "Hernandez", "Brown", "Jackson", "Martinez", "Davis", "Thompson", "Ramirez",
    "Harris", "Robinson", "Lewis", "Walker", "Young", "Allen", "Flores", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Green",
]  # fmt: skip
ROSTER_SIZE = 20


def _facility(spec):
    fields = {k: spec[k] for k in spec if k not in ("slug", "units", "id_format", "staff")}
    facility, _ = Facility.objects.get_or_create(slug=spec["slug"], defaults=fields)
    TermsVersion.objects.get_or_create(
        facility=facility,
        version="1",
        defaults={"text": TERMS_V1, "effective_from": date(2025, 1, 1)},
    )
    units = []
    for code, name in spec["units"]:
        # Families see the pods' names; where someone is held for medical care is private.
        unit, _ = HousingUnit.objects.get_or_create(
            facility=facility,
            code=code,
            defaults={"name": name, "shown_to_families": code != "MED"},
        )
        units.append(unit)
    for number in (1, 2):
        Terminal.objects.get_or_create(
            facility=facility,
            name=f"Lobby {number}",
            defaults={"side": Terminal.Side.LOBBY},
        )
    for unit in units:
        for number in (1, 2):
            Terminal.objects.get_or_create(
                facility=facility,
                name=f"{unit.code}-{number}",
                defaults={
                    "side": Terminal.Side.INMATE,
                    "housing_unit": unit,
                    # One terminal per facility out of service, to see how it shows.
                    "in_service": not (unit == units[-1] and number == 2),
                },
            )
    offset = FACILITIES.index(spec) * 7
    for i in range(ROSTER_SIZE):
        status = Inmate.Status.ACTIVE
        if i == ROSTER_SIZE - 1:
            status = Inmate.Status.RELEASED
        elif i == ROSTER_SIZE - 2:
            status = Inmate.Status.TRANSFERRED
        Inmate.objects.get_or_create(
            facility=facility,
            id_number=spec["id_format"].format(240311 + i * 37),
            defaults={
                "first_name": FIRST_NAMES[(i + offset) % len(FIRST_NAMES)],
                "last_name": LAST_NAMES[(i * 3 + offset) % len(LAST_NAMES)],
                "date_of_birth": date(1968 + (i * 7) % 35, 1 + i % 12, 1 + (i * 5) % 28),
                "housing_unit": units[i % len(units)],
                "status": status,
            },
        )
    return facility


def _staff(facility, email, first, last, role, password):
    user, _ = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "time_zone": facility.time_zone,
            "email_verified_at": timezone.now(),
        },
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    StaffMembership.objects.get_or_create(user=user, facility=facility, defaults={"role": role})
    return user


def _approved_home_user(email, first, last, state, password):
    """A home user whose identity a reviewer approved yesterday."""
    now = timezone.now()
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "date_of_birth": date(1979, 11, 2),
            "street_address": "77 Peachtree Street",
            "city": "Atlanta",
            "state": state,
            "zip_code": "30303",
            "time_zone": "America/New_York",
            "email_verified_at": now,
        },
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    if created:
        submission = IdentitySubmission(
            user=user,
            status=IdentityStatus.APPROVED,
            id_type=IdType.STATE_ID,
            id_expiry=now.date() + timedelta(days=1200),
            submitted_at=now - timedelta(days=2),
            due_at=now - timedelta(days=1),
            decided_at=now - timedelta(days=1, hours=2),
        )
        submission.id_image.save(
            "id.jpg", ContentFile(id_card_image(first, last, user.date_of_birth)), save=False
        )
        submission.selfie_image.save("selfie.jpg", ContentFile(selfie_image()), save=False)
        submission.save()
        IdentityDecision.objects.create(
            submission=submission,
            reviewer=User.objects.get(email="reviewer@demo.visits"),
            outcome="approved",
        )
    return user


def _request(user, facility, *, hours_ago, outcome=None, actor=None, reason="", note=""):
    """One access request, created `hours_ago`, decided by `actor` an hour later. A user
    whose identity is not approved yet gets one the facility does not see yet."""
    if AccessRequest.objects.filter(user=user, facility=facility).exists():
        return
    asked = timezone.now() - timedelta(hours=hours_ago)
    # Whom they ask to visit: the facility's first active person, as a parent.
    person = Inmate.objects.filter(facility=facility, status=Inmate.Status.ACTIVE).first()
    access_request = AccessRequest.objects.create(
        user=user,
        facility=facility,
        inmate=person,
        relationship=Relationship.PARENT,
        due_at=asked + timedelta(hours=24) if identity_is_approved(user=user) else None,
    )
    AccessRequest.objects.filter(pk=access_request.pk).update(created_at=asked)
    if outcome is None:
        return
    decided = asked + timedelta(hours=1)
    AccessRequest.objects.filter(pk=access_request.pk).update(status=outcome, decided_at=decided)
    decision = AccessDecision.objects.create(
        request=access_request, actor=actor, outcome=outcome, reason=reason, note=note
    )
    AccessDecision.objects.filter(pk=decision.pk).update(created_at=decided)


def seed(*, password):
    """Create the demo facilities, staff and access requests if missing. Returns
    (email, description) lines to print. Needs the accounts demo people first."""
    logins = []
    officers = {}
    facilities = {}
    for spec in FACILITIES:
        facility = _facility(spec)
        facilities[spec["state"]] = facility
        where = f"{facility.name} ({facility.state}, {facility.time_zone})"
        code = spec["staff"]
        officers[spec["state"]] = _staff(
            facility,
            f"staff@{code}.demo.visits",
            "Jordan",
            f"Officer{code.upper()}",
            StaffMembership.Role.OFFICER,
            password,
        )
        _staff(
            facility,
            f"admin@{code}.demo.visits",
            "Casey",
            f"Admin{code.upper()}",
            StaffMembership.Role.ADMINISTRATOR,
            password,
        )
        logins.append((f"staff@{code}.demo.visits", f"facility officer: {where}"))
        logins.append((f"admin@{code}.demo.visits", f"facility administrator: {where}"))

    approved = User.objects.get(email="approved@demo.visits")
    _request(
        approved,
        facilities["TX"],
        hours_ago=30,
        outcome=AccessStatus.APPROVED,
        actor=officers["TX"],
    )
    _request(approved, facilities["GA"], hours_ago=4)
    denied = _approved_home_user("denied@demo.visits", "Grace", "Okafor", "GA", password)
    _request(
        denied,
        facilities["GA"],
        hours_ago=50,
        outcome=AccessStatus.DENIED,
        actor=officers["GA"],
        reason=AccessReason.FACILITY_POLICY,
        note="You are on the restricted visitor list for this facility until 1 June.",
    )
    _request(denied, facilities["CA"], hours_ago=27)
    # Asked while the identity review is pending: the facility sees it once approved.
    _request(User.objects.get(email="pending@demo.visits"), facilities["TX"], hours_ago=2)
    logins.append(("approved@demo.visits", "home user: access approved in TX, pending in GA"))
    logins.append(
        ("denied@demo.visits", "home user, identity approved: access denied in GA, overdue in CA")
    )
    return logins
