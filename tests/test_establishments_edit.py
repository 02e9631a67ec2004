"""Correcting an establishment (issue 19 item 2): a new version sealed into the audit chain that reaches HQ
with the next bundle; refused from an old version, at a station that did not register it, for a role
that may not register, and when it would make it another registered establishment (named); the same
through ``outpost establishment edit``."""

from __future__ import annotations

import json

import pytest

from app import audit
from app.context import Context
from app.errors import PermissionDenied, ValidationError, WorkflowError
from app.establishments import EstablishmentInput, EstablishmentService
from tests.helpers.cli import outpost
from tests.helpers.registers import Post
from tests.helpers.sync import Pair, export_parts, import_at_hq

SHOP = EstablishmentInput(
    "Cửa hàng Tạp hóa Minh Châu", "shop", "Ấp Phú Lợi", commune_code="30385", tax_code="0312345678"
)
STORE = EstablishmentInput("Kho hàng Đường Biên", "warehouse", "Tổ 3", commune_code="30325")


def _chain_holds(ctx: Context) -> None:
    with ctx.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=ctx.key).problems == []


def test_a_correction_is_a_new_version_that_reaches_hq_and_is_refused_when_it_should_be(pair: Pair) -> None:
    post, hq = pair.post, pair.hq
    service = EstablishmentService(post.ctx)
    shop, store = (a.establishment for a in service.add(post.officer, [SHOP, STORE]))
    corrected = EstablishmentInput(
        "Cửa hàng Tạp hóa Minh Châu 2", "shop", "Số 12, ấp Phú Lợi", commune_code="30385",
        tax_code="0312345678",
    )
    done = service.update(post.officer, shop.id, corrected, shop.version)
    assert (done.name, done.address, done.version) == ("Cửa hàng Tạp hóa Minh Châu 2", "Số 12, ấp Phú Lợi", 2)
    assert service.update(post.officer, shop.id, corrected, 2).version == 2  # nothing changed: no new version

    with pytest.raises(WorkflowError, match="version 2"):
        service.update(post.chief, shop.id, SHOP, 1)  # read before the correction
    with pytest.raises(PermissionDenied):
        service.update(post.analyst, shop.id, SHOP, 2)
    copy = EstablishmentInput(STORE.name, "warehouse", commune_code="30325", tax_code="0312345678")
    with pytest.raises(ValidationError) as refused:
        service.update(post.officer, store.id, copy, store.version)
    (why,) = refused.value.problems
    assert "Cửa hàng Tạp hóa Minh Châu 2" in why and "0312345678" in why, why
    renamed = EstablishmentInput("cua hang tap hoa minh chau 2", "warehouse", commune_code="30385")
    with pytest.raises(ValidationError, match="already registered under this name"):
        service.update(post.officer, store.id, renamed, store.version)
    _chain_holds(post.ctx)

    summary = import_at_hq(pair, export_parts(pair, "out"))
    assert summary.rejected == [] and summary.establishments == 2
    at_hq = EstablishmentService(hq.ctx)
    (held,) = at_hq.list(hq.admin, "minh chau")
    assert (held.name, held.address, held.version, held.origin_code) == (done.name, done.address, 2, "BP-VX")
    with pytest.raises(WorkflowError, match="another station"):
        at_hq.update(hq.admin, held.id, SHOP, held.version)  # owner wins: only Vĩnh Xương corrects it
    _chain_holds(hq.ctx)


def test_the_command_line_corrects_an_establishment_by_the_start_of_its_id(post: Post) -> None:
    (added,) = EstablishmentService(post.ctx).add(post.officer, [SHOP])
    post.ctx.close()
    shop = {"name": SHOP.name, "kind": "trader", "address": "Chợ Phú Lợi", "commune_code": "30385",
            "tax_code": "0312345678"}
    done = outpost(post.data_dir, "--user", "officer", "--json", "establishment", "edit",
                   added.establishment.id[:8], "-", stdin=json.dumps(shop))
    assert done.returncode == 0, done.stderr
    assert {k: json.loads(done.stdout)[k] for k in ("kind", "address", "version")} == {
        "kind": "trader", "address": "Chợ Phú Lợi", "version": 2}
