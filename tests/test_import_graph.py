"""Dependencies between the suite's sub-apps go one way (issue 18 item 5).

The graph is read from the source: every module of the package is parsed with
:mod:`ast` and each of its imports (at the top or inside a function alike)
mapped to the sub-app it names — and so is every string that is a dotted name
in the package (``import_module("wagtail_pilots.surveys.blocks")``,
``apps.is_installed("wagtail_pilots.surveys")``), a dependency all the same.
Then:

- no cycle between sub-apps;
- the core app (``wagtail_pilots`` outside the sub-apps) imports none of them;
- the only import from one feature app into another is scorecards → surveys,
  through the surveys' public selector module.
"""

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wagtail_pilots"
FEATURES = ("pilots", "surveys", "scorecards")
SUB_APPS = (*FEATURES, "importexport")
ALLOWED_FEATURE_EDGES = {
    ("scorecards", "surveys"): {"wagtail_pilots.surveys.selectors"}
}

#: Modules of the core package that belong to a sub-app all the same.
#: ``python -m wagtail_pilots.verify`` is the scorecards' verifier under the
#: command printed on every published result (and in every bundle); no module
#: imports it (asserted below).
BELONGS_TO = {"wagtail_pilots.verify": "scorecards"}


def sub_app(module: str, root: str) -> str | None:
    """The sub-app of a dotted module name; None outside the package."""
    parts = module.split(".")
    if parts[0] != root:
        return None
    if module in BELONGS_TO:
        return BELONGS_TO[module]
    if len(parts) > 1 and parts[1] in SUB_APPS:
        return parts[1]
    if len(parts) > 2 and parts[1] == "contrib":
        return f"contrib.{parts[2]}"
    return "core"


def module_imports(package: Path):
    """``(module, imported module)`` for every import of every module, and for
    every string constant that is a dotted name in the package."""
    root = package.name
    dotted = re.compile(rf"{re.escape(root)}(\.[A-Za-z_]\w*)+")
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        module = ".".join(parts)
        here = parts if is_package else parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if dotted.fullmatch(node.value):
                    yield module, node.value
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield module, alias.name
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                if node.module and sub_app(target, root) != "core":
                    yield module, target
                else:
                    # ``from .. import conf`` / ``from wagtail_pilots import x``:
                    # the names may be modules of their own.
                    for alias in node.names:
                        yield module, f"{target}.{alias.name}"


def import_graph(package: Path = PACKAGE):
    """``{(from sub-app, to sub-app): {"module -> imported", ...}}``."""
    root = package.name
    edges = defaultdict(set)
    for module, target in module_imports(package):
        source, destination = sub_app(module, root), sub_app(target, root)
        if destination is not None and destination != source:
            edges[source, destination].add(f"{module} -> {target}")
    return dict(edges)


def find_cycle(edges) -> list:
    """One cycle of sub-apps as ``[a, b, ..., a]``, or ``[]``."""
    following = defaultdict(set)
    for source, destination in edges:
        following[source].add(destination)
    done, path = set(), []

    def visit(node):
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        path.append(node)
        for nxt in sorted(following[node]):
            cycle = visit(nxt)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return []

    for start in sorted(following):
        cycle = visit(start)
        if cycle:
            return cycle
    return []


def describe(edges, keys):
    return "\n".join(f"{line}" for key in keys for line in sorted(edges[key]))


def test_no_cycle_between_sub_apps():
    edges = import_graph()
    cycle = find_cycle(edges)
    assert cycle == [], "cycle {}:\n{}".format(
        " → ".join(cycle), describe(edges, zip(cycle, cycle[1:], strict=False))
    )


def test_the_core_imports_no_sub_app():
    edges = import_graph()
    upward = [key for key in edges if key[0] == "core"]
    assert upward == [], describe(edges, upward)


def test_feature_apps_import_each_other_only_scorecards_from_surveys_selectors():
    edges = import_graph()
    between = {
        key: {line.split(" -> ")[1] for line in lines}
        for key, lines in edges.items()
        if key[0] in FEATURES and key[1] in FEATURES
    }
    assert between == ALLOWED_FEATURE_EDGES, describe(edges, between)


def test_nothing_imports_the_verifier_command():
    importers = [m for m, target in module_imports(PACKAGE) if target in BELONGS_TO]
    assert importers == []


def test_the_import_framework_imports_no_feature_app():
    # Each feature app registers its kinds (the survey codes too).
    edges = import_graph()
    into_features = [key for key in edges if key[0] == "importexport"]
    assert [key for key in into_features if key[1] != "core"] == [], describe(
        edges, into_features
    )


@pytest.fixture
def tiny_package(tmp_path):
    """A package with the two mistakes the tests above look for."""
    root = tmp_path / "wagtail_pilots"
    files = {
        "__init__.py": "",
        "blocks.py": "from .surveys import blocks\n",
        "apps.py": "import_module('wagtail_pilots.scorecards.blocks')\n",
        "surveys/__init__.py": "",
        "surveys/blocks.py": "",
        "surveys/kinds.py": "def f():\n    from ..importexport import registry\n",
        "importexport/__init__.py": "",
        "importexport/registry.py": "",
        "importexport/codes.py": "from wagtail_pilots.surveys.models import Code\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_graph_sees_lazy_relative_and_absolute_imports(tiny_package):
    edges = import_graph(tiny_package)
    assert edges == {
        ("core", "surveys"): {"wagtail_pilots.blocks -> wagtail_pilots.surveys"},
        ("core", "scorecards"): {
            "wagtail_pilots.apps -> wagtail_pilots.scorecards.blocks"
        },
        ("surveys", "importexport"): {
            "wagtail_pilots.surveys.kinds -> wagtail_pilots.importexport"
        },
        ("importexport", "surveys"): {
            "wagtail_pilots.importexport.codes -> wagtail_pilots.surveys.models"
        },
    }
    assert find_cycle(edges) == ["surveys", "importexport", "surveys"]


# -- the import/export app is required: a feature app without it stops
# start-up with an error that says what to add --------------------------------

CHECK_WITHOUT_IMPORTEXPORT = """
import django
from django.conf import settings

import example_site.settings.test as base

names = {k: getattr(base, k) for k in dir(base) if k.isupper()}
names["INSTALLED_APPS"] = [
    app for app in base.INSTALLED_APPS
    if app not in ("wagtail_pilots.importexport", "wagtail_pilots.contrib.modeladmin")
    and app not in sys.argv[1:]
]
settings.configure(**names)
django.setup()
from django.core.management import call_command

call_command("check")
"""


def run_check_without_importexport(*also_left_out):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import sys\n" + CHECK_WITHOUT_IMPORTEXPORT]
        + list(also_left_out),
        cwd=PACKAGE.parent,
        env={"PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode, result.stderr


def test_a_feature_app_without_importexport_stops_start_up_naming_it():
    code, stderr = run_check_without_importexport(
        "wagtail_pilots.pilots", "wagtail_pilots.scorecards", "tests.custom_site"
    )
    assert code != 0
    assert (
        "(wagtail_pilots.E008) wagtail_pilots.surveys is installed without "
        "wagtail_pilots.importexport." in stderr
    )
    assert "HINT: Add 'wagtail_pilots.importexport' to INSTALLED_APPS" in stderr
    # Only the installed feature app is named.
    assert "wagtail_pilots.pilots is installed" not in stderr
