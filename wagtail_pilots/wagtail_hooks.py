from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .views import UnitViewSet

register_snippet(UnitViewSet)


@hooks.register("insert_global_admin_css")
def admin_css():
    # The suite's few admin styles (dashboard panels, flags), on every screen.
    return format_html(
        '<link rel="stylesheet" href="{}">', static("wagtail_pilots/admin.css")
    )
