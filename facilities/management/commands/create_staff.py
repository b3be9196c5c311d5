from argparse import RawDescriptionHelpFormatter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from facilities.models import Facility, StaffMembership
from facilities.services import staff_account_invite
from visitation.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create a facility staff or identity reviewer account, or give an existing staff "
        "account another facility or role. No password is ever set here: a new account is "
        "emailed a one-time link to choose its own (run the command again to send a fresh "
        "link while none is chosen).\n\nExamples:\n"
        "  create_staff ana@county.gov --facility bluebonnet-county-jail --role officer\n"
        "  create_staff lee@county.gov --facility a-jail --facility b-jail --role administrator\n"
        "  create_staff sam@operator.org --reviewer"
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--facility",
            action="append",
            default=[],
            metavar="SLUG",
            help="A facility the person works at (repeat for several).",
        )
        parser.add_argument(
            "--role",
            choices=StaffMembership.Role.values,
            help="Their role at the facilities given: officer or administrator.",
        )
        parser.add_argument(
            "--reviewer", action="store_true", help="Make them an identity reviewer."
        )
        parser.add_argument("--first-name", default="", help="For a new account.")
        parser.add_argument("--last-name", default="", help="For a new account.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would happen, change nothing."
        )

    def handle(self, *args, email, facility, role, reviewer, dry_run, **options):
        if role and not facility:
            raise CommandError("--role needs at least one --facility.")
        if facility and not role:
            raise CommandError("--facility needs --role officer or --role administrator.")
        if not facility and not reviewer:
            raise CommandError("Give --facility SLUG --role ROLE, or --reviewer, or both.")
        found = {f.slug: f for f in Facility.objects.filter(slug__in=facility)}
        unknown = [slug for slug in facility if slug not in found]
        if unknown:
            known = ", ".join(Facility.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No facility {', '.join(unknown)}. Facilities: {known}.")
        try:
            with transaction.atomic():
                result = staff_account_invite(
                    email=email,
                    facilities=[found[slug] for slug in dict.fromkeys(facility)],
                    role=role,
                    reviewer=reviewer,
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
                if dry_run:
                    transaction.set_rollback(True)
        except DomainError as error:
            raise CommandError(error.message) from None
        self._report(result, dry_run)

    def _report(self, result, dry_run):
        out = self.stdout
        user = result.user
        name = f" ({user.full_name})" if user.full_name else ""
        if result.created:
            out.write(f"{'Would create' if dry_run else 'Created'} the account {user.email}{name}.")
        else:
            out.write(f"Existing account {user.email}{name}.")
        for membership, outcome in result.memberships:
            out.write(
                f"  {membership.role} at {membership.facility.name} "
                f"({membership.facility.slug}): {outcome}"
            )
        if result.reviewer:
            out.write(f"  identity reviewer: {result.reviewer}")
        if result.invitation:
            out.write(
                f"A link to choose a password {'would be' if dry_run else 'is'} emailed to "
                f"{user.email} (outbox key {result.invitation.key}). It works once, for "
                f"{settings.PASSWORD_RESET_TIMEOUT // 3600} hours; run this command again to "
                "send a new one."
            )
            out.write("No password is set: the account cannot sign in until its owner picks one.")
        else:
            out.write("The account already has a password: no email sent.")
        if dry_run:
            out.write("Dry run: nothing was saved.")
