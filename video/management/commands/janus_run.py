import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from video.janusconfig import JanusNotInstalled, janus_binary, render


class Command(BaseCommand):
    help = (
        "Render the project's Janus configuration from the settings into a folder "
        "(default var/janus) and start `janus -F` on it (in the foreground). With "
        "--render-only, only write the folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=str(settings.BASE_DIR / "var" / "janus"))
        parser.add_argument(
            "--server", type=int, default=0, help="Which media server of the settings (0...)."
        )
        parser.add_argument("--render-only", action="store_true")

    def handle(self, *args, folder, server, render_only, **options):
        if not 0 <= server < len(settings.JANUS_URL):
            raise CommandError(f"There are {len(settings.JANUS_URL)} media servers in JANUS_URL.")
        binary = janus_binary()
        if binary is None and not render_only:
            raise CommandError("Janus is not installed: sudo apt-get install janus")
        try:
            folder = render(Path(folder), server=server)
        except JanusNotInstalled as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Janus configuration written to {folder}.")
        if render_only:
            return
        self.stdout.flush()
        # Janus replaces this process, so a process manager (honcho) stops it directly.
        os.execv(binary, [binary, "-F", str(folder), "-C", str(folder / "janus.jcfg")])  # noqa: S606
