import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import video as bench
from bench.tools import Figures, Server


class Command(BaseCommand):
    help = (
        "Video benchmark against a real Janus (started if none answers): the time for the "
        "opening task to open the rooms of 1,000 visits starting in the same 10 minutes, "
        "and join-to-first-frame over 10 or more joins in headless Chromium. Run it on a "
        "throw-away database (make bench does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rooms", type=int, default=1000)
        parser.add_argument("--joins", type=int, default=12)
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("BENCH_VIDEO_PORT", "8135"))
        )

    def handle(self, *args, rooms, joins, port, **options):
        if joins < 10:
            raise CommandError("At least 10 joins, for a 95th percentile.")
        server_janus = bench.JanusProcess()
        try:
            server_janus.start()
        except RuntimeError as exc:
            raise CommandError(f"Janus is needed: {exc}") from exc
        try:
            board = bench.live_board(30)
            self.stdout.write(
                f"Live board with {board['visits']} visits under way: "
                f"{Figures.of(board['seconds'])}, {board['queries']} queries "
                "(target: under 300 ms at the median)."
            )
            figures = bench.open_rooms(rooms)
            self.stdout.write(
                f"Opening task: {figures['opened']} of {figures['visits']} rooms opened "
                f"({figures['on_server']} listed by Janus; {figures['others']} other rooms of "
                f"the database were due too) in {figures['seconds']:.1f} s "
                "(target: under 60 s); the whole run, with their join emails and a "
                f"first look into each room, {figures['whole_run_seconds']:.1f} s."
            )
            site = Server(
                workers=2,
                threads=4,
                broker_url=settings.CELERY_BROKER_URL,
                cache_url="",
                log=settings.BASE_DIR / "var" / "bench-video-gunicorn.log",
            )
            site.port, site.url = port, f"http://127.0.0.1:{port}"
            site.env.update(bench.site_env(), SITE_URL=site.url, CSRF_TRUSTED_ORIGINS=site.url)
            site.start()
            try:
                waits = bench.join_to_first_frame(site_url=site.url, joins=joins)
            finally:
                site.stop()
            self.stdout.write(
                f"Join to first remote frame: {Figures.of(waits)} (target: median under 2 s)."
            )
        finally:
            server_janus.stop()
