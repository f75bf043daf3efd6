"""The vault's editable directory (casework.services.directory.vault_profile) on real
SQLCipher vaults."""

from __future__ import annotations

import dataclasses
import json
from datetime import time, timedelta
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import PermissionDenied, UserError, ValidationError
from casework.models.directory.profile import EmergencyContact, Partner, WeeklySlot
from casework.models.ids import WorkerId
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services import history
from casework.services import session as session_service
from casework.services.directory import vault_profile as directory
from casework.services.directory.shipped import load_profile, profile_to_data
from casework.services.persons import workers
from casework.services.session import Session
from casework.storage import audit
from tests.conftest import PASSPHRASE, add_person, sign


def _add_worker(session: Session, name: str, role: WorkerRole) -> WorkerId:
    wid, _ = workers.create(session, WorkerDraft(name, role))
    return wid


@pytest.fixture
def leitung(session: Session) -> WorkerId:
    """A Leitung in the vault; the session acts as her."""
    wid = add_person(session, "Petra Leitung", WorkerRole.LEITUNG)  # she signs her edits
    session.act_as(wid)
    return wid


def _actions(session: Session) -> list[str]:
    return [e.action for e in audit.entries(session.db)]


def test_without_edits_the_shipped_profile_is_active(session: Session) -> None:
    assert session.profile_name == "bottrop-beispiel"
    assert directory.active_profile(session) == load_profile("bottrop-beispiel")
    assert not directory.is_edited(session)
    assert directory.revisions(session) == []


def test_leitung_edits_a_district_and_the_edit_is_in_the_history(
    session: Session, leitung: WorkerId, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=5))
    changes = directory.update_district(
        session,
        9,
        contact_role="ASD Bezirk 9 – Vertretung",
        phone="02041 70-9999",
        email="vertretung9@bottrop.example",
        auth=sign(session),
    )
    assert changes.affects("directory")
    profile = directory.active_profile(session)
    bezirk9 = directory.district(profile, 9)
    assert (bezirk9.contact_role, bezirk9.phone, bezirk9.email) == (
        "ASD Bezirk 9 – Vertretung",
        "02041 70-9999",
        "vertretung9@bottrop.example",
    )
    # Everything else is untouched; the shipped profile itself is unchanged.
    assert directory.district(profile, 6) == directory.district(load_profile(), 6)
    assert directory.district(load_profile(), 9).phone == "02041-70 3626"

    (revision_id,) = changes.ids("directory")
    entries = history.for_record(session, revision_id)
    assert len(entries) == 1
    assert entries[0].actor_name == "Petra Leitung"
    assert entries[0].summary().startswith("Verzeichnis-Stand angelegt")
    assert entries[0].fields["source"] == "edit"

    (info,) = directory.revisions(session)
    assert info.revision == 1
    assert info.author_name == "Petra Leitung"
    assert set(info.changed_paths) == {
        "asd.districts[8].contact_role",
        "asd.districts[8].phone",
        "asd.districts[8].email",
    }
    assert "directory.edit" in _actions(session)


def test_a_second_edit_is_a_new_revision(session: Session, leitung: WorkerId) -> None:
    directory.update_district(
        session, 9, contact_role="A", phone="02041 1", email="a@bottrop.example",
        auth=sign(session),
    )
    directory.update_district(
        session, 9, contact_role="B", phone="02041 2", email="b@bottrop.example",
        auth=sign(session),
    )
    infos = directory.revisions(session)
    assert [i.revision for i in infos] == [2, 1]
    assert directory.district(directory.active_profile(session), 9).contact_role == "B"


def test_saving_the_same_data_writes_nothing(session: Session, leitung: WorkerId) -> None:
    before = len(_actions(session))
    shipped = directory.district(load_profile(), 9)
    changes = directory.update_district(
        session, 9, contact_role=shipped.contact_role, phone=shipped.phone, email=shipped.email,
        auth=sign(session),
    )
    assert not changes
    assert not directory.is_edited(session)
    assert len(_actions(session)) == before


def test_fachkraft_is_refused_when_a_leitung_exists(session: Session) -> None:
    _add_worker(session, "Petra Leitung", WorkerRole.LEITUNG)
    fachkraft = _add_worker(session, "Tom Fachkraft", WorkerRole.FACHKRAFT)
    for actor in (fachkraft,):  # (the owner is a Fachkraft too, but also the vault's Admin)
        session.act_as(WorkerId(actor))
        assert not directory.can_edit(session)
        with pytest.raises(PermissionDenied, match="Leitung oder Admin"):
            directory.update_district(
                session, 9, contact_role="X", phone="1", email="x@bottrop.example"
            )
        with pytest.raises(PermissionDenied):
            directory.import_profile_json(session, directory.export_profile_json(session))
    assert not directory.is_edited(session)
    assert "directory.edit" not in _actions(session)


def test_admin_may_edit(session: Session) -> None:
    session.act_as(_add_worker(session, "Ali Admin", WorkerRole.ADMIN))
    assert directory.can_edit(session)


def test_the_owner_of_a_vault_without_leitung_may_edit(session: Session) -> None:
    # One person working alone keeps their own phone list current.
    assert session.actor.data.role is WorkerRole.FACHKRAFT
    assert directory.can_edit(session)
    directory.update_district(
        session, 1, contact_role="ASD Bezirk 1", phone="02041 1", email="b1@bottrop.example",
        auth=sign(session),
    )
    assert directory.is_edited(session)
    # Another Fachkraft in the same vault may not.
    session.act_as(_add_worker(session, "Tom Fachkraft", WorkerRole.FACHKRAFT))
    assert not directory.can_edit(session)


def test_invalid_edit_names_the_field_and_writes_nothing(
    session: Session, leitung: WorkerId
) -> None:
    with pytest.raises(ValidationError) as caught:
        directory.update_district(
            session, 9, contact_role="ASD Bezirk 9", phone="02041 1", email="keine-adresse",
            auth=sign(session),
        )
    assert caught.value.field == "asd.districts[8].email"
    assert "E-Mail" in caught.value.reason
    with pytest.raises(ValidationError) as caught:
        directory.update_district(session, 9, contact_role=" ", phone="1", email="",
                                  auth=sign(session))
    assert caught.value.field == "asd.districts[8].contact_role"
    assert not directory.is_edited(session)


def test_partner_with_non_ascii_email_and_opening_hours(
    session: Session, leitung: WorkerId
) -> None:
    partner = Partner(
        name="Regionales Bildungsbüro (Beispiel)",
        kind="Stadt",
        address="Musterstraße 1, 46236 Bottrop",
        contact_role="Bildungsbüro – Fachkraft",
        phone="02041 70-9555",
        email="bildungsbüro@bottrop.example",
        offers=("Bildungsnetzwerk",),
        opening_hours=(WeeklySlot(1, time(9), time(12)), WeeklySlot(3, time(14), time(16))),
        notes="",
    )
    directory.save_partner(session, None, partner, auth=sign(session))
    stored = directory.active_profile(session).partners[-1]
    assert stored == partner
    assert stored.email == "bildungsbüro@bottrop.example"

    count = len(directory.active_profile(session).partners)
    changed = dataclasses.replace(partner, phone="02041 70-9556")
    directory.save_partner(session, count - 1, changed, original=partner, auth=sign(session))
    assert directory.active_profile(session).partners[-1].phone == "02041 70-9556"
    # An editor that still shows the old entry must not overwrite the newer one.
    with pytest.raises(UserError, match="inzwischen geändert"):
        directory.save_partner(session, count - 1, partner, original=partner, auth=sign(session))
    directory.remove_partner(session, count - 1, original=changed, auth=sign(session))
    assert len(directory.active_profile(session).partners) == count - 1


def test_rote_mappe_entry_is_edited_and_validated(session: Session, leitung: WorkerId) -> None:
    profile = directory.active_profile(session)
    first = profile.emergency_contacts[0]
    directory.save_emergency_contact(
        session, 0, dataclasses.replace(first, hours="rund um die Uhr"), original=first,
        auth=sign(session),
    )
    assert directory.active_profile(session).emergency_contacts[0].hours == "rund um die Uhr"
    empty = EmergencyContact("Beratung", "", "", "", "", "")
    with pytest.raises(ValidationError) as caught:
        directory.save_emergency_contact(session, None, empty, auth=sign(session))
    assert caught.value.field.startswith("emergency_contacts[")
    assert caught.value.field.endswith("].phone")


def test_malformed_json_is_rejected_whole_with_the_line(
    session: Session, leitung: WorkerId
) -> None:
    directory.update_district(
        session, 9, contact_role="Vorher", phone="02041 1", email="v@bottrop.example",
        auth=sign(session),
    )
    before = directory.active_profile(session)
    text = directory.export_profile_json(session)
    city_line = next(i for i, line in enumerate(text.splitlines(), 1) if '"city"' in line)
    broken = text.replace('"city": ', '"city" ', 1)  # a missing colon
    with pytest.raises(UserError) as caught:
        directory.import_profile_json(session, broken, "bezirke.json", auth=sign(session))
    message = caught.value.message
    assert "bezirke.json" in message
    assert f"kein gültiges JSON (Zeile {city_line}," in message
    assert directory.active_profile(session) == before
    assert len(directory.revisions(session)) == 1


def test_invalid_field_rejects_the_whole_import(session: Session, leitung: WorkerId) -> None:
    data = profile_to_data(load_profile())
    data["asd"]["districts"][0]["contact_role"] = "Neu 1"  # a valid change …
    data["partners"][0]["name"] = "Neuer Name"  # … and another valid one …
    data["asd"]["districts"][3]["plz"] = ["4624"]  # … and one invalid field
    with pytest.raises(UserError) as caught:
        directory.import_profile_json(session, json.dumps(data, ensure_ascii=False),
                                      auth=sign(session))
    assert "asd.districts[3].plz[0]" in caught.value.message
    assert "5 Ziffern" in caught.value.message
    assert not directory.is_edited(session)
    assert directory.active_profile(session) == load_profile()
    assert "directory.import" not in _actions(session)


def test_export_import_round_trip(session: Session, leitung: WorkerId, tmp_path: Path) -> None:
    directory.update_district(
        session, 7, contact_role="Sieben", phone="02041 77", email="sieben@bottrop.example",
        auth=sign(session),
    )
    edited = directory.active_profile(session)
    text = directory.export_profile_json(session)
    assert "directory.export" in _actions(session)
    directory.reset_to_shipped(session, auth=sign(session))
    assert directory.active_profile(session) == load_profile()
    changes = directory.import_profile_json(session, text, auth=sign(session))
    assert changes.affects("directory")
    assert directory.active_profile(session) == edited
    assert [i.source for i in directory.revisions(session)] == ["import", "reset", "edit"]
    assert "directory.import" in _actions(session)


def test_edits_survive_locking_and_unlocking(
    session: Session, leitung: WorkerId, vault_dir: Path, clock: FixedClock
) -> None:
    directory.update_district(
        session, 2, contact_role="Zwei", phone="02041 22", email="zwei@bottrop.example",
        auth=sign(session),
    )
    session.close()
    again = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        assert directory.district(directory.active_profile(again), 2).contact_role == "Zwei"
    finally:
        again.close()


def test_changed_paths_names_list_and_leaf_changes() -> None:
    old = {"a": {"b": [1, 2], "c": "x"}, "d": [1]}
    new = {"a": {"b": [1, 3], "c": "x"}, "d": [1, 2]}
    assert directory.changed_paths(old, new) == ("a.b[1]", "d")


def test_changed_hours_drive_the_acute_routing(session: Session, leitung: WorkerId) -> None:
    from datetime import datetime

    from casework.clock import BERLIN
    from casework.models.kinderschutz.routing import RouteKind
    from casework.services.directory.shipped import acute_routing

    profile = directory.active_profile(session)
    rule = profile.asd.after_hours
    with pytest.raises(ValidationError) as caught:
        directory.update_asd_hours(
            session,
            office_hours=profile.asd.office_hours,
            notdienst_label=profile.asd.notdienst_label,
            notdienst_phone=profile.asd.notdienst_phone,
            after_hours=dataclasses.replace(rule, early_from=((2, time(7, 0)),)),
            auth=sign(session),
        )
    assert caught.value.field == "asd.after_hours.early_from[0].from"
    assert not directory.is_edited(session)

    directory.update_asd_hours(
        session,
        office_hours=profile.asd.office_hours,
        notdienst_label=profile.asd.notdienst_label,
        notdienst_phone="02041 70-1111",
        after_hours=dataclasses.replace(rule, early_from=((2, time(13, 0)),)),
        auth=sign(session),
    )
    wednesday_1245 = FixedClock(datetime(2026, 11, 25, 12, 45, tzinfo=BERLIN))
    routing = acute_routing(wednesday_1245, "Ebel", directory.active_profile(session))
    assert [r.kind for r in routing.routes] == [RouteKind.NOTDIENST]
    assert routing.routes[0].phones == ("02041 70-1111",)


def test_special_function_is_edited(session: Session, leitung: WorkerId) -> None:
    first = directory.active_profile(session).asd.special_functions[0]
    directory.save_special_function(
        session, 0, dataclasses.replace(first, phone="02041 70-2222"), original=first,
        auth=sign(session),
    )
    assert directory.active_profile(session).asd.special_functions[0].phone == "02041 70-2222"
