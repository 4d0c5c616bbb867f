"""The base of the resources scoped to one pilot page (phases, readings)."""

import copy

from wagtail_pilots.importexport.resources import BatchResourceMixin

from ..models import (
    PilotProgramPage,
)


class PilotScopedResource(BatchResourceMixin):
    def pilot_id(self):
        return self.page.pk if self.page is not None else None

    def pilot_class(self):
        """The page type of the pilot imported into: its hooks name the models
        of its phases, indicators and readings (a site's own, or the suite's)."""
        if self.page is None:
            return PilotProgramPage
        return self.page.specific_class

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The rows are the inline model of the page's own type (its hook), not
        # necessarily the resource's default: new instances, look-ups and
        # "does not exist" all go by this options' model.
        self._meta = copy.copy(self._meta)
        self._meta.model = self.get_row_model()
