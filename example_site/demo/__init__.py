"""Demo content for the example site, in Chinese.

``manage.py load_demo`` runs the loaders below in order. Each is a module of this
package with a ``load(*, home, stdout)`` function that must be idempotent: running
it twice changes nothing. A sub-app's loader is skipped while that module does not
exist yet.
"""

from importlib import import_module

LOADERS = ("core", "pilots", "surveys", "scorecards", "importexport", "translations")


def iter_loaders():
    for name in LOADERS:
        try:
            module = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        yield name, module
