"""Realistic synthetic cases for trying Outpost and for benchmarking it (``outpost demo``, DESIGN §9).

The cases look like a border post's register in An Giang (DOMAIN §1, §3, §6): seizures at night
near numbered border markers, mostly cigarettes from Cambodia and Thai sugar, most of them ownerless,
spread over the three years before today. Hamlets, markers, people, ID numbers, plates, decision
numbers and legal references are invented or sample text; the commune codes, commodity codes and
units come from the reference data, so that every code is valid.

Everything is derived from ``random.Random(seed)``: the same seed on the same day gives the same
cases (ids, numbers, contents, workflow times) in any fresh register. Only the audit and change-log
entries record when the demo really ran.

Speed: a million cases must cost no more than a few times a raw ``executemany`` of the same rows.
So no ORM objects: rows are built as lists in exactly the form the SQLAlchemy column types store
(``utc_text``, ``decimal_text``, JSON text, 1/0) and written through the DBAPI cursor, one write
transaction per batch, with everything the normal save path (``app.cases``) writes: the case and its
goods, parties and vehicles, the per-year case counters, the change log, one chained ``create``
audit event per case sealing the canonical state that ``app.audit.verify`` recomputes, and the row of
the search index. Two hand-built things are checked against the functions they stand for on the
first case of every batch: the sealed state (``serialize.case_state``) and the search text
(``search.case_search_body``).
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Table
from sqlalchemy.orm import Session

from app import tallies
from app.audit import GENESIS, event_hash
from app.auth import require
from app.domain import Actor
from app.errors import AppError
from app.progress import CancelToken, Progress, no_progress
from app.reference import Reference
from app.search import rows_search_body
from app.serialize import CASES, CHILD_TABLES, case_state, state_hash
from app.text import fold, format_plate, normalize_id_number, normalize_plate, normalize_vessel
from db import halves
from db.types import decimal_text, utc_text

if TYPE_CHECKING:
    from app.context import Context

BATCH_SIZE = 10_000
# The share of the progress bar the storing of report tallies takes after the cases: 1 in 50.
TALLY_SHARE = 50
YEARS = 3
ICT = timezone(timedelta(hours=7))
OFFSET_MIN = 7 * 60
ROAD_KINDS = frozenset({"motorbike", "car", "truck"})

# ----- the stored form of rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class _TableForm:
    """Column order of a table and which of its columns SQLite stores as 1/0 or as JSON text."""

    table: Table
    columns: tuple[str, ...]
    booleans: tuple[int, ...]
    json: tuple[int, ...]

    @classmethod
    def of(cls, table: Table) -> _TableForm:
        if any(c.key != c.name for c in table.columns):
            raise AssertionError(f"{table.name}: attribute keys differ from column names")
        return cls(
            table,
            tuple(c.key for c in table.columns),
            tuple(i for i, c in enumerate(table.columns) if isinstance(c.type, Boolean)),
            tuple(i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)),
        )

    def stored(self, row: Mapping[str, Any]) -> list[Any]:
        """The values SQLAlchemy would bind for ``row``, a mapping of canonical column values."""
        values = [row[name] for name in self.columns]
        for i in self.booleans:
            values[i] = 1 if values[i] else 0
        for i in self.json:
            values[i] = json.dumps(values[i])
        return values

    def insert_sql(self, with_rowid: bool = False) -> str:
        names = ("rowid", *self.columns) if with_rowid else self.columns
        return f"INSERT INTO {self.table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


CASE_FORM = _TableForm.of(CASES)
GOODS_FORM = _TableForm.of(CHILD_TABLES["goods"])
PARTY_FORM = _TableForm.of(CHILD_TABLES["parties"])
VEHICLE_FORM = _TableForm.of(CHILD_TABLES["vehicles"])
CHANGE_LOG_SQL = (
    "INSERT INTO change_log (station_id, seq, entity, entity_id, version, at) VALUES (?, ?, ?, ?, ?, ?)"
)
AUDIT_SQL = (
    "INSERT INTO audit_events (at, station_id, actor, action, entity, entity_id, version, diff, "
    "state_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SEARCH_SQL = "INSERT INTO case_search (rowid, body) VALUES (?, ?)"
COUNTER_SQL = (
    "INSERT INTO case_counters (station_id, year, last_seq) VALUES (?, ?, ?) "
    "ON CONFLICT (station_id, year) DO UPDATE SET last_seq = excluded.last_seq"
)

# ----- what the cases are made of ---------------------------------------------------------------------

# Border communes: (name without its "Xã"/"Phường", invented hamlets, border markers, border gate,
# waterway, on the coast). Those missing from the reference data are skipped.
_BORDER = (
    ("Vĩnh Xương", ("Vĩnh Lợi", "Vĩnh Thạnh", "Vĩnh Tường"), (201, 209), "Cửa khẩu quốc tế Vĩnh Xương",
     "sông Tiền", False),
    ("Tân Châu", ("Long Hưng", "Long Thạnh", "Long Sơn"), (201, 204), None, "sông Tiền", False),
    ("Phú Hữu", ("Phú Hiệp", "Phú Thạnh", "Phú Hòa"), (210, 218), None, "sông Hậu", False),
    ("Khánh Bình", ("Khánh Hòa", "Khánh An", "Búng Bình Thiên"), (223, 231), "Cửa khẩu quốc tế Khánh Bình",
     "sông Bình Di", False),
    ("Nhơn Hội", ("Phước Hưng", "Bắc Đai", "Búng Bình Thiên"), (232, 239), None, "sông Bình Di", False),
    ("An Phú", ("Quốc Hưng", "Phước Thạnh", "An Hòa"), (240, 245), None, "sông Hậu", False),
    ("Vĩnh Tế", ("Vĩnh Đông", "Vĩnh Tây"), (246, 251), None, "kênh Vĩnh Tế", False),
    ("Tịnh Biên", ("Xuân Biên", "Xuân Hòa", "Xuân Phú"), (252, 261), "Cửa khẩu quốc tế Tịnh Biên",
     "kênh Vĩnh Tế", False),
    ("Xuân Tô", ("Xuân Hiệp", "Xuân Bình"), (258, 262), None, "kênh Vĩnh Tế", False),
    ("Vĩnh Gia", ("Vĩnh Lạc", "Vĩnh Thuận", "Vĩnh Hòa"), (262, 270), None, "kênh Vĩnh Tế", False),
    ("Vĩnh Điều", ("Đông Hưng", "Tràm Dưới", "Cống Tre"), (271, 279), None, "kênh Vĩnh Tế", False),
    ("Giang Thành", ("Tà Êm", "Kênh Mới", "Khánh Hòa"), (280, 289), "Cửa khẩu Giang Thành", "kênh Hà Giang",
     False),
    ("Hà Tiên", ("Xà Xía", "Thạch Động", "Rạch Núi"), (290, 299), "Cửa khẩu quốc tế Hà Tiên", "kênh Hà Giang",
     True),
)
_OTHER_HAMLETS = ("Tân Hiệp", "Tân Thạnh", "Bình Di", "Long Bình", "Hòa Thạnh", "Mỹ Thạnh")

_SURNAMES = ("Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Huỳnh", "Võ",
             "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Phan", "Trương", "Tô")
_MIDDLE = {"male": ("Văn", "Văn", "Văn", "Minh", "Hoàng", "Thanh", "Hữu", "Quốc", "Công", "Chí"),
           "female": ("Thị", "Thị", "Thị", "Ngọc", "Kim", "Thu", "Mỹ", "Bích")}
_GIVEN = {"male": ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Khang", "Lộc", "Minh", "Nam",
                   "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Toàn", "Trí", "Vinh", "Tuấn", "Hậu",
                   "Nghĩa", "Phong", "Thành", "Tâm", "Út", "Em", "Đức"),
          "female": ("Lan", "Hoa", "Hạnh", "Hằng", "Linh", "Mai", "Ngân", "Nhung", "Phượng", "Thảo",
                     "Trang", "Tuyết", "Yến", "Diễm", "Hương", "Loan", "Xuân")}
# Khmer Vietnamese names, common in the border communes (Chau for men, Néang for women).
_KHMER_VN = {"male": ("Chau Sóc Kha", "Chau Thanh", "Chau Ty", "Chau Sa Rinh", "Chau Phi Rum"),
             "female": ("Néang Sa Ra", "Néang Sô Phi", "Néang Thy")}
_CAMBODIAN = ("Sok Dara", "Chea Sophea", "Keo Sophal", "Mao Sokha", "Pich Rith", "Heng Sovann",
              "Chhun Vanna", "Srey Mom", "Touch Sambath", "Long Sopheap", "Ouk Vibol", "Nhem Chanthy")
_KH_PROVINCES = ("Takeo", "Kandal", "Kampot", "Prey Veng")
_OCCUPATIONS = ("Làm thuê", "Buôn bán", "Lao động tự do", "Nông dân", "Tài xế", "Ngư dân", "Không")
_ID_AUTHORITY = "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
_BRANDS = (("Hero", 40), ("Jet", 25), ("Bayon", 15), ("Scott", 15), ("Caravan", 5))
_PACKS_PER = {"bao": 1, "cây": 10, "thùng": 500}
_MODELS = {
    "motorbike": ("Honda Wave", "Honda Dream", "Yamaha Sirius", "Honda Future", "Suzuki Viva",
                  "Yamaha Exciter"),
    "car": ("Toyota Innova", "Kia Morning", "Toyota Vios", "Ford Ranger", "Mitsubishi Xpander"),
    "truck": ("Hyundai Porter", "Isuzu QKR", "Thaco Ollin", "Kia K200"),
}
_COLOURS = ("đen", "đỏ", "xanh", "trắng", "bạc", "xám")
_BOATS = {
    "ghe": ("Ghe gỗ dài khoảng {n} m, gắn máy Kohler", "Ghe gỗ sơn xanh dài khoảng {n} m"),
    "xuong": ("Xuồng composite màu xanh, máy Honda", "Xuồng gỗ nhỏ dài khoảng {n} m, không số"),
    "vo_lai": ("Vỏ lãi composite, máy Koler 13 HP", "Vỏ lãi gỗ dài khoảng {n} m, máy Honda"),
}
_HOW = {"patrol": "Tổ tuần tra", "ambush": "Tổ mật phục", "checkpoint": "Tổ chốt chặn",
        "tip": "Qua tin báo của quần chúng, tổ công tác", "inspection": "Tổ kiểm tra", "other": "Tổ công tác"}
_HIDDEN = {"border_trail": "cất giấu trong bụi rậm", "river": "cất giấu ven bờ",
           "sea": "trên phương tiện không người điều khiển"}
_ESCAPES = ("Các đối tượng bỏ hàng chạy qua biên giới.",
            "Đối tượng bỏ lại hàng hóa, lội sông chạy sang Campuchia.", "Không xác định được chủ hàng.")
_VOID_REASONS = ("Trùng với vụ đã nhập", "Nhập nhầm đơn vị phát hiện", "Vụ việc do đơn vị khác thụ lý",
                 "Lập nhầm, đã lập lại vụ khác")
_CRIMINAL_CODE = ("Bộ luật Hình sự 2015, sửa đổi, bổ sung 2017", "Điều 191 Bộ luật Hình sự 2015")
_CRIMINAL_AGENCY = "Cơ quan Cảnh sát điều tra Công an tỉnh An Giang"
_HANDOVER_AGENCIES = ("Đội Kiểm soát Hải quan tỉnh An Giang", "Đội Quản lý thị trường số 5", "Công an xã",
                      "Đội Kiểm soát phòng, chống ma túy Công an tỉnh An Giang")
_NIGHT_METHODS = (("ambush", 45), ("patrol", 40), ("tip", 15))
_DAY_METHODS = (("checkpoint", 35), ("patrol", 30), ("tip", 15), ("inspection", 15), ("other", 5))
# Fine brackets by goods value: (value below, fine from, fine to), fines in millions of đồng.
_FINES = ((3_000_000, 2, 5), (10_000_000, 5, 10), (20_000_000, 10, 20), (30_000_000, 20, 30),
          (50_000_000, 30, 50), (70_000_000, 50, 70), (None, 70, 100))
_COMMERCE = "Nghị định 98/2020/NĐ-CP, sửa đổi, bổ sung bởi Nghị định 24/2025/NĐ-CP"
_SMUGGLED = "prohibited_smuggled"
_CARRY_SMUGGLED = "Vận chuyển {} nhập lậu"
_UNKNOWN_ORIGIN = "Kinh doanh hàng hóa không rõ nguồn gốc, xuất xứ, không có hóa đơn"
_FAKE = "Buôn bán hàng giả mạo nhãn hiệu"


@dataclass(frozen=True)
class _Offer:
    """A kind of seizure other than cigarettes and sugar: the goods, how many, at what unit price."""

    group: str
    violation: str
    commodity: str
    descriptions: tuple[str, ...]
    units: tuple[str, ...]
    quantity: tuple[int, int, int]  # randrange arguments, in the unit (in tenths when ``tenths``)
    price: tuple[int, int, int]  # randrange arguments, đồng per unit
    origin: str | None
    sellable: bool  # confiscated goods are sold (proceeds of sale), not destroyed
    weight: int  # per mille of all cases
    tenths: bool = False
    criminal_from: Decimal | None = None
    legal_basis: str = _COMMERCE


_OFFERS = (
    _Offer("trade_fraud", "Vận chuyển xăng dầu không rõ nguồn gốc, xuất xứ", "fuel", ("Dầu DO",), ("lít",),
           (2_000, 60_001, 100), (17_000, 21_001, 500), None, True, 60),
    _Offer(_SMUGGLED, _CARRY_SMUGGLED.format("bia"), "alcohol", ("Bia Chang", "Bia Leo", "Bia Angkor"),
           ("lon",), (480, 7_201, 24), (9_000, 12_001, 500), "TH", True, 20),
    _Offer(_SMUGGLED, _CARRY_SMUGGLED.format("rượu ngoại"), "alcohol",
           ("Rượu Johnnie Walker", "Rượu Chivas", "Rượu vang Pháp"), ("chai",), (24, 1_201, 12),
           (150_000, 600_001, 50_000), None, True, 20),
    _Offer(_SMUGGLED, _CARRY_SMUGGLED.format("mỹ phẩm"), "cosmetics",
           ("Mỹ phẩm Thái Lan không nhãn phụ tiếng Việt", "Kem dưỡng da Thái Lan", "Sữa tắm Thái Lan"),
           ("hộp", "chai", "tuýp"), (50, 3_001, 10), (40_000, 150_001, 10_000), "TH", True, 40),
    _Offer(_SMUGGLED, _CARRY_SMUGGLED.format("hàng điện tử"), "electronics",
           ("Điện thoại di động đã qua sử dụng", "Tai nghe Bluetooth", "Đồng hồ thông minh",
            "Máy tính bảng đã qua sử dụng"), ("cái", "chiếc"), (10, 401, 1), (300_000, 3_000_001, 100_000),
           None, True, 40),
    _Offer(_SMUGGLED, _CARRY_SMUGGLED.format("thực phẩm"), "food", ("Nước tăng lực Thái Lan",), ("thùng",),
           (20, 501, 1), (180_000, 260_001, 10_000), "TH", True, 15),
    _Offer(_SMUGGLED, _CARRY_SMUGGLED.format("thực phẩm"), "food",
           ("Trái cây Thái Lan", "Khô cá Campuchia", "Bánh kẹo Thái Lan"), ("kg",), (200, 5_001, 50),
           (20_000, 80_001, 5_000), None, True, 15),
    _Offer(_SMUGGLED, "Vận chuyển hàng cấm nhập khẩu (quần áo đã qua sử dụng)", "textiles",
           ("Quần áo đã qua sử dụng",), ("kiện",), (5, 121, 1), (1_000_000, 3_000_001, 100_000), None,
           False, 20),
    _Offer(_SMUGGLED, _CARRY_SMUGGLED.format("dược phẩm"), "pharmaceuticals",
           ("Tân dược Thái Lan không rõ nguồn gốc",), ("hộp",), (20, 2_001, 10), (50_000, 400_001, 10_000),
           "TH", False, 12),
    _Offer(_SMUGGLED, _CARRY_SMUGGLED.format("thực phẩm chức năng"), "supplements",
           ("Thực phẩm chức năng Thái Lan",), ("hộp",), (20, 2_001, 10), (50_000, 400_001, 10_000),
           "TH", False, 13),
    _Offer("counterfeit_ip", _FAKE, "textiles", ("Giày thể thao giả nhãn hiệu Adidas",), ("đôi",),
           (20, 1_501, 1), (80_000, 500_001, 10_000), None, False, 6),
    _Offer("counterfeit_ip", _FAKE, "textiles", ("Quần áo giả nhãn hiệu Nike",), ("cái",),
           (20, 1_501, 1), (80_000, 300_001, 10_000), None, False, 6),
    _Offer("counterfeit_ip", _FAKE, "cosmetics", ("Mỹ phẩm giả nhãn hiệu",), ("hộp",),
           (20, 1_501, 1), (80_000, 300_001, 10_000), None, False, 6),
    _Offer("counterfeit_ip", _FAKE, "other_goods", ("Túi xách giả nhãn hiệu Louis Vuitton",), ("cái",),
           (20, 501, 1), (200_000, 500_001, 10_000), None, False, 6),
    _Offer("counterfeit_ip", _FAKE, "electronics", ("Tai nghe giả nhãn hiệu Apple",), ("cái",),
           (20, 1_001, 1), (80_000, 300_001, 10_000), None, False, 6),
    _Offer("trade_fraud", _UNKNOWN_ORIGIN, "food", ("Nước ngọt Thái Lan",), ("thùng",), (20, 801, 1),
           (150_000, 250_001, 10_000), "TH", True, 9),
    _Offer("trade_fraud", _UNKNOWN_ORIGIN, "cosmetics", ("Mỹ phẩm không rõ nguồn gốc",), ("hộp",),
           (20, 801, 1), (50_000, 200_001, 10_000), None, True, 9),
    _Offer("trade_fraud", _UNKNOWN_ORIGIN, "electronics", ("Điện thoại di động không hóa đơn",), ("cái",),
           (5, 201, 1), (1_500_000, 6_000_001, 100_000), None, True, 9),
    _Offer("trade_fraud", _UNKNOWN_ORIGIN, "sugar", ("Đường cát không hóa đơn",), ("kg",), (200, 3_001, 50),
           (18_000, 22_001, 500), None, True, 9),
    _Offer("trade_fraud", _UNKNOWN_ORIGIN, "other_goods", ("Hàng tiêu dùng không rõ nguồn gốc",), ("cái",),
           (50, 2_001, 10), (20_000, 100_001, 5_000), None, True, 9),
    _Offer(_SMUGGLED, "Vận chuyển pháo nổ", "fireworks", ("Pháo nổ",), ("kg",), (20, 401, 1),
           (500_000, 700_001, 50_000), "KH", False, 5, tenths=True, criminal_from=Decimal(6),
           legal_basis="Nghị định 144/2021/NĐ-CP"),
    _Offer(_SMUGGLED, "Vận chuyển vàng nhập lậu qua biên giới", "gold", ("Vàng trang sức",), ("g",),
           (100, 3_001, 1), (2_200_000, 2_600_001, 100_000), "KH", True, 5),
)
_CIGARETTES_WEIGHT, _SUGAR_WEIGHT = 560, 130


def _weighted[V](choices: Sequence[tuple[V, int]]) -> tuple[tuple[V, ...], tuple[int, ...]]:
    """Values and cumulative weights, for ``Random.choices``."""
    values, cumulative, total = [], [], 0
    for value, weight in choices:
        total += weight
        values.append(value)
        cumulative.append(total)
    return tuple(values), tuple(cumulative)


def _amount(value: Decimal | int) -> str:
    """A quantity as Vietnamese text: 1.200 and 3,5."""
    whole, _, fraction = decimal_text(Decimal(value)).partition(".")
    text = f"{int(whole):,}".replace(",", ".")
    return f"{text},{fraction}" if fraction else text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class _FoldCache:
    """``app.text.fold`` that remembers the texts which recur (places, names, descriptions).

    Numbers, plates and ID numbers (plain ASCII without white space) are only lowered, which is
    all ``fold`` does to them, and not remembered."""

    LIMIT = 300_000

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        folded = self.known.get(value)
        if folded is None:
            if value.isascii() and value.split() == [value]:
                return value.lower()
            if len(self.known) >= self.LIMIT:
                self.known.clear()
            folded = self.known[value] = fold(value)
        return folded


@dataclass(frozen=True)
class _Area:
    """A border commune with its hamlets, border markers and nearby places."""

    code: str
    name: str
    label: str  # the commune's name in the reference data, e.g. "Xã Vĩnh Xương"
    hamlets: tuple[str, ...]
    markers: tuple[int, int]
    gate: str | None
    waterway: str
    coast: bool


@dataclass
class _Line:
    commodity: str
    description: str
    quantity: Decimal
    unit: str
    value_vnd: int
    origin_country: str | None
    condition: str | None


@dataclass
class _Seizure:
    """What was seized and how the case is classified."""

    group: str
    violation: str
    legal_basis: str
    lines: list[_Line]
    amount: str  # for the summary: "1.200" ...
    what: str  # ... "bao thuốc lá điếu nhập lậu (Hero)"
    sellable: bool
    criminal: bool  # at or over the criminal threshold (DOMAIN §3)

    @property
    def bulky(self) -> bool:
        """Tonnes of sugar or fuel: carried by boat or truck, never on a motorbike."""
        return self.lines[0].commodity in ("sugar", "fuel") and self.lines[0].value_vnd > 20_000_000


@dataclass
class _Draft:
    """One case in canonical column values, before its number, change sequence and seal are known."""

    case: dict[str, Any]
    goods: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    vehicles: list[dict[str, Any]]
    summary_folded: str  # ``fold(case["summary"])``, put together from folded pieces


# ----- drawing cases ----------------------------------------------------------------------------------


class _Generator:
    """Draws cases from one ``random.Random``; ids come from a second one (salted with the number of
    cases already in the register) so that a second run with the same seed never reuses an id."""

    def __init__(self, reference: Reference, station_commune: str | None, seed: int, id_salt: str,
                 period: tuple[date, date, datetime], actor: str, folder: _FoldCache) -> None:
        self.reference, self.fold, self.actor = reference, folder, actor
        self.rng = random.Random(seed)
        self.ids = random.Random(f"outpost-demo/{seed}/{id_salt}")
        self.first_day, self.last_day, self.end = period
        self.areas = self._areas(reference, station_commune)
        self.decisions: dict[tuple[int, str], int] = {}
        self.brands = _weighted(_BRANDS)
        self.night_methods = _weighted(_NIGHT_METHODS)
        self.day_methods = _weighted(_DAY_METHODS)
        seizures: list[tuple[Callable[[], _Seizure], int]] = [
            (self._cigarettes, _CIGARETTES_WEIGHT), (self._sugar, _SUGAR_WEIGHT)]
        seizures += [(self._offer_drawer(offer), offer.weight) for offer in _OFFERS]
        self.seizures = _weighted(seizures)

    @staticmethod
    def _areas(reference: Reference, station_commune: str | None) -> tuple[_Area, ...]:
        by_name = {c.name.split(" ", 1)[-1]: c for c in reference.communes.values()}
        areas = tuple(
            _Area(by_name[name].code, name, by_name[name].name, hamlets, markers, gate, waterway, coast)
            for name, hamlets, markers, gate, waterway, coast in _BORDER if name in by_name
        )
        if areas:
            return areas
        # Reference data without the An Giang border communes: the station's commune, or any.
        code = station_commune if station_commune and station_commune in reference.communes \
            else min(reference.communes)
        commune = reference.communes[code]
        return (_Area(code, commune.name.split(" ", 1)[-1], commune.name, _OTHER_HAMLETS, (201, 299), None,
                      "kênh Vĩnh Tế", False),)

    def stream(self, count: int) -> Iterator[_Draft]:
        """``count`` cases in chronological order, spread over the days, busier around Tết."""
        days = (self.last_day - self.first_day).days + 1
        weights = [1.4 if (self.first_day + timedelta(d)).month in (12, 1, 2) else 1.0 for d in range(days)]
        total, running, made = sum(weights), 0.0, 0
        for offset, weight in enumerate(weights):
            running += weight
            upto = count if offset == days - 1 else round(count * running / total)
            day = self.first_day + timedelta(offset)
            for moment in sorted(self._moment(day) for _ in range(upto - made)):
                yield self._case(moment)
            made = upto

    def _moment(self, day: date) -> datetime:
        """When a case of ``day`` happened: three in four between 23:00 and 02:00, others 06:00-20:00."""
        rng = self.rng
        minutes = 23 * 60 + rng.randrange(180) if rng.random() < 0.75 else 6 * 60 + rng.randrange(14 * 60)
        return datetime.combine(day, time(), ICT) + timedelta(minutes=minutes)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.ids.getrandbits(128), version=4))

    def _pick[V](self, table: tuple[tuple[V, ...], tuple[int, ...]]) -> V:
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def _case(self, occurred: datetime) -> _Draft:
        rng = self.rng
        night = occurred.hour >= 23 or occurred.hour < 6
        seizure = self._pick(self.seizures)()
        area = rng.choice(self.areas)
        location, place = self._place(seizure, area, night)
        detection = self._pick(self.night_methods if night else self.day_methods)
        if location == "inland" and rng.random() < 0.6:
            detection = "inspection"
        ownerless = location in ("border_trail", "river", "sea") and rng.random() < 0.71
        parties = [] if ownerless else self._parties(seizure, area, occurred.date())
        vehicles = self._vehicles(location, ownerless, seizure.bulky)
        case_id = self._uuid()
        for rows in (parties, vehicles):
            for position, row in enumerate(rows):
                row.update(id=self._uuid(), case_id=case_id, position=position)
        case = self._workflow(occurred, seizure, ownerless, parties)
        goods = self._goods(seizure, case_id, case["outcome"], case["status"])
        lead, cooperating = "border_guard", []
        share = rng.random()
        if share < 0.05:
            lead, cooperating = rng.choice(("police", "customs")), ["border_guard"]
        elif share < 0.25:
            cooperating = list(rng.choice((("police",), ("customs",), ("market_surveillance",),
                                           ("police", "customs"), ("commune",))))
        if location == "sea" and rng.random() < 0.5:
            cooperating.append("coast_guard")
        detected = occurred + timedelta(minutes=rng.randrange(25)) if rng.random() < 0.7 else None
        summary = self._summary(seizure, detection, location, ownerless, parties, vehicles)
        case.update(
            id=case_id, origin=None, year=occurred.year, occurred_at=utc_text(occurred),
            utc_offset_min=OFFSET_MIN,
            detected_at=utc_text(detected) if detected else None, place=place, commune_code=area.code,
            location_kind=location, latitude=None, longitude=None, violation_group=seizure.group,
            violation=seizure.violation, detection=detection, ownerless=ownerless, lead_force=lead,
            cooperating_forces=cooperating, campaign_id=None, summary=" ".join(summary),
            created_by=self.actor, updated_by=self.actor, version=1,
        )
        if case["outcome"] == "criminal_transfer":
            case["legal_basis"] = _CRIMINAL_CODE[seizure.lines[0].commodity == "cigarettes"]
        elif case["outcome"] not in (None, "pending"):
            case["legal_basis"] = seizure.legal_basis
        return _Draft(case, goods, parties, vehicles, " ".join(self.fold(piece) for piece in summary))

    # ----- where and what ---------------------------------------------------------------------------

    def _place(self, seizure: _Seizure, area: _Area, night: bool) -> tuple[str, str]:
        rng = self.rng
        hamlet, marker = rng.choice(area.hamlets), rng.randint(*area.markers)
        fuel = seizure.lines[0].commodity == "fuel"
        shop = seizure.group in ("trade_fraud", "counterfeit_ip") and not fuel
        if shop or (not night and rng.random() < 0.35):
            if area.gate and rng.random() < 0.4:
                return "border_gate", f"Khu vực {area.gate}"
            return "inland", rng.choice((
                f"Cửa hàng tạp hóa, ấp {hamlet}", f"Chợ {area.name}", f"Đường liên ấp {hamlet}",
                f"Kho hàng tại ấp {hamlet}", f"Bến đò ấp {hamlet}",
            ))
        if fuel and area.coast:
            return "sea", f"Vùng biển {area.name}, cách bờ khoảng {rng.randint(2, 9)} hải lý"
        if fuel or rng.random() < (0.6 if seizure.bulky else 0.3):
            waterway = area.waterway[0].upper() + area.waterway[1:]
            return "river", rng.choice((
                f"{waterway}, đoạn qua ấp {hamlet}", f"{waterway}, gần mốc {marker}",
                f"Rạch nhỏ gần mốc {marker}, ấp {hamlet}",
            ))
        return "border_trail", rng.choice((
            f"Mốc {marker}, ấp {hamlet}", f"Khu vực mốc {marker}, ấp {hamlet}",
            f"Cách mốc {marker} khoảng {rng.randint(2, 9)}00 m về phía nội địa, ấp {hamlet}",
            f"Đường tuần tra biên giới gần mốc {marker}, ấp {hamlet}",
        ))

    def _line(self, commodity: str, description: str, quantity: Decimal, unit: str, value: int,
              origin: str | None) -> _Line:
        condition = "Nguyên đai, nguyên kiện" if self.rng.random() < 0.5 else None
        return _Line(commodity, description, quantity, unit, value, origin, condition)

    def _cigarettes(self) -> _Seizure:
        rng = self.rng
        packs = round(250 * 80 ** rng.random(), -1)  # 250 to 20.000 bao, mostly small loads
        unit = rng.choices(("cây", "bao", "thùng"), cum_weights=(55, 80, 100))[0]
        if unit == "thùng" and packs < 1000:
            unit = "cây"
        brands = [self._pick(self.brands)]
        if packs >= 1000 and rng.random() < 0.25:
            other = self._pick(self.brands)
            if other != brands[0]:
                brands.append(other)
        per_unit, lines, left = _PACKS_PER[unit], [], packs
        for i, brand in enumerate(brands):
            share = left if i == len(brands) - 1 else round(left * rng.uniform(0.3, 0.7), -1)
            left -= share
            quantity = max(1, round(share / per_unit))
            price = rng.randrange(14_000, 17_001, 500)  # đồng a bao
            lines.append(self._line("cigarettes", f"Thuốc lá {brand}", Decimal(quantity), unit,
                                    quantity * per_unit * price, "KH"))
        total = sum(int(line.quantity) for line in lines) * per_unit
        verb = rng.choice(("Vận chuyển", "Vận chuyển", "Tàng trữ", "Buôn bán"))
        return _Seizure(_SMUGGLED, f"{verb} thuốc lá điếu nhập lậu", _COMMERCE, lines,
                        _amount(total), f"bao thuốc lá điếu nhập lậu ({', '.join(brands)})", False,
                        criminal=total >= 1500)

    def _sugar(self) -> _Seizure:
        rng = self.rng
        kilograms = rng.randrange(5_000, 16_001, 50)  # 5 to 16 tấn
        unit = rng.choices(("tấn", "kg", "bao 50 kg"), cum_weights=(40, 75, 100))[0]
        quantity = {"tấn": Decimal(kilograms) / 1000, "kg": Decimal(kilograms),
                    "bao 50 kg": Decimal(kilograms // 50)}[unit]
        line = self._line("sugar", "Đường cát Thái Lan", quantity, unit,
                          kilograms * rng.randrange(18_000, 22_001, 500), "TH")
        return _Seizure(_SMUGGLED, _CARRY_SMUGGLED.format("đường cát"), _COMMERCE, [line],
                        _amount(kilograms), "kg đường cát Thái Lan", True, False)

    def _offer_drawer(self, offer: _Offer) -> Callable[[], _Seizure]:
        def draw() -> _Seizure:
            rng = self.rng
            amount = rng.randrange(*offer.quantity)
            quantity = Decimal(amount) / 10 if offer.tenths else Decimal(amount)
            unit, description = rng.choice(offer.units), rng.choice(offer.descriptions)
            value = int(quantity * rng.randrange(*offer.price))
            line = self._line(offer.commodity, description, quantity, unit, value, offer.origin)
            criminal = offer.criminal_from is not None and quantity >= offer.criminal_from
            return _Seizure(offer.group, offer.violation, offer.legal_basis, [line], _amount(quantity),
                            f"{unit} {_lower_first(description)}", offer.sellable, criminal)

        return draw

    # ----- who, with what, and what became of it ----------------------------------------------------

    def _person(self, role: str, area: _Area, on: date, cambodian: bool) -> dict[str, Any]:
        rng = self.rng
        gender = "male" if rng.random() < 0.85 else "female"
        born = on - timedelta(days=rng.randrange(18 * 365, 62 * 365))
        row: dict[str, Any] = dict(
            kind="person", role=role, birth_date=born.isoformat(), gender=gender, id_issued_on=None,
            id_issued_by=None, occupation=rng.choice(_OCCUPATIONS), tax_code=None, representative=None,
        )
        if cambodian:  # carriers from across the border: no Vietnamese identity document
            name = rng.choice(_CAMBODIAN)
            row.update(nationality="KH", id_number=None, id_normalized=None,
                       address=f"Tỉnh {rng.choice(_KH_PROVINCES)}, Vương quốc Campuchia")
        else:
            if rng.random() < 0.08:
                name = rng.choice(_KHMER_VN[gender])
            else:
                name = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE[gender])} {rng.choice(_GIVEN[gender])}"
            # CCCD: birth province (An Giang 089, Kiên Giang 091), century and gender, year, serial.
            province = "089" if rng.random() < 0.8 else "091"
            century = (born.year // 100 - 19) * 2 + (gender == "female")
            number = f"{province}{century}{born.year % 100:02d}{rng.randrange(1_000_000):06d}"
            issued = date(2021, 1, 1) + timedelta(days=rng.randrange(1500))
            if issued < on and rng.random() < 0.6:
                row.update(id_issued_on=issued.isoformat(), id_issued_by=_ID_AUTHORITY)
            row.update(nationality="VN", id_number=number, id_normalized=normalize_id_number(number),
                       address=f"Ấp {rng.choice(area.hamlets)}, {area.label}, tỉnh An Giang")
        row.update(full_name=name, name_folded=self.fold(name))
        return row

    def _organisation(self, area: _Area) -> dict[str, Any]:
        rng = self.rng
        given = rng.choice(_GIVEN["male"] + _GIVEN["female"])
        name = rng.choice((f"Hộ kinh doanh {given}", f"Công ty TNHH Thương mại {given} {area.name}",
                           f"Cửa hàng tạp hóa {given}"))
        gender = rng.choice(("male", "female"))
        representative = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE[gender])} {rng.choice(_GIVEN[gender])}"
        return dict(
            kind="organisation", role="owner", full_name=name, name_folded=self.fold(name), birth_date=None,
            gender=None, nationality="VN", id_number=None, id_normalized=None, id_issued_on=None,
            id_issued_by=None, occupation=None,
            address=f"Ấp {rng.choice(area.hamlets)}, {area.label}, tỉnh An Giang",
            tax_code=f"{rng.choice(('16', '17'))}{rng.randrange(10**8):08d}",
            representative=representative,
        )

    def _parties(self, seizure: _Seizure, area: _Area, on: date) -> list[dict[str, Any]]:
        rng = self.rng
        if seizure.group in ("trade_fraud", "counterfeit_ip") and rng.random() < 0.4:
            return [self._organisation(area)]
        count = rng.choices((1, 2, 3), cum_weights=(60, 90, 100))[0]
        roles = [rng.choice(("owner", "carrier"))] if count == 1 else \
            ["carrier", "owner", rng.choice(("carrier", "hirer"))][:count]
        return [self._person(role, area, on, role == "carrier" and rng.random() < 0.2) for role in roles]

    def _plate(self, kind: str) -> str:
        """A plate of An Giang (67, 68): motorbike 67H1-204.13, car 68C-028.48, in the stored form."""
        rng = self.rng
        digits = rng.randrange(100_000)
        if kind == "motorbike":
            series = f"{rng.choice('BCDEFGHKLMNPSTUVXZ')}{rng.randrange(1, 10)}"
        else:
            series = rng.choice(("A", "C", "D") if kind == "car" else ("C", "H"))
        return format_plate(f"{rng.choice(('67', '68'))}{series}-{digits // 100:03d}.{digits % 100:02d}")

    def _vehicles(self, location: str, ownerless: bool, bulky: bool) -> list[dict[str, Any]]:
        rng = self.rng
        if ownerless and rng.random() < 0.7:
            return []
        if location == "sea":
            kinds = ["ship" if rng.random() < 0.6 else "ghe"]
        elif location == "river":
            kinds = [rng.choice(("ghe", "vo_lai") if bulky else ("ghe", "xuong", "vo_lai"))]
        elif bulky:  # unloaded at a trail's gathering point, or on a truck inland
            kinds = ["truck"] if location != "border_trail" else []
        elif location == "border_trail":
            kinds = ["motorbike"] * (1 if ownerless else rng.choices((1, 2, 3), cum_weights=(60, 90, 100))[0])
        else:
            kinds = [rng.choices(("motorbike", "car", "truck", ""), cum_weights=(40, 70, 85, 100))[0]]
        rows = []
        for kind in filter(None, kinds):
            if kind in ROAD_KINDS:
                looks = f"{rng.choice(_MODELS[kind])} màu {rng.choice(_COLOURS)}"
                if ownerless and rng.random() < 0.5:
                    plate, description = "", f"Xe {looks}, không biển số"
                else:
                    plate, description = self._plate(kind), looks
                normalized = normalize_plate(plate)
            elif kind == "ship":  # a fishing vessel's number, XX-nnnnn-TS
                plate = f"{rng.choice(('KG', 'AG'))}-9{rng.randrange(10_000):04d}-TS"
                description, normalized = "Tàu cá vỏ gỗ", normalize_vessel(plate)
            else:  # ghe, xuồng, vỏ lãi: unregistered, known by their looks
                plate, normalized = "", ""
                description = rng.choice(_BOATS[kind]).format(n=rng.randrange(6, 16))
            rows.append(dict(kind=kind, plate=plate, plate_normalized=normalized, description=description))
        return rows

    def _decision(self, year: int, suffix: str) -> str:
        number = self.decisions[(year, suffix)] = self.decisions.get((year, suffix), 0) + 1
        return f"{number}/{suffix}"

    def _workflow(self, occurred: datetime, seizure: _Seizure, ownerless: bool,
                  parties: list[dict[str, Any]]) -> dict[str, Any]:
        """Status, handling and workflow times, none later than the end of the demo period: a case
        whose next step would fall after it stays at the step before (recent cases are drafts)."""
        rng, end = self.rng, self.end
        created = min(occurred + timedelta(minutes=rng.randrange(60, 600), seconds=rng.randrange(60)), end)
        submitted = created + timedelta(minutes=rng.randrange(10, 1200))
        approved = submitted + timedelta(minutes=rng.randrange(120, 4320))
        decided = occurred.date() + timedelta(days=rng.randrange(1, 8))
        closed = approved + timedelta(days=rng.randrange(3, 31), minutes=rng.randrange(600))
        status = rng.choices(("closed", "approved", "submitted", "draft", "voided"),
                             cum_weights=(660, 900, 950, 990, 1000))[0]
        if status == "voided":
            voided = min(created + timedelta(minutes=rng.randrange(30, 7200)), end)
            return self._row(status, created, voided, None, None, rng.choice(_VOID_REASONS), {})
        if status == "closed" and closed > end:
            status = "approved"
        if status == "approved" and (approved > end or datetime.combine(decided, time(), ICT) > end):
            status = "submitted"
        if status == "submitted" and submitted > end:
            status = "draft"
        if status == "draft":
            return self._row(status, created, created, None, None, None,
                             {"outcome": "pending"} if rng.random() < 0.5 else {})
        if status == "submitted":
            return self._row(status, created, submitted, submitted, None, None, {"outcome": "pending"})
        handling = self._handling(seizure, ownerless, parties, decided, status == "closed")
        return self._row(status, created, closed if status == "closed" else approved, submitted, approved,
                         None, handling)

    def _row(self, status: str, created: datetime, updated: datetime, submitted: datetime | None,
             approved: datetime | None, void_reason: str | None, handling: dict[str, Any]) -> dict[str, Any]:
        texts = {moment: utc_text(moment) for moment in {created, updated, submitted, approved} if moment}
        row = dict(
            status=status, created_at=texts[created], updated_at=texts[updated],
            submitted_by=self.actor if submitted else None,
            submitted_at=texts[submitted] if submitted else None,
            approved_by=self.actor if approved else None,
            approved_at=texts[approved] if approved else None,
            void_reason=void_reason, remark=None, legal_basis=None, outcome=None, decision_no=None,
            decision_date=None, fine_vnd=None, proceeds_vnd=None, tax_vnd=None, receiving_agency=None,
            defendants=None,
        )
        row.update(handling)
        return row

    def _handling(self, seizure: _Seizure, ownerless: bool, parties: list[dict[str, Any]], decided: date,
                  closed: bool) -> dict[str, Any]:
        rng = self.rng
        value = sum(line.value_vnd for line in seizure.lines)
        sold = int(value * rng.uniform(0.55, 0.9)) // 1000 * 1000 if closed and seizure.sellable else None
        accused = [p for p in parties if p["kind"] == "person"]
        if ownerless:  # vô chủ: confiscated without a sanction (MQĐ14)
            return {"outcome": "confiscation", "decision_no": self._decision(decided.year, "QĐ-TTTV"),
                    "decision_date": decided.isoformat(), "proceeds_vnd": sold}
        owner_known = any(p["role"] == "owner" for p in parties)
        if seizure.criminal and owner_known and accused and rng.random() < 0.75:
            return {"outcome": "criminal_transfer", "receiving_agency": _CRIMINAL_AGENCY,
                    "defendants": len(accused), "decision_date": decided.isoformat()}
        if rng.random() < 0.04:
            return {"outcome": "handover", "receiving_agency": rng.choice(_HANDOVER_AGENCIES)}
        low, high = next((lo, hi) for limit, lo, hi in _FINES if limit is None or value < limit)
        fine = rng.randrange(low * 2, high * 2 + 1) * 500_000
        tax = value // 10 // 1000 * 1000 if seizure.group == "trade_fraud" and rng.random() < 0.4 else None
        return {"outcome": "admin_fine", "fine_vnd": fine, "proceeds_vnd": sold, "tax_vnd": tax,
                "decision_no": self._decision(decided.year, "QĐ-XPHC"), "decision_date": decided.isoformat()}

    def _goods(self, seizure: _Seizure, case_id: str, outcome: str | None,
               status: str) -> list[dict[str, Any]]:
        if status in ("draft", "submitted", "voided") or outcome in (None, "pending"):
            disposition = "Tạm giữ"
        elif outcome in ("criminal_transfer", "handover"):
            disposition = "Bàn giao cùng hồ sơ"
        else:
            disposition = "Tịch thu, bán đấu giá" if seizure.sellable else "Tịch thu, tiêu hủy"
        rows = []
        for position, line in enumerate(seizure.lines):
            commodity = self.reference.commodities[line.commodity]
            base_quantity, base_unit = commodity.to_base(line.quantity, line.unit)
            rows.append(dict(
                id=self._uuid(), case_id=case_id, position=position, commodity=line.commodity,
                description=line.description, quantity=decimal_text(line.quantity), unit=line.unit,
                base_quantity=decimal_text(base_quantity), base_unit=base_unit, value_vnd=line.value_vnd,
                condition=line.condition, origin_country=line.origin_country, disposition=disposition,
                note=None,
            ))
        return rows

    def _summary(self, seizure: _Seizure, detection: str, location: str, ownerless: bool,
                 parties: list[dict[str, Any]], vehicles: list[dict[str, Any]]) -> list[str]:
        """The summary as pieces without surrounding spaces, so that it can be folded piece by piece."""
        vehicle = None
        if vehicles:  # the summary is Vietnamese whatever language the app runs in
            vehicle = self.reference.label("vehicle_kinds", vehicles[0]["kind"], "vi").lower()
        pieces = [_HOW[detection], "phát hiện"]
        if ownerless:
            if vehicle:
                pieces += [vehicle, "chở", seizure.amount, seizure.what + "."]
            else:
                pieces += [seizure.amount, seizure.what, _HIDDEN[location] + "."]
            return [*pieces, self.rng.choice(_ESCAPES), "Lập biên bản tạm giữ tang vật."]
        pieces.append(f"{len(parties)} đối tượng" if len(parties) > 1 else parties[0]["full_name"])
        if vehicle:
            pieces += ["dùng", vehicle]
        return [*pieces, "vận chuyển", seizure.amount, seizure.what + ".", "Lập biên bản, tạm giữ tang vật."]


# ----- numbering, sealing and writing -----------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    """What the next case's number, change sequence, audit link and rowid follow on from."""

    counters: tuple[tuple[int, int], ...]  # (year, last_seq) of this station
    change_seq: int
    head: str
    rowid: int


@dataclass
class _Rows:
    cases: list[list[Any]] = field(default_factory=list)
    goods: list[list[Any]] = field(default_factory=list)
    parties: list[list[Any]] = field(default_factory=list)
    vehicles: list[list[Any]] = field(default_factory=list)
    counters: list[tuple[str, int, int]] = field(default_factory=list)
    change_log: list[tuple[Any, ...]] = field(default_factory=list)
    audit: list[tuple[Any, ...]] = field(default_factory=list)
    search: list[tuple[int, str]] = field(default_factory=list)


class _Sealer:
    """Numbers cases, links them into the change log and the audit chain, and builds their rows."""

    def __init__(self, reference: Reference, actor: Actor, at: datetime, folder: _FoldCache) -> None:
        self.reference, self.fold = reference, folder
        self.station_id, self.station_code, self.actor = actor.station_id, actor.station_code, actor.username
        self.at = utc_text(at)

    def seal(self, drafts: list[_Draft], start: _State) -> tuple[_Rows, _State]:
        counters = dict(start.counters)
        touched: set[int] = set()
        change_seq, head, rowid = start.change_seq, start.head, start.rowid
        rows = _Rows()
        for index, draft in enumerate(drafts):
            case, case_id = draft.case, draft.case["id"]
            year = case["year"]
            counters[year] = seq = counters.get(year, 0) + 1
            touched.add(year)
            change_seq += 1
            rowid += 1
            number = f"{self.station_code}/{year}/{seq:05d}"
            case.update(number=number, seq=seq, change_seq=change_seq, origin=self.station_id)
            state = {"case": case, "goods": draft.goods, "parties": draft.parties,
                     "vehicles": draft.vehicles, "attachments": [], "documents": []}
            body = self._search_body(draft)
            if index == 0:
                self._check(draft, state, body)
            sealed = state_hash(state)
            diff = json.dumps({"number": [None, number], "status": [None, case["status"]]},
                              sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            link = event_hash(head, self.at, self.station_id, self.actor, "create", "case", case_id, 1, diff,
                              sealed)
            rows.audit.append((self.at, self.station_id, self.actor, "create", "case", case_id, 1, diff,
                               sealed, head, link))
            head = link
            rows.change_log.append((self.station_id, change_seq, "case", case_id, 1, self.at))
            rows.cases.append([rowid, *CASE_FORM.stored(case)])
            rows.goods += [GOODS_FORM.stored(g) for g in draft.goods]
            rows.parties += [PARTY_FORM.stored(p) for p in draft.parties]
            rows.vehicles += [VEHICLE_FORM.stored(v) for v in draft.vehicles]
            rows.search.append((rowid, body))
        rows.counters = [(self.station_id, year, counters[year]) for year in sorted(touched)]
        return rows, _State(tuple(sorted(counters.items())), change_seq, head, rowid)

    def _search_body(self, draft: _Draft) -> str:
        """``search.case_search_body`` of the case, folded piece by piece with the recurring pieces
        remembered (the fold of space-separated pieces is their folds joined by spaces)."""
        case, cached, label = draft.case, self.fold, self.reference.label
        parts = [cached(case["number"]), cached(case["place"]),
                 cached(label("communes", case["commune_code"])), cached(case["violation"]),
                 draft.summary_folded]
        if case["decision_no"]:  # one of a kind: not worth remembering
            parts.append(fold(case["decision_no"]))
        for goods in draft.goods:
            parts += (cached(goods["description"]), cached(label("commodities", goods["commodity"], "vi")),
                      cached(label("commodities", goods["commodity"], "en")))
        for party in draft.parties:
            parts.append(cached(party["full_name"]))
            if party["id_number"]:
                parts += (cached(party["id_number"]), cached(normalize_id_number(party["id_number"])))
        for vehicle in draft.vehicles:
            if vehicle["plate"]:
                parts += (cached(vehicle["plate"]), cached(normalize_plate(vehicle["plate"])))
            if vehicle["description"]:
                parts.append(cached(vehicle["description"]))
        return " ".join(part for part in parts if part)

    def _check(self, draft: _Draft, state: dict[str, Any], body: str) -> None:
        """The hand-built state and search text must be what ``serialize.case_state`` and
        ``search.case_search_body`` make of the case."""
        expected = case_state(draft.case, {"goods": draft.goods, "parties": draft.parties,
                                           "vehicles": draft.vehicles})
        if expected != state:
            raise AssertionError("demo rows differ from serialize.case_state; update app/demo.py")
        lines = {"goods": draft.goods, "parties": draft.parties, "vehicles": draft.vehicles}
        if body != rows_search_body(draft.case, lines, self.reference):
            raise AssertionError("demo search text differs from search.case_search_body; update app/demo.py")


def _cursor(session: Session) -> sqlite3.Cursor:
    """A DBAPI cursor in the session's transaction."""
    dbapi = session.connection().connection.dbapi_connection
    assert isinstance(dbapi, sqlite3.Connection)
    return dbapi.cursor()


def _read_state(cursor: sqlite3.Cursor, station_id: str) -> _State:
    counters = cursor.execute(
        "SELECT year, last_seq FROM case_counters WHERE station_id = ? ORDER BY year", (station_id,)
    ).fetchall()
    change_seq = cursor.execute("SELECT max(seq) FROM change_log WHERE station_id = ?", (station_id,))
    change_seq = change_seq.fetchone()[0]
    head = cursor.execute("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    rowid = cursor.execute("SELECT max(rowid) FROM cases").fetchone()[0]
    return _State(tuple((int(y), int(s)) for y, s in counters), int(change_seq or 0),
                  head[0] if head else GENESIS, int(rowid or 0))


def _write(cursor: sqlite3.Cursor, rows: _Rows) -> None:
    cursor.executemany(CASE_FORM.insert_sql(with_rowid=True), rows.cases)
    halves.drop(cursor.executemany, halves.of_case_rows(CASE_FORM.columns, rows.cases, offset=1))
    cursor.executemany(GOODS_FORM.insert_sql(), rows.goods)
    cursor.executemany(PARTY_FORM.insert_sql(), rows.parties)
    cursor.executemany(VEHICLE_FORM.insert_sql(), rows.vehicles)
    cursor.executemany(COUNTER_SQL, rows.counters)
    cursor.executemany(CHANGE_LOG_SQL, rows.change_log)
    cursor.executemany(AUDIT_SQL, rows.audit)
    cursor.executemany(SEARCH_SQL, rows.search)


def demo_period(now: datetime) -> tuple[date, date, datetime]:
    """For a demo made at ``now``: the first and last day of its cases (the three years before today,
    in border-post time) and the instant no workflow time may pass (02:00 after the last night)."""
    local = now.astimezone(ICT) - timedelta(hours=2)
    end = datetime.combine(local.date(), time(2, 0), ICT)
    last = local.date() - timedelta(days=1)
    try:
        first = last.replace(year=last.year - YEARS) + timedelta(days=1)
    except ValueError:  # 29 February
        first = last.replace(year=last.year - YEARS, day=28) + timedelta(days=1)
    return first, last, end


def generate_demo(
    ctx: Context,
    actor: Actor,
    *,
    cases: int,
    seed: int = 1,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Add ``cases`` synthetic cases to the register (SQLite only); returns how many were written.

    The cases are written in batches of ``batch_size``, each in one transaction. Progress is reported
    after every batch; a cancel request is honoured between batches by raising ``Cancelled``: the
    batches written before stay, complete, numbered, audited and searchable.
    """
    require(actor, "demo.generate")
    if cases < 0:
        raise AppError("the number of demo cases cannot be negative")
    if batch_size < 1:
        raise AppError("the demo batch size must be at least 1")
    if ctx.sessions.engine.dialect.name != "sqlite":
        raise AppError("demo cases can only be generated in an SQLite register")
    with ctx.sessions.reads() as session:
        cursor = _cursor(session)
        state = _read_state(cursor, actor.station_id)
        existing = cursor.execute("SELECT count(*) FROM cases").fetchone()[0]
        station = cursor.execute("SELECT commune_code FROM stations WHERE id = ?", (actor.station_id,))
        commune = station.fetchone()
    folder = _FoldCache()
    generator = _Generator(ctx.reference, commune[0] if commune else None, seed, str(existing),
                           demo_period(ctx.clock()), actor.username, folder)
    sealer = _Sealer(ctx.reference, actor, ctx.clock(), folder)
    stream = generator.stream(cases)
    done = 0
    total = cases + cases // TALLY_SHARE
    progress(0, total)
    while done < cases:
        if cancel is not None:
            cancel.check()
        drafts = list(islice(stream, batch_size))
        # Sealed before the write lock is taken, assuming that nobody else saves in the meantime ...
        rows, after = sealer.seal(drafts, state)
        with ctx.sessions.writes.begin() as session:
            cursor = _cursor(session)
            actual = _read_state(cursor, actor.station_id)
            if actual != state:  # ... and sealed again after the cases someone else saved.
                rows, after = sealer.seal(drafts, actual)
            _write(cursor, rows)
        state = after
        done += len(drafts)
        progress(done, total)
    # The report tallies of every half-month the demo added cases to, as a register in use has them
    # (``app.tallies``): the bulk writes dropped them, including those the demo's three years only
    # partly cover (its first and its current half-month).
    first, last, _end = demo_period(ctx.clock())
    rules = tallies.Watch.of(ctx.reference.rewards)

    def storing(stored: int, halves: int) -> None:
        progress(cases + (total - cases) * stored // max(halves, 1), total)

    tallies.refresh(ctx.sessions, tallies.halves_touching(first, last), [actor.station_id], rules,
                    progress=storing)
    progress(total, total)
    return done
