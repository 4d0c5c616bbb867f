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


class NoticeListBlock(blocks.StructBlock):
    """Published results under public notice (公示), newest first: each
    scorecard's latest published version with its notice period."""

    heading = blocks.CharBlock(required=False, label=_("heading"))
    parent = blocks.PageChooserBlock(
        label=_("only scorecards under"),
        required=False,
        help_text=_("leave empty to list the notices of the whole site"),
    )
    limit = blocks.IntegerBlock(
        label=_("how many"), default=10, min_value=1, max_value=50
    )

    class Meta:
        icon = "list-ol"
        label = _("public notices")
        template = "wagtail_pilots/scorecards/blocks/notices.html"

    def get_context(self, value, parent_context=None):
        from django.utils import timezone

        from .selectors import notices_published

        context = super().get_context(value, parent_context=parent_context)
        context["notices"] = notices_published(
            parent=value.get("parent"), limit=value.get("limit") or 10
        )
        context["today"] = timezone.localdate()
        return context


SUITE_BLOCKS = [
    ("scorecard_ranking", ScorecardResultBlock()),
    ("notice_list", NoticeListBlock()),
]
