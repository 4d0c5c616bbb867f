"""StreamField blocks that put the suite into the pages a site already has.

An app offers blocks through its ``AppConfig``: a ``get_suite_blocks()``
method returning ``[("name", SomeBlock()), ...]``. The suite's feature apps
return the ``SUITE_BLOCKS`` of their own ``blocks.py``; a site's app may offer
its blocks the same way. A site adds all of them to a StreamField in one go::

    from wagtail_pilots.blocks import suite_blocks

    body = StreamField([
        ("heading", blocks.CharBlock()),
        ("paragraph", blocks.RichTextBlock()),
        *suite_blocks(),
    ])

Only installed apps contribute, so a site that installs just the surveys gets
just the survey blocks; this module names none of them. The hook is the app
config's rather than a Wagtail hook because ``suite_blocks()`` runs while
models are defined, before Wagtail may load the apps' ``wagtail_hooks.py``.
"""

from django.apps import apps

#: The name of the ``AppConfig`` method that offers an app's blocks.
HOOK_METHOD = "get_suite_blocks"


def suite_blocks(*, exclude=()):
    """``(name, block)`` pairs from every installed app that offers blocks, in
    the order of ``INSTALLED_APPS``.

    Pass block names in ``exclude`` to leave some out.
    """
    result = []
    for config in apps.get_app_configs():
        offer = getattr(config, HOOK_METHOD, None)
        if offer is None:
            continue
        for name, block in offer():
            if name not in exclude:
                result.append((name, block))
    return result
