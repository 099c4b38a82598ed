"""The contact section's state: the form, the sites in order, the token to embed."""

from __future__ import annotations

from dataclasses import dataclass

from portal.contact.forms import ContactForm
from portal.contact.services import SiteChoice, accepts_contact, site_choices
from portal.geo import PlaceLookup
from portal.models import Trial

# Every site appears under Locations; the select shows at most this many that cannot be chosen.
MAX_CLOSED_CHOICES = 50


@dataclass
class ContactPanel:
    """What the contact section needs: the form, the sites in order, and the CSRF token to embed."""

    form: ContactForm
    choices: list[SiteChoice]
    csrf_token: str
    place_label: str | None = None
    selected: str | None = None
    place_lookup: PlaceLookup | None = None  # what the typed place found: other places of that name are offered

    @property
    def open_choices(self) -> list[SiteChoice]:
        return [choice for choice in self.choices if choice.selectable]

    @property
    def closed_choices(self) -> list[SiteChoice]:
        """Sites not recruiting, shown but not selectable; capped so a 1,000-site trial's page stays light."""
        return [choice for choice in self.choices if not choice.selectable][:MAX_CLOSED_CHOICES]

    @property
    def closed_not_shown(self) -> int:
        return sum(1 for choice in self.choices if not choice.selectable) - len(self.closed_choices)


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


def default_contact_panel(trial: Trial, csrf_token: str) -> ContactPanel | None:
    """The empty form with sites in their default order; None when no site is recruiting."""
    sites = list(trial.sites)
    if not accepts_contact(trial, sites):
        return None
    choices = site_choices(sites, None)
    form = ContactForm(formdata=None, meta={"csrf": False})
    return ContactPanel(form, choices, csrf_token, selected=preselected_site(choices))
