"""The contact section's state: the form, the sites in order, the token to embed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from portal.contact.forms import ContactForm
from portal.contact.services import SiteChoice, accepts_contact, site_choices
from portal.geo import PlaceLookup
from portal.models import Trial
from portal.trials.sites import LIST_ALL_UP_TO, SiteRow

# Every site appears under Locations; the select shows at most this many that cannot be chosen.
MAX_CLOSED_CHOICES = 50
# A trial with more than LIST_ALL_UP_TO sites offers this many recruiting sites in its select: the nearest once the
# patient gives a place. Any other site is chosen from its region's page ("Contact this site").
MAX_OPEN_CHOICES = 20


@dataclass
class ContactPanel:
    """What the contact section needs: the form, the sites in order, and the CSRF token to embed.

    The lists below are worked out once, when the page first reads them: set `selected` before rendering.
    """

    form: ContactForm
    choices: list[SiteChoice]
    csrf_token: str
    place_label: str | None = None
    selected: str | None = None
    place_lookup: PlaceLookup | None = None  # what the typed place found: other places of that name are offered

    @cached_property
    def big(self) -> bool:
        """Too many sites for one select: it offers the first MAX_OPEN_CHOICES recruiting sites."""
        return len(self.choices) > LIST_ALL_UP_TO

    @cached_property
    def recruiting_count(self) -> int:
        return sum(1 for choice in self.choices if choice.selectable)

    @cached_property
    def open_choices(self) -> list[SiteChoice]:
        """The recruiting sites offered, in order; in a big trial the first few, and the chosen one wherever it is."""
        offered = [choice for choice in self.choices if choice.selectable]
        if not self.big or len(offered) <= MAX_OPEN_CHOICES:
            return offered
        shown = offered[:MAX_OPEN_CHOICES]
        if self.selected and all(str(choice.site.id) != self.selected for choice in shown):
            shown += [choice for choice in offered if str(choice.site.id) == self.selected]
        return shown

    @property
    def open_not_shown(self) -> int:
        """Recruiting sites left out of a big trial's select."""
        return self.recruiting_count - len(self.open_choices)

    @cached_property
    def closed_choices(self) -> list[SiteChoice]:
        """Sites not recruiting, shown but not selectable; capped so a 1,000-site trial's page stays light, and left
        out of a big trial's select, which is for choosing."""
        if self.big:
            return []
        return [choice for choice in self.choices if not choice.selectable][:MAX_CLOSED_CHOICES]

    @property
    def closed_not_shown(self) -> int:
        return len(self.choices) - self.recruiting_count - len(self.closed_choices)


def preselected_site(choices: list[SiteChoice]) -> str | None:
    """The site the select starts on: the only recruiting site, or the nearest once we know where the patient is.

    Otherwise none ("Choose a study site"): the first in the list would be a guess, and the request would go to it.
    """
    open_choices = [choice for choice in choices if choice.selectable]
    if len(open_choices) == 1:
        return str(open_choices[0].site.id)
    # site_choices puts the nearest first. A distance needs the patient's place and the site's coordinates: a site
    # without them is no nearer than any other.
    if open_choices and open_choices[0].distance_km is not None:
        return str(open_choices[0].site.id)
    return None


def default_contact_panel(trial: Trial, sites: list[SiteRow], csrf_token: str) -> ContactPanel | None:
    """The empty form with sites in their default order; None when no site is recruiting."""
    if not accepts_contact(trial, sites):
        return None
    choices = site_choices(sites, None)
    form = ContactForm(formdata=None, meta={"csrf": False})
    return ContactPanel(form, choices, csrf_token, selected=preselected_site(choices))
