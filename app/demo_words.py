"""The words and figures the demo's cases are drawn from: border communes, names, goods, prices, fines.

Plain data and the small shapes a drawn seizure takes, kept apart from the drawing itself
(``app.demo_cases``) so that what the cases are made of can be read and extended without reading
the generator. Hamlets, markers, people, decision numbers and legal references are invented or
sample text; codes and units are checked against the reference data when the cases are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Border communes: (name without its "Xã"/"Phường", invented hamlets, border markers, border gate,
# waterway, on the coast). Those missing from the reference data are skipped.
BORDER = (
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
# Roughly where each border commune lies (latitude, longitude; to about a kilometre, for the demo's
# located cases: a map in QGIS, the GeoJSON export). Not survey data.
CENTRES = {
    "Vĩnh Xương": (10.905, 105.165),
    "Tân Châu": (10.800, 105.235),
    "Phú Hữu": (10.925, 105.125),
    "Khánh Bình": (10.965, 105.075),
    "Nhơn Hội": (10.930, 105.045),
    "An Phú": (10.845, 105.095),
    "Vĩnh Tế": (10.665, 105.060),
    "Tịnh Biên": (10.600, 104.950),
    "Xuân Tô": (10.560, 104.925),
    "Vĩnh Gia": (10.505, 104.850),
    "Vĩnh Điều": (10.470, 104.780),
    "Giang Thành": (10.470, 104.660),
    "Hà Tiên": (10.385, 104.490),
}
LOCATED_SHARE = 0.8  # of the cases not sold online: the rest were written without a position
# The demo post's own commune (Xã Khánh Bình), one of its area's (resources/reference/post_areas.json).
DEMO_COMMUNE = "30341"
OTHER_HAMLETS = ("Tân Hiệp", "Tân Thạnh", "Bình Di", "Long Bình", "Hòa Thạnh", "Mỹ Thạnh")

SURNAMES = ("Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Huỳnh", "Võ",
            "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Phan", "Trương", "Tô")
MIDDLE = {"male": ("Văn", "Văn", "Văn", "Minh", "Hoàng", "Thanh", "Hữu", "Quốc", "Công", "Chí"),
          "female": ("Thị", "Thị", "Thị", "Ngọc", "Kim", "Thu", "Mỹ", "Bích")}
GIVEN = {"male": ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Khang", "Lộc", "Minh", "Nam",
                  "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Toàn", "Trí", "Vinh", "Tuấn", "Hậu",
                  "Nghĩa", "Phong", "Thành", "Tâm", "Út", "Em", "Đức"),
         "female": ("Lan", "Hoa", "Hạnh", "Hằng", "Linh", "Mai", "Ngân", "Nhung", "Phượng", "Thảo",
                    "Trang", "Tuyết", "Yến", "Diễm", "Hương", "Loan", "Xuân")}
# Khmer Vietnamese names, common in the border communes (Chau for men, Néang for women).
KHMER_VN = {"male": ("Chau Sóc Kha", "Chau Thanh", "Chau Ty", "Chau Sa Rinh", "Chau Phi Rum"),
            "female": ("Néang Sa Ra", "Néang Sô Phi", "Néang Thy")}
CAMBODIAN = ("Sok Dara", "Chea Sophea", "Keo Sophal", "Mao Sokha", "Pich Rith", "Heng Sovann",
             "Chhun Vanna", "Srey Mom", "Touch Sambath", "Long Sopheap", "Ouk Vibol", "Nhem Chanthy")
KH_PROVINCES = ("Takeo", "Kandal", "Kampot", "Prey Veng")
OCCUPATIONS = ("Làm thuê", "Buôn bán", "Lao động tự do", "Nông dân", "Tài xế", "Ngư dân", "Không")
ID_AUTHORITY = "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
BRANDS = (("Hero", 40), ("Jet", 25), ("Bayon", 15), ("Scott", 15), ("Caravan", 5))
PACKS_PER = {"bao": 1, "cây": 10, "thùng": 500}
MODELS = {
    "motorbike": ("Honda Wave", "Honda Dream", "Yamaha Sirius", "Honda Future", "Suzuki Viva",
                  "Yamaha Exciter"),
    "car": ("Toyota Innova", "Kia Morning", "Toyota Vios", "Ford Ranger", "Mitsubishi Xpander"),
    "truck": ("Hyundai Porter", "Isuzu QKR", "Thaco Ollin", "Kia K200"),
}
COLOURS = ("đen", "đỏ", "xanh", "trắng", "bạc", "xám")
BOATS = {
    "ghe": ("Ghe gỗ dài khoảng {n} m, gắn máy Kohler", "Ghe gỗ sơn xanh dài khoảng {n} m"),
    "xuong": ("Xuồng composite màu xanh, máy Honda", "Xuồng gỗ nhỏ dài khoảng {n} m, không số"),
    "vo_lai": ("Vỏ lãi composite, máy Koler 13 HP", "Vỏ lãi gỗ dài khoảng {n} m, máy Honda"),
}
HOW = {"patrol": "Tổ tuần tra", "ambush": "Tổ mật phục", "checkpoint": "Tổ chốt chặn",
       "tip": "Qua tin báo của quần chúng, tổ công tác", "inspection": "Tổ kiểm tra", "other": "Tổ công tác"}
HIDDEN = {"border_trail": "cất giấu trong bụi rậm", "river": "cất giấu ven bờ",
          "sea": "trên phương tiện không người điều khiển"}
ESCAPES = ("Các đối tượng bỏ hàng chạy qua biên giới.",
           "Đối tượng bỏ lại hàng hóa, lội sông chạy sang Campuchia.", "Không xác định được chủ hàng.")
VOID_REASONS = ("Trùng với vụ đã nhập", "Nhập nhầm đơn vị phát hiện", "Vụ việc do đơn vị khác thụ lý",
                "Lập nhầm, đã lập lại vụ khác")
CRIMINAL_CODE = ("Bộ luật Hình sự 2015, sửa đổi, bổ sung 2017", "Điều 191 Bộ luật Hình sự 2015")
CRIMINAL_AGENCY = "Cơ quan Cảnh sát điều tra Công an tỉnh An Giang"
HANDOVER_AGENCIES = ("Đội Kiểm soát Hải quan tỉnh An Giang", "Đội Quản lý thị trường số 5", "Công an xã",
                     "Đội Kiểm soát phòng, chống ma túy Công an tỉnh An Giang")
NIGHT_METHODS = (("ambush", 45), ("patrol", 40), ("tip", 15))
DAY_METHODS = (("checkpoint", 35), ("patrol", 30), ("tip", 15), ("inspection", 15), ("other", 5))
# Fine brackets by goods value: (value below, fine from, fine to), fines in millions of đồng.
FINES = ((3_000_000, 2, 5), (10_000_000, 5, 10), (20_000_000, 10, 20), (30_000_000, 20, 30),
         (50_000_000, 30, 50), (70_000_000, 50, 70), (None, 70, 100))
COMMERCE = "Nghị định 98/2020/NĐ-CP, sửa đổi, bổ sung bởi Nghị định 24/2025/NĐ-CP"
SMUGGLED = "prohibited_smuggled"
CARRY_SMUGGLED = "Vận chuyển {} nhập lậu"
UNKNOWN_ORIGIN = "Kinh doanh hàng hóa không rõ nguồn gốc, xuất xứ, không có hóa đơn"
FAKE = "Buôn bán hàng giả mạo nhãn hiệu"


@dataclass(frozen=True)
class Offer:
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
    legal_basis: str = COMMERCE


OFFERS = (
    Offer("trade_fraud", "Vận chuyển xăng dầu không rõ nguồn gốc, xuất xứ", "fuel", ("Dầu DO",), ("lít",),
          (2_000, 60_001, 100), (17_000, 21_001, 500), None, True, 60),
    Offer(SMUGGLED, CARRY_SMUGGLED.format("bia"), "alcohol", ("Bia Chang", "Bia Leo", "Bia Angkor"),
          ("lon",), (480, 7_201, 24), (9_000, 12_001, 500), "TH", True, 20),
    Offer(SMUGGLED, CARRY_SMUGGLED.format("rượu ngoại"), "alcohol",
          ("Rượu Johnnie Walker", "Rượu Chivas", "Rượu vang Pháp"), ("chai",), (24, 1_201, 12),
          (150_000, 600_001, 50_000), None, True, 20),
    Offer(SMUGGLED, CARRY_SMUGGLED.format("mỹ phẩm"), "cosmetics",
          ("Mỹ phẩm Thái Lan không nhãn phụ tiếng Việt", "Kem dưỡng da Thái Lan", "Sữa tắm Thái Lan"),
          ("hộp", "chai", "tuýp"), (50, 3_001, 10), (40_000, 150_001, 10_000), "TH", True, 40),
    Offer(SMUGGLED, CARRY_SMUGGLED.format("hàng điện tử"), "electronics",
          ("Điện thoại di động đã qua sử dụng", "Tai nghe Bluetooth", "Đồng hồ thông minh",
           "Máy tính bảng đã qua sử dụng"), ("cái", "chiếc"), (10, 401, 1), (300_000, 3_000_001, 100_000),
          None, True, 40),
    Offer(SMUGGLED, CARRY_SMUGGLED.format("thực phẩm"), "food", ("Nước tăng lực Thái Lan",), ("thùng",),
          (20, 501, 1), (180_000, 260_001, 10_000), "TH", True, 15),
    Offer(SMUGGLED, CARRY_SMUGGLED.format("thực phẩm"), "food",
          ("Trái cây Thái Lan", "Khô cá Campuchia", "Bánh kẹo Thái Lan"), ("kg",), (200, 5_001, 50),
          (20_000, 80_001, 5_000), None, True, 15),
    Offer(SMUGGLED, "Vận chuyển hàng cấm nhập khẩu (quần áo đã qua sử dụng)", "textiles",
          ("Quần áo đã qua sử dụng",), ("kiện",), (5, 121, 1), (1_000_000, 3_000_001, 100_000), None,
          False, 20),
    Offer(SMUGGLED, CARRY_SMUGGLED.format("dược phẩm"), "pharmaceuticals",
          ("Tân dược Thái Lan không rõ nguồn gốc",), ("hộp",), (20, 2_001, 10), (50_000, 400_001, 10_000),
          "TH", False, 12),
    Offer(SMUGGLED, CARRY_SMUGGLED.format("thực phẩm chức năng"), "supplements",
          ("Thực phẩm chức năng Thái Lan",), ("hộp",), (20, 2_001, 10), (50_000, 400_001, 10_000),
          "TH", False, 13),
    Offer("counterfeit_ip", FAKE, "textiles", ("Giày thể thao giả nhãn hiệu Adidas",), ("đôi",),
          (20, 1_501, 1), (80_000, 500_001, 10_000), None, False, 6),
    Offer("counterfeit_ip", FAKE, "textiles", ("Quần áo giả nhãn hiệu Nike",), ("cái",),
          (20, 1_501, 1), (80_000, 300_001, 10_000), None, False, 6),
    Offer("counterfeit_ip", FAKE, "cosmetics", ("Mỹ phẩm giả nhãn hiệu",), ("hộp",),
          (20, 1_501, 1), (80_000, 300_001, 10_000), None, False, 6),
    Offer("counterfeit_ip", FAKE, "other_goods", ("Túi xách giả nhãn hiệu Louis Vuitton",), ("cái",),
          (20, 501, 1), (200_000, 500_001, 10_000), None, False, 6),
    Offer("counterfeit_ip", FAKE, "electronics", ("Tai nghe giả nhãn hiệu Apple",), ("cái",),
          (20, 1_001, 1), (80_000, 300_001, 10_000), None, False, 6),
    Offer("trade_fraud", UNKNOWN_ORIGIN, "food", ("Nước ngọt Thái Lan",), ("thùng",), (20, 801, 1),
          (150_000, 250_001, 10_000), "TH", True, 9),
    Offer("trade_fraud", UNKNOWN_ORIGIN, "cosmetics", ("Mỹ phẩm không rõ nguồn gốc",), ("hộp",),
          (20, 801, 1), (50_000, 200_001, 10_000), None, True, 9),
    Offer("trade_fraud", UNKNOWN_ORIGIN, "electronics", ("Điện thoại di động không hóa đơn",), ("cái",),
          (5, 201, 1), (1_500_000, 6_000_001, 100_000), None, True, 9),
    Offer("trade_fraud", UNKNOWN_ORIGIN, "sugar", ("Đường cát không hóa đơn",), ("kg",), (200, 3_001, 50),
          (18_000, 22_001, 500), None, True, 9),
    Offer("trade_fraud", UNKNOWN_ORIGIN, "other_goods", ("Hàng tiêu dùng không rõ nguồn gốc",), ("cái",),
          (50, 2_001, 10), (20_000, 100_001, 5_000), None, True, 9),
    Offer(SMUGGLED, "Vận chuyển pháo nổ", "fireworks", ("Pháo nổ",), ("kg",), (20, 401, 1),
          (500_000, 700_001, 50_000), "KH", False, 5, tenths=True, criminal_from=Decimal(6),
          legal_basis="Nghị định 144/2021/NĐ-CP"),
    Offer(SMUGGLED, "Vận chuyển vàng nhập lậu qua biên giới", "gold", ("Vàng trang sức",), ("g",),
          (100, 3_001, 1), (2_200_000, 2_600_001, 100_000), "KH", True, 5),
)
CIGARETTES_WEIGHT, SUGAR_WEIGHT = 560, 130

# Online sales (issue 19 item 7): the share of each commodity's cases found selling online, mostly by
# livestream; about one case in twenty overall, as the 2025 Cao điểm conclusions describe.
ONLINE_SHARE = {"cigarettes": 0.03, "cosmetics": 0.35, "supplements": 0.3, "pharmaceuticals": 0.3,
                "textiles": 0.2}
ONLINE_PLATFORMS = (("Facebook", 45), ("TikTok", 30), ("Zalo", 20), ("Shopee", 5))
# Invented shop names by commodity ({place}: the commune, {given}: a given name).
ONLINE_SHOPS = {
    "cigarettes": ("Thuốc lá ngoại giá sỉ {place}", "Hàng xách tay biên giới {given}"),
    "cosmetics": ("Mỹ phẩm Thái xách tay {place}", "Kem trắng da {given} chính hãng",
                  "Hàng Thái nội địa {given}"),
    "supplements": ("Thực phẩm chức năng Thái {given}", "Hàng Thái nội địa {given}"),
    "pharmaceuticals": ("Thuốc Thái xách tay {place}",),
    "textiles": ("Giày hiệu giá rẻ {given}", "Shop thời trang {given} {place}"),
}
ONLINE_PLACES = ("Nhà riêng của đối tượng, ấp {hamlet}", "Kho chứa hàng bán qua mạng tại ấp {hamlet}",
                 "Điểm giao nhận hàng đặt qua mạng, ấp {hamlet}")
ONLINE_HOW = {"other": "Qua theo dõi trên không gian mạng, tổ công tác",
              "tip": "Qua tin báo của quần chúng và theo dõi trên không gian mạng, tổ công tác"}


@dataclass(frozen=True)
class Area:
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
class Line:
    commodity: str
    description: str
    quantity: Decimal
    unit: str
    value_vnd: int
    origin_country: str | None
    condition: str | None


@dataclass
class Seizure:
    """What was seized and how the case is classified."""

    group: str
    violation: str
    legal_basis: str
    lines: list[Line]
    amount: str  # for the summary: "1.200" ...
    what: str  # ... "bao thuốc lá điếu nhập lậu (Hero)"
    sellable: bool
    criminal: bool  # at or over the criminal threshold (docs/domain.md §3)

    @property
    def bulky(self) -> bool:
        """Tonnes of sugar or fuel: carried by boat or truck, never on a motorbike."""
        return self.lines[0].commodity in ("sugar", "fuel") and self.lines[0].value_vnd > 20_000_000
