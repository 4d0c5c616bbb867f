"""Demo import batch: pilot sites loaded from a GB18030 CSV, as an office would."""

from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    batch_check,
    batch_import,
    batch_upload,
    find_duplicate,
)

# What a county office's Excel sheet saved as "CSV" (GB18030) looks like.
CSV_TEXT = (
    "单位代码,单位名称,类型,上级单位代码,所属区域,是否启用\n"
    "QSZ-SD1,青石镇便民服务中心试点,试点单位,QSZ,示范县,是\n"
    "LLZ-SD1,柳林镇社会救助“一门受理”试点,试点单位,LLZ,示范县,是\n"
    "CGZ-SD1,城关镇医保经办下沉试点,试点单位,CGZ,示范县,是\n"
)


def load(*, home, stdout):
    import hashlib

    kind = get_kind("units")
    data = CSV_TEXT.encode("gb18030")
    if find_duplicate(kind=kind, sha256=hashlib.sha256(data).hexdigest()):
        return
    batch = batch_upload(kind=kind, file_name="试点单位名单.csv", data=data)
    batch = batch_import(batch=batch_check(batch=batch))
    stdout.write(f"  import batch #{batch.pk}: {batch.get_status_display()}")
