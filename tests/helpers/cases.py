"""Cases to register: the example of the format, a typical case and one with every field set.

Dates are fixed (never today): the tests say which day they run on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from app.domain import (
    AttachmentInput,
    CaseInput,
    DocumentInput,
    GoodsInput,
    HandlingInput,
    PartyInput,
    VehicleInput,
)

ICT = timezone(timedelta(hours=7))

EXAMPLE_CASE = {
    "occurred_at": "2026-11-20T23:40:00+07:00",
    "place": "Mốc 264, ấp Vĩnh Lợi", "commune_code": "30325", "location_kind": "border_trail",
    "violation_group": "prohibited_smuggled", "violation": "Vận chuyển thuốc lá điếu nhập lậu",
    "detection": "patrol", "ownerless": False, "lead_force": "border_guard",
    "cooperating_forces": ["police"], "summary": "Tuần tra phát hiện xe mô tô chở thuốc lá.",
    "goods": [{"commodity": "cigarettes", "description": "Thuốc lá Hero", "quantity": "150",
               "unit": "cây", "value_vnd": 22500000}],
    "parties": [{"kind": "person", "role": "carrier", "full_name": "Nguyễn Văn A",
                 "birth_date": "1990-05-01", "nationality": "VN", "id_number": "089090001234"}],
    "vehicles": [{"kind": "motorbike", "plate": "67H1-204.13"}],
    "handling": {"outcome": "admin_fine", "fine_vnd": 15000000, "decision_no": "12/QĐ-XPHC",
                 "decision_date": "2026-11-22"},
}


def sample_case(**changes: object) -> CaseInput:
    base = CaseInput(
        occurred_at=datetime(2026, 11, 20, 23, 40, tzinfo=ICT),
        place="Mốc 264, ấp Vĩnh Lợi",
        commune_code="30325",
        location_kind="border_trail",
        violation_group="prohibited_smuggled",
        violation="Vận chuyển thuốc lá điếu nhập lậu",
        detection="patrol",
        lead_force="border_guard",
        cooperating_forces=("police",),
        summary="Tuần tra phát hiện đối tượng vận chuyển thuốc lá và đường cát.",
        goods=(
            GoodsInput("cigarettes", Decimal("150"), "cây", "Thuốc lá Hero", value_vnd=22_500_000),
            GoodsInput("sugar", Decimal("2.5"), "tấn", "Đường cát Thái Lan"),
        ),
        parties=(PartyInput("person", "carrier", "Nguyễn Văn An", nationality="VN",
                            id_number="089090001234"),),
        vehicles=(VehicleInput("motorbike", "67h1 20413"),),
        handling=HandlingInput(outcome="admin_fine", fine_vnd=15_000_000),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def full_case() -> CaseInput:
    """A case with every field of the format set, including the rarely used ones."""
    return CaseInput(
        occurred_at=datetime(2026, 11, 20, 23, 40, 15, 250000, tzinfo=ICT),
        detected_at=datetime(2026, 11, 21, 0, 5, tzinfo=ICT),
        violation_group="trade_fraud",
        place="Kênh Vĩnh Tế, ấp Vĩnh Lợi",
        commune_code="30325",
        location_kind="river",
        latitude=10.7,
        longitude=105.05,
        violation="Vận chuyển đường cát không rõ nguồn gốc",
        legal_basis="Điều 17 Nghị định 98/2020/NĐ-CP",
        detection="ambush",
        ownerless=True,
        lead_force="border_guard",
        cooperating_forces=("customs", "market_surveillance"),
        campaign_id="b3c7c0de-0000-4000-8000-000000000001",
        summary="Mật phục bắt giữ ghe chở đường.\nHàng vô chủ.",
        goods=(
            GoodsInput(
                "sugar",
                Decimal("2.5"),
                "tấn",
                "Đường cát Thái Lan",
                value_vnd=45_000_000,
                condition="ướt một phần",
                origin_country="TH",
                disposition="tạm giữ",
                note="cân lại tại đồn",
            ),
            GoodsInput("gold", Decimal("0.000001"), "kg"),
            GoodsInput("cigarettes", Decimal("1500"), "bao"),
        ),
        parties=(
            PartyInput(
                "organisation",
                "owner",
                "Công ty TNHH Ánh Dương",
                tax_code="1801234567",
                address="Châu Đốc, An Giang",
                representative="Trần Thị Bé",
            ),
            PartyInput(
                "person",
                "carrier",
                "Sok Dara",
                birth_date=date(1988, 2, 29),
                gender="male",
                nationality="KH",
                id_number="N0123456",
                id_issued_on=date(2020, 1, 2),
                id_issued_by="Kingdom of Cambodia",
                occupation="lái ghe",
            ),
        ),
        vehicles=(
            VehicleInput("ghe", description="ghe gỗ 8 m, sơn xanh"),
            VehicleInput("truck", "67C-028.48"),
        ),
        documents=(
            DocumentInput("MBB01", "01/BB-VPHC", date(2026, 11, 21), "Đại úy Lê Văn Cường"),
            DocumentInput("MQĐ02", "12/QĐ-XPHC"),
        ),
        attachments=(AttachmentInput("ab" * 32, "ghe.jpg", "image/jpeg", 123_456, caption="Ghe tại bến"),),
        handling=HandlingInput(
            outcome="criminal_transfer",
            decision_no="12/QĐ-XPHC",
            decision_date=date(2026, 11, 22),
            fine_vnd=0,
            proceeds_vnd=12_000_000,
            tax_vnd=3_500_000,
            receiving_agency="Công an tỉnh An Giang",
            defendants=2,
        ),
    )


# --- valid documents -------------------------------------------------------------------------


POLICE_AGENCY = "Cơ quan Cảnh sát điều tra Công an thị xã Tân Châu"


def criminal_transfer(**changes: object) -> CaseInput:
    """A case handed to the police (issue 19's hand-over): a carrier who is its defendant, and a witness
    who is not, on the night of 18/11/2026."""
    return sample_case(
        **{
            "occurred_at": datetime(2026, 11, 18, 22, 15, tzinfo=ICT),
            "parties": (
                PartyInput("person", "carrier", "Nguyễn Văn An", id_number="089090001234"),
                PartyInput("person", "witness", "Lê Văn Chứng"),
            ),
            "handling": HandlingInput(
                outcome="criminal_transfer", receiving_agency=POLICE_AGENCY, defendants=1
            ),
            **changes,
        }
    )
