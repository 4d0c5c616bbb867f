"""The import/export app is required by every feature app (system check).

Pilots, surveys and scorecards each keep, on the records an import creates,
the import batch they came from (a foreign key to :class:`.models.ImportBatch`),
so none of them works without ``wagtail_pilots.importexport`` in
``INSTALLED_APPS``. Each feature app registers :func:`importexport_required`
for itself from its ``AppConfig.ready()``; the error names the app and says
what to add, instead of Django's errors about a relation to a model that is
not installed.
"""

from django.apps import apps
from django.core.checks import Error

APP_NAME = "wagtail_pilots.importexport"


def importexport_required(app_name: str):
    """A system check that fails while ``app_name`` is installed without the
    import/export app."""

    def check_importexport_installed(app_configs=None, **kwargs):
        if apps.is_installed(APP_NAME) or not apps.is_installed(app_name):
            return []
        return [
            Error(
                f"{app_name} is installed without {APP_NAME}.",
                hint=(
                    f"Add {APP_NAME!r} to INSTALLED_APPS: the records of "
                    f"{app_name} keep the import batch they came from (a foreign "
                    "key to ImportBatch), so every feature app of the suite "
                    "needs it."
                ),
                id="wagtail_pilots.E008",
            )
        ]

    return check_importexport_installed
