"""Helpers shared by the suite's page types."""

from .conf import pilots_settings


class BaseTemplateMixin:
    """Templates extend ``base_template``: the site's own base page.

    Set ``WAGTAIL_PILOTS["BASE_TEMPLATE"]`` (default ``"base.html"``) or override
    ``base_template`` on a subclass.
    """

    base_template = None

    def get_base_template(self):
        if self.base_template:
            return self.base_template
        return pilots_settings.BASE_TEMPLATE

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["base_template"] = self.get_base_template()
        return context


# --- Index -------------------------------------------------------------------
