from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModelAdminAppConfig(AppConfig):
    """Optional integration for sites that already use wagtail-modeladmin.

    Install with ``pip install wagtail-pilots[modeladmin]`` and add both
    ``wagtail_modeladmin`` and ``wagtail_pilots.contrib.modeladmin`` to
    ``INSTALLED_APPS``.
    """

    name = "wagtail_pilots.contrib.modeladmin"
    label = "wagtail_pilots_modeladmin"
    verbose_name = _("Wagtail pilots (modeladmin)")
    default_auto_field = "django.db.models.BigAutoField"
