from io import StringIO

import pytest

from example_site.demo import core
from example_site.demo import importexport as demo
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.models import Unit

pytestmark = pytest.mark.django_db


def test_demo_loader_imports_pilot_sites_once():
    out = StringIO()
    home_page = core.load(home=None, stdout=out)
    demo.load(home=home_page, stdout=out)
    demo.load(home=home_page, stdout=out)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.DONE and batch.encoding == "gb18030"
    site = Unit.objects.get(code="LLZ-SD1")
    assert (site.kind, site.parent.code) == ("pilot_site", "LLZ")
    assert site.name == "柳林镇社会救助“一门受理”试点"
