"""Every static file a suite template names exists.

With the production settings' manifest storage a ``{% static %}`` of a missing
file is a server error, so a stylesheet moved or renamed must take every
template that names it along.
"""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

REPO = Path(__file__).resolve().parent.parent
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")


def _references():
    for root in ("wagtail_pilots", "example_site"):
        for template in sorted((REPO / root).glob("**/templates/**/*.html")):
            for name in STATIC_TAG.findall(template.read_text(encoding="utf-8")):
                yield str(template.relative_to(REPO)), name


REFERENCES = list(_references())


def test_templates_name_static_files():
    assert any(name == "wagtail_pilots/public.css" for _t, name in REFERENCES)


@pytest.mark.parametrize(("template", "name"), REFERENCES)
def test_every_static_file_named_by_a_template_exists(template, name):
    assert finders.find(name), f"{template} names {name}, which does not exist"


INLINE_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_no_template_has_inline_scripts_or_event_handlers():
    """CSP-safe: behaviour comes from static files, never from an inline
    ``<script>`` or an ``onclick=`` that a strict Content-Security-Policy
    blocks (the results screen's Print button once had one)."""
    found = []
    for root in ("wagtail_pilots", "example_site"):
        for template in sorted((REPO / root).glob("**/templates/**/*.html")):
            text = template.read_text(encoding="utf-8")
            for pattern in (INLINE_HANDLER, INLINE_SCRIPT):
                found += [
                    f"{template.relative_to(REPO)}: {m.group(0)[:60]}"
                    for m in pattern.finditer(text)
                ]
    assert found == []
