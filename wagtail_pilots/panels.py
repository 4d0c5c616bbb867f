"""An edit-form panel with buttons to a page's own admin screens."""

from django.utils.module_loading import import_string
from wagtail.admin.panels import Panel


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
