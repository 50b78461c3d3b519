"""Load the demo complaints (complaints.demo); ``load_demo`` runs it. Idempotent."""

from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.roles import Role
from complaints.demo import demo_complaints_load


class Command(BaseCommand):
    help = "Load a handful of demo complaints in each state (after load_demo's users and products). Idempotent."

    def handle(self, *args, **options):
        inspector = User.objects.filter(role=Role.INSPECTOR).order_by("id").first()
        if inspector is None:
            self.stdout.write("No inspector yet: run load_demo first.")
            return
        if demo_complaints_load(inspector=inspector):
            self.stdout.write(self.style.SUCCESS("Demo complaints loaded."))
        else:
            self.stdout.write("Demo complaints already present; nothing changed.")
