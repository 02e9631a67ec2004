"""``outpost self-test``: checks that an installation (source or frozen) has everything it needs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class CheckFailed(Exception):
    """A check that found what is wrong and says so in words: reported without an exception's name."""


def _resource_files() -> str:
    from app.resource_check import check_resources

    report = check_resources()
    if not report.ok:
        raise CheckFailed("; ".join(report.lines()))
    return f"{report.checked} files match the build's manifest"


def _resources() -> str:
    from app.reference import load_reference

    reference = load_reference()
    if len(reference.communes) != 102:
        raise RuntimeError(f"{len(reference.communes)} communes instead of 102")
    return f"{len(reference.commodities)} commodities, {len(reference.communes)} communes"


def _catalogs() -> str:
    from app.i18n import DEFAULT_LANGUAGE, LANGUAGES, load_catalog

    catalog = load_catalog(DEFAULT_LANGUAGE)  # compiled at build time: a build without it fails here
    if catalog.lookup("QPlatformTheme", "Cancel") is None:
        raise RuntimeError("the catalog has no translation of Qt's 'Cancel'")
    return f"{LANGUAGES[DEFAULT_LANGUAGE]} catalog compiled"


def _files() -> str:
    """A case file read as ``case add`` reads one, and one refused: the JSON Schema validator and the
    libraries it loads (referencing, rpds) are in the build."""
    from app.errors import ValidationError
    from app.interchange import parse_cases
    from app.reference import load_reference

    reference, now = load_reference(), datetime(2026, 1, 3, tzinfo=UTC)
    case = {"occurred_at": "2026-01-02T10:00:00+07:00", "violation_group": "trade_fraud"}
    if len(parse_cases(case, reference, now=now)) != 1:
        raise RuntimeError("a valid case file was not read")
    try:
        parse_cases({**case, "smuggler": 1}, reference, now=now)
    except ValidationError as exc:
        if len(exc.problems) != 1 or not exc.problems[0].startswith("smuggler: "):  # in any language
            raise RuntimeError(f"a case file with an unknown field was refused as {exc.problems}") from exc
    else:
        raise RuntimeError("a case file with an unknown field was accepted")
    return "a case file read and one refused by the JSON Schema"


def _fts5() -> str:
    from db import cipher

    conn = cipher.dbapi2.connect(":memory:")
    conn.execute(cipher.key_pragma(bytes(cipher.KEY_BYTES)))
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    version = conn.execute("PRAGMA cipher_version").fetchone()[0]
    return f"SQLCipher {version} (SQLite {cipher.dbapi2.sqlite_version}) with FTS5"


def _crypto() -> str:
    import pyrage

    identity = pyrage.x25519.Identity.generate()
    secret = pyrage.decrypt(pyrage.encrypt(b"x", [identity.to_public()]), [identity])
    if bytes(secret) != b"x":
        raise RuntimeError("age round trip failed")
    return "age (pyrage), Argon2id, ChaCha20-Poly1305"


def _zones() -> str:
    from app.zones import DEFAULT_ZONE, load_zone

    # A frozen build without the tzdata package cannot open a register on Windows: found here.
    zone = load_zone(DEFAULT_ZONE)
    return f"time zone {zone.key} (UTC{datetime(2026, 1, 1, tzinfo=UTC).astimezone(zone):%z})"


def _self_test_clock() -> datetime:
    return datetime(2026, 1, 3, 12, 0, tzinfo=UTC)


@contextmanager
def _scratch_register() -> Iterator[tuple[Any, Any, Any]]:
    """A throw-away post register in a temporary folder, its admin logged in, with one draft case
    (goods that the search must find): (context, actor, case)."""
    from decimal import Decimal

    from app.domain import CaseInput, GoodsInput
    from app.register import init_register

    os.environ.setdefault("OUTPOST_ARGON2_PROFILE", "test")
    with tempfile.TemporaryDirectory() as tmp:
        # Its own clock, the day after the case: a laptop whose clock is wrong (a flat CMOS battery)
        # must not fail the self-test with "the case is in the future".
        ctx = init_register(Path(tmp) / "reg", kind="post", code="BP-TEST", name="Self-test",
                            admin_username="admin", admin_password="self-test-pass", clock=_self_test_clock)
        try:
            actor = ctx.login("admin", "self-test-pass")
            case = ctx.cases.create(actor, CaseInput(
                occurred_at=datetime(2026, 1, 2, 23, 0, tzinfo=UTC), violation_group="prohibited_smuggled",
                goods=(GoodsInput("cigarettes", Decimal(15), "cây", "Thuốc lá Hero"),),
            ))
            yield ctx, actor, case
        finally:
            ctx.close()


def _register() -> str:
    from app import audit
    from app.domain import CaseFilter

    with _scratch_register() as (ctx, actor, _case):
        found = ctx.cases.list(actor, CaseFilter(query="thuoc la hero"))
        # An informant sealed to the checked tip key and opened again (app.tip_keys, keywrap, age).
        tip = ctx.tips.add(actor, received_at=datetime(2026, 1, 2, 22, 0, tzinfo=UTC), channel="phone",
                           content="self-test", informant="Self-test")
        informant = ctx.tips.read_informant(actor, tip.id, "self-test-pass")
        with ctx.sessions.engine.connect() as conn:
            report = audit.verify(conn, register_key=ctx.key)
    if len(found) != 1 or not report.ok or informant != "Self-test":
        raise RuntimeError(
            f"search found {len(found)}, audit problems {report.problems}, informant opened: {informant!r}"
        )
    return "register created, case saved, found and verified, tip-off sealed and opened"


def _printing() -> str:
    """A form with its QR code, a monthly report with its charts, its workbook and the case list as a
    workbook: the libraries behind them load modules by name (ReportLab's barcodes), which a frozen
    build misses unless it was told to collect them."""
    from app import exports
    from app.domain import CaseFilter
    from app.forms import print_form
    from app.report_charts import report_chart_flowables
    from app.report_pdf import report_pdf
    from app.report_xlsx import report_xlsx
    from app.reports import Scope, agency_lines, build_report, parse_period

    with _scratch_register() as (ctx, actor, case):
        form = print_form(ctx, actor, "MBB01", case.number)
        scope = Scope()
        report = build_report(ctx, actor, "monthly", parse_period(ctx, "monthly", "2026-01", scope), scope)
        annex = report_chart_flowables(ctx, actor, report, scope)
        pdf, pages = report_pdf(report, agency_lines(ctx, actor), ctx.settings.place_name, annex)
        book = report_xlsx(report)
        listed = ctx.paths.data_dir / "cases.xlsx"
        exports.export_cases(ctx, actor, CaseFilter(), "xlsx", listed)
        listed_book = listed.read_bytes()
    for name, data, start in (("form", form.pdf, b"%PDF-"), ("report", pdf, b"%PDF-"),
                              ("report workbook", book, b"PK"), ("case list workbook", listed_book, b"PK")):
        if not data.startswith(start):
            raise RuntimeError(f"the {name} is not a {'PDF' if start == b'%PDF-' else 'workbook'}")
    if not annex:
        raise RuntimeError("the monthly report has no charts")
    return f"form {form.code} ({form.pages} page(s)), monthly report with charts ({pages} pages), workbooks"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("integrity", _resource_files),
    ("resources", _resources),
    ("catalogs", _catalogs),
    ("files", _files),
    ("sqlite", _fts5),
    ("crypto", _crypto),
    ("zones", _zones),
    ("register", _register),
    ("printing", _printing),
]


def run_self_test(
    extra: list[tuple[str, Callable[[], str]]] | None = None,
) -> Iterator[tuple[str, bool, str]]:
    """Run the core checks and the front end's own (``extra``), reporting each."""
    for name, check in [*CHECKS, *(extra or [])]:
        try:
            yield name, True, check()
        except CheckFailed as exc:
            yield name, False, str(exc)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none is fatal here
            yield name, False, f"{type(exc).__name__}: {exc}"
