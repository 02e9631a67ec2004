"""The USB stick automatic backups are copied to (issue 20 item 1): which drives are removable (Linux's
sysfs, made up here), finding the stick again under another mount point, and the copy kept to N."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app.backup import list_backups, rotate
from app.stick import Volume, choose, copy_to_stick, is_removable, locate, removable
from tests.helpers.clock import Clock
from tests.helpers.registers import Post


def _sysfs(root: Path, disk: str, flag: str, bus: str = "pci0000:00/ata1") -> None:
    device = root / "devices" / bus / "block" / disk
    (device / f"{disk}1").mkdir(parents=True)
    (device / f"{disk}1" / "partition").write_text("1")
    (device / "removable").write_text(flag + "\n")
    links = root / "class" / "block"
    links.mkdir(parents=True, exist_ok=True)
    (links / f"{disk}1").symlink_to(device / f"{disk}1")
    (links / disk).symlink_to(device)


def test_removable_drives_are_told_from_fixed_ones(tmp_path: Path) -> None:
    sys_root = tmp_path / "sys"
    _sysfs(sys_root, "sda", "0")
    _sysfs(sys_root, "sdb", "1")
    _sysfs(sys_root, "sdc", "0", bus="pci0000:00/usb2/2-1")  # a stick that calls itself a fixed disk
    disk = Volume(Path("/"), "", "/dev/sda1")
    stick = Volume(Path("/media/chief/OUTPOST"), "OUTPOST", "/dev/sdb1")
    other = Volume(Path("/media/chief/KINGSTON"), "KINGSTON", "/dev/sdc1")
    tmpfs = Volume(Path("/run"), "", "tmpfs")
    found = removable([disk, stick, other, tmpfs], sys_root=sys_root)
    assert [v.label for v in found] == ["KINGSTON", "OUTPOST"]
    assert not is_removable(Volume(Path("/mnt"), "", "/dev/nvme0n1p9"), sys_root=sys_root)  # not in sysfs


def test_the_stick_is_found_again_under_another_mount_point(tmp_path: Path) -> None:
    first = Volume(tmp_path / "media" / "OUTPOST", "OUTPOST")
    label, root, folder = choose(first.root / "sao-luu" / "outpost", [Volume(tmp_path, "disk"), first])
    assert (label, folder) == ("OUTPOST", str(Path("sao-luu/outpost")))
    assert locate(label, root, folder, [first]).folder == first.root / "sao-luu" / "outpost"
    moved = Volume(tmp_path / "F", "OUTPOST")  # Windows gave it another letter
    assert locate(label, root, folder, [Volume(tmp_path, "disk"), moved]).folder == moved.root / folder
    absent = locate(label, root, folder, [Volume(tmp_path, "disk")])
    assert absent.folder is None and "OUTPOST" in absent.reason and "not plugged in" in absent.reason
    assert "no USB stick" in locate("", "", "", [first]).reason


def test_backups_are_copied_whole_and_the_newest_n_kept(post: Post, tmp_path: Path, clock: Clock) -> None:
    stick = tmp_path / "stick" / "backups"
    copied = []
    for _ in range(3):
        made = rotate(post.ctx, 5)
        copied.append(copy_to_stick(made, stick, 2))
        clock.advance(timedelta(hours=1))
    on_stick = list_backups(stick)
    assert [b.path for b in on_stick] == [copied[2], copied[1]]
    assert (copied[2] / "register.sqlite").read_bytes() == (made / "register.sqlite").read_bytes()
    assert not [p for p in stick.iterdir() if p.name.startswith(".")]  # nothing half written left
