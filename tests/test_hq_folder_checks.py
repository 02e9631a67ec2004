"""HQ's data folder and its database belong together: a URL naming another database, a --db-url that
is not PostgreSQL and keys of another station are refused before anything is written (issue 18's
new-user trial on PostgreSQL)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.errors import RegisterError
from app.sync import enrol, keys
from app.sync.hq_import import import_bundles
from tests.helpers.cli import outpost
from tests.helpers.postgres import PostgresServer
from tests.helpers.registers import make_hq
from tests.helpers.sync import PASSPHRASE


def test_a_url_naming_another_database_than_the_folders_is_refused(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    other_url = postgres_server.new_database()
    try:
        make_hq(tmp_path / "ag", code="BCH-AG", db_url=postgres_url).ctx.close()
        make_hq(tmp_path / "z", code="BCH-Z", db_url=other_url).ctx.close()
        # The variable naming BCH-Z's database while the folder is BCH-AG's: refused, naming both.
        wrong = outpost(tmp_path / "ag", "case", "list", "--json", env={"OUTPOST_DB_URL": other_url})
        assert wrong.returncode == 7, wrong.stderr
        assert "Traceback" not in wrong.stderr and wrong.stdout == ""
        ag_name, z_name = postgres_url.rsplit("/", 1)[1], other_url.rsplit("/", 1)[1]
        assert ag_name in wrong.stderr and z_name in wrong.stderr
        # The same database with a password (only the password is the variable's to give) opens.
        with_password = postgres_url.replace("postgres@", "postgres:mat-khau@")
        right = outpost(tmp_path / "ag", "case", "list", "--json", env={"OUTPOST_DB_URL": with_password})
        assert right.returncode == 0, right.stderr
    finally:
        postgres_server.drop_database(other_url)


def test_db_url_is_for_postgresql_only(tmp_path: Path) -> None:
    for url, said in (
        (f"sqlite:///{tmp_path}/x.db", "only PostgreSQL"),
        ("mysql://outpost@db.local/outpost", "only PostgreSQL"),
    ):
        done = outpost(tmp_path / "hq", "--db-url", url, "init", "hq", "--code", "BCH-AG", "--name", "HQ",
                       "--admin", "admin")
        assert done.returncode == 2, done.stderr
        assert said in done.stderr and "pip install" not in done.stderr
        assert not (tmp_path / "x.db").exists() and not (tmp_path / "hq").exists()


def test_an_hq_folder_with_another_stations_keys_is_refused(tmp_path: Path) -> None:
    own = make_hq(tmp_path / "z", code="BCH-Z")
    other = make_hq(tmp_path / "ag", code="BCH-AG")
    for hq in (own, other):
        enrol._hq_keys(hq.ctx, hq.admin, PASSPHRASE)  # as the first 'enroll accept' makes them
    signing = keys.load_signing_key(own.data_dir, PASSPHRASE)
    registered = keys.fingerprint(keys.raw_public(signing.public_key()))
    shutil.rmtree(own.data_dir / "keys")
    with pytest.raises(RegisterError, match="missing"):
        enrol._hq_keys(own.ctx, own.admin, PASSPHRASE)
    assert not (own.data_dir / "keys").exists()  # no new key made in place of the lost one
    shutil.copytree(other.data_dir / "keys", own.data_dir / "keys")
    with pytest.raises(RegisterError, match="belong to different stations") as refused:
        enrol._hq_keys(own.ctx, own.admin, PASSPHRASE)
    assert registered in refused.value.message and "BCH-Z" in refused.value.message
    with pytest.raises(RegisterError, match="belong to different stations"):  # import checks them too
        import_bundles(own.ctx, own.admin, PASSPHRASE, [])
    for hq in (own, other):
        hq.ctx.close()
