"""Edit-form panels: buttons to a page's own admin screens, and a group of
optional fields folded away until one of them is used."""

from django.utils.module_loading import import_string
from wagtail.admin.panels import MultiFieldPanel, Panel


class ScreenLinksPanel(Panel):
    """Buttons at the top of a page's edit form to its admin screens (results,
    paper entry, codes …), so they are one click away instead of items in the
    header's "⋯" menu.

    ``links`` is the dotted path of a function ``links(page)`` returning
    ``[(label, url, icon name), ...]``; it is imported when the panel is shown,
    so a models module can name a views function without importing it.
    """

    def __init__(self, links, **kwargs):
        super().__init__(**kwargs)
        self.links = links

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "links": self.links}

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_pilots/admin/screen_links_panel.html"

        def is_shown(self):
            # Not on the create form: a page has no screens before it exists.
            return bool(getattr(self.instance, "pk", None)) and super().is_shown()

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["links"] = import_string(self.panel.links)(self.instance)
            return context


class FoldedMultiFieldPanel(MultiFieldPanel):
    """A :class:`MultiFieldPanel` of optional settings folded under its heading
    (a native ``<details>``: no script, works everywhere an inline form does)
    until one of them is used, so a long list of questions stays short. It is
    open when a setting is used on the object or a field has an error.

    ``is_set`` is a callable ``is_set(instance)``.
    """

    def __init__(self, *args, is_set, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_set = is_set

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "is_set": self.is_set}

    class BoundPanel(MultiFieldPanel.BoundPanel):
        template_name = "wagtail_pilots/admin/folded_panel.html"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # The heading is the fold's summary; the parent panel must not
            # print it a second time above it.
            self.summary = self.heading
            self.heading = ""

        def is_open(self):
            if self.instance is not None and self.panel.is_set(self.instance):
                return True
            form = self.form
            return bool(
                form is not None
                and form.is_bound
                and any(
                    form.errors.get(name)
                    for name in self.panel.get_form_options().get("fields", [])
                    if isinstance(name, str)
                )
            )
