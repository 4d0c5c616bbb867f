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


def root_page_models_using(mixin):
    """The page models using ``mixin`` that are not subclasses of one another.

    Querying each of them (``model.objects``) reaches every page of the mixin
    once: a subclass's pages are rows of its parent's table too.
    """
    models = page_models_using(mixin)
    return [
        model
        for model in models
        if not any(other is not model and issubclass(model, other) for other in models)
    ]


def inline_model(page_class, related_name):
    """The model of the inline (child relation) ``related_name`` of a page type.

    The ``get_*_model()`` hooks of the suite's page mixins use this: a page type
    of a site's own brings its own inline models, found by their related name.
    """
    return page_class._meta.get_field(related_name).related_model


def check_inlines(mixin, inlines, *, check_id):
    """System-check errors for page types using ``mixin`` that lack an inline.

    ``inlines`` maps each related name the mixin needs to the abstract model its
    inline must extend. A page type of a site's own that forgets one would fail
    on its first edit or view; the check says so at start-up, naming the model
    to add.
    """
    from django.core.checks import Error
    from django.core.exceptions import FieldDoesNotExist

    errors = []
    for model in page_models_using(mixin):
        if model._meta.abstract or model._meta.proxy:
            continue
        for related_name, base in inlines.items():
            try:
                related = inline_model(model, related_name)
            except FieldDoesNotExist:
                related = None
            if related is None or not issubclass(related, base):
                errors.append(
                    Error(
                        f"{model._meta.label} uses {mixin.__name__} but has no "
                        f"'{related_name}' inline built on {base.__name__}.",
                        hint=(
                            f"Add a model extending {base.__name__} with a key to "
                            f"{model.__name__} (related_name='{related_name}')."
                        ),
                        obj=model,
                        id=check_id,
                    )
                )
    return errors


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
