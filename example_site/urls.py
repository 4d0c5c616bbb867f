from django.conf import settings

from example_site.routes import site_urlpatterns

urlpatterns = site_urlpatterns(i18n=getattr(settings, "WAGTAIL_I18N_ENABLED", False))
