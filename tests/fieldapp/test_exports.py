"""Issue 18, exports: real files read back (zipfile + csv, openpyxl), on any database."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.access import submission_visible
from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import User
from fieldapp.crypto import decrypt_json
from fieldapp.crypto import encrypt_json
from fieldapp.exports import services
from fieldapp.exports.layout import Layout
from fieldapp.exports.layout import Options
from fieldapp.exports.layout import Words
from fieldapp.exports.writers import neutralise
from fieldapp.submissions import services as submission_services
from fieldapp.submissions.forms_registry import registry
from fieldapp.submissions.models import Submission
from fieldapp.submissions.sensitive import split_sensitive
from forms import load_definition

#: What attackers put in a cell (OWASP's CSV injection examples, and more).
ATTACKS = [
    '=HYPERLINK("http://x","y")',
    "@SUM(1+1)",
    "+cmd|' /C calc'!A0",
    "-1+1",
    "\t=1",
    "\r=1",
]
FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"


# Helpers ------------------------------------------------------------------------


def store(
    app,
    form_id: str,
    answers: dict[str, Any],
    *,
    author: str = "social",
    family_id: uuid.UUID | None = None,
    course_id: int | None = None,
    version: int = 1,
    completed: datetime | None = None,
) -> uuid.UUID:
    """Store a submission as the server does (sensitive answers sealed), unchecked.

    Bypassing validation on purpose: an export must be safe whatever is stored.
    """
    with app.app_context():
        definition = registry().get(form_id, version)
        plain, secret = split_sensitive(definition, answers)
        author_id = db.session().scalar(
            sa.select(User.id).where(User.username == author)
        )
        sid = uuid.uuid4()
        moment = completed or datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
        db.session().add(
            Submission(
                uuid=sid,
                form_id=form_id,
                form_version=version,
                subject_type=definition.subject,
                family_id=family_id,
                course_id=course_id,
                author_id=author_id,
                started_at=moment,
                completed_at=moment,
                received_at=moment,
                respondent_locale="sq",
                answers=plain,
                sensitive_answers=encrypt_json(secret) if secret else "",
                content_hash="0" * 64,
            )
        )
        db.session().commit()
        return sid


def download(client, token: str, form_id: str, **options: Any):
    data = {"csrf_token": token, "file_format": "csv", "language": "en"}
    data.update({k: v for k, v in options.items() if v is not None})
    return client.post(f"/exports/{form_id}", data=data)


def read_zip(body: bytes) -> dict[str, list[list[str]]]:
    """Return {file name: rows} of a CSV export; every file must start with a BOM."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            assert raw.startswith(b"\xef\xbb\xbf"), name
            text = raw.decode("utf-8-sig")
            out[name] = list(csv.reader(io.StringIO(text, newline="")))
    return out


def read_xlsx(body: bytes) -> dict[str, list[list[Any]]]:
    """Return {sheet name: rows of cells} of an XLSX export, read by openpyxl."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


def as_dicts(rows: list[list[Any]]) -> list[dict[str, Any]]:
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _cell(value: Any) -> Any:
    # A carriage return is stored as Excel's escape, which openpyxl leaves as it is.
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


def values(rows: list[list[Any]]) -> list[dict[str, Any]]:
    """openpyxl cells -> {header: value}."""
    header = [cell.value for cell in rows[0]]
    return [
        dict(zip(header, [_cell(cell.value) for cell in row], strict=True))
        for row in rows[1:]
    ]


@pytest.fixture
def coordinator(world, signed_in):
    return signed_in("coordinator")


def _intake(world) -> dict[str, Any]:
    return {
        "family_name": "Krasniqi",
        "municipality": "fushe_kosove",
        "village": "Fushë Kosovë, Çagllavicë",
        "address": "Rruga e Dëshmorëve 7",
        "members": [
            {
                "full_name": "Arben Krasniqi",
                "birth_year": 1980,
                "sex": "male",
                "relationship": "head",
            },
            {
                "full_name": "Ђорђе Крашнићи",
                "birth_year": 2012,
                "sex": "male",
                "relationship": "child",
                "attends_school": True,
                "school_name": "Shkolla Çlirimi",
                "grade": 8,
            },
        ],
        "referral_source": "school",
        "programme": "prevention",
        "presenting_needs": ["food", "legal"],
        "risk_indicators": ["trafficking"],
        "consent_services": True,
        "consent_data": True,
        "consent_recorded_by": "Social",
        "consent_date": "2026-03-10",
    }


# Writers ------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_formula_start_gets_a_quote_and_plain_text_does_not(attack):
    assert neutralise(attack) == "'" + attack
    assert neutralise("Krasniqi =1") == "Krasniqi =1"
    assert neutralise("") == ""


# The ZIP of CSVs and the workbook -----------------------------------------------


def test_csv_zip_has_a_root_file_and_one_per_repeat_group_linked_by_keys(
    app, world, coordinator
):
    client, token = coordinator
    sid = store(app, "family_intake", _intake(world), family_id=uuid.uuid4())
    response = download(client, token, "family_intake", names="y")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    files = read_zip(response.data)
    assert sorted(files) == ["family_intake-members.csv", "family_intake.csv"]
    root = as_dicts(files["family_intake.csv"])
    assert [r["KEY"] for r in root] == [str(sid)]
    assert root[0]["Village or neighbourhood"] == "Fushë Kosovë, Çagllavicë"
    members = as_dicts(files["family_intake-members.csv"])
    assert [(m["PARENT_KEY"], m["KEY"]) for m in members] == [
        (str(sid), f"{sid}/members[1]"),
        (str(sid), f"{sid}/members[2]"),
    ]
    assert members[1]["Full name"] == "Ђорђе Крашнићи"
    assert members[1]["School name"] == "Shkolla Çlirimi"
    assert members[1]["Year of birth"] == "2012"


def test_xlsx_has_one_sheet_per_repeat_group_root_first_with_real_cells(
    app, world, coordinator
):
    client, token = coordinator
    sid = store(app, "family_intake", _intake(world), family_id=uuid.uuid4())
    response = download(client, token, "family_intake", file_format="xlsx")
    assert response.status_code == 200
    assert response.mimetype == services.XLSX_MIMETYPE
    sheets = read_xlsx(response.data)
    assert list(sheets) == ["family_intake", "family_intake-members"]
    root = values(sheets["family_intake"])
    assert root[0]["KEY"] == str(sid)
    assert root[0]["Form version"] == 1
    assert isinstance(root[0]["Completed (Kosovo time)"], datetime)
    assert root[0]["Completed (Kosovo time)"] == datetime(2026, 3, 10, 10, 0)
    assert root[0]["Date of consent"] == datetime(2026, 3, 10)  # a real date cell
    members = values(sheets["family_intake-members"])
    assert [m["KEY"] for m in members] == [f"{sid}/members[1]", f"{sid}/members[2]"]
    birth = sheets["family_intake-members"][1][
        [c.value for c in sheets["family_intake-members"][0]].index("Year of birth")
    ]
    assert birth.data_type == "n"
    assert birth.value == 1980


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_formula_injection_is_neutralised_in_every_text_cell(
    app, world, coordinator, file_format
):
    client, token = coordinator
    family = world.ids["family"]
    for attack in ATTACKS:
        store(
            app,
            "home_visit",
            {
                "visit_date": "2026-03-10",
                "present_members": [str(world.ids["member"])],
                "others_present": attack,
                "follow_up": attack,
                "living_conditions": -1,
                "risk_level": "low",
            },
            family_id=family,
        )
    store(
        app,
        "family_intake",
        {
            **_intake(world),
            "members": [{"full_name": a, "school_name": a} for a in ATTACKS],
        },
        family_id=uuid.uuid4(),
    )
    texts: list[Any] = []
    numbers: list[Any] = []
    for form_id in ("home_visit", "family_intake"):
        response = download(
            client, token, form_id, file_format=file_format, names="y", language="codes"
        )
        assert response.status_code == 200
        if file_format == "csv":
            files = read_zip(response.data)
            visits = (
                as_dicts(files.get("home_visit.csv", [[]]))
                if form_id == "home_visit"
                else []
            )
            texts += [v["others_present"] for v in visits]
            texts += [v["follow_up"] for v in visits]
            numbers += [v["living_conditions"] for v in visits]
            for row in as_dicts(files.get("family_intake-members.csv", [[]])):
                texts += [row["full_name"], row["school_name"]]
        else:
            sheets = read_xlsx(response.data)
            for rows in sheets.values():
                for row in rows:
                    for cell in row:
                        assert cell.data_type != "f", cell.value  # never a formula
            if form_id == "home_visit":
                visits = values(sheets["home_visit"])
                texts += [v["others_present"] for v in visits]
                texts += [v["follow_up"] for v in visits]
                numbers += [v["living_conditions"] for v in visits]
            else:
                for row in values(sheets["family_intake-members"]):
                    texts += [row["full_name"], row["school_name"]]
    attacks = [t for t in texts if t and t.lstrip("'") in ATTACKS]
    # Every attack value, in a root table and in a repeat group, got its quote.
    assert len(attacks) == 4 * len(ATTACKS)
    assert all(t.startswith("'") and t[1:] in ATTACKS for t in attacks)
    # A number answer stays a number, even a negative one.
    expected = -1 if file_format == "xlsx" else "-1"
    assert expected in numbers
    assert all(n in (expected, 3, "3") for n in numbers if n is not None)


def _header_labels(app, form_id: str, locale: str) -> dict[str, str]:
    with app.app_context():
        definition = registry().latest(form_id)
        return {path: q.label_in(locale) for path, q in definition.all_questions()}


def test_headers_and_choice_labels_in_serbian_cyrillic(app, world, coordinator):
    client, token = coordinator
    store(
        app,
        "home_visit",
        {
            "visit_date": "2026-03-10",
            "present_members": [str(world.ids["member"])],
            "living_conditions": 3,
            "school_attendance": "regular",
            "risk_level": "low",
        },
        family_id=world.ids["family"],
    )
    response = download(client, token, "home_visit", language="sr_Cyrl")
    rows = as_dicts(read_zip(response.data)["home_visit.csv"])
    labels = _header_labels(app, "home_visit", "sr_Cyrl")
    row = rows[-1]
    assert labels["visit_date"] in row
    assert any("\u0400" <= ch <= "\u04ff" for ch in labels["visit_date"])
    assert "Верзија обрасца" in row  # the metadata headers too ("Form version")
    with app.app_context():
        regular = registry().latest("home_visit").question("school_attendance")
        shown = regular.choice("regular").label.get("sr_Cyrl")
    assert row[labels["school_attendance"]] == shown


def test_codes_give_ids_as_headers_and_values_as_stored(app, world, coordinator):
    client, token = coordinator
    store(
        app,
        "home_visit",
        {
            "visit_date": "2026-03-10",
            "present_members": [str(world.ids["member"])],
            "living_conditions": 3,
            "living_issues": ["damp", "heating"],
            "school_attendance": "regular",
            "risk_level": "low",
        },
        family_id=world.ids["family"],
    )
    response = download(client, token, "home_visit", language="codes")
    row = as_dicts(read_zip(response.data)["home_visit.csv"])[-1]
    assert row["school_attendance"] == "regular"
    assert row["living_issues"] == "damp heating"
    assert row["submission_id"]
    assert row["form_version"] == "1"


def test_multiple_choice_is_split_into_0_1_columns_keeping_the_original(
    app, world, coordinator
):
    client, token = coordinator
    for issues in (["damp", "heating"], None):
        answers = {
            "visit_date": "2026-03-10",
            "present_members": [str(world.ids["member"])],
            "living_conditions": 3,
            "risk_level": "low",
        }
        if issues:
            answers["living_issues"] = issues
        store(app, "home_visit", answers, family_id=world.ids["family"])
    response = download(
        client,
        token,
        "home_visit",
        language="codes",
        split_multiple="y",
        file_format="xlsx",
    )
    rows = values(read_xlsx(response.data)["home_visit"])
    answered, unanswered = rows[-2], rows[-1]
    assert answered["living_issues"] == "damp heating"
    assert answered["living_issues/damp"] == 1
    assert answered["living_issues/heating"] == 1
    assert answered["living_issues/water_sanitation"] == 0
    assert unanswered["living_issues/damp"] is None  # not answered is not "no"
    # choices from the family's members are people, not a fixed list: not split
    assert not any(key.startswith("present_members/") for key in answered)


def test_the_date_range_is_on_the_completed_day_in_kosovo_time(app, world, coordinator):
    client, token = coordinator
    days = {}
    for label, moment in {
        "before": datetime(2026, 2, 28, 22, 59, tzinfo=UTC),  # 23:59 in Kosovo
        "first": datetime(2026, 2, 28, 23, 30, tzinfo=UTC),  # 1 March in Kosovo
        "inside": datetime(2026, 3, 15, 12, 0, tzinfo=UTC),
        "last": datetime(2026, 3, 31, 21, 59, tzinfo=UTC),  # 23:59 in Kosovo
        "after": datetime(2026, 3, 31, 22, 0, tzinfo=UTC),  # 1 April in Kosovo
    }.items():
        days[label] = store(
            app,
            "home_visit",
            {"visit_date": "2026-03-10", "living_conditions": 3, "risk_level": "low"},
            family_id=world.ids["family"],
            completed=moment,
        )
    response = download(
        client, token, "home_visit", since="2026-03-01", until="2026-03-31"
    )
    keys = [r["KEY"] for r in as_dicts(read_zip(response.data)["home_visit.csv"])]
    assert keys == [str(days["first"]), str(days["inside"]), str(days["last"])]


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        (
            {"since": "2026-03-31", "until": "2026-03-01"},
            "until",
            "before the start date",
        ),
        ({"since": "2026-02-30"}, "since", "Enter a real date"),
        ({"until": "yesterday"}, "until", "Enter a real date"),
        ({"language": "de"}, "language", "Choose one of the options"),
        ({"file_format": "pdf"}, "file_format", "Choose one of the options"),
        ({"versions": "9"}, "versions", "has no version 9"),
        ({"versions": "x"}, "versions", "Choose versions from the list"),
    ],
)
def test_bad_options_get_a_clear_message_and_a_4xx(
    world, coordinator, options, field, message
):
    client, token = coordinator
    response = download(client, token, "home_visit", **options)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page or 'class="error"' in page


def test_bad_options_are_told_in_albanian_too(app, world, signed_in):
    client, token = signed_in("coordinator")
    client.get("/?lang=sq")
    response = download(
        client, token, "home_visit", since="2026-03-31", until="2026-03-01"
    )
    assert response.status_code == 422
    assert "before the start date" not in response.get_data(as_text=True)


def test_more_rows_than_an_xlsx_sheet_holds_is_refused_not_cut(
    app, world, coordinator, monkeypatch
):
    from fieldapp.exports import writers

    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 2)  # the header and one row
    store(app, "family_intake", _intake(world), family_id=uuid.uuid4())
    client, token = coordinator
    response = download(client, token, "family_intake", file_format="xlsx")
    assert response.status_code == 400
    assert "Too many rows" in response.get_data(as_text=True)
    assert download(client, token, "family_intake").status_code == 200  # CSV: fine


def test_an_unknown_form_is_404_with_a_message(world, coordinator):
    client, token = coordinator
    for response in (
        client.get("/exports/no_such_form"),
        download(client, token, "no_such_form"),
    ):
        assert response.status_code == 404
        assert "no form to export" in response.get_data(as_text=True)


def test_an_export_of_zero_rows_is_a_valid_file_with_headers(world, coordinator):
    client, token = coordinator
    for file_format in ("csv", "xlsx"):
        response = download(
            client, token, "family_intake", file_format=file_format, since="2030-01-01"
        )
        assert response.status_code == 200
        if file_format == "csv":
            files = read_zip(response.data)
            assert [len(rows) for rows in files.values()] == [1, 1]
            assert files["family_intake.csv"][0][0] == "KEY"
        else:
            sheets = read_xlsx(response.data)
            assert [c.value for c in sheets["family_intake-members"][0]][:2] == [
                "PARENT_KEY",
                "KEY",
            ]


# Versions ----------------------------------------------------------------------


@pytest.fixture
def versioned_forms(tmp_path) -> Path:
    """The real forms, with school_attendance at version 2 and its version 1 archived.

    Version 1 had a "school" text question that version 2 dropped; version 2 added
    "days_excused" before "days_attended".
    """
    directory = tmp_path / "forms"
    (directory / "archive").mkdir(parents=True)
    for path in FORMS_DIR.glob("*.yaml"):
        (directory / path.name).write_text(
            path.read_text(encoding="utf-8"), encoding="utf-8"
        )
    source = (FORMS_DIR / "school_attendance.yaml").read_text(encoding="utf-8")
    school = (
        "      - id: school\n"
        "        type: text\n"
        "        label: {sq: Shkolla, sr: Škola, en: School}\n"
    )
    old = source.replace(
        "  - id: term\n",
        "  - id: old\n    title: {sq: Tjetër, sr: Drugo, en: Other}\n    questions:\n"
        + school
        + "  - id: term\n",
    )
    (directory / "archive" / "school_attendance.v1.yaml").write_text(
        old, encoding="utf-8"
    )
    excused = (
        "      - id: days_excused\n"
        "        type: integer\n"
        "        min: 0\n"
        "        label: {sq: Ditë të arsyetuara, sr: Opravdanih dana, en: Days excused}\n"
    )
    new = source.replace("version: 1", "version: 2").replace(
        "      - id: days_attended\n", excused + "      - id: days_attended\n"
    )
    (directory / "school_attendance.yaml").write_text(new, encoding="utf-8")
    load_definition(directory / "school_attendance.yaml")  # the documents load
    return directory


class TestVersions:
    @pytest.fixture
    def config_overrides(self, versioned_forms):
        return {"FORMS_DIR": str(versioned_forms)}

    def test_several_versions_in_one_file_with_a_version_column(
        self, app, world, coordinator
    ):
        client, token = coordinator
        common = {
            "student": str(world.ids["member"]),
            "timepoint": "baseline",
            "measure_date": "2026-03-01",
            "days_possible": 90,
            "days_attended": 80,
        }
        one = store(
            app,
            "school_attendance",
            {**common, "school": "=1+2"},
            family_id=world.ids["family"],
            version=1,
        )
        two = store(
            app,
            "school_attendance",
            {**common, "days_excused": 4},
            family_id=world.ids["family"],
            version=2,
        )
        response = download(client, token, "school_attendance", language="codes")
        rows = read_zip(response.data)["school_attendance.csv"]
        header = rows[0]
        fields = header[header.index("respondent_locale") + 1 :]
        # The newest version's order, then the field only the older one had.
        assert fields == [
            "student", "timepoint", "measure_date",
            "days_possible", "days_excused", "days_attended", "school",
        ]  # fmt: skip
        by_key = {r["KEY"]: r for r in as_dicts(rows)}
        assert by_key[str(one)]["form_version"] == "1"
        assert by_key[str(one)]["school"] == "'=1+2"
        assert by_key[str(one)]["days_excused"] == ""
        assert by_key[str(two)]["form_version"] == "2"
        assert by_key[str(two)]["days_excused"] == "4"

        only_old = download(
            client, token, "school_attendance", language="codes", versions="1"
        )
        rows = as_dicts(read_zip(only_old.data)["school_attendance.csv"])
        assert [r["KEY"] for r in rows] == [str(one)]
        assert "days_excused" not in rows[0]

    def test_the_page_offers_each_version(self, world, coordinator):
        client, _token = coordinator
        page = client.get("/exports/school_attendance").get_data(as_text=True)
        assert page.count('name="versions" type="checkbox"') == 2


# Privacy -------------------------------------------------------------------------


def test_sensitive_answers_only_when_asked_and_allowed(app, world, coordinator):
    client, token = coordinator
    store(
        app,
        "home_visit",
        {
            "visit_date": "2026-03-10",
            "living_conditions": 3,
            "risk_level": "high",
            "safety_plan": "Secret plan",
            "observations": "Secret observation",
        },
        family_id=world.ids["family"],
    )
    plain = download(client, token, "home_visit", language="codes")
    assert b"Secret" not in b"".join(
        zipfile.ZipFile(io.BytesIO(plain.data)).read(n)
        for n in zipfile.ZipFile(io.BytesIO(plain.data)).namelist()
    )
    header = read_zip(plain.data)["home_visit.csv"][0]
    assert "observations" not in header  # left out, not blank
    assert "risk_level" not in header
    asked = download(client, token, "home_visit", language="codes", sensitive="y")
    row = as_dicts(read_zip(asked.data)["home_visit.csv"])[-1]
    assert row["observations"] == "Secret observation"
    assert row["risk_level"] == "high"


def test_sealed_answers_are_not_opened_unless_asked_for(
    app, world, coordinator, monkeypatch
):
    store(
        app,
        "home_visit",
        {"visit_date": "2026-03-10", "risk_level": "high", "observations": "Secret"},
        family_id=world.ids["family"],
    )
    opened = []

    def spy(token):
        opened.append(token)
        return decrypt_json(token)

    monkeypatch.setattr(services, "decrypt_json", spy)
    client, token = coordinator
    for file_format in ("csv", "xlsx"):
        response = download(client, token, "home_visit", file_format=file_format)
        assert response.status_code == 200
    assert opened == []
    asked = download(client, token, "home_visit", sensitive="y")
    assert asked.status_code == 200
    assert opened  # the world's visits and this one: opened only now


def test_a_role_that_may_not_read_sensitive_answers_gets_no_column(
    app, world, signed_in
):
    # Coordinators read psych_support, but its sensitive answers are psychologists' only.
    store(
        app,
        "psych_support",
        {
            "session_date": "2026-03-10",
            "session_type": "family",
            "modality": "centre",
            "interventions": ["cbt"],
            "risk_flags": ["none"],
            "clinical_notes": "Clinical secret",
        },
        author="psych",
        family_id=world.ids["family"],
    )
    client, token = signed_in("coordinator")
    page = client.get("/exports/psych_support").get_data(as_text=True)
    assert 'name="sensitive"' not in page
    refused = download(client, token, "psych_support", sensitive="y")
    assert refused.status_code == 400
    assert "may not read" in refused.get_data(as_text=True)
    response = download(client, token, "psych_support", language="codes")
    header = read_zip(response.data)["psych_support.csv"][0]
    assert "clinical_notes" not in header
    assert "risk_flags" not in header
    assert "interventions" in header


def test_people_are_pseudonyms_unless_names_are_asked_for(app, world, coordinator):
    client, token = coordinator
    family_id = uuid.uuid4()
    store(app, "family_intake", _intake(world), family_id=family_id)
    store(
        app,
        "home_visit",
        {
            "visit_date": "2026-03-10",
            "present_members": [str(world.ids["member"])],
            "living_conditions": 3,
            "risk_level": "low",
        },
        family_id=world.ids["family"],
    )
    intake = read_zip(download(client, token, "family_intake", language="codes").data)
    root = as_dicts(intake["family_intake.csv"])[0]
    assert "family_name" not in root
    assert root["family"].startswith("F-")
    assert "full_name" not in intake["family_intake-members.csv"][0]
    assert b"Krasniqi" not in json.dumps(intake).encode()

    visits = read_zip(download(client, token, "home_visit", language="codes").data)
    visit = as_dicts(visits["home_visit.csv"])[-1]
    with app.app_context():
        assert visit["present_members"] == services.pseudonym("P", world.ids["member"])
        assert visit["family"] == services.pseudonym("F", world.ids["family"])
    # stable: the same pseudonym in the next export
    again = as_dicts(
        read_zip(download(client, token, "home_visit", language="codes").data)[
            "home_visit.csv"
        ]
    )[-1]
    assert again["family"] == visit["family"]

    named = as_dicts(
        read_zip(
            download(client, token, "home_visit", language="codes", names="y").data
        )["home_visit.csv"]
    )[-1]
    assert named["present_members"] == "Arben Krasniqi"
    assert named["family_name"] == "Krasniqi"


def test_a_roster_is_a_repeat_table_with_the_student(app, world, coordinator):
    client, token = coordinator
    member = str(world.ids["member"])
    sid = store(
        app,
        "class_attendance",
        {
            "session_date": "2026-03-10",
            "attendance": {member: {"status": "late", "note": "@bus"}},
        },
        author="instructor",
        course_id=world.ids["course"],
    )
    files = read_zip(download(client, token, "class_attendance", language="codes").data)
    root = as_dicts(files["class_attendance.csv"])
    assert root[-1]["course"] == "Welding"
    rows = as_dicts(files["class_attendance-attendance.csv"])
    assert rows == [
        {
            "PARENT_KEY": str(sid),
            "KEY": f"{sid}/attendance[1]",
            "member": rows[0]["member"],
            "status": "late",
            "note": "'@bus",
        }
    ]
    assert rows[0]["member"].startswith("P-")


# Access --------------------------------------------------------------------------


def test_only_managers_may_export(world, signed_in):
    for role in ("social", "psych", "instructor"):
        client, token = signed_in(role)
        assert client.get("/exports/").status_code == 403
        assert download(client, token, "home_visit").status_code == 403


def test_the_export_query_sees_exactly_what_the_detail_page_allows(app, world):
    """submission_visible (SQL) and may_read (one record) agree for every user."""
    store(
        app, "home_visit", {"visit_date": "2026-03-10"}, family_id=world.ids["family"]
    )
    store(app, "home_visit", {"visit_date": "2026-03-10"}, author="social2",
          family_id=uuid.uuid4())  # fmt: skip
    store(app, "class_attendance", {"session_date": "2026-03-10"}, author="instructor",
          course_id=world.ids["course"])  # fmt: skip
    with app.test_request_context():
        session = db.session()
        submissions = list(session.scalars(sa.select(Submission)))
        for user in session.scalars(sa.select(User)):
            visible = set(
                session.scalars(
                    sa.select(Submission.id).where(submission_visible(user))
                )
            )
            for submission in submissions:
                readable = submission_services.may_read(user, submission)
                in_scope = submission.id in visible
                # may_read also asks whether the role reads the form at all; the
                # export checks that before it queries.
                if readable:
                    assert in_scope, (user.username, submission.form_id)
                elif in_scope:
                    assert not submission_services.may_read_form(
                        user, submission.form_id
                    )


def test_a_social_workers_scope_is_their_families_only(app, world):
    """Were case workers ever allowed to export, the rows would be their caseload's."""
    theirs = store(app, "home_visit", {"visit_date": "2026-03-10"}, author="coordinator",
                   family_id=world.ids["family"])  # fmt: skip
    other = store(app, "home_visit", {"visit_date": "2026-03-10"}, author="coordinator",
                  family_id=uuid.uuid4())  # fmt: skip
    with app.test_request_context():
        session = db.session()
        social = session.scalar(sa.select(User).where(User.username == "social"))
        seen = set(
            session.scalars(
                sa.select(Submission.uuid).where(submission_visible(social))
            )
        )
        assert theirs in seen
        assert other not in seen
        with pytest.raises(services.ExportRefused) as refused:
            services.check(social, services.ExportRequest("home_visit"))
        assert refused.value.status_code == 404


def test_every_export_is_written_to_the_access_log(app, world, coordinator):
    client, token = coordinator
    store(app, "family_intake", _intake(world), family_id=uuid.uuid4())
    download(client, token, "family_intake", file_format="xlsx", since="2026-01-01")
    with app.app_context():
        entry = (
            db.session()
            .scalars(
                sa.select(AccessLogEntry)
                .where(AccessLogEntry.action == "export")
                .order_by(AccessLogEntry.id.desc())
            )
            .first()
        )
        assert entry is not None
        assert entry.record_type == "form"
        assert entry.record_id == "family_intake"
        assert entry.username == "coordinator"
        assert entry.detail["rows"] == 1
        assert entry.detail["group_rows"] == {"family_intake-members": 2}
        assert entry.detail["format"] == "xlsx"
        assert entry.detail["since"] == "2026-01-01"
        assert entry.detail["sensitive"] is False


# The page, the command line, the demo ---------------------------------------------


def test_the_pages_list_forms_and_say_an_export_may_take_a_while(world, coordinator):
    client, _token = coordinator
    index = client.get("/exports/").get_data(as_text=True)
    assert "/exports/home_visit" in index
    page = client.get("/exports/home_visit")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "may take a while" in text
    assert "Kosovo time" in text
    assert "style=" not in text
    assert "<script>" not in text
    home = client.get("/").get_data(as_text=True)
    assert 'href="/exports/"' in home


def test_the_command_line_writes_the_same_export_and_logs_it(
    app, world, runner, tmp_path
):
    store(app, "family_intake", _intake(world), family_id=uuid.uuid4())
    output = tmp_path / "intake.zip"
    result = runner.invoke(
        args=[
            "export", "family_intake", "--user", "coordinator", "--format", "csv",
            "--lang", "sr_Cyrl", "--output", str(output), "--since", "2026-01-01",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    files = read_zip(output.read_bytes())
    assert len(as_dicts(files["family_intake.csv"])) == 1
    with app.app_context():
        entry = (
            db.session()
            .scalars(sa.select(AccessLogEntry).where(AccessLogEntry.action == "export"))
            .one()
        )
        assert entry.username == "coordinator"
        assert entry.detail["via"] == "command"
    bad = runner.invoke(
        args=[
            "export", "family_intake", "--user", "coordinator", "--output",
            str(tmp_path / "x.xlsx"), "--since", "2026-03-01", "--until", "2026-01-01",
        ]
    )  # fmt: skip
    assert bad.exit_code != 0
    assert not (tmp_path / "x.xlsx").exists()
    refused = runner.invoke(
        args=[
            "export",
            "home_visit",
            "--user",
            "social",
            "--output",
            str(tmp_path / "y"),
        ]
    )
    assert refused.exit_code != 0


def test_every_demo_form_exports_rows(app, runner, monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_DEMO_PASSWORD", "demo password for tests")
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.test_request_context():
        session = db.session()
        coordinator = session.scalar(
            sa.select(User).where(User.username == "coordinator")
        )
        for definition in registry().all():
            output = tmp_path / f"{definition.id}.xlsx"
            result = services.export(
                coordinator,
                services.ExportRequest(definition.id, language="en"),
                output,
            )
            assert result.rows > 0, definition.id
            assert read_xlsx(output.read_bytes())[definition.id][1][0].value


def test_the_layout_keeps_numbers_and_days_typed():
    definition = load_definition(FORMS_DIR / "school_attendance.yaml")
    layout = Layout([definition], Options(), Words())
    kinds = {c.code: c.kind for c in layout.root.columns}
    assert kinds["days_possible"] == "number"
    assert kinds["measure_date"] == "date"
    assert kinds["submission_id"] == "number"


def test_csv_cells_are_written_as_before_whatever_their_type(tmp_path):
    from fieldapp.exports.layout import Column
    from fieldapp.exports.layout import Table
    from fieldapp.exports.writers import CsvZipWriter

    table = Table("t", tuple(Column(f"c{n}", f"c{n}") for n in range(9)), ())
    output = tmp_path / "out.zip"
    writer = CsvZipWriter(output, [table], tmp_path)
    moment = datetime(2026, 3, 10, 9, 5, 7, 123456)
    rows = [[None, 0, 1.5, True, moment, moment.date(), "-1+1", "ë", 10**20]]
    rows += [[n, "x"] + [None] * 7 for n in range(2500)]  # past one batch of rows
    for row in rows:
        writer.write(table, row)
    writer.close()
    written = read_zip(output.read_bytes())["t.csv"]
    assert written[1] == [
        "",
        "0",
        "1.5",
        "1",
        "2026-03-10 09:05:07",
        "2026-03-10",
        "'-1+1",
        "ë",
        str(10**20),
    ]
    assert len(written) == 1 + len(rows)
    assert written[-1][:2] == ["2499", "x"]


def test_odd_multiple_choice_values_are_text_not_a_failure():
    from fieldapp.exports.layout import People
    from fieldapp.exports.layout import Record

    definition = load_definition(FORMS_DIR / "home_visit.yaml")
    layout = Layout([definition], Options(language="en"), Words())
    people = People(family=lambda _id: "F-1", member=lambda _id: "P-1")

    def needs(value):
        record = Record(
            uuid=str(uuid.uuid4()),
            id=1,
            version=1,
            completed_at=None,
            received_at=datetime(2026, 3, 10, 9, 0),
            author="social",
            family_id=None,
            course="",
            locale="sq",
            answers={"needs_identified": value},
        )
        (_table, row), *_groups = layout.rows(record, people)
        codes = [c.code for c in layout.root.columns]
        return row[codes.index("needs_identified")]

    for _ in range(2):  # the second time from the joined lists
        assert needs(["food", "health"]) == "Food; Health care"
        assert needs([["food"], {"a": 1}]) == "['food']; {'a': 1}"
        assert needs(["=cmd"]) == "=cmd"  # the writers neutralise it
        assert needs("food") == "Food"
