"""StreamField blocks that put the suite into the pages a site already has.

Each sub-app that offers blocks lists them in its own ``blocks.py`` as
``SUITE_BLOCKS = [("name", SomeBlock()), ...]``. A site adds all of them to a
StreamField in one go::

    from wagtail_pilots.blocks import suite_blocks

    body = StreamField([
        ("heading", blocks.CharBlock()),
        ("paragraph", blocks.RichTextBlock()),
        *suite_blocks(),
    ])

Only the sub-apps in ``INSTALLED_APPS`` contribute, so a site that installs just
the surveys gets just the survey blocks.
"""

from importlib import import_module

from django.apps import apps

SUB_APPS = (
    "wagtail_pilots.pilots",
    "wagtail_pilots.surveys",
    "wagtail_pilots.scorecards",
)


def suite_blocks(*, exclude=()):
    """``(name, block)`` pairs from every installed sub-app, in a stable order.

    Pass block names in ``exclude`` to leave some out.
    """
    result = []
    for app_name in SUB_APPS:
        if not apps.is_installed(app_name):
            continue
        try:
            module = import_module(f"{app_name}.blocks")
        except ModuleNotFoundError as exc:
            if exc.name == f"{app_name}.blocks":
                continue
            raise
        for name, block in getattr(module, "SUITE_BLOCKS", ()):
            if name not in exclude:
                result.append((name, block))
    return result
