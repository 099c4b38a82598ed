"""Phone numbers and email addresses as people read them in an email; headers and stored values stay as they are."""

from __future__ import annotations

import idna
import phonenumbers
from phonenumbers import PhoneNumberFormat


def phone_for_people(number: str | None, region: str | None = None) -> str:
    """A stored number (E.164) as a reader in `region` dials it: national format at home, else international.

    Without a region, the number's own country is home: "(312) 555-0142" for +13125550142. A number that does
    not parse is shown as it was stored.
    """
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return number
    home = region.upper() if region else phonenumbers.region_code_for_number(parsed)
    at_home = home is not None and phonenumbers.region_code_for_number(parsed) == home
    return phonenumbers.format_number(
        parsed, PhoneNumberFormat.NATIONAL if at_home else PhoneNumberFormat.INTERNATIONAL
    )


def address_for_people(address: str | None) -> str:
    """An address whose domain is internationalised, with that domain in Unicode beside it.

    "jose@xn--mller-kva.example" reads "jose@xn--mller-kva.example (müller.example)": the ASCII form is what the
    reader can type and what we store; the Unicode form is the name they know. Other addresses are unchanged.
    """
    if not address or "@" not in address:
        return address or ""
    domain = address.rsplit("@", 1)[1]
    if not any(label.lower().startswith("xn--") for label in domain.split(".")):
        return address
    try:
        readable = idna.decode(domain)
    except (idna.IDNAError, UnicodeError):
        return address
    return f"{address} ({readable})" if readable != domain.lower() else address
