"""Forms (shape checks only), the helper that puts domain errors on their fields, and the one
pattern of a form page."""

from flask import flash, redirect, render_template
from flask_wtf import FlaskForm

from registry.errors import RegistryError
from registry.extensions import db


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


def form_page(form, save, done, message: str, template: str, **context):
    """The one pattern of a form page: on a valid POST run save(form) (domain calls), commit,
    flash and redirect to done(result); a domain error goes onto the form (422), nothing saved."""
    if form.validate_on_submit():
        try:
            result = save(form)
            db.session.commit()
            flash(message, "success")
            return redirect(done(result))
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template(template, form=form, **context), 422 if form.errors else 200
