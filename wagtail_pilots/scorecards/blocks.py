"""StreamField block: a scorecard's latest published ranking in any page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ..pages import MixinPageChooserBlock


class ScorecardResultBlock(blocks.StructBlock):
    scorecard = MixinPageChooserBlock(
        mixin="wagtail_pilots.scorecards.models.ScorecardPageMixin",
        label=_("scorecard"),
    )
    heading = blocks.CharBlock(required=False, label=_("heading"))

    class Meta:
        icon = "list-ol"
        label = _("scorecard ranking")
        template = "wagtail_pilots/scorecards/blocks/result.html"

    def get_context(self, value, parent_context=None):
        from .presentation import snapshot_context
        from .selectors import snapshot_latest

        context = super().get_context(value, parent_context=parent_context)
        page = value.get("scorecard")
        if page is not None:
            page = page.specific
        context["scorecard"] = page
        context.update(
            snapshot_context(
                snapshot_latest(scorecard=page)
                if page is not None and page.live
                else None
            )
        )
        return context


SUITE_BLOCKS = [("scorecard_ranking", ScorecardResultBlock())]
