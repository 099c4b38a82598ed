"""Which trials fit whom: each rule on its own, through the real importer and the real matching SQL."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, update

from portal.alerts.notices import run_alerts
from portal.extensions import db
from portal.models import OutboxEmail, TrialAlert
from portal.models.alert import WEEKLY
from portal.models.base import utcnow
from tests.alerts.helpers import CHICAGO, DENVER, MILWAUKEE, import_studies, study, subscribe

LUPUS_NEAR_CHICAGO = dict(conditions=["Systemic Lupus Erythematosus"], sites=[("Chicago", CHICAGO, "RECRUITING")])


def alerted(app: Flask) -> set[tuple[str, str]]:
    """(subscriber email, NCT ID) of every alert written so far, after a matching run."""
    from portal.models import Subscriber, Trial

    with app.app_context():
        run_alerts(db.session, dispatch=False)
        rows = db.session.execute(
            select(Subscriber.email, Trial.nct_id)
            .join(TrialAlert, TrialAlert.subscriber_id == Subscriber.id)
            .join(Trial, Trial.id == TrialAlert.trial_id)
        ).tuples()
        result = set(rows)
        db.session.remove()
    return result


def test_a_condition_matches_in_any_case_and_number(app: Flask) -> None:
    subscribe(app, "a@example.org", "LUPUS", place="Chicago", radius_miles=25)
    subscribe(app, "b@example.org", "breast cancers", place="Chicago", radius_miles=25)
    subscribe(app, "c@example.org", "asthma", place="Chicago", radius_miles=25)
    import_studies(
        app,
        study("NCT90000001", **LUPUS_NEAR_CHICAGO),
        study("NCT90000002", conditions=["Breast Cancer"], sites=[("Chicago", CHICAGO, "RECRUITING")]),
    )
    assert alerted(app) == {("a@example.org", "NCT90000001"), ("b@example.org", "NCT90000002")}


def test_keywords_and_mesh_terms_match_too(app: Flask) -> None:
    subscribe(app, "kw@example.org", "flare", place="Chicago", radius_miles=25)
    subscribe(app, "mesh@example.org", "autoimmune diseases", place="Chicago", radius_miles=25)
    import_studies(
        app,
        study("NCT90000003", conditions=["SLE"], keywords=["Flares"], sites=[("Chicago", CHICAGO, "RECRUITING")]),
        study(
            "NCT90000004",
            conditions=["SLE"],
            meshes=["Autoimmune Disease"],
            sites=[("Chicago", CHICAGO, "RECRUITING")],
        ),
    )
    assert alerted(app) == {("kw@example.org", "NCT90000003"), ("mesh@example.org", "NCT90000004")}


def test_a_recruiting_site_must_be_inside_the_radius(app: Flask) -> None:
    subscribe(app, "near@example.org", "lupus", place="Chicago", radius_miles=100)
    subscribe(app, "far@example.org", "lupus", place="Chicago", radius_miles=50)
    subscribe(app, "anywhere@example.org", "lupus")
    import_studies(
        app,
        # Milwaukee is about 82 miles from Chicago; Denver is far from both.
        study("NCT90000005", conditions=["Lupus"], sites=[("Milwaukee", MILWAUKEE, "RECRUITING")]),
        # A site next door that is not recruiting does not count; nor does one without coordinates.
        study(
            "NCT90000006",
            conditions=["Lupus"],
            sites=[
                ("Chicago", CHICAGO, "COMPLETED"),
                ("Chicago", None, "RECRUITING"),
                ("Denver", DENVER, "RECRUITING"),
            ],
        ),
    )
    assert alerted(app) == {
        ("near@example.org", "NCT90000005"),
        ("anywhere@example.org", "NCT90000005"),
        ("anywhere@example.org", "NCT90000006"),
    }


def test_only_open_trials_fit(app: Flask) -> None:
    subscribe(app, "anywhere@example.org", "lupus")
    import_studies(
        app,
        study("NCT90000007", conditions=["Lupus"], status="NOT_YET_RECRUITING"),
        study("NCT90000008", conditions=["Lupus"], status="COMPLETED"),
        study("NCT90000009", conditions=["Lupus"], status="ACTIVE_NOT_RECRUITING"),
    )
    assert alerted(app) == {("anywhere@example.org", "NCT90000007")}


def test_trials_opened_before_the_subscriber_confirmed_are_not_new_to_them(app: Flask) -> None:
    import_studies(app, study("NCT90000010", **LUPUS_NEAR_CHICAGO))
    subscribe(app, "later@example.org", "lupus", confirmed_at=utcnow())
    assert alerted(app) == set()


def test_never_the_same_trial_twice(app: Flask) -> None:
    subscribe(app, "a@example.org", "lupus")
    import_studies(app, study("NCT90000011", **LUPUS_NEAR_CHICAGO, updated="2026-11-01"))
    assert alerted(app) == {("a@example.org", "NCT90000011")}
    # The trial pauses, then recruits again: it is new again, but this subscriber already knows it.
    import_studies(app, study("NCT90000011", **LUPUS_NEAR_CHICAGO, status="SUSPENDED", updated="2026-11-02"))
    import_studies(app, study("NCT90000011", **LUPUS_NEAR_CHICAGO, updated="2026-11-03"))
    assert alerted(app) == {("a@example.org", "NCT90000011")}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrialAlert)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 1


def test_a_trial_that_starts_recruiting_reaches_those_near_its_sites(app: Flask) -> None:
    subscribe(app, "near@example.org", "lupus", place="Chicago", radius_miles=25)
    not_yet = dict(conditions=["Lupus"], sites=[("Chicago", CHICAGO, "NOT_YET_RECRUITING")])
    import_studies(app, study("NCT90000012", **not_yet, status="NOT_YET_RECRUITING", updated="2026-11-01"))
    assert alerted(app) == set()  # nowhere to go yet
    import_studies(app, study("NCT90000012", **LUPUS_NEAR_CHICAGO, updated="2026-11-05"))
    assert alerted(app) == {("near@example.org", "NCT90000012")}


def test_the_nearest_site_in_the_radius_is_recorded(app: Flask) -> None:
    subscribe(app, "a@example.org", "lupus", place="Chicago", radius_miles=100)
    import_studies(
        app,
        study(
            "NCT90000013",
            conditions=["Lupus"],
            sites=[("Milwaukee", MILWAUKEE, "RECRUITING"), ("Chicago", CHICAGO, "RECRUITING")],
        ),
    )
    alerted(app)
    with app.app_context():
        alert = db.session.scalar(select(TrialAlert))
        assert alert is not None and alert.distance_km is not None
        assert alert.distance_km < 5  # the Chicago site, not Milwaukee


def test_weekly_subscribers_get_one_digest_a_week_with_every_new_fit(app: Flask) -> None:
    start = utcnow() - timedelta(days=3)
    subscribe(app, "weekly@example.org", "lupus", frequency=WEEKLY, confirmed_at=start)
    subscribe(app, "now@example.org", "lupus", confirmed_at=start)
    import_studies(app, study("NCT90000014", **LUPUS_NEAR_CHICAGO), study("NCT90000015", **LUPUS_NEAR_CHICAGO))
    with app.app_context():
        first = run_alerts(db.session, dispatch=False)
        assert (first.emails, first.digests) == (1, 0)  # the immediate subscriber, one email for both trials
        # A week after confirming, the digest is due: one email listing both trials.
        week_later = run_alerts(db.session, now=start + timedelta(days=7, minutes=1), dispatch=False)
        assert (week_later.emails, week_later.digests) == (0, 1)
        digest = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "alerts_digest"))
        assert digest is not None and digest.recipients == ["weekly@example.org"]
        assert "NCT90000014" in digest.body_text and "NCT90000015" in digest.body_text
        # Nothing new: no empty digest, and never a second one for the same trials.
        again = run_alerts(db.session, now=start + timedelta(days=15), dispatch=False)
        assert (again.emails, again.digests) == (0, 0)
        db.session.remove()


def test_hidden_trials_are_not_sent(app: Flask) -> None:
    from portal.models import Trial

    subscribe(app, "anywhere@example.org", "lupus")
    import_studies(app, study("NCT90000016", conditions=["Lupus"]), study("NCT90000017", conditions=["Lupus"]))
    with app.app_context():
        db.session.execute(update(Trial).where(Trial.nct_id == "NCT90000016").values(hidden=True))
        db.session.commit()
    assert alerted(app) == {("anywhere@example.org", "NCT90000017")}
