"""Forms (shape checks only), the field classes they share, the helper that puts domain
errors on their fields, and the one pattern of a form page."""

from flask import flash, redirect, render_template
from flask_wtf import FlaskForm
from wtforms import DateField

from registry.errors import RegistryError, ValidationFailed
from registry.extensions import db
from registry.request_hooks import without_stray_files
from registry.validators import parse_date


class Form(FlaskForm):
    """The base of every page form: its data goes through request_hooks.without_stray_files
    (a file part only under a file field's name)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            return without_stray_files(form, super().wrap_formdata(form, formdata))


class ChineseDateField(DateField):
    """A YYYY-MM-DD date between 1900 and 2100 (validators.parse_date) whose errors are
    Chinese; an empty value is None, for InputRequired/Optional to judge."""

    def process_formdata(self, valuelist):
        self.data = None
        try:
            self.data = parse_date(valuelist[0] if valuelist else "", self.name)
        except ValidationFailed as error:
            raise ValueError(error.message) from None


def error_text(form: FlaskForm) -> str:
    """All of a form's errors as one line for a flash message (messages may be lazy strings)."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


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
