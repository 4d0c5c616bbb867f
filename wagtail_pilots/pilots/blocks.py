"""StreamField blocks that put pilots into the pages a site already has.

``SUITE_BLOCKS`` is offered to :func:`wagtail_pilots.blocks.suite_blocks` by
this app's ``AppConfig.get_suite_blocks()``.
"""

from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from ..pages import MixinPageChooserBlock
from .models import STATUS_CHOICES


class PilotListBlock(blocks.StructBlock):
    """The latest pilots, optionally of one status or one unit (lead or site)."""

    heading = blocks.CharBlock(label=_("heading"), required=False)
    status = blocks.ChoiceBlock(
        label=_("status"), choices=STATUS_CHOICES, required=False
    )
    unit = SnippetChooserBlock(
        "wagtail_pilots.Unit",
        label=_("unit"),
        required=False,
        help_text=_("only pilots led by this unit or run at it"),
    )
    limit = blocks.IntegerBlock(
        label=_("how many"), default=5, min_value=1, max_value=50
    )

    class Meta:
        icon = "list-ul"
        label = _("Pilot list")
        template = "wagtail_pilots/pilots/blocks/pilot_list.html"

    def get_pilot_rows(self, value):
        from .selectors import pilot_page_models, summarize, with_phase_totals

        today = timezone.localdate()
        limit = value.get("limit") or 5
        rows = []
        # Every pilot page type (a site's own too), one query each.
        for model in pilot_page_models():
            pilots = model.objects.live().public()
            if value.get("status"):
                pilots = pilots.filter(status=value["status"])
            unit = value.get("unit")
            if unit is not None:
                # A subquery, not a join: joining sites would multiply the sums.
                sites = model.get_site_model().objects.filter(unit=unit)
                pilots = pilots.filter(
                    Q(lead_unit=unit) | Q(pk__in=sites.values("pilot"))
                )
            pilots = with_phase_totals(pilots.select_related("lead_unit"), today=today)
            rows += pilots.order_by("-start_date", "title")[:limit]
        rows.sort(key=lambda pilot: pilot.title)
        rows.sort(key=lambda pilot: pilot.start_date or date.min, reverse=True)
        return [(pilot, summarize(pilot, today=today)) for pilot in rows[:limit]]

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["pilot_rows"] = self.get_pilot_rows(value)
        return context


class PilotStatusCardBlock(blocks.StructBlock):
    """One pilot's status, health, progress and next deadline."""

    pilot = MixinPageChooserBlock(
        mixin="wagtail_pilots.pilots.models.PilotProgramPageMixin", label=_("pilot")
    )

    class Meta:
        icon = "tasks"
        label = _("Pilot status card")
        template = "wagtail_pilots/pilots/blocks/pilot_status_card.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        page = value.get("pilot")
        pilot = page.specific if page is not None and page.live else None
        context["pilot"] = pilot
        context["summary"] = pilot.progress_summary if pilot else None
        return context


SUITE_BLOCKS = [
    ("pilot_list", PilotListBlock()),
    ("pilot_status_card", PilotStatusCardBlock()),
]
