"""Word lists for the world generator's product names, in the spirit of Magento's Luma catalog.

The special names carry the characters that break naive pipelines: accents and symbols that Cp1252
can hold (é, ü, ñ, ™, ®, °, –, &, a literal double quote) and text it cannot (CJK, Polish ł/Ł/Ż,
℃, full-width punctuation), which Amazon's Cp1252 listing report turns into ``?``.
"""

from __future__ import annotations

# (sku prefix, attribute set, nouns) per category of single products.
SIMPLE_CATEGORIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "24-MB",
        "Bag",
        ("Duffle Bag", "Backpack", "Tote", "Messenger Bag", "Sling Pack", "Weekender", "Gym Bag"),
    ),
    (
        "24-UG",
        "Gear",
        ("Yoga Mat", "Water Bottle", "Foam Roller", "Resistance Band", "Jump Rope", "Kettlebell"),
    ),
    (
        "HM-",
        "Default",
        ("Coffee Mug", "Tea Kettle", "Cutting Board", "Scented Candle", "Throw Pillow", "Lamp"),
    ),
    (
        "EL-",
        "Default",
        ("USB-C Cable", "Wireless Charger", "Bluetooth Speaker", "Headphones", "Power Bank"),
    ),
    ("BK-", "Book", ("Cookbook", "Field Guide", "Novel", "Atlas", "Workbook", "Travel Journal")),
)
BOOK_CATEGORY = 4  # index in SIMPLE_CATEGORIES: books carry an ISBN-13
VIRTUAL_CATEGORY = ("VR-", "Default", ("Gift Card", "Extended Warranty", "Online Yoga Course"))
BUNDLE_CATEGORY = ("BN-", "Default", ("Starter Kit", "Travel Set", "Gift Box", "Value Pack"))
APPAREL_PREFIXES = ("MH", "MJ", "MS", "MP", "WH", "WJ", "WS", "WP")
APPAREL_NOUNS = (
    "Hoodie",
    "Jacket",
    "Tee",
    "Pant",
    "Hoodie",
    "Jacket",
    "Tank",
    "Short",
)  # one per apparel prefix
APPAREL_ATTRIBUTE_SET = "Top"
SIZES = ("XS", "S", "M", "L", "XL")
COLORS = ("Black", "Blue", "Gray", "Green", "Orange", "Purple", "Red", "White", "Yellow")

BRANDS = ("", "", "", "Luma ", "Joust ", "Zing ", "Voyage ", "Aurora™ ", "Nordic® ", "Summit ")
ADJECTIVES = (
    "Classic",
    "Premium",
    "Compact",
    "Eco",
    "Ultra",
    "Deluxe",
    "Everyday",
    "Pro",
    "Vintage",
    "Aero",
    "Urban",
    "Trail",
    "Cozy",
    "Sleek",
)

# Names a few products get verbatim; the second field says whether Cp1252 can encode the name.
SPECIAL_NAMES: tuple[tuple[str, bool], ...] = (
    ("Crème Brûlée Ramekin Set", True),
    ("Café au Lait Mug – Large", True),
    ("Müsli Bowl für Kinder", True),
    ("Piñata Party Kit & Candy Bag", True),
    ("ProClean™ Bottle Brush", True),
    ("Acme® Packing Tape 50 m", True),
    ("Thermo Flask 500 ml – keeps 60° hot", True),
    ('Monitor Stand 27" Walnut', True),
    ('Poster "Summer Vibes" 50×70', True),
    ("Jalapeño Hot Sauce Trio", True),
    ("日本語 Notebook A5", False),
    ("中文 Calligraphy Brush Set", False),
    ("抹茶 Matcha Whisk – Bamboo", False),
    ("Łódź City Map Poster", False),
    ("Żubr Bison Plush – mały", False),
    ("Kitchen Thermometer −50 to 300 ℃", False),
    ("Desk Organizer ＆ Pen Cup", False),
)

GERMAN_ADJECTIVES = ("Klassische", "Größere", "Schöne", "Praktische", "Wärmende", "Leichte")
GERMAN_NOUNS = ("Tasse", "Tragetasche", "Trinkflasche", "Kühlbox", "Schürze", "Fußmatte")
JAPANESE_NAMES = ("クラシック マグカップ", "トートバッグ", "ヨガマット", "水筒 500ml", "ノート")

CONDITIONS = ("", "Used - Like New", "new", "Refurbished", "Mint-ish")
CONDITION_WEIGHTS = (0.90, 0.04, 0.04, 0.015, 0.005)
