"""Admin routes for what patients see: trials (upload, hide), sites (recipients, members) and FAQs."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.admin.blueprint import bp
from portal.admin.forms import FaqEditForm, FaqForm, ImportForm, MemberForm, RecipientsForm
from portal.admin.services import (
    MAX_SEARCH,
    AdminError,
    add_member,
    find_trial,
    import_upload,
    recipient_overrides,
    remove_member,
    set_recipients,
    set_trial_hidden,
    site_members,
    sites_page,
    trials_page,
    undeliverable_addresses,
)
from portal.database import begin_write, unit_of_work
from portal.extensions import db
from portal.faqs import services as faqs
from portal.models import Faq, Site, Trial
from portal.post_import import post_import
from portal.site.summaries import count_needing_review
from portal.validation import parse_whole


def _clear_page_cache() -> None:
    current_app.extensions["trial_page_cache"].clear()


def _page_number() -> int:
    return parse_whole(request.args.get("page"), 1) or 1


def _trials_page(form: ImportForm, status: int = 200) -> tuple[str, int]:
    query = request.args.get("q", "").strip()[:20]
    return render_template(
        "admin/trials.html",
        trials=trials_page(db.session, query, _page_number()),
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
    page = parse_whole(request.args.get("page"), 2)
    return redirect(url_for("admin.trials", q=request.args.get("q") or None, page=page))


def _sites_page(
    nct_id: str, status: int = 200, errors: dict[int, str] | None = None, q: str | None = None, page: int | None = None
) -> tuple[str, int]:
    trial = find_trial(db.session, nct_id) or abort(404)
    q = (request.args.get("q", "") if q is None else q).strip()[:MAX_SEARCH]
    sites = sites_page(db.session, trial, q, page or _page_number())
    ids = [s.id for s in sites.items]
    return render_template(
        "admin/sites.html",
        trial=trial,
        sites=sites,
        q=q,
        members=site_members(db.session, ids),
        overrides=recipient_overrides(db.session, ids),
        undeliverable=undeliverable_addresses(db.session, ids),
        member_form=MemberForm(),
        recipients_form=RecipientsForm(),
        errors=errors or {},
    ), status


@bp.get("/trials/<nct_id>/sites")
def sites(nct_id: str) -> tuple[str, int]:
    return _sites_page(nct_id)


def _site(site_id: int) -> Site:
    return db.session.get(Site, site_id) or abort(404)


def _back(site: Site) -> str:
    """The page of sites the form was on (its search and page number), at the site's section."""
    q = request.form.get("q", "").strip()[:MAX_SEARCH]
    page = parse_whole(request.form.get("page"), 1)
    args = {key: value for key, value in (("q", q), ("page", page)) if value}
    return url_for("admin.sites", nct_id=site.trial.nct_id, **args) + f"#site-{site.id}"


def _sites_page_again(site: Site, message: str) -> tuple[str, int]:
    return _sites_page(
        site.trial.nct_id,
        422,
        {site.id: message},
        q=request.form.get("q", ""),
        page=parse_whole(request.form.get("page"), 1),
    )


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
            return _sites_page_again(site, str(exc))
    flash(gettext("%(email)s is now a member of %(site)s.", email=user.email, site=site.facility))
    return redirect(_back(site))


@bp.post("/sites/<int:site_id>/members/<int:user_id>/remove")
def remove_site_member(site_id: int, user_id: int) -> Response:
    with unit_of_work():
        site = _site(site_id)
        remove_member(db.session, site, user_id)
    flash(gettext("Member removed."))
    return redirect(_back(site))


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
            return _sites_page_again(site, str(exc))
    flash(gettext("Recipients saved."))
    return redirect(_back(site))


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


def _faq_or_404(faq_id: int) -> Faq:
    return db.session.get(Faq, faq_id) or abort(404)


def _faq_edit_page(faq: Faq, form: FaqEditForm, status: int = 200) -> tuple[str, int]:
    nct_id = db.session.scalar(select(Trial.nct_id).where(Trial.id == faq.trial_id)) if faq.trial_id else None
    return render_template("admin/faq_edit.html", faq=faq, nct_id=nct_id, form=form), status


@bp.get("/faqs/<int:faq_id>/edit")
def faq_edit(faq_id: int) -> tuple[str, int]:
    faq = _faq_or_404(faq_id)
    return _faq_edit_page(faq, FaqEditForm(question=faq.question, answer=faq.answer))


@bp.post("/faqs/<int:faq_id>/edit")
def faq_save(faq_id: int) -> Response | tuple[str, int]:
    with unit_of_work() as uow:
        faq = _faq_or_404(faq_id)
        form = FaqEditForm()
        if not form.validate_on_submit():
            uow.rollback()
            return _faq_edit_page(faq, form, 422)
        faqs.update_faq(db.session, faq.id, form.question.data, form.answer.data)
    _clear_page_cache()  # a trial's page shows its questions
    flash(gettext("Question saved."))
    return redirect(url_for("admin.faq_list") + f"#faq-{faq_id}")
