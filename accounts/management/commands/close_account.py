from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import account_closure_preview, user_close, user_close_check
from visitation.errors import DomainError


def _dollars(cents: int) -> str:
    return f"${cents / 100:,.2f}"


class Command(BaseCommand):
    help = (
        "Close a home user's account at their request: their name, address, phone, date of "
        "birth and email are replaced by a placeholder, their identity photos deleted, "
        "their open facility access requests withdrawn, the emails sent to them emptied, "
        "the account deactivated and signed out everywhere. Their visits, ledger entries "
        "and identity decisions are kept, as the law on money and the review trail require. "
        "Refused while the person has visits to come. In one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The account's email (any case).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be removed and kept."
        )

    def handle(self, *args, email, dry_run, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the email {email}.")
        try:
            if dry_run:
                user_close_check(user=user)
            summary = account_closure_preview(user=user) if dry_run else user_close(user=user)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"The account {summary.email} {'would be' if dry_run else 'is'} closed "
            f"(user id {user.pk})."
        )
        self.stdout.write(f"Removed{' (would be)' if dry_run else ''}:")
        self.stdout.write(
            "  name, email, date of birth, address and phone: replaced by a placeholder"
        )
        self.stdout.write(f"  identity photos deleted from storage: {summary.files}")
        self.stdout.write(f"  facility access requests withdrawn: {summary.access_requests}")
        self.stdout.write(f"  emails to the address emptied or dropped: {summary.emails}")
        self.stdout.write("  password and sign-in: removed; every session ends")
        self.stdout.write(f"Kept{' (would be)' if dry_run else ''}:")
        self.stdout.write(f"  visits: {summary.visits}")
        self.stdout.write(
            f"  ledger entries: {summary.ledger_entries} "
            f"(credit left: {_dollars(summary.balance_cents)})"
        )
        self.stdout.write(
            f"  identity submissions and their decisions, without photos: {summary.submissions}"
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
