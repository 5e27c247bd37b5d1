"""A reproducible "clinic" database that drifted away from its models.

Why this module exists: alembic-additive was written for a real incident. A clinic application's
schema file was rolled back while its database was not, so the database kept hundreds of
columns (many still holding data) that the models no longer declared, two tables the models had
forgotten (``dashboards``, ``session``), and the models in turn declared two columns and one
table the database never received. Plain ``alembic revision --autogenerate`` turns that state
into ``drop_column``/``drop_table`` operations, i.e. data loss.

This module rebuilds that situation deterministically so that the ``alembic-additive demo``
command, the end-to-end tests (SQLite, PostgreSQL, MariaDB), the examples and the benchmarks all
exercise the same, realistic drift:

* :data:`MODELS_SOURCE` is the application's models module (what the code declares; it lags the
  database).
* :func:`build_database` creates the drifted database and fills it with obviously synthetic data.
* The remaining constants describe the drift exactly, so tests can assert on it instead of
  re-deriving it.

The database schema is derived from the very same table definitions as the models (copied, then
orphan columns/tables added and the missing columns removed), so the shared part of the schema
cannot diverge and autogenerate reports nothing but the intended drift on every dialect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa

__all__ = [
    "EMPTY_ORPHAN_COLUMNS",
    "MISSING_COLUMNS",
    "MISSING_TABLES",
    "MODELS_SOURCE",
    "ORPHAN_COLUMNS_WITH_DATA",
    "ORPHAN_TABLES",
    "TABLE_ROWS",
    "build_database",
    "models_metadata",
]

# ---------------------------------------------------------------------------------------------
# Model specification (rendered into MODELS_SOURCE)
# ---------------------------------------------------------------------------------------------
# Types are kept to those that reflect identically on SQLite, PostgreSQL and MariaDB (no Enum,
# JSON, Interval, timezone-aware DateTime or Float), and every String has an explicit length
# because MariaDB requires one. That is what keeps autogenerate silent on the shared columns.

_INT = "sa.Integer()"
_TEXT = "sa.Text()"
_DT = "sa.DateTime()"
_DATE = "sa.Date()"
_BOOL = "sa.Boolean()"
_MONEY = "sa.Numeric(5, 2)"


def _s(length: int) -> str:
    """Source of a ``String`` type; a helper so the specification below stays one line each."""
    return f"sa.String({length})"


class _Col(NamedTuple):
    """One model column (besides the implicit integer ``id`` primary key).

    Kept as source text rather than type objects because the models are *source*: the demo
    writes them to ``models.py``, and the database side is derived from the executed source.
    """

    name: str
    type_source: str
    nullable: bool = True
    references: str | None = None
    extra: str = ""


class _Table(NamedTuple):
    """One model table with the number of rows the drifted database holds for it."""

    name: str
    rows: int
    columns: tuple[_Col, ...]
    indexed: tuple[str, ...] = ()


def _c(
    name: str,
    type_source: str,
    *,
    null: bool = True,
    fk: str | None = None,
    extra: str = "",
) -> _Col:
    """Build a :class:`_Col` with keyword shortcuts that keep the specification compact."""
    return _Col(name, type_source, null, fk, extra)


def _t(name: str, rows: int, *columns: _Col, indexed: tuple[str, ...] = ()) -> _Table:
    """Build a :class:`_Table`; ``indexed`` lists non-FK columns that get a named index."""
    return _Table(name, rows, columns, indexed)


_MODEL_TABLES: tuple[_Table, ...] = (
    _t(
        "health_systems",
        2,
        _c("display_name", _s(255), null=False),
        _c("short_code", _s(20)),
        _c("created_at", _DT, null=False),
    ),
    _t(
        "organizations",
        2,
        _c("health_system_id", _INT, fk="health_systems"),
        _c("legal_name", _s(255)),
        _c("tax_id", _s(20)),
        _c("created_at", _DT, null=False),
    ),
    _t(
        "locations",
        2,
        _c("organization_id", _INT, fk="organizations"),
        _c("location_code", _s(20), null=False),
        _c("phone", _s(30)),
        _c("timezone", _s(64)),
    ),
    _t(
        "users",
        7,
        _c("display_name", _s(255), null=False),
        _c("auth_subject", _s(128), null=False),
        _c("last_login_at", _DT),
        _c("created_at", _DT, null=False),
        indexed=("auth_subject",),
    ),
    _t("roles", 4, _c("role_name", _s(50), null=False), _c("description", _TEXT)),
    _t("permissions", 6, _c("code", _s(100), null=False), _c("description", _TEXT)),
    _t(
        "role_permissions",
        8,
        _c("role_id", _INT, null=False, fk="roles"),
        _c("permission_id", _INT, null=False, fk="permissions"),
    ),
    _t(
        "user_preferences",
        3,
        _c("user_id", _INT, null=False, fk="users"),
        _c("theme", _s(20)),
        _c("language", _s(10)),
        _c("updated_at", _DT),
    ),
    _t(
        "departments",
        4,
        _c("location_id", _INT, fk="locations"),
        _c("department_name", _s(100), null=False),
    ),
    _t("specialties", 5, _c("specialty_name", _s(100), null=False), _c("code", _s(20))),
    _t(
        "providers",
        4,
        _c("user_id", _INT, fk="users"),
        _c("department_id", _INT, fk="departments"),
        _c("npi", _s(10)),
        _c("credentials", _s(50)),
        _c("is_accepting_patients", _BOOL, null=False),
    ),
    _t(
        "provider_specialties",
        5,
        _c("provider_id", _INT, null=False, fk="providers"),
        _c("specialty_id", _INT, null=False, fk="specialties"),
    ),
    _t(
        "patients",
        8,
        _c("mrn", _s(20), null=False),
        _c("first_name", _s(100), null=False),
        _c("last_name", _s(100), null=False),
        _c("date_of_birth", _DATE),
        _c("sex", _s(20)),
        _c("phone", _s(30)),
        _c("primary_provider_id", _INT, fk="providers"),
        _c("created_at", _DT, null=False),
        indexed=("mrn",),
    ),
    _t(
        "patient_contacts",
        5,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("contact_type", _s(20), null=False),
        _c("contact_value", _s(255)),
    ),
    _t(
        "emergency_contacts",
        4,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("full_name", _s(200), null=False),
        _c("relationship", _s(50)),
        _c("phone", _s(30)),
    ),
    _t(
        "appointments",
        6,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("provider_id", _INT, fk="providers"),
        _c("location_id", _INT, fk="locations"),
        _c("starts_at", _DT, null=False),
        _c("ends_at", _DT),
        _c("status", _s(20), null=False),
        _c("reason", _TEXT),
    ),
    _t(
        "rooms",
        5,
        _c("location_id", _INT, fk="locations"),
        _c("label", _s(50), null=False),
        _c("capacity", _INT),
    ),
    _t(
        "schedules",
        6,
        _c("provider_id", _INT, null=False, fk="providers"),
        _c("weekday", _INT, null=False),
        _c("start_minute", _INT),
        _c("end_minute", _INT),
    ),
    _t(
        "check_ins",
        4,
        _c("appointment_id", _INT, null=False, fk="appointments"),
        _c("room_id", _INT, fk="rooms"),
        _c("checked_in_at", _DT, null=False),
    ),
    _t(
        "waitlist",
        3,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("requested_at", _DT),
        _c("priority", _INT),
    ),
    _t(
        "encounters",
        10,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("provider_id", _INT, fk="providers"),
        _c("appointment_id", _INT, fk="appointments"),
        _c("encounter_type", _s(30)),
        _c("started_at", _DT, null=False),
        _c("ended_at", _DT),
    ),
    _t(
        "vitals",
        20,
        _c("encounter_id", _INT, fk="encounters"),
        _c("notes", _TEXT),
        _c("created_at", _DT, null=False),
    ),
    _t(
        "diagnoses",
        8,
        _c("encounter_id", _INT, null=False, fk="encounters"),
        _c("icd10_code", _s(10), null=False),
        _c("description", _TEXT),
        _c("is_primary", _BOOL, null=False),
    ),
    _t(
        "problem_list",
        6,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("description", _TEXT, null=False),
        _c("onset_date", _DATE),
        _c("status", _s(20)),
    ),
    _t(
        "medical_history",
        5,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("condition_text", _s(255), null=False),
        _c("diagnosed_on", _DATE),
    ),
    _t(
        "surgical_history",
        3,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("procedure_text", _s(255), null=False),
        _c("performed_on", _DATE),
    ),
    _t(
        "family_history",
        4,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("relationship", _s(50), null=False),
        _c("condition_text", _s(255)),
    ),
    _t(
        "social_history",
        4,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("tobacco_use", _s(50)),
        _c("alcohol_use", _s(50)),
        _c("occupation", _s(100)),
    ),
    _t(
        "medications",
        10,
        _c("drug_name", _s(200), null=False),
        _c("rxnorm_code", _s(20)),
        _c("form", _s(50)),
        _c("strength", _s(50)),
        indexed=("rxnorm_code",),
    ),
    _t(
        "pharmacies",
        3,
        _c("pharmacy_name", _s(200), null=False),
        _c("phone", _s(30)),
        _c("fax", _s(30)),
        _c("street_address", _s(255)),
    ),
    _t(
        "prescriptions",
        7,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("medication_id", _INT, null=False, fk="medications"),
        _c("provider_id", _INT, fk="providers"),
        _c("pharmacy_id", _INT, fk="pharmacies"),
        _c("sig", _TEXT),
        _c("quantity", _INT),
        _c("refills", _INT),
        _c("prescribed_at", _DT, null=False),
    ),
    _t(
        "medication_refills",
        4,
        _c("prescription_id", _INT, null=False, fk="prescriptions"),
        _c("requested_at", _DT),
        _c("status", _s(20)),
    ),
    _t(
        "allergies",
        6,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("allergen", _s(200), null=False),
        _c("reaction", _TEXT),
        _c("severity", _s(20)),
    ),
    _t(
        "immunizations",
        5,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("vaccine_code", _s(20)),
        _c("administered_on", _DATE),
        _c("lot_number", _s(50)),
    ),
    _t("lab_vendors", 2, _c("vendor_name", _s(200), null=False), _c("interface_code", _s(50))),
    _t(
        "lab_orders",
        6,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("provider_id", _INT, fk="providers"),
        _c("lab_vendor_id", _INT, fk="lab_vendors"),
        _c("status", _s(20), null=False),
        _c("ordered_at", _DT, null=False),
    ),
    _t(
        "lab_results",
        8,
        _c("lab_order_id", _INT, null=False, fk="lab_orders"),
        _c("loinc_code", _s(20)),
        _c("value_text", _s(100)),
        _c("value_numeric", _MONEY),
        _c("unit", _s(20)),
        _c("resulted_at", _DT),
    ),
    _t("imaging_centers", 2, _c("center_name", _s(200), null=False), _c("phone", _s(30))),
    _t(
        "imaging_orders",
        4,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("imaging_center_id", _INT, fk="imaging_centers"),
        _c("modality", _s(20), null=False),
        _c("body_part", _s(50)),
        _c("ordered_at", _DT, null=False),
    ),
    _t(
        "imaging_results",
        4,
        _c("imaging_order_id", _INT, null=False, fk="imaging_orders"),
        _c("findings", _TEXT),
        _c("impression", _TEXT),
        _c("laterality", _TEXT),
        _c("resulted_at", _DT),
    ),
    _t(
        "documents",
        6,
        _c("patient_id", _INT, fk="patients"),
        _c("title", _s(255), null=False),
        _c("mime_type", _s(100)),
        _c("storage_key", _s(255), null=False),
        _c("uploaded_at", _DT, null=False),
    ),
    _t(
        "document_processing_queue",
        5,
        _c("document_id", _INT, null=False, fk="documents"),
        _c("status", _s(20), null=False),
        _c("attempts", _INT, null=False, extra='server_default="0"'),
        _c("last_error", _TEXT),
        _c("queued_at", _DT, null=False),
        indexed=("status",),
    ),
    _t(
        "faxes",
        0,
        _c("document_id", _INT, fk="documents"),
        _c("direction", _s(10), null=False),
        _c("remote_number", _s(30)),
        _c("received_at", _DT),
    ),
    _t(
        "transcriptions",
        3,
        _c("encounter_id", _INT, fk="encounters"),
        _c("transcript", _TEXT),
        _c("model_name", _s(100)),
        _c("created_at", _DT, null=False),
    ),
    _t(
        "clinical_notes",
        6,
        _c("encounter_id", _INT, null=False, fk="encounters"),
        _c("author_id", _INT, fk="users"),
        _c("note_type", _s(30)),
        _c("body", _TEXT),
        _c("signed_at", _DT),
    ),
    _t(
        "note_templates",
        4,
        _c("specialty_id", _INT, fk="specialties"),
        _c("template_name", _s(100), null=False),
        _c("body", _TEXT),
    ),
    _t(
        "care_plans",
        3,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("title", _s(255), null=False),
        _c("started_on", _DATE),
        _c("status", _s(20)),
    ),
    _t(
        "care_plan_goals",
        5,
        _c("care_plan_id", _INT, null=False, fk="care_plans"),
        _c("description", _TEXT, null=False),
        _c("target_date", _DATE),
        _c("is_met", _BOOL, null=False),
    ),
    _t(
        "referrals",
        3,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("from_provider_id", _INT, fk="providers"),
        _c("to_specialty_id", _INT, fk="specialties"),
        _c("reason", _TEXT),
        _c("status", _s(20)),
    ),
    _t(
        "billing_codes",
        8,
        _c("code", _s(20), null=False),
        _c("code_system", _s(20), null=False),
        _c("description", _TEXT),
        _c("base_price", _MONEY),
        indexed=("code",),
    ),
    _t(
        "procedures",
        4,
        _c("encounter_id", _INT, fk="encounters"),
        _c("billing_code_id", _INT, fk="billing_codes"),
        _c("performed_at", _DT),
        _c("notes", _TEXT),
    ),
    _t(
        "orders",
        5,
        _c("encounter_id", _INT, fk="encounters"),
        _c("order_type", _s(30), null=False),
        _c("status", _s(20)),
        _c("ordered_at", _DT),
    ),
    _t("order_sets", 2, _c("set_name", _s(100), null=False), _c("description", _TEXT)),
    _t(
        "order_set_items",
        5,
        _c("order_set_id", _INT, null=False, fk="order_sets"),
        _c("item_type", _s(30)),
        _c("item_code", _s(30)),
    ),
    _t(
        "insurance_plans",
        3,
        _c("payer_name", _s(200), null=False),
        _c("plan_name", _s(200)),
        _c("payer_code", _s(20)),
    ),
    _t(
        "patient_insurance",
        6,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("insurance_plan_id", _INT, null=False, fk="insurance_plans"),
        _c("member_id", _s(50)),
        _c("group_number", _s(50)),
        _c("is_primary", _BOOL, null=False),
    ),
    _t(
        "fee_schedules",
        4,
        _c("billing_code_id", _INT, null=False, fk="billing_codes"),
        _c("insurance_plan_id", _INT, fk="insurance_plans"),
        _c("amount", _MONEY, null=False),
    ),
    _t(
        "claims",
        5,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("encounter_id", _INT, fk="encounters"),
        _c("insurance_plan_id", _INT, fk="insurance_plans"),
        _c("status", _s(20), null=False),
        _c("total_amount", _MONEY),
        _c("submitted_at", _DT),
    ),
    _t(
        "claim_lines",
        8,
        _c("claim_id", _INT, null=False, fk="claims"),
        _c("billing_code_id", _INT, fk="billing_codes"),
        _c("units", _INT, null=False),
        _c("charge", _MONEY),
    ),
    _t(
        "payments",
        4,
        _c("claim_id", _INT, fk="claims"),
        _c("amount", _MONEY, null=False),
        _c("method", _s(20)),
        _c("received_at", _DT, null=False),
    ),
    _t(
        "invoices",
        4,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("invoice_number", _s(30), null=False),
        _c("issued_on", _DATE),
        _c("total", _MONEY),
    ),
    _t(
        "invoice_items",
        7,
        _c("invoice_id", _INT, null=False, fk="invoices"),
        _c("description", _s(255)),
        _c("amount", _MONEY),
    ),
    _t(
        "consents",
        5,
        _c("patient_id", _INT, null=False, fk="patients"),
        _c("document_id", _INT, fk="documents"),
        _c("consent_type", _s(50), null=False),
        _c("signed_at", _DT),
    ),
    _t(
        "message_threads",
        3,
        _c("patient_id", _INT, fk="patients"),
        _c("subject", _s(255)),
        _c("created_at", _DT),
    ),
    _t(
        "messages",
        6,
        _c("thread_id", _INT, null=False, fk="message_threads"),
        _c("sender_id", _INT, fk="users"),
        _c("body", _TEXT, null=False),
        _c("is_read", _BOOL, null=False),
        _c("sent_at", _DT, null=False),
    ),
    _t(
        "attachments",
        3,
        _c("message_id", _INT, null=False, fk="messages"),
        _c("document_id", _INT, fk="documents"),
    ),
    _t(
        "notifications",
        8,
        _c("user_id", _INT, null=False, fk="users"),
        _c("kind", _s(50)),
        _c("payload", _TEXT),
        _c("read_at", _DT),
        _c("created_at", _DT, null=False),
    ),
    _t(
        "tasks",
        6,
        _c("assignee_id", _INT, fk="users"),
        _c("patient_id", _INT, fk="patients"),
        _c("title", _s(255), null=False),
        _c("due_at", _DT),
        _c("status", _s(20)),
    ),
    _t(
        "phone_calls",
        4,
        _c("patient_id", _INT, fk="patients"),
        _c("direction", _s(10)),
        _c("duration_seconds", _INT),
        _c("called_at", _DT),
    ),
    _t(
        "reminders",
        5,
        _c("appointment_id", _INT, fk="appointments"),
        _c("channel", _s(20)),
        _c("scheduled_for", _DT),
        _c("sent_at", _DT),
    ),
    _t(
        "audit_log",
        10,
        _c("user_id", _INT, fk="users"),
        _c("action", _s(50), null=False),
        _c("entity_type", _s(50)),
        _c("entity_id", _INT),
        _c("details", _TEXT),
        _c("occurred_at", _DT, null=False),
    ),
    _t(
        "api_keys",
        0,
        _c("user_id", _INT, fk="users"),
        _c("key_prefix", _s(12)),
        _c("key_hash", _s(128), null=False),
        _c("created_at", _DT),
        _c("revoked_at", _DT),
    ),
    _t(
        "webhooks",
        0,
        _c("url", _s(500), null=False),
        _c("event", _s(100)),
        _c("secret", _s(128)),
        _c("is_enabled", _BOOL, null=False),
    ),
    _t(
        "feature_flags",
        4,
        _c("flag_key", _s(100), null=False),
        _c("is_enabled", _BOOL, null=False),
        _c("description", _TEXT),
    ),
    _t(
        "settings",
        5,
        _c("setting_key", _s(100), null=False),
        _c("setting_value", _TEXT),
        _c("updated_at", _DT),
    ),
    _t(
        "email_templates",
        3,
        _c("template_name", _s(100), null=False),
        _c("subject", _s(255)),
        _c("body", _TEXT),
    ),
    # Declared by the models but never created in the database (the seed's
    # "migrationInvitations is exported but not created").
    _t(
        "migration_invitations",
        0,
        _c("email", _s(255), null=False),
        _c("token", _s(64), null=False),
        _c("created_at", _DT),
        indexed=("email",),
    ),
)

# ---------------------------------------------------------------------------------------------
# The drift
# ---------------------------------------------------------------------------------------------

MISSING_TABLES: frozenset[str] = frozenset({"migration_invitations"})
"""Tables the models declare but the database never received (autogenerate must add them)."""

MISSING_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    {("imaging_results", "laterality"), ("document_processing_queue", "attempts")}
)
"""Columns the models declare but the database lacks (the seed's runtime errors)."""

# Orphan columns that still hold data: (column, type, number of non-NULL values). The counts are
# the ones from the original audit; each table has more rows than the largest count so that
# NULLs are present too, as in the real database.
_DATA_ORPHANS: dict[str, tuple[tuple[str, sa.types.TypeEngine[Any], int], ...]] = {
    "appointments": (
        ("health_system_id", sa.Integer(), 1),
        ("name", sa.String(255), 4),
        ("duration_minutes", sa.Integer(), 4),
        ("color", sa.String(20), 4),
        ("is_active", sa.Boolean(), 4),
    ),
    "locations": (
        ("name", sa.String(255), 1),
        ("address", sa.String(255), 1),
        ("city", sa.String(100), 1),
        ("state", sa.String(50), 1),
        ("zip", sa.String(20), 1),
        ("health_system_id", sa.Integer(), 1),
        ("services", sa.Text(), 1),
        ("has_lab", sa.Boolean(), 1),
        ("has_imaging", sa.Boolean(), 1),
        ("has_pharmacy", sa.Boolean(), 1),
    ),
    "organizations": (("name", sa.String(255), 1),),
    "patients": (("insurance_verified", sa.Boolean(), 6),),
    "users": (
        ("username", sa.String(100), 5),
        ("email", sa.String(255), 5),
        ("is_verified", sa.Boolean(), 5),
        ("health_system_id", sa.Integer(), 5),
        ("role", sa.String(50), 5),
    ),
    "vitals": (
        ("patient_id", sa.Integer(), 15),
        ("recorded_at", sa.DateTime(), 15),
        ("temperature", sa.Numeric(4, 1), 11),
        ("heart_rate", sa.Integer(), 15),
        ("respiratory_rate", sa.Integer(), 13),
        ("blood_pressure", sa.String(20), 11),
        ("oxygen_saturation", sa.Integer(), 12),
        ("height", sa.Numeric(5, 2), 7),
        ("weight", sa.Numeric(5, 2), 8),
        ("bmi", sa.Numeric(4, 1), 5),
    ),
}

ORPHAN_COLUMNS_WITH_DATA: dict[tuple[str, str], int] = {
    (table, name): count
    for table, columns in _DATA_ORPHANS.items()
    for name, _type, count in columns
}
"""Database-only columns that hold data: (table, column) -> exact number of non-NULL values."""

# Empty orphan columns: leftovers of rolled-back features. They are spread deterministically
# over most of the remaining shared tables (the pattern gives 0-3 per table, ~100 in total).
_EMPTY_ORPHAN_POOL: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("legacy_notes", sa.Text()),
    ("old_status", sa.String(20)),
    ("migrated_at", sa.DateTime()),
    ("legacy_id", sa.Integer()),
    ("external_ref", sa.String(64)),
    ("is_archived", sa.Boolean()),
    ("sync_token", sa.String(128)),
    ("import_batch", sa.String(40)),
    ("v1_payload", sa.Text()),
    ("deleted_at", sa.DateTime()),
    ("created_by_legacy", sa.Integer()),
    ("source_system", sa.String(50)),
    ("old_code", sa.String(30)),
    ("archived_reason", sa.Text()),
    ("tenant_key", sa.String(36)),
)
_EMPTY_ORPHAN_PATTERN: tuple[int, ...] = (2, 1, 3, 0, 2, 1, 2, 1, 0, 2)


def _assign_empty_orphans() -> dict[str, tuple[tuple[str, sa.types.TypeEngine[Any]], ...]]:
    """Spread the empty orphan columns over the shared tables without data orphans.

    Deterministic (table order and a fixed pattern) so every run and every dialect sees the
    same columns; names already used by a table are skipped so nothing collides.
    """
    result: dict[str, tuple[tuple[str, sa.types.TypeEngine[Any]], ...]] = {}
    candidates = [
        t for t in _MODEL_TABLES if t.name not in MISSING_TABLES and t.name not in _DATA_ORPHANS
    ]
    cursor = 0
    for position, table in enumerate(candidates):
        wanted = _EMPTY_ORPHAN_PATTERN[position % len(_EMPTY_ORPHAN_PATTERN)]
        taken = {c.name for c in table.columns} | {"id"}
        chosen: list[tuple[str, sa.types.TypeEngine[Any]]] = []
        while len(chosen) < wanted:
            name, type_ = _EMPTY_ORPHAN_POOL[cursor % len(_EMPTY_ORPHAN_POOL)]
            cursor += 1
            if name not in taken:
                taken.add(name)
                chosen.append((name, type_))
        if chosen:
            result[table.name] = tuple(chosen)
    return result


_EMPTY_ORPHANS = _assign_empty_orphans()

EMPTY_ORPHAN_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    (table, name) for table, columns in _EMPTY_ORPHANS.items() for name, _type in columns
)
"""Database-only columns that are nullable and hold only NULLs."""

_SESSION_ROWS: tuple[dict[str, object], ...] = tuple(
    {
        "sid": f"synthetic-session-{n}",
        "sess": f'{{"cookie": {{"path": "/"}}, "user": {n}}}',
        "expire": dt.datetime(2025, 7, 17, 17, 0) + dt.timedelta(hours=n),
    }
    for n in (1, 2, 3)
)

ORPHAN_TABLES: dict[str, int] = {"dashboards": 0, "session": len(_SESSION_ROWS)}
"""Database-only tables -> row count (``dashboards`` is empty, ``session`` is not)."""

TABLE_ROWS: dict[str, int] = {
    **{t.name: t.rows for t in _MODEL_TABLES if t.name not in MISSING_TABLES},
    **ORPHAN_TABLES,
}
"""Row count of every table in the database after :func:`build_database`."""


# ---------------------------------------------------------------------------------------------
# MODELS_SOURCE
# ---------------------------------------------------------------------------------------------

_SOURCE_HEADER = '''"""Models of the clinic application (generated by alembic_additive.clinic).

These models LAG the database: columns and tables were rolled back here while the database kept
them (and their data). Running plain ``alembic revision --autogenerate`` against that database
would propose dropping them.
"""

import sqlalchemy as sa

metadata = sa.MetaData()
'''


def _render_column(table: str, column: _Col) -> list[str]:
    """Render one ``sa.Column(...)`` line, wrapped when it would exceed 99 characters."""
    args = [f'"{column.name}"', column.type_source]
    if column.references is not None:
        args.append(f'sa.ForeignKey("{column.references}.id", name="fk_{table}_{column.name}")')
    args.append(f"nullable={column.nullable}")
    if column.extra:
        args.append(column.extra)
    line = f"    sa.Column({', '.join(args)}),"
    if len(line) <= 99:
        return [line]
    return ["    sa.Column(", *(f"        {arg}," for arg in args), "    ),"]


def _render_table(table: _Table) -> str:
    """Render one Core ``sa.Table`` assignment.

    Every foreign-key column gets an explicitly named index: MariaDB creates an index for each
    foreign key on its own, and declaring it (same name on both sides) keeps autogenerate quiet.
    """
    lines = [
        f"{table.name} = sa.Table(",
        f'    "{table.name}",',
        "    metadata,",
        '    sa.Column("id", sa.Integer(), primary_key=True),',
    ]
    for column in table.columns:
        lines.extend(_render_column(table.name, column))
    indexed = [c.name for c in table.columns if c.references is not None or c.name in table.indexed]
    lines.extend(f'    sa.Index("ix_{table.name}_{name}", "{name}"),' for name in indexed)
    lines.append(")")
    return "\n".join(lines)


def _render_models_source() -> str:
    """Render the whole models module from the specification."""
    return "\n\n".join([_SOURCE_HEADER, *(_render_table(t) for t in _MODEL_TABLES)]) + "\n"


MODELS_SOURCE: str = _render_models_source()
"""Python source of the application's models module (Core ``sa.Table`` definitions)."""


def models_metadata() -> sa.MetaData:
    """Execute :data:`MODELS_SOURCE` in a fresh namespace and return its ``metadata``.

    A fresh namespace per call gives every caller its own, unshared ``MetaData`` (tests may
    mutate it), and executing the source itself proves the text the demo writes is what the
    tests compare against.
    """
    namespace: dict[str, Any] = {"__name__": "alembic_additive_clinic_models"}
    exec(compile(MODELS_SOURCE, "<alembic_additive.clinic models>", "exec"), namespace)
    metadata = namespace.get("metadata")
    if not isinstance(metadata, sa.MetaData):
        raise TypeError("MODELS_SOURCE must define `metadata` as a sqlalchemy.MetaData")
    return metadata


# ---------------------------------------------------------------------------------------------
# The drifted database
# ---------------------------------------------------------------------------------------------


def _orphan_tables(metadata: sa.MetaData) -> None:
    """Add the two database-only tables the models forgot."""
    sa.Table(
        "dashboards",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("layout", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
    )
    # Shaped like the connect-pg-simple session store the original application used.
    sa.Table(
        "session",
        metadata,
        sa.Column("sid", sa.String(255), primary_key=True),
        sa.Column("sess", sa.Text(), nullable=False),
        sa.Column("expire", sa.DateTime(), nullable=False),
        sa.Index("ix_session_expire", "expire"),
    )


def _database_metadata() -> sa.MetaData:
    """Derive the drifted database schema from the models.

    Each model table is copied, so shared columns, foreign keys and indexes are identical by
    construction; then the orphan columns are appended, the missing columns removed, the
    missing table skipped and the orphan tables added.
    """
    models = models_metadata()
    database = sa.MetaData()
    for table in models.sorted_tables:
        if table.name in MISSING_TABLES:
            continue
        copy = table.to_metadata(database)
        for table_name, column_name in MISSING_COLUMNS:
            if table_name == table.name:
                # SQLAlchemy has no public API to drop a column from a Table object.
                copy._columns.remove(copy.c[column_name])
        for name, type_, _count in _DATA_ORPHANS.get(table.name, ()):
            copy.append_column(sa.Column(name, type_, nullable=True))
        for name, type_ in _EMPTY_ORPHANS.get(table.name, ()):
            copy.append_column(sa.Column(name, type_, nullable=True))
    _orphan_tables(database)
    return database


_BASE_TIME = dt.datetime(2024, 3, 4, 9, 0)
_STATUSES = ("active", "pending", "completed", "cancelled")
_COLORS = ("#3b82f6", "#10b981", "#f59e0b", "#ef4444")
_ROLES = ("admin", "provider", "nurse", "front_desk")
_LABELS = {
    "appointments": "Visit Type",
    "locations": "Clinic",
    "organizations": "Clinic Group",
}


def _label(table: str) -> str:
    """A human-readable, obviously synthetic label for names in ``table`` ("Clinic A")."""
    if table in _LABELS:
        return _LABELS[table]
    singular = table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")
    return singular.replace("_", " ").title()


def _string_value(table: str, name: str, i: int) -> str:
    """Deterministic, clearly fake text chosen from the column name so the data reads sanely."""
    letter = chr(ord("A") + i % 26)
    if "email" in name:
        return f"user{i + 1}@example.test"
    if name == "username":
        return f"synthetic.user{i + 1}"
    if name == "first_name":
        return f"Test{letter}"
    if name == "last_name":
        return "Example"
    if "phone" in name or name in ("fax", "remote_number"):
        return f"555-01{i % 100:02d}"
    if "status" in name:
        return _STATUSES[i % len(_STATUSES)]
    if name == "color":
        return _COLORS[i % len(_COLORS)]
    if name == "role":
        return _ROLES[i % len(_ROLES)]
    if name == "blood_pressure":
        return f"{110 + i}/{70 + i % 10}"
    if name == "address" or name.endswith("_address"):
        return f"{100 + i} Example Street"
    if name == "city":
        return "Sampleton"
    if name == "state":
        return "XX"
    if name == "zip":
        return f"0{i:04d}"
    if name == "mrn":
        return f"MRN{i + 1:06d}"
    if name == "npi":
        return f"{900000000 + i:010d}"
    if name == "sex":
        return ("female", "male", "unknown")[i % 3]
    if name == "timezone":
        return "UTC"
    if name == "url":
        return f"https://example.test/{table}/{i + 1}"
    if name == "name" or name.endswith("_name") or name in ("title", "label"):
        return f"{_label(table)} {letter}"
    if "code" in name or name.endswith("_key") or name == "key_hash":
        return f"{table[:3].upper()}-{i + 1:03d}"
    return f"{name.replace('_', ' ')} {i + 1}"


_INTEGER_HINTS: dict[str, Callable[[int], int]] = {
    "health_system_id": lambda i: 1,
    "patient_id": lambda i: i % 8 + 1,
    "duration_minutes": lambda i: (15, 30, 45, 60)[i % 4],
    "heart_rate": lambda i: 60 + (i * 3) % 40,
    "respiratory_rate": lambda i: 12 + i % 8,
    "oxygen_saturation": lambda i: 94 + i % 6,
    "weekday": lambda i: i % 7,
    "start_minute": lambda i: 480 + 30 * (i % 4),
    "end_minute": lambda i: 960 + 30 * (i % 4),
}

_DECIMAL_HINTS: dict[str, Callable[[int], float]] = {
    "temperature": lambda i: 36.4 + (i % 10) / 10,
    "height": lambda i: 150.0 + 2.5 * i,
    "weight": lambda i: 55.0 + 1.5 * i,
    "bmi": lambda i: 20.0 + 0.7 * i,
}


def _value(table: str, column: sa.Column[Any], i: int) -> object:
    """Deterministic value for row ``i`` of ``column`` (no randomness, no current time)."""
    name = column.name
    for fk in column.foreign_keys:
        parent_rows = TABLE_ROWS[fk.column.table.name]
        if parent_rows == 0:
            if not column.nullable:
                raise ValueError(f"{table}.{name} references an empty table")
            return None
        return i % parent_rows + 1
    type_ = column.type
    if isinstance(type_, sa.Boolean):
        return i % 3 != 1
    if isinstance(type_, sa.Integer):
        if name in _INTEGER_HINTS:
            return _INTEGER_HINTS[name](i)
        if name.endswith("_id"):
            return i % 5 + 1
        return (i * 7 + len(name)) % 90 + 1
    if isinstance(type_, sa.Numeric):
        scale = type_.scale if type_.scale is not None else 2
        precision = type_.precision if type_.precision is not None else 5
        raw = _DECIMAL_HINTS[name](i) if name in _DECIMAL_HINTS else (i * 37 + 12) % 900 + 0.5
        ceiling = 10 ** (precision - scale) - 1
        return Decimal(f"{min(raw, ceiling):.{scale}f}")
    if isinstance(type_, sa.DateTime):
        return _BASE_TIME + dt.timedelta(days=i, minutes=15 * (len(name) % 8))
    if isinstance(type_, sa.Date):
        return dt.date(1950 + (i * 7) % 60, i % 12 + 1, i % 28 + 1)
    if isinstance(type_, sa.Text):
        if name == "services":
            return "primary care, lab draws, imaging referrals"
        return f"Synthetic {name.replace('_', ' ')} #{i + 1} for {table}."
    if isinstance(type_, sa.String):
        text = _string_value(table, name, i)
        return text[: type_.length] if type_.length is not None else text
    raise TypeError(f"no synthetic value for {table}.{name} of type {type_!r}")


def _rows(table: sa.Table) -> list[dict[str, object]]:
    """All rows for one shared table: every model column filled, data orphans partly filled.

    The integer ``id`` is left to the database so sequences/auto-increment counters stay in
    step (rows get ids 1..n in insertion order, which the foreign-key values rely on). Empty
    orphan columns are left out, so they are NULL everywhere.
    """
    data_counts = {name: count for name, _type, count in _DATA_ORPHANS.get(table.name, ())}
    empty = {name for name, _type in _EMPTY_ORPHANS.get(table.name, ())}
    rows: list[dict[str, object]] = []
    for i in range(TABLE_ROWS[table.name]):
        row: dict[str, object] = {}
        for column in table.columns:
            if column.name == "id" or column.name in empty:
                continue
            if column.name in data_counts:
                row[column.name] = (
                    _value(table.name, column, i) if i < data_counts[column.name] else None
                )
            else:
                row[column.name] = _value(table.name, column, i)
        rows.append(row)
    return rows


def build_database(connection: sa.Connection) -> None:
    """Create the drifted clinic database on ``connection`` and fill it with synthetic data.

    Uses only SQLAlchemy Core so it runs unchanged on SQLite, PostgreSQL and MySQL/MariaDB.
    It never commits: the caller owns the transaction (typically ``engine.begin()``), which
    lets tests roll back on backends with transactional DDL.
    """
    metadata = _database_metadata()
    metadata.create_all(connection)
    for table in metadata.sorted_tables:
        if table.name == "session":
            rows: list[dict[str, object]] = [dict(r) for r in _SESSION_ROWS]
        elif table.name in ORPHAN_TABLES:
            rows = []
        else:
            rows = _rows(table)
        if rows:
            connection.execute(table.insert(), rows)
