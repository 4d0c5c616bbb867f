"""What differs between the Wagtail versions the suite supports (7.4 LTS, 8.x).

Wagtail 8 lets a site swap its base page model (``WAGTAIL_PAGE_MODEL``, through
``swapper``); Wagtail 7.4 has no such setting and every page is a
``wagtailcore.Page``. The suite's foreign keys to pages and its migrations go
through :func:`get_page_model_string` so the same code runs on both.
"""

from __future__ import annotations

import wagtail
from django.apps import apps
from django.conf import settings

WAGTAIL_VERSION = wagtail.VERSION[:2]
DEFAULT_PAGE_MODEL = "wagtailcore.Page"


def get_page_model_string() -> str:
    """The site's base page model as ``"app_label.ModelName"``.

    Wagtail 8's swappable page model when the site sets one, otherwise
    ``"wagtailcore.Page"`` (always so on Wagtail 7.4).
    """
    try:
        import swapper
    except ImportError:  # Wagtail 7.4 does not depend on swapper
        return getattr(settings, "WAGTAIL_PAGE_MODEL", DEFAULT_PAGE_MODEL)
    if WAGTAIL_VERSION < (8, 0):
        # swapper may be installed for another reason; 7.4 cannot swap pages.
        return DEFAULT_PAGE_MODEL
    swapper.set_app_prefix("wagtailcore", "wagtail")
    return swapper.get_model_name("wagtailcore", "Page")


def get_page_model():
    """The site's base page model class (see :func:`get_page_model_string`)."""
    return apps.get_model(get_page_model_string(), require_ready=False)
