"""How personal data is shown to people who may not see it in full (DOMAIN.md §1)."""


def mask_id_number(value: str | None) -> str:
    """First 6 and last 4 characters: 511302********001X."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """First 3 and last 4 digits: 138****0000."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_office_phone(value: str | None) -> str:
    """An office's contact phone: a landline (0817-2221234) is the office's published number
    and is shown as is; a mobile is a person's and is masked like any phone."""
    if value and value.startswith("0"):
        return value
    return mask_phone(value)


def mask_name(value: str | None) -> str:
    """The first character and a star for each other: 张**."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_contact(value: str | None) -> str:
    """A reporter's contact: a phone masked as a phone, anything else mostly hidden."""
    if not value:
        return ""
    digits = value.replace(" ", "")
    if digits.isdigit():
        return mask_phone(digits)
    return value[:1] + "***"


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "office_phone": mask_office_phone,
    "name": mask_name,
    "contact": mask_contact,
    "secret": lambda value: "***" if value else "",
}


def mask(kind: str, value) -> str:
    """Mask value as the given kind (id_number, phone, name, contact, secret)."""
    return MASKERS[kind](None if value is None else str(value))
