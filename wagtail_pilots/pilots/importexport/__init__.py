"""Import/export kinds of pilots (registered in ``wagtail_hooks.py``).

- **pilots** (:mod:`.pilots`), scoped to a pilot index page (the pilot
  listing): one row per pilot program under it, by code (else by exact title).
  New pilots are created as drafts with a first revision, for editors to review
  and publish; an updated pilot gets a new revision by the importing user,
  published when the page is live. A live pilot with unpublished changes is
  refused on its row (publish or discard the draft first).

Scoped to one pilot page (``--page`` / ``?page=``):

- **pilot-phases** (:mod:`.phases`): phases by name — a known name updates that
  phase, a new name adds one at the end. Phases are part of the page, so after
  an import the page is saved as a new revision and, when it is live,
  published; a live pilot with an unpublished draft is refused (publish or
  discard the draft first, so that nobody's edits are overwritten).
- **indicator-readings** (:mod:`.readings`): readings by indicator (name,
  within this pilot) and date — a known pair updates the value and note.

Rolling back a ``pilots`` or ``pilot-phases`` batch deletes the pages it
created and puts every page it changed back to the revision it had before the
import (:mod:`.page_revisions`); it is refused, naming the page, when a page
was changed since the import.

Dates, numbers and choices are read by the widgets of
:mod:`wagtail_pilots.importexport.widgets` (the accepted date formats are
listed in ``docs/importexport.md``).
"""

from wagtail_pilots.importexport.widgets import DateWidget, NumberWidget

from .phases import PhaseResource, PilotPhasesKind
from .pilots import PilotInstanceLoader, PilotResource, PilotsKind, SitesField
from .readings import IndicatorReadingsKind, IndicatorWidget, ReadingResource

__all__ = [
    "DateWidget",
    "IndicatorReadingsKind",
    "IndicatorWidget",
    "NumberWidget",
    "PhaseResource",
    "PilotInstanceLoader",
    "PilotPhasesKind",
    "PilotResource",
    "PilotsKind",
    "ReadingResource",
    "SitesField",
]
