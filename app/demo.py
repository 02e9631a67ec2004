"""Realistic synthetic cases for trying Outpost and for benchmarking it (``outpost demo``, DESIGN §9).

The cases look like a border post's register in An Giang (DOMAIN §1, §3, §6): night-time seizures
near numbered border markers, mostly cigarettes from Cambodia and Thai sugar, many of them ownerless,
spread over the three years before today. Places, hamlets, people, ID numbers and plates are
invented; only the commune codes, commodity codes and units come from the reference data.

Everything is derived from ``random.Random(seed)``: the same seed on the same day gives the same
cases (ids, numbers, contents and timestamps) in any fresh register. Only the audit and change-log
times record when the demo actually ran.

Speed: a million cases must cost no more than a few times a raw ``executemany`` of the same rows, so
the rows are built as tuples in exactly the stored form of the SQLAlchemy column types
(``utc_text``, ``decimal_text``, JSON text, 1/0) and written through the DBAPI cursor, one write
transaction per batch, with everything the normal save path writes: the case and its goods, parties
and vehicles, the per-year case counters, the change log, one chained ``create`` audit event per case
sealing the same canonical state ``app.audit.verify`` recomputes, and the search index row.

The cases are generated and sealed by a producer thread while the calling thread writes the previous
batch (SQLite releases the GIL while it works). The producer assumes that nobody else writes in the
meantime; each batch is checked against the register's real counters, change sequence and chain head
inside its write transaction, and sealed again there if someone did.
"""

from __future__ import annotations

import json
import queue
import random
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Table
from sqlalchemy.orm import Session

from app.audit import GENESIS, event_hash
from app.auth import require
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.progress import CancelToken, Progress, no_progress
from app.reference import Reference
from app.search import case_search_body
from app.serialize import CASES, CHILD_TABLES, case_state, state_hash
from app.text import fold, format_plate, normalize_id_number, normalize_plate, normalize_vessel
from db.types import decimal_text, utc_text

BATCH_SIZE = 10_000
YEARS = 3
ICT = timezone(timedelta(hours=7))
OFFSET_MIN = 420
ROAD_KINDS = frozenset({"motorbike", "car", "truck"})

# ----- the stored form of rows --------------------------------------------------------------------


@dataclass(frozen=True)
class _TableForm:
    """Column order of a table and which columns are stored as 1/0 or JSON text on SQLite."""

    table: Table
    columns: tuple[str, ...]
    booleans: tuple[int, ...]
    json: tuple[int, ...]

    @classmethod
    def of(cls, table: Table) -> _TableForm:
        columns = tuple(c.key for c in table.columns)
        if any(c.key != c.name for c in table.columns):
            raise AssertionError(f"{table.name}: attribute keys differ from column names")
        return cls(
            table, columns,
            tuple(i for i, c in enumerate(table.columns) if isinstance(c.type, Boolean)),
            tuple(i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)),
        )

    def stored(self, row: Mapping[str, Any]) -> list[Any]:
        """The values SQLAlchemy would bind for ``row`` (a mapping of canonical values)."""
        values = [row[name] for name in self.columns]
        for i in self.booleans:
            values[i] = 1 if values[i] else 0
        for i in self.json:
            values[i] = json.dumps(values[i])
        return values

    def insert_sql(self, with_rowid: bool = False) -> str:
        names = ("rowid", *self.columns) if with_rowid else self.columns
        return (f"INSERT INTO {self.table.name} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' for _ in names)})")


CASE_FORM = _TableForm.of(CASES)
GOODS_FORM = _TableForm.of(CHILD_TABLES["goods"])
PARTY_FORM = _TableForm.of(CHILD_TABLES["parties"])
VEHICLE_FORM = _TableForm.of(CHILD_TABLES["vehicles"])
CHANGE_LOG_SQL = "INSERT INTO change_log (station_id, seq, entity, entity_id, version, at) VALUES (?, ?, ?, ?, ?, ?)"
AUDIT_SQL = (
    "INSERT INTO audit_events (at, station_id, actor, action, entity, entity_id, version, diff, "
    "state_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SEARCH_SQL = "INSERT INTO case_search (rowid, body) VALUES (?, ?)"
COUNTER_SQL = (
    "INSERT INTO case_counters (station_id, year, last_seq) VALUES (?, ?, ?) "
    "ON CONFLICT (station_id, year) DO UPDATE SET last_seq = excluded.last_seq"
)


# ----- synthetic content ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Area:
    """A border commune with invented hamlets, a range of border markers and nearby places."""

    code: str
    name: str
    label: str  # the commune's full name in the reference data, e.g. "Xã Vĩnh Xương"
    hamlets: tuple[str, ...]
    markers: tuple[int, int]
    gate: str | None
    waterway: str
    coast: bool


# (commune name, hamlets, markers, border gate, waterway, on the coast); hamlets are invented.
_BORDER = (
    ("Vĩnh Xương", ("Vĩnh Lợi", "Vĩnh Thạnh", "Vĩnh Tường"), (201, 209),
     "Cửa khẩu quốc tế Vĩnh Xương", "sông Tiền", False),
    ("Tân Châu", ("Long Hưng", "Long Thạnh", "Long Sơn"), (201, 204), None, "sông Tiền", False),
    ("Phú Hữu", ("Phú Hiệp", "Phú Thạnh", "Phú Hòa"), (210, 218), None, "sông Hậu", False),
    ("Vĩnh Hậu", ("Vĩnh Hòa", "Vĩnh Phú"), (219, 222), None, "sông Hậu", False),
    ("Khánh Bình", ("Khánh Hòa", "Khánh An", "Búng Bình Thiên"), (223, 231),
     "Cửa khẩu quốc tế Khánh Bình", "sông Bình Di", False),
    ("Nhơn Hội", ("Phước Hưng", "Bắc Đai", "Búng Bình Thiên"), (232, 239), None, "sông Bình Di", False),
    ("An Phú", ("Quốc Hưng", "Phước Thạnh", "An Hòa"), (240, 245), None, "sông Hậu", False),
    ("Vĩnh Tế", ("Vĩnh Đông", "Vĩnh Tây"), (246, 251), None, "kênh Vĩnh Tế", False),
    ("Tịnh Biên", ("Xuân Biên", "Xuân Hòa", "Xuân Phú"), (252, 261),
     "Cửa khẩu quốc tế Tịnh Biên", "kênh Vĩnh Tế", False),
    ("Xuân Tô", ("Xuân Hiệp", "Xuân Bình"), (258, 262), None, "kênh Vĩnh Tế", False),
    ("Vĩnh Gia", ("Vĩnh Lạc", "Vĩnh Thuận", "Vĩnh Hòa"), (262, 270), None, "kênh Vĩnh Tế", False),
    ("Vĩnh Điều", ("Đông Hưng", "Tràm Dưới", "Cống Tre"), (271, 279), None, "kênh Vĩnh Tế", False),
    ("Giang Thành", ("Tà Êm", "Kênh Mới", "Khánh Hòa"), (280, 289), "Cửa khẩu Giang Thành",
     "kênh Hà Giang", False),
    ("Hà Tiên", ("Xà Xía", "Thạch Động", "Rạch Núi"), (290, 299), "Cửa khẩu quốc tế Hà Tiên",
     "kênh Hà Giang", True),
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
# Khmer Vietnamese names of the border communes (Chau for men, Néang for women).
_KHMER_VN = {"male": ("Chau Sóc Kha", "Chau Thanh", "Chau Ty", "Chau Sa Rinh", "Chau Phi Rum"),
             "female": ("Néang Sa Ra", "Néang Sô Phi", "Néang Thy")}
_CAMBODIAN = ("Sok Dara", "Chea Sophea", "Keo Sophal", "Mao Sokha", "Pich Rith", "Heng Sovann",
              "Chhun Vanna", "Srey Mom", "Touch Sambath", "Long Sopheap", "Ouk Vibol", "Nhem Chanthy")
_KH_PROVINCES = ("Takeo", "Kandal", "Kampot", "Prey Veng")
_OCCUPATIONS = ("Làm thuê", "Buôn bán", "Lao động tự do", "Nông dân", "Tài xế", "Ngư dân", "Không")
_ID_AUTHORITY = "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
_BRANDS = (("Hero", 40), ("Jet", 25), ("Bayon", 15), ("Scott", 15), ("Caravan", 5))
_BIKES = ("Honda Wave", "Honda Dream", "Yamaha Sirius", "Honda Future", "Suzuki Viva", "Yamaha Exciter")
_CARS = ("Toyota Innova", "Kia Morning", "Toyota Vios", "Ford Ranger", "Mitsubishi Xpander")
_TRUCKS = ("Hyundai Porter", "Isuzu QKR", "Thaco Ollin", "Kia K200")
_COLOURS = ("đen", "đỏ", "xanh", "trắng", "bạc", "xám")
_BOATS = {
    "ghe": ("Ghe gỗ dài khoảng {n} m, gắn máy Kohler", "Ghe gỗ sơn xanh dài khoảng {n} m"),
    "xuong": ("Xuồng composite màu xanh, máy Honda", "Xuồng gỗ nhỏ dài khoảng {n} m, không số"),
    "vo_lai": ("Vỏ lãi composite, máy Koler 13 HP", "Vỏ lãi gỗ dài khoảng {n} m, máy Honda"),
}
_VOID_REASONS = ("Trùng với vụ đã nhập", "Nhập nhầm đơn vị phát hiện", "Vụ việc do đơn vị khác thụ lý",
                 "Lập nhầm, đã lập lại vụ khác")
_CRIMINAL_AGENCY = "Cơ quan Cảnh sát điều tra Công an tỉnh An Giang"
_HANDOVER_AGENCIES = ("Đội Kiểm soát Hải quan tỉnh An Giang", "Đội Quản lý thị trường số 5",
                      "Công an xã", "Đội Kiểm soát phòng, chống ma túy Công an tỉnh An Giang")
_NIGHT_METHODS = (("ambush", 45), ("patrol", 40), ("tip", 15))
_DAY_METHODS = (("checkpoint", 35), ("patrol", 30), ("tip", 15), ("inspection", 15), ("other", 5))


def _weighted(choices: Sequence[tuple[Any, int]]) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    values = tuple(c[0] for c in choices)
    cumulative, total = [], 0
    for _value, weight in choices:
        total += weight
        cumulative.append(total)
    return values, tuple(cumulative)


def _vnd(amount: int) -> str:
    """Vietnamese thousands separators: 1.200."""
    return f"{amount:,}".replace(",", ".")


@dataclass
class _Draft:
    """One case in canonical form, before its number, change sequence and seal are known."""

    case: dict[str, Any]
    goods: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    vehicles: list[dict[str, Any]]


@dataclass
class _Line:
    commodity: str
    description: str
    quantity: Decimal
    unit: str
    value_vnd: int
    origin_country: str | None = None
    condition: str | None = None


@dataclass
class _Kind:
    """What was seized and how the case is classified."""

    group: str
    violation: str
    legal_basis: str
    lines: list[_Line]
    quantity_text: str
    sellable: bool  # confiscated goods are sold (proceeds), not destroyed
    criminal: bool = False  # over a criminal threshold


class _Generator:
    """Draws cases from one ``random.Random``; ids come from a second one so a rerun never collides."""

    def __init__(self, reference: Reference, station_commune: str | None, seed: int, id_salt: str,
                 first_day: date, last_day: date, end: datetime, actor: str) -> None:
        self.reference = reference
        self.rng = random.Random(seed)
        self.ids = random.Random(f"outpost-demo/{seed}/{id_salt}")
        self.first_day, self.last_day, self.end = first_day, last_day, end
        self.actor = actor
        self.areas = self._areas(reference, station_commune)
        self.decisions: dict[tuple[int, str], int] = {}
        self._folded: dict[str, str] = {}
        self._brands = _weighted(_BRANDS)
        self._night_methods = _weighted(_NIGHT_METHODS)
        self._day_methods = _weighted(_DAY_METHODS)
        self._kinds = _weighted((
            (self._cigarettes, 560), (self._sugar, 130), (self._fuel, 60), (self._alcohol, 40),
            (self._cosmetics, 40), (self._electronics, 40), (self._food, 30), (self._used_clothes, 20),
            (self._medicines, 25), (self._counterfeit, 30), (self._trade_fraud, 45),
            (self._fireworks, 5), (self._gold, 5),
        ))

    @staticmethod
    def _areas(reference: Reference, station_commune: str | None) -> tuple[_Area, ...]:
        by_name = {c.name.split(" ", 1)[-1]: c for c in reference.communes.values()}
        areas = tuple(
            _Area(by_name[name].code, name, by_name[name].name, hamlets, markers, gate, waterway, coast)
            for name, hamlets, markers, gate, waterway, coast in _BORDER if name in by_name
        )
        if areas:
            return areas
        # Reference data without the An Giang border communes: use the station's or any commune.
        code = station_commune if station_commune in reference.communes else min(reference.communes)
        commune = reference.communes[code]
        return (_Area(code, commune.name.split(" ", 1)[-1], commune.name, _OTHER_HAMLETS, (201, 299), None,
                      "kênh Vĩnh Tế", False),)

    # ----- the stream of cases ---------------------------------------------------------------

    def stream(self, count: int) -> Iterator[_Draft]:
        """``count`` cases in chronological order, spread over the days with a peak around Tết."""
        days = (self.last_day - self.first_day).days + 1
        weights = [1.4 if (self.first_day + timedelta(d)).month in (12, 1, 2) else 1.0 for d in range(days)]
        total = sum(weights)
        made, running = 0, 0.0
        for offset, weight in enumerate(weights):
            running += weight
            upto = count if offset == days - 1 else int(round(count * running / total))
            today = self.first_day + timedelta(offset)
            moments = sorted(self._moment(today) for _ in range(upto - made))
            for moment in moments:
                yield self._case(moment)
            made = upto

    def _moment(self, day: date) -> datetime:
        """Local time of a case found on ``day``: mostly 23:00-02:00, otherwise in daylight."""
        rng = self.rng
        if rng.random() < 0.75:
            minutes = 23 * 60 + rng.randrange(180)
        else:
            minutes = 6 * 60 + rng.randrange(14 * 60)
        return datetime.combine(day, time(), ICT) + timedelta(minutes=minutes)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.ids.getrandbits(128), version=4))

    def _pick(self, table: tuple[tuple[Any, ...], tuple[int, ...]]) -> Any:
        values, cumulative = table
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def _fold(self, value: str) -> str:
        folded = self._folded.get(value)
        if folded is None:
            folded = self._folded[value] = fold(value)
        return folded

    def _case(self, occurred: datetime) -> _Draft:
        rng = self.rng
        night = occurred.hour >= 23 or occurred.hour < 6
        kind: _Kind = self._pick(self._kinds)()
        area = rng.choice(self.areas)
        location, place = self._place(kind, area, night)
        detection = self._pick(self._night_methods if night else self._day_methods)
        if location == "inland" and rng.random() < 0.6:
            detection = "inspection"
        ownerless = location != "inland" and not kind.group == "trade_fraud" and rng.random() < 0.72
        parties = [] if ownerless else self._parties(kind, area, occurred.date())
        vehicles = self._vehicles(location, ownerless)
        case_id = self._uuid()
        for position, row in enumerate(parties):
            row.update(id=self._uuid(), case_id=case_id, position=position)
        for position, row in enumerate(vehicles):
            row.update(id=self._uuid(), case_id=case_id, position=position)
        case = self._workflow(occurred, kind, ownerless, parties)
        goods = self._goods(kind, case_id, case["outcome"], case["status"])
        lead, cooperating = "border_guard", []
        share = rng.random()
        if share < 0.05:
            lead, cooperating = rng.choice(("police", "customs")), ["border_guard"]
        elif share < 0.25:
            cooperating = list(rng.choice((["police"], ["customs"], ["market_surveillance"],
                                           ["police", "customs"], ["commune"])))
        if location == "sea" and "coast_guard" not in cooperating and rng.random() < 0.5:
            cooperating.append("coast_guard")
        detected = occurred + timedelta(minutes=rng.randrange(25)) if rng.random() < 0.7 else None
        case.update(
            id=case_id, origin=None, occurred_at=utc_text(occurred), utc_offset_min=OFFSET_MIN,
            detected_at=utc_text(detected) if detected else None, place=place, commune_code=area.code,
            location_kind=location, latitude=None, longitude=None, violation_group=kind.group,
            violation=kind.violation, detection=detection, ownerless=ownerless, lead_force=lead,
            cooperating_forces=cooperating, campaign_id=None,
            summary=self._summary(kind, detection, ownerless, parties, vehicles),
            year=occurred.year, version=1, created_by=self.actor, updated_by=self.actor,
        )
        if case["outcome"] not in (None, "pending"):
            case["legal_basis"] = kind.legal_basis
        return _Draft(case, goods, parties, vehicles)

    # ----- where and what ----------------------------------------------------------------------

    def _place(self, kind: _Kind, area: _Area, night: bool) -> tuple[str, str]:
        rng = self.rng
        hamlet = rng.choice(area.hamlets)
        marker = rng.randint(*area.markers)
        if kind.group == "trade_fraud" or (not night and rng.random() < 0.35):
            if area.gate and rng.random() < 0.4:
                return "border_gate", f"Khu vực {area.gate}"
            return "inland", rng.choice((
                f"Cửa hàng tạp hóa, ấp {hamlet}", f"Chợ {area.name}", f"Quốc lộ 91, đoạn qua ấp {hamlet}",
                f"Kho hàng tại ấp {hamlet}", f"Bến đò ấp {hamlet}",
            ))
        if kind.lines[0].commodity == "fuel" and area.coast:
            return "sea", f"Vùng biển {area.name}, cách bờ khoảng {rng.randint(2, 9)} hải lý"
        roll = rng.random()
        if roll < 0.3:
            return "river", rng.choice((
                f"{area.waterway.capitalize()}, đoạn qua ấp {hamlet}",
                f"{area.waterway.capitalize()}, gần mốc {marker}",
                f"Rạch nhỏ gần mốc {marker}, ấp {hamlet}",
            ))
        return "border_trail", rng.choice((
            f"Mốc {marker}, ấp {hamlet}", f"Khu vực mốc {marker}, ấp {hamlet}",
            f"Cách mốc {marker} khoảng {rng.randint(2, 9)}00 m về phía nội địa, ấp {hamlet}",
            f"Đường tuần tra biên giới gần mốc {marker}, ấp {hamlet}",
        ))

    def _line(self, commodity: str, description: str, quantity: Decimal, unit: str, value: int,
              origin: str | None = None) -> _Line:
        condition = "Nguyên đai, nguyên kiện" if self.rng.random() < 0.5 else None
        return _Line(commodity, description, quantity, unit, value, origin, condition)

    def _cigarettes(self) -> _Kind:
        rng = self.rng
        packs = int(round(250 * (80 ** rng.random()), -1))  # 250 to 20.000 bao, most of them small
        unit = rng.choices(("cây", "bao", "thùng"), cum_weights=(55, 80, 100))[0]
        if unit == "thùng" and packs < 1000:
            unit = "cây"
        brands = [self._pick(self._brands)]
        if packs >= 1000 and rng.random() < 0.25:
            other = self._pick(self._brands)
            if other != brands[0]:
                brands.append(other)
        lines, left = [], packs
        for i, brand in enumerate(brands):
            share = left if i == len(brands) - 1 else int(round(left * rng.uniform(0.3, 0.7), -1))
            left -= share
            factor = {"bao": 1, "cây": 10, "thùng": 500}[unit]
            quantity = max(1, round(share / factor))
            price = rng.randrange(14_000, 17_001, 500)
            lines.append(self._line("cigarettes", f"Thuốc lá {brand}", Decimal(quantity), unit,
                                    quantity * factor * price, "KH"))
        total = sum(int(line.quantity) * {"bao": 1, "cây": 10, "thùng": 500}[unit] for line in lines)
        verb = rng.choice(("Vận chuyển", "Vận chuyển", "Tàng trữ", "Buôn bán"))
        return _Kind("prohibited_smuggled", f"{verb} thuốc lá điếu nhập lậu",
                     "Điều 8 Nghị định 98/2020/NĐ-CP, sửa đổi bởi Nghị định 24/2025/NĐ-CP", lines,
                     f"{_vnd(total)} bao thuốc lá điếu nhập lậu ({', '.join(brands)})", False,
                     criminal=total >= 1500)

    def _sugar(self) -> _Kind:
        rng = self.rng
        kilograms = rng.randrange(5_000, 16_001, 50)
        unit = rng.choices(("tấn", "kg", "bao 50 kg"), cum_weights=(40, 75, 100))[0]
        quantity = {"tấn": Decimal(kilograms) / 1000, "kg": Decimal(kilograms),
                    "bao 50 kg": Decimal(kilograms // 50)}[unit]
        line = self._line("sugar", "Đường cát Thái Lan", quantity, unit,
                          kilograms * rng.randrange(18_000, 22_001, 500), "TH")
        return _Kind("prohibited_smuggled", "Vận chuyển đường cát nhập lậu",
                     "Điều 17 Nghị định 98/2020/NĐ-CP", [line],
                     f"{_vnd(kilograms)} kg đường cát Thái Lan", True)

    def _fuel(self) -> _Kind:
        rng = self.rng
        litres = rng.randrange(2_000, 60_001, 100)
        line = self._line("fuel", "Dầu DO", Decimal(litres), "lít", litres * rng.randrange(17_000, 21_001, 500))
        return _Kind("trade_fraud", "Vận chuyển xăng dầu không rõ nguồn gốc, xuất xứ",
                     "Điều 17 Nghị định 98/2020/NĐ-CP", [line], f"{_vnd(litres)} lít dầu DO", True)

    def _alcohol(self) -> _Kind:
        rng = self.rng
        if rng.random() < 0.5:
            cans = rng.randrange(20, 301) * 24
            line = self._line("alcohol", rng.choice(("Bia Chang", "Bia Leo", "Bia Angkor")),
                              Decimal(cans), "lon", cans * rng.randrange(9_000, 12_001, 500),
                              rng.choice(("TH", "KH")))
            text = f"{_vnd(cans)} lon bia ngoại"
        else:
            bottles = rng.randrange(24, 1201, 12)
            line = self._line("alcohol", rng.choice(("Rượu vang Pháp", "Rượu Johnnie Walker", "Rượu Chivas")),
                              Decimal(bottles), "chai", bottles * rng.randrange(150_000, 600_001, 50_000))
            text = f"{_vnd(bottles)} chai rượu ngoại"
        return _Kind("prohibited_smuggled", "Vận chuyển rượu, bia nhập lậu",
                     "Điều 17 Nghị định 98/2020/NĐ-CP", [line], text, True)

    def _cosmetics(self) -> _Kind:
        rng = self.rng
        boxes = rng.randrange(50, 3001, 10)
        unit = rng.choice(("hộp", "chai", "tuýp"))
        line = self._line("cosmetics", rng.choice(("Mỹ phẩm Thái Lan không nhãn phụ tiếng Việt",
                                                   "Kem dưỡng da Thái Lan", "Sữa tắm Thái Lan")),
                          Decimal(boxes), unit, boxes * rng.randrange(40_000, 150_001, 10_000), "TH")
        return _Kind("prohibited_smuggled", "Vận chuyển mỹ phẩm nhập lậu", "Điều 17 Nghị định 98/2020/NĐ-CP",
                     [line], f"{_vnd(boxes)} {unit} mỹ phẩm", True)

    def _electronics(self) -> _Kind:
        rng = self.rng
        pieces = rng.randrange(10, 401)
        line = self._line("electronics", rng.choice(("Điện thoại di động đã qua sử dụng", "Tai nghe Bluetooth",
                                                     "Đồng hồ thông minh", "Máy tính bảng đã qua sử dụng")),
                          Decimal(pieces), rng.choice(("cái", "chiếc")), pieces * rng.randrange(300_000, 3_000_001, 100_000))
        return _Kind("prohibited_smuggled", "Vận chuyển hàng điện tử nhập lậu", "Điều 17 Nghị định 98/2020/NĐ-CP",
                     [line], f"{pieces} {line.unit} {line.description.lower()}", True)

    def _food(self) -> _Kind:
        rng = self.rng
        if rng.random() < 0.5:
            cartons = rng.randrange(20, 501)
            line = self._line("food", "Nước tăng lực Thái Lan", Decimal(cartons), "thùng",
                              cartons * rng.randrange(180_000, 260_001, 10_000), "TH")
            text = f"{cartons} thùng nước tăng lực Thái Lan"
        else:
            kilograms = rng.randrange(200, 5001, 50)
            line = self._line("food", rng.choice(("Trái cây Thái Lan", "Khô cá Campuchia", "Bánh kẹo Thái Lan")),
                              Decimal(kilograms), "kg", kilograms * rng.randrange(20_000, 80_001, 5_000))
            text = f"{_vnd(kilograms)} kg {line.description.lower()}"
        return _Kind("prohibited_smuggled", "Vận chuyển thực phẩm nhập lậu", "Điều 17 Nghị định 98/2020/NĐ-CP",
                     [line], text, True)

    def _used_clothes(self) -> _Kind:
        bales = self.rng.randrange(5, 121)
        line = self._line("textiles", "Quần áo đã qua sử dụng", Decimal(bales), "kiện",
                          bales * self.rng.randrange(1_000_000, 3_000_001, 100_000))
        return _Kind("prohibited_smuggled", "Vận chuyển hàng cấm nhập khẩu (quần áo đã qua sử dụng)",
                     "Điều 8 Nghị định 98/2020/NĐ-CP", [line], f"{bales} kiện quần áo đã qua sử dụng", False)

    def _medicines(self) -> _Kind:
        rng = self.rng
        boxes = rng.randrange(20, 2001, 10)
        commodity = rng.choice(("pharmaceuticals", "supplements"))
        description = ("Tân dược Thái Lan không rõ nguồn gốc" if commodity == "pharmaceuticals"
                       else "Thực phẩm chức năng nhập lậu")
        line = self._line(commodity, description, Decimal(boxes), "hộp", boxes * rng.randrange(50_000, 400_001, 10_000))
        return _Kind("prohibited_smuggled", "Vận chuyển dược phẩm, thực phẩm chức năng nhập lậu",
                     "Điều 17 Nghị định 98/2020/NĐ-CP", [line], f"{_vnd(boxes)} hộp {description.lower()}", False)

    def _counterfeit(self) -> _Kind:
        rng = self.rng
        commodity, description, unit = rng.choice((
            ("textiles", "Giày thể thao giả nhãn hiệu Adidas", "đôi"),
            ("textiles", "Quần áo giả nhãn hiệu Nike", "cái"),
            ("cosmetics", "Mỹ phẩm giả nhãn hiệu", "hộp"),
            ("other_goods", "Túi xách giả nhãn hiệu Louis Vuitton", "cái"),
            ("electronics", "Tai nghe giả nhãn hiệu Apple", "cái"),
        ))
        pieces = rng.randrange(20, 1501)
        line = self._line(commodity, description, Decimal(pieces), unit, pieces * rng.randrange(80_000, 500_001, 10_000))
        return _Kind("counterfeit_ip", "Buôn bán hàng giả mạo nhãn hiệu",
                     "Điều 11 Nghị định 98/2020/NĐ-CP", [line], f"{_vnd(pieces)} {unit} {description.lower()}", False)

    def _trade_fraud(self) -> _Kind:
        rng = self.rng
        commodity, description, unit, price = rng.choice((
            ("food", "Nước ngọt Thái Lan", "thùng", 200_000),
            ("cosmetics", "Mỹ phẩm không rõ nguồn gốc", "hộp", 90_000),
            ("electronics", "Điện thoại di động không hóa đơn", "cái", 2_500_000),
            ("sugar", "Đường cát không hóa đơn", "kg", 20_000),
            ("other_goods", "Hàng tiêu dùng không rõ nguồn gốc", "cái", 50_000),
        ))
        quantity = rng.randrange(20, 801)
        line = self._line(commodity, description, Decimal(quantity), unit, quantity * price)
        return _Kind("trade_fraud", "Kinh doanh hàng hóa không rõ nguồn gốc, xuất xứ, không có hóa đơn",
                     "Điều 17 Nghị định 98/2020/NĐ-CP", [line], f"{_vnd(quantity)} {unit} {description.lower()}", True)

    def _fireworks(self) -> _Kind:
        kilograms = Decimal(self.rng.randrange(20, 401)) / 10
        line = self._line("fireworks", "Pháo nổ", kilograms, "kg", int(kilograms * 600_000), "KH")
        return _Kind("prohibited_smuggled", "Vận chuyển pháo nổ", "Điều 11 Nghị định 144/2021/NĐ-CP", [line],
                     f"{decimal_text(kilograms).replace('.', ',')} kg pháo nổ", False, criminal=kilograms >= 6)

    def _gold(self) -> _Kind:
        grams = Decimal(self.rng.randrange(100, 3001))
        line = self._line("gold", "Vàng trang sức", grams, "g", int(grams) * 2_400_000, "KH")
        return _Kind("prohibited_smuggled", "Vận chuyển vàng nhập lậu qua biên giới",
                     "Điều 17 Nghị định 98/2020/NĐ-CP", [line], f"{_vnd(int(grams))} g vàng", True)

    # ----- who, with what, and what became of it -----------------------------------------------

    def _person(self, role: str, area: _Area, on: date, cambodian: bool) -> dict[str, Any]:
        rng = self.rng
        gender = "male" if rng.random() < 0.85 else "female"
        born = on - timedelta(days=rng.randrange(18 * 365, 62 * 365))
        row: dict[str, Any] = dict(
            kind="person", role=role, birth_date=born.isoformat(), gender=gender, id_issued_on=None,
            id_issued_by=None, occupation=rng.choice(_OCCUPATIONS), tax_code=None, representative=None,
        )
        if cambodian:
            name = rng.choice(_CAMBODIAN)
            row.update(nationality="KH", id_number=None, id_normalized=None,
                       address=f"Tỉnh {rng.choice(_KH_PROVINCES)}, Vương quốc Campuchia")
        else:
            if rng.random() < 0.08:
                name = rng.choice(_KHMER_VN[gender])
            else:
                name = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE[gender])} {rng.choice(_GIVEN[gender])}"
            province = "089" if rng.random() < 0.8 else "091"
            century = (born.year // 100 - 19) * 2 + (gender == "female")
            number = f"{province}{century}{born.year % 100:02d}{rng.randrange(1_000_000):06d}"
            issued = date(2021, 1, 1) + timedelta(days=rng.randrange(1500))
            if issued < on and rng.random() < 0.6:
                row.update(id_issued_on=issued.isoformat(), id_issued_by=_ID_AUTHORITY)
            row.update(nationality="VN", id_number=number, id_normalized=normalize_id_number(number),
                       address=f"Ấp {rng.choice(area.hamlets)}, {area.label}, tỉnh An Giang")
        row.update(full_name=name, name_folded=self._fold(name))
        return row

    def _parties(self, kind: _Kind, area: _Area, on: date) -> list[dict[str, Any]]:
        rng = self.rng
        if kind.group == "trade_fraud" and rng.random() < 0.4:
            return [self._organisation(area)]
        count = rng.choices((1, 2, 3), cum_weights=(60, 90, 100))[0]
        if count == 1:
            roles = [rng.choice(("owner", "carrier"))]
        else:
            roles = ["carrier", "owner", rng.choice(("carrier", "hirer"))][:count]
        return [self._person(role, area, on, role == "carrier" and rng.random() < 0.2) for role in roles]

    def _organisation(self, area: _Area) -> dict[str, Any]:
        rng = self.rng
        given = rng.choice(_GIVEN["male"] + _GIVEN["female"])
        name = rng.choice((f"Hộ kinh doanh {given}", f"Công ty TNHH Thương mại {given} {area.name}",
                           f"Cửa hàng tạp hóa {given}"))
        surname, gender = rng.choice(_SURNAMES), rng.choice(("male", "female"))
        return dict(
            kind="organisation", role="owner", full_name=name, name_folded=self._fold(name), birth_date=None,
            gender=None, nationality="VN", id_number=None, id_normalized=None, id_issued_on=None,
            id_issued_by=None, occupation=None, address=f"Ấp {rng.choice(area.hamlets)}, {area.label}, tỉnh An Giang",
            tax_code=f"{rng.choice(('16', '17'))}{rng.randrange(10**8):08d}",
            representative=f"{surname} {rng.choice(_MIDDLE[gender])} {rng.choice(_GIVEN[gender])}",
        )

    def _plate(self, kind: str) -> str:
        rng = self.rng
        province = rng.choice(("67", "68"))
        digits = rng.randrange(100_000)
        if kind == "motorbike":
            series = f"{rng.choice('BCDEFGHKLMNPSTUVXZ')}{rng.randrange(1, 10)}"
        else:
            series = rng.choice(("A", "C", "D") if kind == "car" else ("C", "H"))
        return format_plate(f"{province}{series}-{digits // 100:03d}.{digits % 100:02d}")

    def _vehicles(self, location: str, ownerless: bool) -> list[dict[str, Any]]:
        rng = self.rng
        if ownerless and rng.random() < 0.7:
            return []
        if location == "sea":
            kinds = ["ship" if rng.random() < 0.6 else "ghe"]
        elif location == "river":
            kinds = [rng.choice(("ghe", "xuong", "vo_lai"))]
        elif location == "border_trail":
            kinds = ["motorbike"] * rng.choices((1, 2, 3), cum_weights=(60, 90, 100))[0]
            if ownerless:
                kinds = kinds[:1]
        else:
            roll = rng.random()
            kinds = ["motorbike"] if roll < 0.4 else ["car"] if roll < 0.7 else ["truck"] if roll < 0.85 else []
        rows = []
        for kind in kinds:
            if kind in ROAD_KINDS:
                model = rng.choice(_BIKES if kind == "motorbike" else _CARS if kind == "car" else _TRUCKS)
                if ownerless and rng.random() < 0.5:
                    plate, description = "", f"Xe {model} màu {rng.choice(_COLOURS)}, không biển số"
                else:
                    plate, description = self._plate(kind), f"{model} màu {rng.choice(_COLOURS)}"
                normalized = normalize_plate(plate)
            elif kind == "ship":
                plate = f"{rng.choice(('KG', 'AG'))}-9{rng.randrange(10_000):04d}-TS"
                description, normalized = "Tàu cá vỏ gỗ", normalize_vessel(plate)
            else:
                plate = ""
                description = rng.choice(_BOATS[kind]).format(n=rng.randrange(6, 16))
                normalized = normalize_plate(plate)
            rows.append(dict(kind=kind, plate=plate, plate_normalized=normalized, description=description))
        return rows

    def _decision(self, year: int, suffix: str) -> str:
        number = self.decisions.get((year, suffix), 0) + 1
        self.decisions[(year, suffix)] = number
        return f"{number}/{suffix}"

    def _workflow(self, occurred: datetime, kind: _Kind, ownerless: bool,
                  parties: list[dict[str, Any]]) -> dict[str, Any]:
        """Status, handling and workflow times; nothing later than the end of the demo period."""
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
            handling = {"outcome": "pending"} if rng.random() < 0.5 else {}
            return self._row(status, created, created, None, None, None, handling)
        if status == "submitted":
            return self._row(status, created, submitted, submitted, None, None, {"outcome": "pending"})
        handling = self._handling(kind, ownerless, parties, decided, status == "closed")
        return self._row(status, created, closed if status == "closed" else approved, submitted, approved,
                         None, handling)

    def _row(self, status: str, created: datetime, updated: datetime, submitted: datetime | None,
             approved: datetime | None, void_reason: str | None, handling: dict[str, Any]) -> dict[str, Any]:
        row = dict(
            status=status, created_at=utc_text(created), updated_at=utc_text(updated),
            submitted_by=self.actor if submitted else None,
            submitted_at=utc_text(submitted) if submitted else None,
            approved_by=self.actor if approved else None, approved_at=utc_text(approved) if approved else None,
            void_reason=void_reason, remark=None, legal_basis=None, outcome=None, decision_no=None,
            decision_date=None, fine_vnd=None, proceeds_vnd=None, tax_vnd=None, receiving_agency=None,
            defendants=None,
        )
        row.update(handling)
        return row

    def _handling(self, kind: _Kind, ownerless: bool, parties: list[dict[str, Any]], decided: date,
                  closed: bool) -> dict[str, Any]:
        rng = self.rng
        value = sum(line.value_vnd for line in kind.lines)
        sold = int(value * rng.uniform(0.55, 0.9)) // 1000 * 1000 if closed and kind.sellable else None
        accused = [p for p in parties if p["kind"] == "person" and p["role"] in ("owner", "hirer", "carrier")]
        owner_known = any(p["role"] == "owner" for p in parties)
        if ownerless:
            return {"outcome": "confiscation", "decision_no": self._decision(decided.year, "QĐ-TTTV"),
                    "decision_date": decided.isoformat(), "proceeds_vnd": sold}
        if kind.criminal and owner_known and accused and rng.random() < 0.75:
            return {"outcome": "criminal_transfer", "receiving_agency": _CRIMINAL_AGENCY,
                    "defendants": len(accused), "decision_date": decided.isoformat()}
        if rng.random() < 0.04:
            return {"outcome": "handover", "receiving_agency": rng.choice(_HANDOVER_AGENCIES)}
        tiers = ((3_000_000, 2, 5), (10_000_000, 5, 10), (20_000_000, 10, 20), (30_000_000, 20, 30),
                 (50_000_000, 30, 50), (70_000_000, 50, 70))
        low, high = next(((lo, hi) for limit, lo, hi in tiers if value < limit), (70, 100))
        fine = rng.randrange(low * 2, high * 2 + 1) * 500_000
        tax = int(value * 0.1) // 1000 * 1000 if kind.group == "trade_fraud" and rng.random() < 0.4 else None
        return {"outcome": "admin_fine", "fine_vnd": fine, "decision_no": self._decision(decided.year, "QĐ-XPHC"),
                "decision_date": decided.isoformat(), "proceeds_vnd": sold, "tax_vnd": tax}

    def _goods(self, kind: _Kind, case_id: str, outcome: str | None, status: str) -> list[dict[str, Any]]:
        if status in ("draft", "submitted", "voided") or outcome in (None, "pending"):
            disposition = "Tạm giữ"
        elif outcome in ("criminal_transfer", "handover"):
            disposition = "Bàn giao cùng hồ sơ"
        else:
            disposition = "Tịch thu, bán đấu giá" if kind.sellable else "Tịch thu, tiêu hủy"
        rows = []
        for position, line in enumerate(kind.lines):
            base_quantity, base_unit = self.reference.commodities[line.commodity].to_base(line.quantity, line.unit)
            rows.append(dict(
                id=self._uuid(), case_id=case_id, position=position, commodity=line.commodity,
                description=line.description, quantity=decimal_text(line.quantity), unit=line.unit,
                base_quantity=decimal_text(base_quantity), base_unit=base_unit, value_vnd=line.value_vnd,
                condition=line.condition, origin_country=line.origin_country, disposition=disposition,
                note=None,
            ))
        return rows

    def _summary(self, kind: _Kind, detection: str, ownerless: bool, parties: list[dict[str, Any]],
                 vehicles: list[dict[str, Any]]) -> str:
        rng = self.rng
        how = {"patrol": "Tổ tuần tra", "ambush": "Tổ mật phục", "checkpoint": "Tổ chốt chặn",
               "tip": "Qua tin báo của quần chúng, tổ công tác", "inspection": "Tổ kiểm tra",
               "other": "Tổ công tác"}[detection]
        vehicle = self.reference.label("vehicle_kinds", vehicles[0]["kind"]).lower() if vehicles else None
        if ownerless:
            escape = rng.choice(("các đối tượng bỏ hàng chạy qua biên giới",
                                 "đối tượng bỏ lại hàng hóa, lội sông chạy sang Campuchia",
                                 "không xác định được chủ hàng"))
            found = f"{vehicle} chở {kind.quantity_text}" if vehicle else f"{kind.quantity_text} cất giấu trong bụi rậm"
            return f"{how} phát hiện {found}; {escape}. Lập biên bản tạm giữ tang vật."
        who = f"{len(parties)} đối tượng" if len(parties) > 1 else parties[0]["full_name"]
        using = f" dùng {vehicle}" if vehicle else ""
        return f"{how} phát hiện {who}{using} vận chuyển {kind.quantity_text}. Lập biên bản, tạm giữ tang vật."


# ----- sealing and writing ---------------------------------------------------------------------------


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
    change_log: list[tuple[Any, ...]] = field(default_factory=list)
    audit: list[tuple[Any, ...]] = field(default_factory=list)
    search: list[tuple[int, str]] = field(default_factory=list)
    counters: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class _Batch:
    drafts: list[_Draft]
    start: _State
    end: _State
    rows: _Rows


class _Sealer:
    """Numbers cases, links them into the change log and the audit chain, and builds their rows."""

    def __init__(self, reference: Reference, actor: Actor, at: datetime) -> None:
        self.reference = reference
        self.station_id, self.station_code, self.actor = actor.station_id, actor.station_code, actor.username
        self.at = utc_text(at)

    def seal(self, drafts: list[_Draft], start: _State) -> tuple[_Rows, _State]:
        counters = dict(start.counters)
        touched: set[int] = set()
        change_seq, head, rowid = start.change_seq, start.head, start.rowid
        rows = _Rows()
        for index, draft in enumerate(drafts):
            case = draft.case
            year = case["year"]
            counters[year] = seq = counters.get(year, 0) + 1
            touched.add(year)
            change_seq += 1
            rowid += 1
            number = f"{self.station_code}/{year}/{seq:05d}"
            case.update(number=number, seq=seq, change_seq=change_seq, origin=self.station_id)
            state = {"case": case, "goods": draft.goods, "parties": draft.parties,
                     "vehicles": draft.vehicles, "attachments": [], "documents": []}
            if index == 0:
                self._check_shape(draft, state)
            sealed = state_hash(state)
            diff = json.dumps({"number": [None, number], "status": [None, case["status"]]},
                              sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            link = event_hash(head, self.at, self.station_id, self.actor, "create", "case", case["id"], 1,
                              diff, sealed)
            rows.audit.append((self.at, self.station_id, self.actor, "create", "case", case["id"], 1, diff,
                               sealed, head, link))
            head = link
            rows.change_log.append((self.station_id, change_seq, "case", case["id"], 1, self.at))
            rows.cases.append([rowid, *CASE_FORM.stored(case)])
            rows.goods.extend(GOODS_FORM.stored(g) for g in draft.goods)
            rows.parties.extend(PARTY_FORM.stored(p) for p in draft.parties)
            rows.vehicles.extend(VEHICLE_FORM.stored(v) for v in draft.vehicles)
            rows.search.append((rowid, case_search_body(self._document(draft), self.reference)))
        rows.counters = [(self.station_id, year, counters[year]) for year in sorted(touched)]
        return rows, _State(tuple(sorted(counters.items())), change_seq, head, rowid)

    @staticmethod
    def _document(draft: _Draft) -> dict[str, Any]:
        """The parts of ``serialize.case_document`` that the search body reads."""
        case = draft.case
        return {
            "number": case["number"], "place": case["place"], "commune_code": case["commune_code"],
            "violation": case["violation"], "summary": case["summary"],
            "handling": {"decision_no": case["decision_no"]} if case["decision_no"] else {},
            "goods": draft.goods, "parties": draft.parties, "vehicles": draft.vehicles,
        }

    @staticmethod
    def _check_shape(draft: _Draft, state: dict[str, Any]) -> None:
        """The hand-built state must be what ``serialize.case_state`` makes of the stored rows."""
        expected = case_state(draft.case, {"goods": draft.goods, "parties": draft.parties,
                                           "vehicles": draft.vehicles})
        if expected != state:
            raise AssertionError("demo rows do not match the sealed case state; the models changed")


def _cursor(session: Session) -> sqlite3.Cursor:
    """The DBAPI cursor of the session's connection (its transaction is already open)."""
    dbapi = session.connection().connection.dbapi_connection
    assert isinstance(dbapi, sqlite3.Connection)
    return dbapi.cursor()


def _read_state(cursor: sqlite3.Cursor, station_id: str) -> _State:
    counters = cursor.execute(
        "SELECT year, last_seq FROM case_counters WHERE station_id = ? ORDER BY year", (station_id,)
    ).fetchall()
    change_seq = cursor.execute("SELECT max(seq) FROM change_log WHERE station_id = ?", (station_id,)).fetchone()[0]
    head = cursor.execute("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    rowid = cursor.execute("SELECT max(rowid) FROM cases").fetchone()[0]
    return _State(tuple((int(y), int(s)) for y, s in counters), int(change_seq or 0),
                  head[0] if head else GENESIS, int(rowid or 0))


def _write(cursor: sqlite3.Cursor, rows: _Rows) -> None:
    cursor.executemany(CASE_FORM.insert_sql(with_rowid=True), rows.cases)
    cursor.executemany(GOODS_FORM.insert_sql(), rows.goods)
    cursor.executemany(PARTY_FORM.insert_sql(), rows.parties)
    cursor.executemany(VEHICLE_FORM.insert_sql(), rows.vehicles)
    cursor.executemany(COUNTER_SQL, rows.counters)
    cursor.executemany(CHANGE_LOG_SQL, rows.change_log)
    cursor.executemany(AUDIT_SQL, rows.audit)
    cursor.executemany(SEARCH_SQL, rows.search)


def demo_period(now: datetime) -> tuple[date, date, datetime]:
    """First and last day of cases and the instant nothing may be later than (02:00 after the last
    night), for a demo made at ``now``: the three years before today, in border-post time."""
    local = now.astimezone(ICT) - timedelta(hours=2)
    end = datetime.combine(local.date(), time(2, 0), ICT)
    last = local.date() - timedelta(days=1)
    try:
        first = last.replace(year=last.year - YEARS) + timedelta(days=1)
    except ValueError:  # 29 February
        first = last.replace(year=last.year - YEARS, day=28) + timedelta(days=1)
    return first, last, end


class _Producer(threading.Thread):
    """Generates and seals batches ahead of the writer, assuming nobody else writes meanwhile."""

    def __init__(self, generator: _Generator, sealer: _Sealer, count: int, batch_size: int,
                 start: _State) -> None:
        super().__init__(name="outpost-demo", daemon=True)
        self.generator, self.sealer = generator, sealer
        self.count, self.batch_size, self.start_state = count, batch_size, start
        self.batches: queue.Queue[_Batch | BaseException | None] = queue.Queue(maxsize=2)
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            state = self.start_state
            drafts: list[_Draft] = []
            for draft in self.generator.stream(self.count):
                drafts.append(draft)
                if len(drafts) == self.batch_size:
                    state = self._hand_over(drafts, state)
                    drafts = []
                if self.stop.is_set():
                    return
            if drafts:
                self._hand_over(drafts, state)
            self._put(None)
        except BaseException as exc:  # handed to the writer, which re-raises it
            self._put(exc)

    def _hand_over(self, drafts: list[_Draft], state: _State) -> _State:
        rows, end = self.sealer.seal(drafts, state)
        self._put(_Batch(drafts, state, end, rows))
        return end

    def _put(self, item: _Batch | BaseException | None) -> None:
        while not self.stop.is_set():
            try:
                self.batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def batches_in_order(self) -> Iterator[_Batch]:
        while True:
            item = self.batches.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def halt(self) -> None:
        self.stop.set()
        self.join()


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
    """Add ``cases`` synthetic cases to the register; returns how many were written.

    Cases are written in whole batches of ``batch_size``, each in its own transaction; progress is
    reported after each batch and a cancel request is honoured between batches (``Cancelled`` is
    raised, and the batches already written stay: complete, numbered, audited and searchable).
    """
    require(actor, "demo.generate")
    if cases < 0:
        raise AppError("the number of demo cases cannot be negative")
    if batch_size < 1:
        raise AppError("the demo batch size must be at least 1")
    engine = ctx.sessions.engine
    if engine.dialect.name != "sqlite":
        raise AppError("demo cases can only be generated in an SQLite register")
    if cases == 0:
        return 0
    first, last, end = demo_period(ctx.clock())
    with ctx.sessions.reads() as session:
        cursor = _cursor(session)
        start = _read_state(cursor, actor.station_id)
        existing = cursor.execute("SELECT count(*) FROM cases").fetchone()[0]
        station_commune = cursor.execute(
            "SELECT commune_code FROM stations WHERE id = ?", (actor.station_id,)
        ).fetchone()
    generator = _Generator(ctx.reference, station_commune[0] if station_commune else None, seed,
                           str(existing), first, last, end, actor.username)
    sealer = _Sealer(ctx.reference, actor, ctx.clock())
    producer = _Producer(generator, sealer, cases, batch_size, start)
    done = 0
    progress(0, cases)
    producer.start()
    try:
        for batch in producer.batches_in_order():
            if cancel is not None:
                cancel.check()
            with ctx.sessions.writes.begin() as session:
                cursor = _cursor(session)
                actual = _read_state(cursor, actor.station_id)
                rows = batch.rows
                if actual != batch.start:  # someone saved meanwhile: number and seal after them
                    rows, _end = sealer.seal(batch.drafts, actual)
                _write(cursor, rows)
            done += len(batch.drafts)
            progress(done, cases)
    finally:
        producer.halt()
    return done
