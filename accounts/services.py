from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from visitation import emails
from visitation.errors import DomainError

from . import rules, selectors
from .images import photo_clean
from .models import IdentityStatus, IdentitySubmission, User
from .states import STATE_TIME_ZONES

VERIFY_SALT = "accounts.verify-email"


@transaction.atomic
def user_signup(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    street_address: str,
    city: str,
    state: str,
    zip_code: str,
    phone: str = "",
    language: str = "en",
) -> User:
    if not rules.is_adult(date_of_birth, timezone.localdate()):
        raise DomainError(_("You must be 18 or older to create an account."), field="date_of_birth")
    if User.objects.filter(email__iexact=email.strip()).exists():
        raise DomainError(_("An account with this email already exists."), field="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email.strip(),
                password=password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                date_of_birth=date_of_birth,
                street_address=street_address.strip(),
                city=city.strip(),
                state=state,
                zip_code=zip_code.strip(),
                phone=phone.strip(),
                language=language,
                time_zone=STATE_TIME_ZONES.get(state, "America/New_York"),
            )
    except IntegrityError:
        raise DomainError(_("An account with this email already exists."), field="email") from None
    user_send_verification(user=user)
    return user


@transaction.atomic
def user_details_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    street_address: str,
    city: str,
    state: str,
    zip_code: str,
    time_zone: str,
    phone: str = "",
) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not rules.is_adult(date_of_birth, timezone.localdate()):
        raise DomainError(_("You must be 18 or older to have an account."), field="date_of_birth")
    identity = (first_name.strip(), last_name.strip(), date_of_birth)
    if identity != tuple(getattr(user, name) for name in rules.IDENTITY_DETAILS) and (
        selectors.identity_details_locked(user=user)
    ):
        raise DomainError(
            _(
                "Your legal name and date of birth cannot change while your identity is being "
                "reviewed or once it is approved."
            )
        )
    user.first_name, user.last_name, user.date_of_birth = identity
    user.street_address = street_address.strip()
    user.city = city.strip()
    user.state = state
    user.zip_code = zip_code.strip()
    user.phone = phone.strip()
    user.time_zone = time_zone
    user.save(
        update_fields=[
            *rules.IDENTITY_DETAILS,
            "street_address",
            "city",
            "state",
            "zip_code",
            "phone",
            "time_zone",
        ]
    )
    return user


def _verify_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=VERIFY_SALT)


def user_send_verification(*, user: User) -> None:
    """Queue the email with the verification link; sent after the caller's commit."""
    url = settings.SITE_URL + reverse("accounts:verify_email", args=[_verify_token(user)])
    key = f"verify-email:{user.pk}:{timezone.now().timestamp()}"
    emails.send_verify_email(user=user, verify_url=url, key=key)


def user_verify_email(*, token: str) -> User:
    max_age = settings.EMAIL_VERIFICATION_MAX_AGE
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise DomainError(
            _("This link has expired. Sign in and ask for a new one from your account page.")
        ) from None
    except signing.BadSignature:
        raise DomainError(
            _("This link is not valid. Please copy the whole link from the email.")
        ) from None
    user = User.objects.filter(pk=data.get("u"), email__iexact=data.get("e", "")).first()
    if user is None:
        raise DomainError(_("This link is not valid. Please copy the whole link from the email."))
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def _today_for(user: User) -> date:
    """Today on the user's own clock: an ID is valid through its expiry day, wherever
    they are."""
    return timezone.localdate(timezone=ZoneInfo(user.time_zone))


@transaction.atomic
def identity_draft_save(
    *,
    user: User,
    id_type: str,
    id_expiry: date,
    id_image=None,
    selfie_image=None,
) -> IdentitySubmission:
    """Create or update the user's draft with the ID details and any new photos."""
    if id_expiry < _today_for(user):
        raise DomainError(
            _("This ID expired on %(date)s. Please upload an ID that has not expired.")
            % {"date": id_expiry.isoformat()},
            field="id_expiry",
        )
    clean_id = photo_clean(id_image, field="id_image") if id_image else None
    clean_selfie = photo_clean(selfie_image, field="selfie_image") if selfie_image else None
    current = (
        IdentitySubmission.objects.select_for_update()
        .filter(user=user)
        .order_by("-created_at", "-pk")
        .first()
    )
    if current and current.status == IdentityStatus.PENDING:
        raise DomainError(_("Your identity is already being reviewed."))
    if current and current.status == IdentityStatus.APPROVED:
        raise DomainError(_("Your identity is already approved."))
    if current is None or current.status != IdentityStatus.DRAFT:
        current = IdentitySubmission.objects.create(user=user)
    replaced = []
    current.id_type = id_type
    current.id_expiry = id_expiry
    if clean_id:
        if current.id_image:
            replaced.append(current.id_image.name)
        current.id_image.save(clean_id.name, clean_id, save=False)
    if clean_selfie:
        if current.selfie_image:
            replaced.append(current.selfie_image.name)
        current.selfie_image.save(clean_selfie.name, clean_selfie, save=False)
    current.save(update_fields=["id_type", "id_expiry", "id_image", "selfie_image"])
    storage = current.id_image.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in replaced])
    return current


@transaction.atomic
def identity_submit(*, user: User) -> IdentitySubmission:
    if user.email_verified_at is None:
        raise DomainError(_("Please confirm your email address before you submit."))
    draft = (
        IdentitySubmission.objects.select_for_update()
        .filter(user=user, status=IdentityStatus.DRAFT)
        .first()
    )
    if draft is None:
        raise DomainError(_("There is nothing to submit. Please upload your ID and a selfie."))
    if not draft.id_image:
        raise DomainError(_("Please upload a photo of your ID before you submit."))
    if not draft.selfie_image:
        raise DomainError(_("Please upload a photo of yourself before you submit."))
    if draft.id_expiry and draft.id_expiry < _today_for(user):
        raise DomainError(_("Your ID has expired. Please upload an ID that has not expired."))
    now = timezone.now()
    draft.status = IdentityStatus.PENDING
    draft.submitted_at = now
    draft.due_at = rules.review_due(now)
    draft.save(update_fields=["status", "submitted_at", "due_at"])
    return draft
