"""Forms (shape checks only) and the helper that puts domain errors on their fields."""

from flask import flash
from flask_wtf import FlaskForm

from registry.errors import RegistryError


def show_errors(form: FlaskForm, error: RegistryError) -> None:
    """Put a domain error on the form fields it names; flash what names no field."""
    placed = False
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
            placed = True
    if not placed:
        flash(error.message, "danger")
