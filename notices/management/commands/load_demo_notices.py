"""Publish the demo's notices: a naming notice of the offline scenarios whose clock ran out.

Run after ``manage.py load_demo`` (``make run`` does). Drafted by the demo inspector, approved by
the demo reviewer (four eyes) and published through the notice workflow, so the notice is numbered
in the scenario series, rendered, hashed, on the public register, and its cases are named. Safe to
run again: a case already on a naming notice is not drafted again.
"""

from django.core.management.base import BaseCommand

from accounts.models import User
from cases.management.commands.load_demo import DEMO_CAMPAIGN_EN
from notices import selectors, services, workflow
from notices.models import NoticeKind
from products.models import ProductKind


class Command(BaseCommand):
    help = "Publish the demo's scenario naming notice (after load_demo). Idempotent."

    def handle(self, *args, **options):
        inspector = User.objects.filter(username="inspector").first()
        reviewer = User.objects.filter(username="reviewer").first()
        cases = list(
            selectors.draftable_cases(kind=NoticeKind.NAMING)
            .filter(campaign__name_en=DEMO_CAMPAIGN_EN, product__kind=ProductKind.SCENARIO)
            .values_list("pk", flat=True)
        )
        if inspector is None or reviewer is None or not cases:
            self.stdout.write("No demo scenario to name; nothing changed.")
            return
        draft = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=cases)
        workflow.notice_approve(actor=reviewer, notice=draft)
        notice = workflow.notice_publish(notice_id=draft.pk, actor=reviewer)
        self.stdout.write(self.style.SUCCESS(f"Published {notice.title}{notice.batch_label} ({len(cases)} venue(s))."))
