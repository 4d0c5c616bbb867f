"""The kinds this app provides itself (registered in wagtail_hooks.py)."""

from django.utils.translation import gettext_lazy as _

from ..models import Unit
from .registry import Column, ImportExportKind
from .resources import UnitResource


class UnitsKind(ImportExportKind):
    name = "units"
    label = _("units")
    resource_class = UnitResource
    models = (Unit,)
    listing_model = Unit
    columns = (
        Column(
            "code",
            en="code",
            zh="单位代码",
            required=True,
            aliases=("代码", "编码"),
            sample="QSZ-SQ",
        ),
        Column(
            "name",
            en="name",
            zh="单位名称",
            required=True,
            aliases=("名称",),
            sample="石桥村",
        ),
        Column("kind", en="kind", zh="类型", aliases=("单位类型", "type"), sample="村"),
        Column(
            "parent",
            en="parent code",
            zh="上级单位代码",
            aliases=("上级代码", "上级单位", "parent"),
            sample="QSZ",
        ),
        Column(
            "region",
            en="region",
            zh="所属区域",
            aliases=("区域", "地区"),
            sample="示范县",
        ),
        Column("active", en="active", zh="是否启用", aliases=("启用",), sample="是"),
    )

    def before_rollback(self, *, batch, user=None):
        # Units of one batch may be each other's parents (PROTECT): detach them
        # from each other first so they can be deleted together.
        from .services import batch_object_ids

        ids = batch_object_ids(batch=batch, model=Unit)
        Unit.objects.filter(pk__in=ids, parent_id__in=ids).update(parent=None)
