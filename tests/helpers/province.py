"""A province: several posts, each with its own demo cases, all sent to one HQ through real bundles.

The province report's tests and the look at its PDF start from here: each post's cases reach HQ as
they would in the field (export at the post, signed and encrypted bundle, import at HQ)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from app.demo import generate_demo
from app.register import init_register
from tests.helpers.registers import PASSWORD, Post, make_hq
from tests.helpers.sync import Pair, enrol_post, export_parts, import_at_hq

# (code, name): posts of An Giang; a long code shows how the PDF sets a long case number.
POSTS = (
    ("BP-VX", "Đồn Biên phòng Vĩnh Xương"),
    ("BP-TB", "Đồn Biên phòng Tịnh Biên"),
    ("BP-DEMO", "Đồn Biên phòng Khánh Bình"),
)


def province(
    tmp: Path,
    clock: Callable[[], datetime],
    db_url: str | None = None,
    *,
    cases: int = 60,
    posts: Sequence[tuple[str, str]] = POSTS,
) -> tuple[Post, list[Post]]:
    """HQ (on ``db_url``, else SQLite) holding every case of ``posts``, each with ``cases`` demo cases
    of its own seed; returns HQ and the posts (still open: their own reports are the reference)."""
    hq = make_hq(tmp / "hq", clock=clock, db_url=db_url)
    made = []
    for index, (code, name) in enumerate(posts):
        folder = tmp / code.lower()
        ctx = init_register(
            folder,
            kind="post",
            code=code,
            name=name,
            admin_username="admin",
            admin_password=PASSWORD,
            clock=clock,
        )
        admin = ctx.login("admin", PASSWORD)
        post = Post(ctx, admin, admin, admin, admin, folder)
        generate_demo(ctx, admin, cases=cases, seed=index + 1)  # before enrolment: a post then refuses
        enrol_post(post, hq, tmp, f"-{code.lower()}")
        pair = Pair(post, hq, tmp)
        summary = import_at_hq(pair, export_parts(pair, f"out-{code.lower()}"))
        assert summary.rejected == [], summary.rejected
        made.append(post)
    return hq, made
