"""Log-in, lock-out, passwords and the tip key that follows them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.errors import AuthError, PermissionDenied, ValidationError
from tests.helpers.clock import Clock
from tests.helpers.registers import PASSWORD, Post


def test_wrong_password_counts_down_then_locks(post: Post) -> None:
    for left in (4, 3, 2, 1):
        with pytest.raises(AuthError, match=f"{left} attempt"):
            post.ctx.login("officer", "wrong-password")
    with pytest.raises(AuthError, match="locked for 15 minutes"):
        post.ctx.login("officer", "wrong-password")
    with pytest.raises(AuthError, match="is locked"):
        post.ctx.login("officer", PASSWORD)  # even the right password, while locked


def test_lock_expires_and_admin_can_unlock(post: Post, clock: Clock) -> None:
    for _ in range(5):
        with pytest.raises(AuthError):
            post.ctx.login("officer", "nope-nope")
    clock.advance(timedelta(minutes=16))
    assert post.ctx.login("officer", PASSWORD).role == "officer"
    for _ in range(5):
        with pytest.raises(AuthError):
            post.ctx.login("chief", "nope-nope")
    post.ctx.users.unlock(post.admin, "chief")
    assert post.ctx.login("chief", PASSWORD).role == "chief"


def test_unknown_user_is_refused(post: Post) -> None:
    with pytest.raises(AuthError, match="unknown"):
        post.ctx.login("ghost", PASSWORD)


def test_only_admins_manage_users(post: Post) -> None:
    with pytest.raises(PermissionDenied):
        post.ctx.users.add(post.chief, "newbie", role="officer", full_name="X", password=PASSWORD)


@pytest.mark.parametrize(
    ("username", "role", "message"),
    [("Bad Name", "officer", "username"), ("ok", "boss", "role"), ("chief", "officer", "taken")],
)
def test_bad_user_input_is_refused(post: Post, username: str, role: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        post.ctx.users.add(post.admin, username, role=role, full_name="X", password=PASSWORD)


def test_short_password_is_refused(post: Post) -> None:
    with pytest.raises(AuthError, match="at least 8"):
        post.ctx.users.add(post.admin, "shorty", role="officer", full_name="X", password="1234")


def test_the_admins_own_password_is_checked_before_anyone_is_added(post: Post) -> None:
    """A mistyped password would otherwise add a chief silently without the station's tip key."""
    with pytest.raises(AuthError, match="your own password is wrong"):
        post.ctx.users.add(post.admin, "truong", role="chief", full_name="X", password="chief-pass-1",
                           actor_password="not-the-password")
    assert "truong" not in [v.username for v in post.ctx.users.list(post.admin)]
    added = post.ctx.users.add(post.admin, "truong", role="chief", full_name="X", password="chief-pass-1",
                               actor_password=PASSWORD)
    assert added.can_read_tips


def test_password_change_keeps_the_tip_key(post: Post) -> None:
    tip = post.ctx.tips.add(post.officer, received_at=datetime(2026, 1, 1, tzinfo=UTC),
                            channel="in person", content="x", informant="Nguồn tin A")
    post.ctx.users.change_password(post.chief, PASSWORD, "another-pass-2")
    with pytest.raises(AuthError):
        post.ctx.login("chief", PASSWORD)
    chief = post.ctx.login("chief", "another-pass-2")
    assert post.ctx.tips.read_informant(chief, tip.id, "another-pass-2") == "Nguồn tin A"
    with pytest.raises(PermissionDenied):
        post.ctx.tips.read_informant(post.officer, tip.id, PASSWORD)


def test_every_permission_has_a_phrase_in_english_and_vietnamese() -> None:
    from app import i18n
    from app.auth import ACTION_TEXT, PERMISSIONS

    assert set(ACTION_TEXT) == set(PERMISSIONS)
    i18n.set_language("vi")
    untranslated = [phrase for phrase in ACTION_TEXT.values() if i18n._(phrase) == phrase]
    assert untranslated == []


def test_a_lock_out_message_tells_the_posts_time_whatever_the_computers_zone(
    post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A laptop set to another time zone still tells the post's time (UTC+7): the register's clock
    stands at 09:30 on 25/11/2026 at the post, 21:30 the day before in New York."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        for _ in range(5):
            with pytest.raises(AuthError):
                post.ctx.login("officer", "nope-nope")
        with pytest.raises(AuthError) as refused:
            post.ctx.login("officer", PASSWORD)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "until 09:4" in str(refused.value) and "25/11/2026" in str(refused.value)


def test_an_analyst_refused_a_return_bundle_is_told_that_is_what_was_refused(tmp_path: Path) -> None:
    from app.sync.replies import make_reply
    from tests.helpers.registers import make_hq

    hq = make_hq(tmp_path / "hq")
    analyst = dataclasses.replace(hq.admin, username="ana", role="analyst")
    with pytest.raises(PermissionDenied) as refused:
        make_reply(hq.ctx, analyst, "mat-khau-khoa-1", "BP-VX", tmp_path)
    hq.ctx.close()
    assert "may not write return bundles for the posts" in refused.value.message
    assert "import" not in refused.value.message
