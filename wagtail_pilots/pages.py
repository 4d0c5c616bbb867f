"""Helpers shared by the suite's page types."""

from wagtail import blocks

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


# --- Pages by mixin --------------------------------------------------------------
#
# A site may build the suite's page types onto its own base page
# (``class MySurveyPage(SurveyPageMixin, MyBasePage)``): everything that looks
# pages up goes by the mixin, never by the suite's default concrete class.


def page_models_using(mixin):
    """The concrete page models whose class includes ``mixin``."""
    from wagtail.models import get_page_models

    return [model for model in get_page_models() if issubclass(model, mixin)]


def pages_using(mixin):
    """A queryset of the pages (base page model) whose type includes ``mixin``."""
    from .compat import get_page_model

    return get_page_model().objects.type(*page_models_using(mixin))


def specific_page_using(mixin, pk):
    """The specific page ``pk`` if its type includes ``mixin``, else ``None``."""
    page = pages_using(mixin).filter(pk=pk).first()
    return page.specific if page is not None else None


class MixinPageChooserBlock(blocks.PageChooserBlock):
    """A page chooser offering every page type that includes ``mixin``.

    ``mixin`` is a dotted path, resolved when first needed (blocks are built
    before the app registry is ready). Migrations see a plain
    ``PageChooserBlock`` with the page types of the moment, so a site's
    migrations do not import the suite.
    """

    def __init__(self, mixin, **kwargs):
        self.mixin_path = mixin
        super().__init__(**kwargs)

    @property
    def page_type(self):
        from django.utils.module_loading import import_string

        mixin = import_string(self.mixin_path)
        return [model._meta.label for model in page_models_using(mixin)]

    @page_type.setter
    def page_type(self, value):
        # PageChooserBlock.__init__ stores page_type: ours is derived.
        pass

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        kwargs = {k: v for k, v in kwargs.items() if k != "mixin"}
        return (
            "wagtail.blocks.PageChooserBlock",
            args,
            {**kwargs, "page_type": self.page_type},
        )
