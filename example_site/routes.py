"""The example site's URL patterns, built by a function: ``urls.py`` builds
them for the settings in use, a test for a site with Wagtail's i18n
(``tests/surveys/urls_i18n.py``) without importing ``urls.py`` under its
settings."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls


def site_urlpatterns(*, i18n):
    """The site's URLs. With Wagtail's i18n (``i18n``) the pages are served
    under a language prefix, Wagtail's way: Chinese, the default language,
    without one (``/survey/``), English under ``/en/`` (``/en/survey/``, the
    survey's English translation when it has one)."""
    patterns = [
        path("admin/", include(wagtailadmin_urls)),
        path("documents/", include(wagtaildocs_urls)),
        # Lets visitors switch between Chinese and English (set_language view).
        path("i18n/", include("django.conf.urls.i18n")),
    ]

    if settings.DEBUG:
        from django.conf.urls.static import static
        from django.contrib.staticfiles.urls import staticfiles_urlpatterns

        patterns += staticfiles_urlpatterns()
        patterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

    pages = [path("", include(wagtail_urls))]
    if i18n:
        return patterns + i18n_patterns(*pages, prefix_default_language=False)
    return patterns + pages
