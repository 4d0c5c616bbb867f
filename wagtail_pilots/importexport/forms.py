from django import forms
from django.utils.translation import gettext_lazy as _

from ..conf import pilots_settings
from .formats import megabytes

ENCODINGS = (
    ("", _("detect automatically")),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", _("UTF-8 with BOM")),
    ("gb18030", "GB18030 / GBK"),
    ("utf-16", "UTF-16"),
)
FORMAT_CHOICES = (
    ("", _("detect automatically")),
    ("csv", "CSV"),
    ("xlsx", "Excel (.xlsx)"),
    ("json", "JSON"),
)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("file"))
    file_format = forms.ChoiceField(
        label=_("format"), choices=FORMAT_CHOICES, required=False
    )
    encoding = forms.ChoiceField(
        label=_("encoding"),
        choices=ENCODINGS,
        required=False,
        help_text=_("only for CSV files"),
    )
    skip_invalid = forms.BooleanField(
        label=_("skip invalid rows"),
        required=False,
        help_text=_(
            "import the valid rows and list the invalid ones for download; "
            "otherwise one invalid row stops the whole import"
        ),
    )
    force = forms.BooleanField(
        label=_("import again even if this file was already imported"),
        required=False,
    )

    def __init__(self, *args, refused_upload=None, **kwargs):
        """``refused_upload``: the :class:`~.formats.ImportFileError` of a file
        refused while it was uploaded (too large); shown on the file field
        instead of "this field is required"."""
        super().__init__(*args, **kwargs)
        self.refused_upload = refused_upload
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or GB18030; comma, semicolon or tab), XLSX or JSON; at "
            "most %(limit)s MB"
        ) % {"limit": megabytes(pilots_settings.IMPORT_MAX_FILE_SIZE)}
        if refused_upload is not None:
            self.fields["file"].required = False

    def clean_file(self):
        if self.refused_upload is not None:
            raise forms.ValidationError(str(self.refused_upload), code="file_too_large")
        return self.cleaned_data.get("file")


class ConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(label=_("skip invalid rows"), required=False)


EXPORT_FORMATS = ("csv", "xlsx", "json")
