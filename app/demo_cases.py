"""The contents of the demo's cases: drawn from ``random.Random(seed)`` into rows of column values.

The cases look like a border post's register in An Giang (docs/domain.md §1, §3, §6): seizures at
night near numbered border markers, mostly cigarettes from Cambodia and Thai sugar, most of them
ownerless, spread over the three years before today. The commune codes, commodity codes and units
come from the reference data, so that every code is valid; names, places and the other words come
from ``app.demo_words``; ID numbers and plates follow the real patterns but are invented.

Everything is derived from ``random.Random(seed)``: the same seed on the same day gives the same
cases (ids, numbers, contents, workflow times) in any fresh register. This stands apart from the
writer (``app.demo``), which numbers, seals and stores the drafts made here: what a case holds can
change without touching how a million of them are written quickly.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from app.demo_words import (
    BOATS,
    BORDER,
    BRANDS,
    CAMBODIAN,
    CARRY_SMUGGLED,
    CENTRES,
    CIGARETTES_WEIGHT,
    COLOURS,
    COMMERCE,
    CRIMINAL_AGENCY,
    CRIMINAL_CODE,
    DAY_METHODS,
    ESCAPES,
    FINES,
    GIVEN,
    HANDOVER_AGENCIES,
    HIDDEN,
    HOW,
    ID_AUTHORITY,
    KH_PROVINCES,
    KHMER_VN,
    LOCATED_SHARE,
    MIDDLE,
    MODELS,
    NIGHT_METHODS,
    OCCUPATIONS,
    OFFERS,
    ONLINE_HOW,
    ONLINE_PLACES,
    ONLINE_PLATFORMS,
    ONLINE_SHARE,
    ONLINE_SHOPS,
    OTHER_HAMLETS,
    PACKS_PER,
    SMUGGLED,
    SUGAR_WEIGHT,
    SURNAMES,
    VOID_REASONS,
    Area,
    Line,
    Offer,
    Seizure,
)
from app.reference import Reference
from app.text import fold, format_plate, normalize_id_number, normalize_plate, normalize_vessel
from db.types import decimal_text, utc_text

ICT = timezone(timedelta(hours=7))
OFFSET_MIN = 7 * 60
ROAD_KINDS = frozenset({"motorbike", "car", "truck"})


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


class FoldCache:
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


@dataclass
class Draft:
    """One case in canonical column values, before its number, change sequence and seal are known."""

    case: dict[str, Any]
    goods: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    vehicles: list[dict[str, Any]]
    summary_folded: str  # ``fold(case["summary"])``, put together from folded pieces


# ----- drawing cases ----------------------------------------------------------------------------------


class Generator:
    """Draws cases from one ``random.Random``; ids come from a second one (salted with the number of
    cases already in the register) so that a second run with the same seed never reuses an id."""

    def __init__(self, reference: Reference, station_commune: str | None, seed: int, id_salt: str,
                 period: tuple[date, date, datetime], actor: str, folder: FoldCache) -> None:
        self.reference, self.fold, self.actor = reference, folder, actor
        self.rng = random.Random(seed)
        self.ids = random.Random(f"outpost-demo/{seed}/{id_salt}")
        # Positions drawn apart, so that every other choice of a seed's demo stays as it was.
        self.positions = random.Random(f"outpost-demo/{seed}/positions")
        self.first_day, self.last_day, self.end = period
        self.areas = self._areas(reference, station_commune)
        self.decisions: dict[tuple[int, str], int] = {}
        self.brands = _weighted(BRANDS)
        self.night_methods = _weighted(NIGHT_METHODS)
        self.day_methods = _weighted(DAY_METHODS)
        seizures: list[tuple[Callable[[], Seizure], int]] = [
            (self._cigarettes, CIGARETTES_WEIGHT), (self._sugar, SUGAR_WEIGHT)]
        seizures += [(self._offer_drawer(offer), offer.weight) for offer in OFFERS]
        self.seizures = _weighted(seizures)
        self.platforms = _weighted(ONLINE_PLATFORMS)

    @staticmethod
    def _areas(reference: Reference, station_commune: str | None) -> tuple[Area, ...]:
        by_name = {c.name.split(" ", 1)[-1]: c for c in reference.communes.values()}
        areas = tuple(
            Area(by_name[name].code, name, by_name[name].name, hamlets, markers, gate, waterway, coast)
            for name, hamlets, markers, gate, waterway, coast in BORDER if name in by_name
        )
        if areas:
            return areas
        # Reference data without the An Giang border communes: the station's commune, or any.
        code = station_commune if station_commune and station_commune in reference.communes \
            else min(reference.communes)
        commune = reference.communes[code]
        return (Area(code, commune.name.split(" ", 1)[-1], commune.name, OTHER_HAMLETS, (201, 299), None,
                     "kênh Vĩnh Tế", False),)

    def stream(self, count: int) -> Iterator[Draft]:
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

    def _case(self, occurred: datetime) -> Draft:
        rng = self.rng
        night = occurred.hour >= 23 or occurred.hour < 6
        seizure = self._pick(self.seizures)()
        area = rng.choice(self.areas)
        share = ONLINE_SHARE.get(seizure.lines[0].commodity)
        online = share is not None and rng.random() < share
        if online:  # sold online, mostly by livestream: the seller's goods seized where they were kept
            location, place = "online", rng.choice(ONLINE_PLACES).format(hamlet=rng.choice(area.hamlets))
            detection = "other" if rng.random() < 0.7 else "tip"
            ownerless = False
            parties = [self._person("owner", area, occurred.date(), False)]
            if rng.random() < 0.3:  # caught with the courier delivering an order
                parties.append(self._person("carrier", area, occurred.date(), False))
            vehicles = [self._courier_motorbike()] if len(parties) > 1 else []
        else:
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
        platform = account = url = None
        violation = seizure.violation
        if online:
            platform, account, url, page = self._online_shop(seizure.lines[0].commodity, area)
            violation = re.sub(r"^(Vận chuyển|Tàng trữ|Buôn bán) ", "Buôn bán ", violation) + " qua mạng"
            summary = self._online_summary(seizure, detection, platform, page, parties)
        else:
            summary = self._summary(seizure, detection, location, ownerless, parties, vehicles)
        case.update(
            id=case_id, origin=None, year=occurred.year, occurred_at=utc_text(occurred),
            utc_offset_min=OFFSET_MIN,
            detected_at=utc_text(detected) if detected else None, place=place, commune_code=area.code,
            location_kind=location, online_platform=platform, online_account=account, online_url=url,
            **self._position(area, online), violation_group=seizure.group,
            violation=violation, detection=detection, ownerless=ownerless, lead_force=lead,
            cooperating_forces=cooperating, campaign_id=None, summary=" ".join(summary),
            created_by=self.actor, updated_by=self.actor, version=1,
        )
        if case["outcome"] == "criminal_transfer":
            case["legal_basis"] = CRIMINAL_CODE[seizure.lines[0].commodity == "cigarettes"]
        elif case["outcome"] not in (None, "pending"):
            case["legal_basis"] = seizure.legal_basis
        return Draft(case, goods, parties, vehicles, " ".join(self.fold(piece) for piece in summary))

    # ----- where and what ---------------------------------------------------------------------------

    def _position(self, area: Area, online: bool) -> dict[str, float | None]:
        """Most cases' position near their commune (within ~2 km); none for a case sold online."""
        draw = self.positions
        centre = CENTRES.get(area.name)
        located = draw.random() < LOCATED_SHARE
        if online or centre is None or not located:
            return {"latitude": None, "longitude": None}
        return {
            "latitude": round(centre[0] + draw.uniform(-0.018, 0.018), 5),
            "longitude": round(centre[1] + draw.uniform(-0.018, 0.018), 5),
        }

    def _place(self, seizure: Seizure, area: Area, night: bool) -> tuple[str, str]:
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
              origin: str | None) -> Line:
        condition = "Nguyên đai, nguyên kiện" if self.rng.random() < 0.5 else None
        return Line(commodity, description, quantity, unit, value, origin, condition)

    def _cigarettes(self) -> Seizure:
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
        per_unit, lines, left = PACKS_PER[unit], [], packs
        for i, brand in enumerate(brands):
            share = left if i == len(brands) - 1 else round(left * rng.uniform(0.3, 0.7), -1)
            left -= share
            quantity = max(1, round(share / per_unit))
            price = rng.randrange(14_000, 17_001, 500)  # đồng a bao
            lines.append(self._line("cigarettes", f"Thuốc lá {brand}", Decimal(quantity), unit,
                                    quantity * per_unit * price, "KH"))
        total = sum(int(line.quantity) for line in lines) * per_unit
        verb = rng.choice(("Vận chuyển", "Vận chuyển", "Tàng trữ", "Buôn bán"))
        return Seizure(SMUGGLED, f"{verb} thuốc lá điếu nhập lậu", COMMERCE, lines,
                       _amount(total), f"bao thuốc lá điếu nhập lậu ({', '.join(brands)})", False,
                       criminal=total >= 1500)

    def _sugar(self) -> Seizure:
        rng = self.rng
        kilograms = rng.randrange(5_000, 16_001, 50)  # 5 to 16 tấn
        unit = rng.choices(("tấn", "kg", "bao 50 kg"), cum_weights=(40, 75, 100))[0]
        quantity = {"tấn": Decimal(kilograms) / 1000, "kg": Decimal(kilograms),
                    "bao 50 kg": Decimal(kilograms // 50)}[unit]
        line = self._line("sugar", "Đường cát Thái Lan", quantity, unit,
                          kilograms * rng.randrange(18_000, 22_001, 500), "TH")
        return Seizure(SMUGGLED, CARRY_SMUGGLED.format("đường cát"), COMMERCE, [line],
                       _amount(kilograms), "kg đường cát Thái Lan", True, False)

    def _offer_drawer(self, offer: Offer) -> Callable[[], Seizure]:
        def draw() -> Seizure:
            rng = self.rng
            amount = rng.randrange(*offer.quantity)
            quantity = Decimal(amount) / 10 if offer.tenths else Decimal(amount)
            unit, description = rng.choice(offer.units), rng.choice(offer.descriptions)
            value = int(quantity * rng.randrange(*offer.price))
            line = self._line(offer.commodity, description, quantity, unit, value, offer.origin)
            criminal = offer.criminal_from is not None and quantity >= offer.criminal_from
            return Seizure(offer.group, offer.violation, offer.legal_basis, [line], _amount(quantity),
                           f"{unit} {_lower_first(description)}", offer.sellable, criminal)

        return draw

    def _online_shop(self, commodity: str, area: Area) -> tuple[str, str, str, str]:
        """Platform, account or page, web address and how the summary names an online seller (invented)."""
        rng = self.rng
        platform = self._pick(self.platforms)
        shop = rng.choice(ONLINE_SHOPS[commodity]).format(
            place=area.name, given=rng.choice(GIVEN["male"] + GIVEN["female"]))
        slug = re.sub(r"[^a-z0-9]", "", self.fold(shop)) + str(rng.randrange(10, 100))
        if platform == "Facebook":
            return (platform, f'Trang Facebook "{shop}"',
                    f"https://www.facebook.com/{slug}/videos/{rng.randrange(10**15, 10**16)}",
                    f'trang Facebook "{shop}"')
        if platform == "TikTok":
            return (platform, f"@{slug}",
                    f"https://www.tiktok.com/@{slug}/video/{rng.randrange(10**18, 10**19)}",
                    f"tài khoản TikTok @{slug}")
        if platform == "Zalo":
            code = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=10))
            return platform, f'Nhóm Zalo "{shop}"', f"https://zalo.me/g/{code}", f'nhóm Zalo "{shop}"'
        return platform, f'Gian hàng "{shop}"', f"https://shopee.vn/{slug}", f'gian hàng Shopee "{shop}"'

    def _online_summary(self, seizure: Seizure, detection: str, platform: str, seller_page: str,
                        parties: list[dict[str, Any]]) -> list[str]:
        """An online case's summary, in pieces without surrounding spaces (see ``_summary``)."""
        seller = parties[0]["full_name"]
        selling = "livestream bán" if platform in ("Facebook", "TikTok") else "rao bán"
        return [ONLINE_HOW[detection], "phát hiện", seller_page, selling,
                seizure.what + ".", "Kiểm tra nơi cất giữ, phát hiện", seller, "tàng trữ", seizure.amount,
                seizure.what, "để bán qua mạng.", "Lập biên bản, tạm giữ tang vật."]

    # ----- who, with what, and what became of it ----------------------------------------------------

    def _person(self, role: str, area: Area, on: date, cambodian: bool) -> dict[str, Any]:
        rng = self.rng
        gender = "male" if rng.random() < 0.85 else "female"
        born = on - timedelta(days=rng.randrange(18 * 365, 62 * 365))
        row: dict[str, Any] = dict(
            kind="person", role=role, birth_date=born.isoformat(), gender=gender, id_issued_on=None,
            id_issued_by=None, occupation=rng.choice(OCCUPATIONS), tax_code=None, representative=None,
        )
        if cambodian:  # carriers from across the border: no Vietnamese identity document
            name = rng.choice(CAMBODIAN)
            row.update(nationality="KH", id_number=None, id_normalized=None,
                       address=f"Tỉnh {rng.choice(KH_PROVINCES)}, Vương quốc Campuchia")
        else:
            if rng.random() < 0.08:
                name = rng.choice(KHMER_VN[gender])
            else:
                name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
            # CCCD: birth province (An Giang 089, Kiên Giang 091), century and gender, year, serial.
            province = "089" if rng.random() < 0.8 else "091"
            century = (born.year // 100 - 19) * 2 + (gender == "female")
            number = f"{province}{century}{born.year % 100:02d}{rng.randrange(1_000_000):06d}"
            issued = date(2021, 1, 1) + timedelta(days=rng.randrange(1500))
            if issued < on and rng.random() < 0.6:
                row.update(id_issued_on=issued.isoformat(), id_issued_by=ID_AUTHORITY)
            row.update(nationality="VN", id_number=number, id_normalized=normalize_id_number(number),
                       address=f"Ấp {rng.choice(area.hamlets)}, {area.label}, tỉnh An Giang")
        row.update(full_name=name, name_folded=self.fold(name))
        return row

    def _organisation(self, area: Area) -> dict[str, Any]:
        rng = self.rng
        given = rng.choice(GIVEN["male"] + GIVEN["female"])
        name = rng.choice((f"Hộ kinh doanh {given}", f"Công ty TNHH Thương mại {given} {area.name}",
                           f"Cửa hàng tạp hóa {given}"))
        gender = rng.choice(("male", "female"))
        representative = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
        return dict(
            kind="organisation", role="owner", full_name=name, name_folded=self.fold(name), birth_date=None,
            gender=None, nationality="VN", id_number=None, id_normalized=None, id_issued_on=None,
            id_issued_by=None, occupation=None,
            address=f"Ấp {rng.choice(area.hamlets)}, {area.label}, tỉnh An Giang",
            tax_code=f"{rng.choice(('16', '17'))}{rng.randrange(10**8):08d}",
            representative=representative,
        )

    def _parties(self, seizure: Seizure, area: Area, on: date) -> list[dict[str, Any]]:
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

    def _courier_motorbike(self) -> dict[str, Any]:
        plate = self._plate("motorbike")
        looks = f"{self.rng.choice(MODELS['motorbike'])} màu {self.rng.choice(COLOURS)}"
        return dict(kind="motorbike", plate=plate, plate_normalized=normalize_plate(plate), description=looks)

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
                looks = f"{rng.choice(MODELS[kind])} màu {rng.choice(COLOURS)}"
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
                description = rng.choice(BOATS[kind]).format(n=rng.randrange(6, 16))
            rows.append(dict(kind=kind, plate=plate, plate_normalized=normalized, description=description))
        return rows

    def _decision(self, year: int, suffix: str) -> str:
        number = self.decisions[(year, suffix)] = self.decisions.get((year, suffix), 0) + 1
        return f"{number}/{suffix}"

    def _workflow(self, occurred: datetime, seizure: Seizure, ownerless: bool,
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
            return self._row(status, created, voided, None, None, rng.choice(VOID_REASONS), {})
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

    def _handling(self, seizure: Seizure, ownerless: bool, parties: list[dict[str, Any]], decided: date,
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
            return {"outcome": "criminal_transfer", "receiving_agency": CRIMINAL_AGENCY,
                    "defendants": len(accused), "decision_date": decided.isoformat()}
        if rng.random() < 0.04:
            return {"outcome": "handover", "receiving_agency": rng.choice(HANDOVER_AGENCIES)}
        low, high = next((lo, hi) for limit, lo, hi in FINES if limit is None or value < limit)
        fine = rng.randrange(low * 2, high * 2 + 1) * 500_000
        tax = value // 10 // 1000 * 1000 if seizure.group == "trade_fraud" and rng.random() < 0.4 else None
        return {"outcome": "admin_fine", "fine_vnd": fine, "proceeds_vnd": sold, "tax_vnd": tax,
                "decision_no": self._decision(decided.year, "QĐ-XPHC"), "decision_date": decided.isoformat()}

    def _goods(self, seizure: Seizure, case_id: str, outcome: str | None,
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

    def _summary(self, seizure: Seizure, detection: str, location: str, ownerless: bool,
                 parties: list[dict[str, Any]], vehicles: list[dict[str, Any]]) -> list[str]:
        """The summary as pieces without surrounding spaces, so that it can be folded piece by piece."""
        vehicle = None
        if vehicles:  # the summary is Vietnamese whatever language the app runs in
            vehicle = self.reference.label("vehicle_kinds", vehicles[0]["kind"], "vi").lower()
        pieces = [HOW[detection], "phát hiện"]
        if ownerless:
            if vehicle:
                pieces += [vehicle, "chở", seizure.amount, seizure.what + "."]
            else:
                pieces += [seizure.amount, seizure.what, HIDDEN[location] + "."]
            return [*pieces, self.rng.choice(ESCAPES), "Lập biên bản tạm giữ tang vật."]
        pieces.append(f"{len(parties)} đối tượng" if len(parties) > 1 else parties[0]["full_name"])
        if vehicle:
            pieces += ["dùng", vehicle]
        return [*pieces, "vận chuyển", seizure.amount, seizure.what + ".", "Lập biên bản, tạm giữ tang vật."]

