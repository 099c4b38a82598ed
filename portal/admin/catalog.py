"""Admin routes for what patients see: trials (upload, hide), sites (recipients, members) and FAQs."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.admin.blueprint import bp
from portal.admin.forms import FaqForm, ImportForm, MemberForm, RecipientsForm
from portal.admin.services import (
    AdminError,
    add_member,
    import_upload,
    recipient_overrides,
    remove_member,
    set_recipients,
    set_trial_hidden,
    site_members,
    trial_with_sites,
    trials_page,
)
from portal.database import begin_write, unit_of_work
from portal.extensions import db
from portal.faqs import services as faqs
from portal.models import Site
from portal.post_import import post_import
from portal.site.summaries import count_needing_review


def _clear_page_cache() -> None:
    current_app.extensions["trial_page_cache"].clear()


def _trials_page(form: ImportForm, status: int = 200) -> tuple[str, int]:
    query = request.args.get("q", "").strip()[:20]
    return render_template(
        "admin/trials.html",
        trials=trials_page(db.session, query),
        form=form,
        q=query,
        summaries_to_review=count_needing_review(db.session),
    ), status


@bp.get("/trials")
def trials() -> tuple[str, int]:
    return _trials_page(ImportForm())


@bp.post("/trials/import")
def import_trials() -> Response | tuple[str, int]:
    limit = current_app.config["ADMIN_UPLOAD_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    form = ImportForm()
    if not form.validate_on_submit():
        return _trials_page(form, 422)
    data = form.file.data.read(limit + 1)
    if len(data) > limit:
        abort(413)
    # The importer commits as it goes (every 500 records), so no unit of work here: only its write lock up front.
    begin_write(db.session)
    summary = import_upload(db.session, form.file.data.filename or "upload.json", data)
    after = post_import(db.session, summary, on_worker=True)  # the slow steps on a mail worker, if there is one
    flash(gettext("Import finished: %(line)s.", line=summary.line()))
    for error in summary.errors[:20]:
        flash(error)
    if after.queued:
        flash(gettext("A mail worker is updating the search statistics and sending trial alerts."))
    elif after.alerts is not None:
        flash(gettext("Alerts: %(line)s.", line=after.alerts.line()))
    return redirect(url_for("admin.trials"))


@bp.post("/trials/<nct_id>/hidden")
def hide_trial(nct_id: str) -> Response:
    hidden = request.form.get("hidden") == "1"
    with unit_of_work():
        if set_trial_hidden(db.session, nct_id, hidden) is None:
            abort(404)
    _clear_page_cache()
    flash(gettext("%(nct)s is hidden.", nct=nct_id) if hidden else gettext("%(nct)s is shown.", nct=nct_id))
    return redirect(url_for("admin.trials", q=request.args.get("q", "")))


def _sites_page(nct_id: str, status: int = 200, errors: dict[int, str] | None = None) -> tuple[str, int]:
    trial = trial_with_sites(db.session, nct_id) or abort(404)
    ids = [s.id for s in trial.sites]
    return render_template(
        "admin/sites.html",
        trial=trial,
        members=site_members(db.session, ids),
        overrides=recipient_overrides(db.session, ids),
        member_form=MemberForm(),
        recipients_form=RecipientsForm(),
        errors=errors or {},
    ), status


@bp.get("/trials/<nct_id>/sites")
def sites(nct_id: str) -> tuple[str, int]:
    return _sites_page(nct_id)


def _site(site_id: int) -> Site:
    return db.session.get(Site, site_id) or abort(404)


@bp.post("/sites/<int:site_id>/members")
def add_site_member(site_id: int) -> Response | tuple[str, int]:
    with unit_of_work() as uow:
        site = _site(site_id)
        form = MemberForm()
        try:
            if not form.validate_on_submit():
                raise AdminError(
                    form.email.errors[0] if form.email.errors else gettext("Please enter an email address.")
                )
            user = add_member(db.session, site, form.email.data)
        except AdminError as exc:
            uow.rollback()
            return _sites_page(site.trial.nct_id, 422, {site_id: str(exc)})
    flash(gettext("%(email)s is now a member of %(site)s.", email=user.email, site=site.facility))
    return redirect(url_for("admin.sites", nct_id=site.trial.nct_id) + f"#site-{site.id}")


@bp.post("/sites/<int:site_id>/members/<int:user_id>/remove")
def remove_site_member(site_id: int, user_id: int) -> Response:
    with unit_of_work():
        site = _site(site_id)
        remove_member(db.session, site, user_id)
    flash(gettext("Member removed."))
    return redirect(url_for("admin.sites", nct_id=site.trial.nct_id) + f"#site-{site.id}")


@bp.post("/sites/<int:site_id>/recipients")
def site_recipients(site_id: int) -> Response | tuple[str, int]:
    with unit_of_work() as uow:
        site = _site(site_id)
        form = RecipientsForm()
        try:
            if not form.validate_on_submit():
                raise AdminError(gettext("Please check the addresses."))
            set_recipients(db.session, site, form.emails.data or "")
        except AdminError as exc:
            uow.rollback()
            return _sites_page(site.trial.nct_id, 422, {site_id: str(exc)})
    flash(gettext("Recipients saved."))
    return redirect(url_for("admin.sites", nct_id=site.trial.nct_id) + f"#site-{site.id}")


def _faqs_page(form: FaqForm, status: int = 200) -> tuple[str, int]:
    return render_template("admin/faqs.html", faqs=faqs.all_faqs(db.session), form=form), status


@bp.get("/faqs")
def faq_list() -> tuple[str, int]:
    return _faqs_page(FaqForm())


@bp.post("/faqs")
def faq_add() -> Response | tuple[str, int]:
    form = FaqForm()
    if not form.validate_on_submit():
        return _faqs_page(form, 422)
    with unit_of_work() as uow:
        try:
            faqs.add_faq(db.session, form.question.data, form.answer.data, form.trial.data or None)
        except faqs.FaqError:
            uow.rollback()
            form.trial.errors = [gettext("No trial with this NCT number has been imported.")]
            return _faqs_page(form, 422)
    flash(gettext("Question added."))
    return redirect(url_for("admin.faq_list"))


@bp.post("/faqs/<int:faq_id>/delete")
def faq_delete(faq_id: int) -> Response:
    with unit_of_work():
        try:
            faqs.delete_faq(db.session, faq_id)
        except faqs.FaqError:
            abort(404)
    flash(gettext("Question deleted."))
    return redirect(url_for("admin.faq_list"))
