"""Texts stored as data, not shown as interface: always Chinese, whatever language the person
who causes them uses (a bureau's name, a default station name, a ledger entry's memo).

`stored(...)` marks them; tests/test_i18n_extractable.py allows Chinese inside it and nowhere
else outside the translation calls."""


def stored(text: str) -> str:
    """The text as it is stored (a marker: nothing is translated)."""
    return text
