"""A replaced laptop takes over its station, and a post rotates its keys (issue 17 item 6), end to end
through the command line: restore with the recovery key, re-key request, HQ's accept, the install, and
the next export continuing the sequence at HQ; the old key is refused from the re-key on, and papers it
signed before stay genuine, saying when it was retired."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from app.forms import print_form
from tests.helpers.cases import EXAMPLE_CASE, sample_case
from tests.helpers.cli import outpost
from tests.helpers.sync import PASSPHRASE, Pair

NEW_PASSPHRASE = "khoa-may-moi-2"


def _export(data_dir: Path, folder: Path, env: dict[str, str]) -> dict[str, object]:
    folder.mkdir()
    done = outpost(data_dir, "--json", "export", "--out", str(folder), env=env)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_replaced_laptop_takes_over_its_station(pair: Pair, tmp_path: Path) -> None:
    post, hq = pair.post, pair.hq
    recovery = post.ctx.recovery_key
    assert recovery is not None
    first = post.ctx.cases.create(post.officer, sample_case()).number
    second = post.ctx.cases.create(post.officer, sample_case()).number
    post.ctx.close()
    hq.ctx.close()
    old_env = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}

    sent = _export(post.data_dir, tmp_path / "usb1", old_env)
    assert outpost(hq.data_dir, "import", *sent["files"], env=old_env).returncode == 0  # type: ignore[misc]
    backup = tmp_path / "safe" / "backup.sqlite"
    backup.parent.mkdir()
    assert outpost(post.data_dir, "backup", "--out", str(backup)).returncode == 0
    # After the backup the old laptop changes a case and sends it: HQ is ahead of the backup.
    assert outpost(post.data_dir, "--user", "officer", "case", "submit", first).returncode == 0
    sent = _export(post.data_dir, tmp_path / "usb2", old_env)
    assert outpost(hq.data_dir, "import", *sent["files"], env=old_env).returncode == 0  # type: ignore[misc]

    # The laptop is stolen. A new one restores the backup with the recovery key.
    laptop = tmp_path / "new-laptop"
    restored = outpost(laptop, "restore", str(backup), "--recovery-key", password=None,
                       env={"OUTPOST_RECOVERY_KEY": recovery})
    assert restored.returncode == 0, restored.stderr
    assert not (laptop / "keys").exists()  # the station's keys are never in a backup
    env = {"OUTPOST_KEY_PASSPHRASE": NEW_PASSPHRASE}
    not_yet = outpost(laptop, "export", "--out", str(tmp_path), env=env)
    assert not_yet.returncode != 0

    request_file = str(tmp_path / "rekey.json")
    asked = outpost(laptop, "--json", "enroll", "rekey-request", "--out", request_file, env=env)
    assert asked.returncode == 0, asked.stderr
    request = json.loads(asked.stdout)
    assert request["rotation"] is False
    fingerprint = request["station_fingerprint"]
    wrong = outpost(hq.data_dir, "enroll", "rekey-accept", str(tmp_path / "rekey.json"), "--fingerprint",
                    "AAAA BBBB CCCC DDDD EEEE", "--out", str(tmp_path / "rekey-reply.json"), env=old_env)
    assert wrong.returncode == 2 and "compare it again by phone" in wrong.stderr
    assert not (tmp_path / "rekey-reply.json").exists()
    accepted = outpost(hq.data_dir, "--json", "enroll", "rekey-accept", str(tmp_path / "rekey.json"),
                       "--fingerprint", fingerprint.lower().replace(" ", ""), "--out",
                       str(tmp_path / "rekey-reply.json"), env=old_env)
    assert accepted.returncode == 0, accepted.stderr
    assert (json.loads(accepted.stdout)["received_up_to"], json.loads(accepted.stdout)["highest"]) == (3, 3)

    installed = outpost(laptop, "--json", "enroll", "install", str(tmp_path / "rekey-reply.json"), env=env)
    assert installed.returncode == 0, installed.stderr
    done = json.loads(installed.stdout)
    assert done["aligned"] == [first]  # changed on the old laptop after the backup
    assert (done["received_up_to"], done["next_seq"]) == (3, 4)
    assert (laptop / "keys" / "signing.key").is_file() and not (laptop / "keys" / "pending").exists()
    assert outpost(laptop, "audit", "verify").returncode == 0

    # The new laptop works on: its changes continue the sequence HQ holds, and HQ applies them.
    assert outpost(laptop, "--user", "officer", "case", "submit", first).returncode == 0
    source = tmp_path / "new.json"
    source.write_text(json.dumps(EXAMPLE_CASE, ensure_ascii=False), encoding="utf-8")
    assert outpost(laptop, "case", "add", str(source)).returncode == 0
    sent = _export(laptop, tmp_path / "usb3", env)
    assert (sent["first_seq"], sent["last_seq"]) == (4, 5)
    imported = outpost(hq.data_dir, "import", *sent["files"], env=old_env)  # type: ignore[misc]
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)
    assert (summary["new"], summary["updated"], summary["missing"]) == (1, 1, {"BP-VX": []})
    shown = json.loads(outpost(hq.data_dir, "--json", "case", "show", first).stdout)
    assert shown["version"] == 3

    # The thief's laptop still has the old key: what it signs now is refused, naming the re-key.
    assert outpost(post.data_dir, "--user", "officer", "case", "submit", second).returncode == 0
    sent = _export(post.data_dir, tmp_path / "usb-old", old_env)
    refused = outpost(hq.data_dir, "import", *sent["files"], env=old_env)  # type: ignore[misc]
    assert refused.returncode != 0
    assert "signed by the key of BP-VX that HQ replaced on" in refused.stdout + refused.stderr
    assert outpost(hq.data_dir, "audit", "verify").returncode == 0


def test_rotating_the_keys_on_demand(pair: Pair, tmp_path: Path) -> None:
    post, hq = pair.post, pair.hq
    post.ctx.cases.create(post.officer, sample_case())
    post.ctx.close()
    hq.ctx.close()
    env = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    sent = _export(post.data_dir, tmp_path / "usb1", env)
    assert outpost(hq.data_dir, "import", *sent["files"], env=env).returncode == 0  # type: ignore[misc]
    request_file = str(tmp_path / "rotate.json")
    asked = outpost(post.data_dir, "--json", "enroll", "rotate", "--out", request_file, env=env)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["rotation"] is True
    # Until HQ's reply is installed, the old key still signs (the new one is only pending).
    pending = _export(post.data_dir, tmp_path / "usb-pending", env)
    accepted = outpost(hq.data_dir, "--json", "enroll", "rekey-accept", str(tmp_path / "rotate.json"),
                       "--fingerprint", json.loads(asked.stdout)["station_fingerprint"], "--out",
                       str(tmp_path / "rekey-reply.json"), env=env)
    assert accepted.returncode == 0 and json.loads(accepted.stdout)["rotation"] is True
    late = outpost(hq.data_dir, "import", *pending["files"], env=env)  # type: ignore[misc]
    assert late.returncode != 0 and "replaced on" in late.stdout + late.stderr
    reply_file = str(tmp_path / "rekey-reply.json")
    installed = outpost(post.data_dir, "--json", "enroll", "install", reply_file, env=env)
    assert installed.returncode == 0, installed.stderr
    assert json.loads(installed.stdout)["aligned"] == []
    assert list((post.data_dir / "keys").glob("retired-*/signing.key"))
    source = tmp_path / "new.json"
    source.write_text(json.dumps(EXAMPLE_CASE, ensure_ascii=False), encoding="utf-8")
    assert outpost(post.data_dir, "case", "add", str(source)).returncode == 0
    sent = _export(post.data_dir, tmp_path / "usb2", env)
    imported = outpost(hq.data_dir, "import", *sent["files"], env=env)  # type: ignore[misc]
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["missing"] == {"BP-VX": []}
    again = outpost(hq.data_dir, "enroll", "rekey-accept", request_file, "--fingerprint",
                    json.loads(asked.stdout)["station_fingerprint"], "--out", str(tmp_path / "r2.json"),
                    env=env)
    assert again.returncode == 2 and "has this key already" in again.stderr


def _verify_print(data_dir: Path, paper: str) -> tuple[int, str, dict[str, object]]:
    """``verify-print`` as text and as --json: its exit code, its sentence and its result."""
    said = outpost(data_dir, "verify-print", paper)
    result = outpost(data_dir, "--json", "verify-print", paper)
    assert said.returncode == result.returncode, said.stderr + result.stderr
    return said.returncode, said.stdout, json.loads(result.stdout)


@pytest.mark.both_engines
def test_a_paper_signed_before_a_re_key_stays_genuine_and_says_so(pair: Pair, tmp_path: Path) -> None:
    post, hq = pair.post, pair.hq
    made = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.cases.submit(post.officer, made.id)
    post.ctx.cases.approve(post.chief, made.id)
    paper = print_form(post.ctx, post.chief, "MBB01", made.id, PASSPHRASE).payload
    forged = paper.rsplit(":", 1)[0] + ":" + "A" * 86
    post.ctx.close()
    hq.ctx.close()
    env = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    sent = _export(post.data_dir, tmp_path / "usb1", env)
    assert outpost(hq.data_dir, "import", *sent["files"], env=env).returncode == 0  # type: ignore[misc]
    for data_dir in (post.data_dir, hq.data_dir):  # before the re-key: the station's current key
        code, _text, result = _verify_print(data_dir, paper)
        assert (code, result["key"], result["key_retired_at"]) == (0, "current", None)

    request_file = str(tmp_path / "rotate.json")
    asked = outpost(post.data_dir, "--json", "enroll", "rotate", "--out", request_file, env=env)
    assert asked.returncode == 0, asked.stderr
    reply_file = tmp_path / "rekey-reply.json"
    accepted = outpost(hq.data_dir, "enroll", "rekey-accept", request_file, "--fingerprint",
                       json.loads(asked.stdout)["station_fingerprint"], "--out", str(reply_file), env=env)
    assert accepted.returncode == 0, accepted.stderr
    installed = outpost(post.data_dir, "enroll", "install", str(reply_file), env=env)
    assert installed.returncode == 0, installed.stderr
    rekeyed_at = datetime.fromisoformat(json.loads(reply_file.read_text(encoding="utf-8"))["created_at"])

    # Signed with the key the re-key retired: genuine at the post and at HQ, and saying when it retired.
    for data_dir in (post.data_dir, hq.data_dir):
        code, text, result = _verify_print(data_dir, paper)
        assert code == 0 and result["genuine"] is True and result["signature"] == "valid", text
        retired_at = datetime.fromisoformat(str(result["key_retired_at"]))
        assert (result["key"], retired_at) == ("retired", rekeyed_at)
        assert text.startswith("genuine") and "signed with the station key retired on " in text, text
        refused = outpost(data_dir, "--json", "verify-print", forged)
        assert refused.returncode == 9 and json.loads(refused.stdout)["genuine"] is False, refused.stdout
    # A paper the new key signs is the current key's.
    fresh = outpost(post.data_dir, "--user", "chief", "--json", "form", "MBB01", made.id, "--pdf",
                    str(tmp_path / "new.pdf"), env=env)
    assert fresh.returncode == 0, fresh.stderr
    code, _text, result = _verify_print(post.data_dir, json.loads(fresh.stdout)["code"])
    assert (code, result["key"]) == (0, "current")

    # HQ then revokes the station (the laptop is gone after all): the old paper says both.
    assert outpost(hq.data_dir, "station", "revoke", "BP-VX", "--reason", "laptop stolen").returncode == 0
    code, text, result = _verify_print(hq.data_dir, paper)
    assert code == 0 and result["key"] == "retired" and result["station_revoked_at"] is not None
    assert "signed with the station key retired on " in text and "station BP-VX was revoked on " in text, text
