"""Enqueue the community's e-mail digest; run it daily from the scheduler (cron, systemd timer).
Daily subscribers get it each run, weekly ones once in seven days."""

from django.core.management.base import BaseCommand

from autovitrine.community.tasks import community_digest


class Command(BaseCommand):
    help = "Met en file le résumé par e-mail de la communauté."

    def handle(self, *args, **options):
        community_digest.enqueue()
        self.stdout.write("ok")
