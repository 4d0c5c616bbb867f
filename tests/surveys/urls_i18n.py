"""The example site's URLs as a site with Wagtail's i18n has them (pages under
``/en/`` for English), for tests that switch i18n on."""

from example_site.routes import site_urlpatterns

urlpatterns = site_urlpatterns(i18n=True)
