import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from facilities.services import access_requests_close_for_user
from scheduling.models import Visit
from scheduling.selectors import balance_for
from visitation import emails, keyring
from visitation.errors import DomainError
from visitation.models import OutboundEmail

from . import rules, selectors
from .images import photo_clean
from .models import IdentityStatus, IdentitySubmission, SignupRecord, User
from .states import STATE_TIME_ZONES

VERIFY_SALT = "accounts.verify-email"
SIGNUP_WINDOW = timedelta(hours=1)

logger = logging.getLogger(__name__)


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
    address: str | None = None,
) -> User | None:
    """Make a home user's account and send the email to verify it; returns the account.

    When the email already has an account (in any letter case), no account is made and
    None is returned: that account is emailed instead (someone tried to sign up with it;
    sign in or choose a new password). The caller answers both the same way, so the form
    never tells whether an email has an account here, and the password is hashed either
    way, so neither does the time it takes. `address`, the network address the form came
    from, counts toward the limit on new accounts per address, attempts refused this way
    too."""
    if not rules.is_adult(date_of_birth, timezone.localdate()):
        raise DomainError(_("You must be 18 or older to create an account."), field="date_of_birth")
    now = timezone.now()
    if address:
        _signup_slot_take(address_key=_address_key(address), now=now)
    email = email.strip()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email,
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
        except IntegrityError:  # the same email signed up a moment before
            existing = User.objects.get(email__iexact=email)
        else:
            user_send_verification(user=user)
            return user
    else:
        make_password(password)  # the work a new account's password costs
    _signup_attempt_notify(user=existing, now=now)
    return None


def _signup_attempt_notify(*, user: User, now: datetime) -> None:
    """Tell an account that someone tried to sign up with its email: at most once an hour
    (the email's key names the hour), and never to a deactivated account."""
    if not user.is_active:
        return
    emails.send_signup_attempt(
        user=user,
        login_url=settings.SITE_URL + reverse("accounts:login"),
        reset_url=settings.SITE_URL + reverse("accounts:password_reset"),
        key=f"signup-attempt:{user.pk}:{now:%Y-%m-%dT%H}",
    )


def _address_key(address: str) -> str:
    """A keyed hash of a network address: the address itself is never stored."""
    return keyring.keyed_hash(f"signup:{address}")


# pg_advisory_xact_lock's first key for the sign-up limit (the second is from the address).
SIGNUP_LOCK_CLASS = 7201


@transaction.atomic
def _signup_slot_take(*, address_key: str, now: datetime) -> None:
    """Count this attempt against its address's limit, or refuse it. Attempts from one
    address are taken one at a time (a transaction lock on PostgreSQL), so a burst of
    simultaneous sign-ups cannot all read the count before any of them is recorded."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [SIGNUP_LOCK_CLASS, int(address_key[:7], 16)],
            )
    _signup_limit_check(address_key=address_key, now=now)
    SignupRecord.objects.create(address_key=address_key)


def _signup_limit_check(*, address_key: str, now: datetime) -> None:
    SignupRecord.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    recent = list(
        SignupRecord.objects.filter(address_key=address_key, created_at__gt=now - SIGNUP_WINDOW)
        .order_by("created_at")
        .values_list("created_at", flat=True)[: settings.SIGNUPS_PER_ADDRESS_PER_HOUR]
    )
    if len(recent) < settings.SIGNUPS_PER_ADDRESS_PER_HOUR:
        return
    minutes = max(1, math.ceil((recent[0] + SIGNUP_WINDOW - now).total_seconds() / 60))
    raise DomainError(
        ngettext(
            "Many accounts were made from your network in the last hour, so new ones are "
            "paused. Please try again in %(minutes)d minute.",
            "Many accounts were made from your network in the last hour, so new ones are "
            "paused. Please try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes}
    )


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


def user_send_verification(*, user: User, now: datetime | None = None) -> None:
    """Queue the email with the verification link; sent after the caller's commit.

    The send is claimed with one conditional UPDATE under the limit of
    rules.verify_email_next_at, so two requests at once send one link. Refused with a
    DomainError that says when another link may be asked for; nothing is sent to an
    address already confirmed."""
    now = now or timezone.now()
    day_over = Q(verify_email_day_started_at__isnull=True) | Q(
        verify_email_day_started_at__lte=now - rules.VERIFY_EMAIL_DAY
    )
    claimed = (
        User.objects.filter(pk=user.pk, email_verified_at__isnull=True)
        .filter(
            Q(verify_email_sent_at__isnull=True)
            | Q(verify_email_sent_at__lte=now - rules.VERIFY_EMAIL_GAP)
        )
        .filter(day_over | Q(verify_email_day_count__lt=rules.VERIFY_EMAIL_DAILY))
        .update(
            verify_email_sent_at=now,
            verify_email_day_started_at=Case(
                When(day_over, then=Value(now)), default=F("verify_email_day_started_at")
            ),
            verify_email_day_count=Case(
                When(day_over, then=Value(1)), default=F("verify_email_day_count") + 1
            ),
        )
    )
    if not claimed:
        _verification_refuse(user=user, now=now)
        return
    url = settings.SITE_URL + reverse("accounts:verify_email", args=[_verify_token(user)])
    key = f"verify-email:{user.pk}:{now.timestamp()}"
    emails.send_verify_email(user=user, verify_url=url, key=key)


def _verification_refuse(*, user: User, now: datetime) -> None:
    row = User.objects.get(pk=user.pk)
    if row.email_verified_at is not None:
        return
    next_at = rules.verify_email_next_at(
        sent_at=row.verify_email_sent_at,
        day_started_at=row.verify_email_day_started_at,
        day_count=row.verify_email_day_count,
        now=now,
    )
    # None only if another request moved the clock on between the UPDATE and this read.
    local = timezone.localtime(next_at or now + rules.VERIFY_EMAIL_GAP, ZoneInfo(row.time_zone))
    if row.verify_email_day_count >= rules.VERIFY_EMAIL_DAILY and not (
        rules.verify_email_day_is_over(row.verify_email_day_started_at, now)
    ):
        raise DomainError(
            _(
                "We have sent %(count)s links to %(email)s today. Please check your inbox and "
                "spam folder; you can ask for another link on %(when)s."
            )
            % {
                "count": row.verify_email_day_count,
                "email": row.email,
                "when": f"{date_format(local, _('N j, Y, P'))} {local.tzname()}",
            }
        )
    raise DomainError(
        _(
            "We sent a link to %(email)s a moment ago. Please check your inbox and spam "
            "folder; you can ask for another link at %(time)s."
        )
        % {"email": row.email, "time": f"{date_format(local, 'P')} {local.tzname()}"}
    )


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


# Retention of identity documents, and closing an account at the person's request.

PURGE_BATCH = 200


def _documents_delete(submission: IdentitySubmission, *, now) -> int:
    """Delete a submission's ID photo and selfie from storage and forget their names.
    The files go first: if the row's update is then lost, a second run finds the files
    already gone and only marks the row. Returns the number of files."""
    files = 0
    for document in (submission.id_image, submission.selfie_image):
        if document:
            document.storage.delete(document.name)
            files += 1
    submission.id_image = ""
    submission.selfie_image = ""
    submission.documents_purged_at = now
    submission.save(update_fields=["id_image", "selfie_image", "documents_purged_at"])
    return files


@dataclass(frozen=True)
class PurgeRun:
    submissions: int
    files: int
    failed: list[int]  # submissions whose files storage refused to delete; left as they are


def identity_documents_purge(*, days: int, now: datetime | None = None) -> PurgeRun:
    """Retention: delete the ID photos and selfies of submissions decided more than `days`
    ago and of closed accounts. The submission and its decision stay, with
    documents_purged_at set. Rows are claimed with a lock other runs skip, a batch at a
    time, so two runs at once, or a run again after a crash, do nothing twice."""
    now = now or timezone.now()
    submissions = files = 0
    failed: list[int] = []
    while True:
        with transaction.atomic():
            batch = list(
                selectors.identity_documents_due(days=days, now=now)
                .exclude(pk__in=failed)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:PURGE_BATCH]
            )
            for submission in batch:
                try:
                    with transaction.atomic():
                        files += _documents_delete(submission, now=now)
                except OSError:
                    logger.exception("retention: submission %s not purged", submission.pk)
                    failed.append(submission.pk)
                else:
                    submissions += 1
        if len(batch) < PURGE_BATCH:
            return PurgeRun(submissions=submissions, files=files, failed=failed)


@dataclass(frozen=True)
class AccountClosure:
    """What closing an account removes and keeps, for the person and the operator."""

    email: str
    files: int  # identity photos deleted
    submissions: int  # identity submissions kept, without photos, with their decisions
    access_requests: int  # open facility access requests withdrawn
    emails: int  # emails to the address, emptied (sent) or dropped (unsent)
    visits: int  # visits kept
    ledger_entries: int  # ledger entries kept
    balance_cents: int  # credit left in the ledger


def user_close_check(*, user: User, now: datetime | None = None) -> None:
    """Raise DomainError saying why the account cannot be closed now, if it cannot."""
    now = now or timezone.now()
    if user.closed_at:
        raise DomainError(
            _("This account was closed on %(date)s.") % {"date": user.closed_at.date()}
        )
    if user.is_staff or user.is_reviewer or user.staff_memberships.exists():
        raise DomainError(
            _(
                "%(email)s is an operator, reviewer or facility staff account, not a home "
                "user's: remove its roles in the Django admin instead."
            )
            % {"email": user.email}
        )
    upcoming = Visit.objects.filter(visitor=user).upcoming(now).count()
    if upcoming:
        raise DomainError(
            ngettext(
                "There is %(count)s visit to come. Cancel it first (My visits), then close "
                "the account.",
                "There are %(count)s visits to come. Cancel them first (My visits), then "
                "close the account.",
                upcoming,
            )
            % {"count": upcoming}
        )


def account_closure_preview(*, user: User) -> AccountClosure:
    """What user_close would remove and keep, without changing anything."""
    unpurged = IdentitySubmission.objects.filter(user=user, documents_purged_at__isnull=True)
    return AccountClosure(
        email=user.email,
        files=sum(bool(s.id_image) + bool(s.selfie_image) for s in unpurged),
        submissions=user.identity_submissions.count(),
        access_requests=user.access_requests.filter(status__in=["pending", "approved"]).count(),
        emails=OutboundEmail.objects.filter(to_email__iexact=user.email).count(),
        visits=user.visits.count(),
        ledger_entries=user.ledger_entries.count(),
        balance_cents=balance_for(user=user),
    )


@transaction.atomic
def user_close(*, user: User, now: datetime | None = None) -> AccountClosure:
    """A home user's request to delete their data. Their name, address, phone, date of
    birth and email are replaced by a placeholder unique to the account, their identity
    photos deleted, their open facility access requests withdrawn, the emails to them
    emptied, their password removed, the account deactivated (every session of it ends on
    its next request). Visits, ledger entries and identity decisions are kept, as the
    law on money and the review trail require. Refused while visits are to come."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    user_close_check(user=user, now=now)
    summary = account_closure_preview(user=user)
    Visit.objects.filter(visitor=user).expire_holds()
    files = sum(
        _documents_delete(submission, now=now)
        for submission in user.identity_submissions.filter(documents_purged_at__isnull=True)
    )
    user.identity_submissions.update(id_expiry=None)
    withdrawn = access_requests_close_for_user(user=user)
    old_email = user.email
    placeholder = f"closed-{user.pk}@closed.invalid"
    emails = OutboundEmail.objects.filter(to_email__iexact=old_email)
    emails.filter(sent_at__isnull=True).delete()
    emails.update(to_email=placeholder, subject="", body_text="", body_html="", attachments=[])
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).delete()
    user.email = placeholder
    user.first_name = "Closed account"
    user.last_name = f"#{user.pk}"
    user.date_of_birth = None
    user.street_address = user.city = user.state = user.zip_code = user.phone = ""
    user.email_verified_at = None
    user.set_unusable_password()
    user.is_active = False
    user.closed_at = now
    user.save()
    return AccountClosure(
        email=old_email,
        files=files,
        submissions=summary.submissions,
        access_requests=withdrawn,
        emails=summary.emails,
        visits=summary.visits,
        ledger_entries=summary.ledger_entries,
        balance_cents=summary.balance_cents,
    )
