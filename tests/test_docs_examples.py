"""The page-type examples of the docs are the code of tests/custom_site, so
they run (the app is installed by the test settings and its pages are tested
in tests/*/test_custom_page.py and tests/*/test_own_base_page.py)."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MODELS = (REPO / "tests" / "custom_site" / "models.py").read_text(encoding="utf-8")
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
# A top-level class with its indented body (up to the next top-level line).
CLASS = re.compile(r"^class .*?(?=^\S|\Z)", re.S | re.M)


def class_chunks(doc):
    text = (REPO / "docs" / doc).read_text(encoding="utf-8")
    return [
        chunk.strip()
        for block in BLOCK.findall(text)
        for chunk in CLASS.findall(block)
        if "Department" in chunk
    ]


@pytest.mark.parametrize(
    ("doc", "expected"),
    [("surveys.md", 2), ("pilots.md", 10), ("scorecards.md", 8)],
)
def test_every_example_class_is_in_the_custom_site(doc, expected):
    chunks = class_chunks(doc)
    assert len(chunks) == expected
    for chunk in chunks:
        assert chunk in MODELS, chunk.splitlines()[0]
