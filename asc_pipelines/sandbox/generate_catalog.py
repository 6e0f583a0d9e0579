"""The Magento side of a generated world: the catalog model and its two CSV exports.

``build_catalog`` draws every product attribute as numpy arrays (one entry per SKU);
``write_products_csv`` and ``write_source_items_csv`` turn them into Magento 2 export files in
chunks, so memory stays bounded at a million products.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asc_pipelines.sandbox import generate_words as words
from asc_pipelines.sandbox.generate_text import (
    asin_text,
    bijection,
    gs1_text,
    int_text,
    money_text,
    rng_for,
    utc_text,
    zero_padded,
)

SIMPLE, VIRTUAL, BUNDLE, PARENT, CHILD = 0, 1, 2, 3, 4
LISTABLE_KINDS = (SIMPLE, VIRTUAL, CHILD)  # ASC lists simple and virtual products, never parents
PRODUCT_TYPES = np.array(["simple", "virtual", "bundle", "configurable", "simple"], dtype=object)

# Identifier kinds: which Magento attribute holds the product's barcode, if any.
NO_ID, UPC, EAN, ISBN, GTIN = 0, 1, 2, 3, 4
ID_ATTRIBUTES = ("", "upc", "ean", "isbn", "gtin")

# Magento website codes as bits; a product's websites are a 4-bit mask.
WEBSITE_BITS: dict[str, int] = {"base": 1, "uk": 2, "eu": 4, "jp": 8}
_WEBSITE_TEXT = np.array(
    [",".join(code for code, bit in WEBSITE_BITS.items() if mask & bit) for mask in range(16)],
    dtype=object,
)

PRODUCTS_HEADER = (
    "sku",
    "store_view_code",
    "attribute_set_code",
    "product_type",
    "product_websites",
    "name",
    "product_online",
    "visibility",
    "price",
    "qty",
    "is_in_stock",
    "additional_attributes",
    "configurable_variations",
    "created_at",
    "updated_at",
)
SOURCE_ITEMS_HEADER = ("sku", "source_code", "quantity", "status")
_CHUNK = 100_000
_YEAR = 365 * 86_400


@dataclass
class Catalog:
    """Every Magento product of the world as parallel arrays, one entry per SKU (file order)."""

    sku: np.ndarray  # object (str)
    name: np.ndarray  # object (str)
    kind: np.ndarray  # int8, SIMPLE..CHILD
    attribute_set: np.ndarray  # object (str)
    parent: np.ndarray  # int64, row of the configurable parent for CHILD rows, else -1
    size: np.ndarray  # object, CHILD rows only
    color: np.ndarray  # object, CHILD rows only
    variations: dict[int, str]  # PARENT row -> configurable_variations text
    websites: np.ndarray  # uint8 mask of WEBSITE_BITS
    enabled: np.ndarray  # bool
    visibility: np.ndarray  # object (str)
    price_cents: np.ndarray  # int64, -1 = blank (dynamic bundle price)
    qty: np.ndarray  # int64, legacy qty = default source quantity
    in_stock: np.ndarray  # bool
    salable: np.ndarray  # int64, sum of in-stock source quantities
    asin: np.ndarray  # object, the product's ASIN on Amazon (whether or not Magento knows it)
    has_asin: np.ndarray  # bool, amazon_asin attribute filled
    id_kind: np.ndarray  # int8, NO_ID..GTIN
    id_text: np.ndarray  # object, "" when NO_ID
    id_wrong: np.ndarray  # bool, deliberately wrong check digit
    condition: np.ndarray  # object, amazon_condition ("" = store default)
    created: np.ndarray  # int64 epoch seconds
    updated: np.ndarray  # int64 epoch seconds
    special: np.ndarray  # bool, name from SPECIAL_NAMES (listed on every store)
    view_names: dict[str, dict[int, str]]  # store view code -> row -> overriding name
    source_default: np.ndarray  # bool, has a `default` source item
    source_east: np.ndarray  # bool, has a `warehouse_east` source item
    east_qty: np.ndarray  # int64
    default_status: np.ndarray  # int8
    east_status: np.ndarray  # int8

    @property
    def size_count(self) -> int:
        """Number of products (distinct SKUs)."""
        return len(self.sku)


def _pick(rng: np.random.Generator, options: tuple[str, ...], count: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), count)]


def _family_shapes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sizes and colours per configurable family, using about 8% of the SKUs."""
    target = round(n * 0.08) if n >= 12 else 0
    upper = target // 3 + 1
    sizes = rng.integers(1, 6, upper)
    colors = rng.integers(1, 4, upper)
    sizes = np.where(sizes * colors < 2, 2, sizes)
    used = np.cumsum(1 + sizes * colors)
    count = int(np.searchsorted(used, target, side="right"))
    if count == 0 and target > 0:
        sizes[0], colors[0], count = 2, 1, 1
    return sizes[:count], colors[:count]


def build_catalog(n: int, seed: int, now: int) -> Catalog:
    """Draw a catalog of ``n`` products: simple, virtual, bundle and configurable families."""
    rng = rng_for(seed, "catalog")
    fam_sizes, fam_colors = _family_shapes(rng, n)
    families = len(fam_sizes)
    fam_rows = (1 + fam_sizes * fam_colors).astype(np.int64)
    singles = n - int(fam_rows.sum())
    single_kind = rng.choice(
        np.array([SIMPLE, VIRTUAL, BUNDLE], np.int8), singles, p=[0.94, 0.04, 0.02]
    )
    if singles >= 20:
        single_kind[:2] = (VIRTUAL, BUNDLE)

    # Units (single products or whole families) in a shuffled file order.
    units = singles + families
    unit_rows = np.concatenate([np.ones(singles, np.int64), fam_rows])
    order = rng.permutation(units)
    start = np.empty(units, np.int64)
    start[order] = np.cumsum(unit_rows[order]) - unit_rows[order]
    serial = np.empty(units, np.int64)
    serial[order] = np.arange(1, units + 1)
    width = max(5, len(str(units)))

    kind = np.empty(n, np.int8)
    parent = np.full(n, -1, np.int64)
    sku = np.empty(n, object)
    name = np.empty(n, object)
    attribute_set = np.empty(n, object)
    size = np.full(n, "", object)
    color = np.full(n, "", object)

    # Single products: category prefix + serial number; brand + adjective + noun.
    rows = start[:singles]
    kind[rows] = single_kind
    category = rng.choice(len(words.SIMPLE_CATEGORIES), singles, p=[0.2, 0.2, 0.25, 0.2, 0.15])
    cats = [*words.SIMPLE_CATEGORIES, words.VIRTUAL_CATEGORY, words.BUNDLE_CATEGORY]
    category = np.where(single_kind == VIRTUAL, 5, np.where(single_kind == BUNDLE, 6, category))
    prefixes = np.array([c[0] for c in cats], object)
    sets = np.array([c[1] for c in cats], object)
    nouns = np.array([noun for c in cats for noun in c[2]], object)
    noun_start = np.cumsum([0] + [len(c[2]) for c in cats])[:-1]
    noun_count = np.array([len(c[2]) for c in cats])
    noun = noun_start[category] + rng.integers(0, 1 << 30, singles) % noun_count[category]
    sku[rows] = prefixes[category] + zero_padded(serial[:singles], width)
    attribute_set[rows] = sets[category]
    name[rows] = (
        _pick(rng, words.BRANDS, singles)
        + _pick(rng, words.ADJECTIVES, singles)
        + " "
        + nouns[noun]
    )
    is_book = np.zeros(n, bool)
    is_book[rows] = (category == words.BOOK_CATEGORY) & (single_kind == SIMPLE)

    # Configurable families: parent + size/colour children, as in Magento's Luma sample data.
    variations: dict[int, str] = {}
    fam_prefix = rng.integers(0, len(words.APPAREL_PREFIXES), families)
    fam_brand = rng.integers(0, len(words.BRANDS), families)
    fam_adj = rng.integers(0, len(words.ADJECTIVES), families)
    fam_size0 = rng.integers(0, len(words.SIZES), families)
    fam_color0 = rng.integers(0, len(words.COLORS), families)
    for f in range(families):
        row = int(start[singles + f])
        p = int(fam_prefix[f])
        parent_sku = words.APPAREL_PREFIXES[p] + str(serial[singles + f]).zfill(width)
        parent_name = (
            f"{words.BRANDS[fam_brand[f]]}{words.ADJECTIVES[fam_adj[f]]} {words.APPAREL_NOUNS[p]}"
        )
        kind[row], sku[row], name[row] = PARENT, parent_sku, parent_name
        sizes = [words.SIZES[(fam_size0[f] + i) % len(words.SIZES)] for i in range(fam_sizes[f])]
        colors = [
            words.COLORS[(fam_color0[f] + 2 * i) % len(words.COLORS)] for i in range(fam_colors[f])
        ]
        parts = []
        child = row + 1
        for s in sizes:
            for c in colors:
                child_sku = f"{parent_sku}-{s}-{c}"
                kind[child], parent[child], sku[child] = CHILD, row, child_sku
                name[child], size[child], color[child] = f"{parent_name}-{s}-{c}", s, c
                parts.append(f"sku={child_sku},size={s},color={c}")
                child += 1
        variations[row] = "|".join(parts)
        attribute_set[row : row + int(fam_rows[f])] = words.APPAREL_ATTRIBUTE_SET
    is_child = kind == CHILD
    child_parent = parent[is_child]

    # Websites, status, visibility.
    websites = (
        (rng.random(n) < 0.95) * 1 + (rng.random(n) < 0.6) * 2 + (rng.random(n) < 0.55) * 4
    ).astype(np.uint8) + (rng.random(n) < 0.3).astype(np.uint8) * 8
    websites[is_child] = websites[child_parent]
    enabled = rng.random(n) >= 0.03
    visibility = np.where(
        is_child,
        "Not Visible Individually",
        rng.choice(
            np.array(["Catalog, Search", "Catalog", "Search"], object), n, p=[0.97, 0.015, 0.015]
        ),
    ).astype(object)

    # Prices in cents (bundles half dynamic = blank), children inherit the parent's price.
    dollars = np.clip(np.round(np.exp(rng.normal(3.3, 0.9, n))), 1, 2000).astype(np.int64)
    cents = np.array([99, 0, 95, 49, 50])[rng.integers(0, 5, n)]
    price = dollars * 100 + cents
    price[is_child] = price[child_parent] + (size[is_child] == "XL") * 200
    price[(kind == BUNDLE) & (rng.random(n) < 0.5)] = -1

    # Stock: legacy qty, is_in_stock and MSI source items.
    stocked = np.isin(kind, LISTABLE_KINDS)
    qty = np.where(rng.random(n) < 0.08, 0, rng.integers(1, 500, n))
    qty[~stocked] = 0
    in_stock = np.where(qty > 0, rng.random(n) >= 0.005, rng.random(n) < 0.01)
    in_stock[~stocked] = True

    # Names every pipeline must survive, listed on every store (see generate_words).
    special = np.zeros(n, bool)
    plain = np.flatnonzero(kind == SIMPLE)
    plain = plain[parent[plain] < 0]
    count = min(len(plain) // 3, max(len(words.SPECIAL_NAMES), round(0.03 * len(plain))))
    if count:
        chosen = np.sort(rng.choice(plain, count, replace=False))
        special[chosen] = True
        special_names = np.array([text for text, _ in words.SPECIAL_NAMES], object)
        name[chosen] = special_names[np.arange(count) % len(special_names)]
        websites[chosen] = 15
        enabled[chosen] = True
        qty[chosen] = np.maximum(qty[chosen], 5)
        in_stock[chosen] = True

    source_default = stocked & (rng.random(n) < 0.97)
    source_east = stocked & (rng.random(n) < 0.10)
    east_qty = np.where(source_east, rng.integers(0, 200, n), 0)
    default_status = (in_stock & (rng.random(n) >= 0.01)).astype(np.int8)
    east_status = ((east_qty > 0) & (rng.random(n) >= 0.1)).astype(np.int8)
    salable = qty * (source_default & (default_status == 1)) + east_qty * (east_status == 1)

    # Identifiers: ASIN on Amazon for every product; barcodes by category; 2% wrong check digit.
    asin = asin_text(np.arange(n))
    has_asin = rng.random(n) < np.where(kind == PARENT, 0.3, 0.35)
    draw = rng.random(n)
    id_kind = np.select([draw < 0.45, draw < 0.70, draw < 0.78], [UPC, EAN, GTIN], NO_ID).astype(
        np.int8
    )
    id_kind = np.where(is_book, np.where(rng.random(n) < 0.9, ISBN, NO_ID), id_kind).astype(np.int8)
    id_kind[kind == VIRTUAL] = np.where(rng.random(int((kind == VIRTUAL).sum())) < 0.1, UPC, NO_ID)
    id_kind[kind == PARENT] = NO_ID
    id_wrong = (id_kind != NO_ID) & (rng.random(n) < 0.02)
    id_text = np.full(n, "", object)
    index = np.arange(n, dtype=np.int64)
    id_text_for = {
        UPC: lambda i: (
            np.array([0, 6, 7, 8])[i % 4] * 10**10
            + bijection(i, 10**10, 6_180_339_887, 3_604_918_273)
        ),
        EAN: lambda i: (
            np.array([40, 41, 42, 43, 44, 45, 49, 50, 76, 80])[i % 10] * 10**10
            + bijection(i, 10**10, 3_819_660_113, 7_215_408_361)
        ),
        ISBN: lambda i: 978 * 10**9 + bijection(i, 10**9, 618_033_989, 284_719_603),
        GTIN: lambda i: (
            (1 + i % 8) * 10**12 + bijection(i, 10**12, 618_033_988_751, 370_214_958_117)
        ),
    }
    body_length = {UPC: 11, EAN: 12, ISBN: 12, GTIN: 13}
    for id_code, body in id_text_for.items():
        mask = id_kind == id_code
        id_text[mask] = gs1_text(body(index[mask]), body_length[id_code], id_wrong[mask])

    condition = rng.choice(np.array(words.CONDITIONS, object), n, p=words.CONDITION_WEIGHTS)
    condition[kind == PARENT] = ""

    created = now - rng.integers(86_400, 3 * _YEAR, n)
    created[is_child] = created[child_parent] + rng.integers(0, 600, int(is_child.sum()))
    touched = rng.random(n) < 0.7
    updated = created + (touched * rng.random(n) * (now - created)).astype(np.int64)

    # Store-view rows overriding the name: German for view `de`, Japanese for view `jp`.
    view_names: dict[str, dict[int, str]] = {}
    for view, share, make in (
        (
            "de",
            0.01,
            lambda k: (
                _pick(rng, words.GERMAN_ADJECTIVES, k) + " " + _pick(rng, words.GERMAN_NOUNS, k)
            ),
        ),
        ("jp", 0.005, lambda k: _pick(rng, words.JAPANESE_NAMES, k)),
    ):
        picked = np.flatnonzero(rng.random(n) < share)
        if len(picked) == 0 and n >= 20:
            picked = np.array([n // 2])
        view_names[view] = dict(zip(picked.tolist(), make(len(picked)).tolist(), strict=True))

    return Catalog(
        sku=sku,
        name=name,
        kind=kind,
        attribute_set=attribute_set,
        parent=parent,
        size=size,
        color=color,
        variations=variations,
        websites=websites,
        enabled=enabled,
        visibility=visibility,
        price_cents=price,
        qty=qty,
        in_stock=in_stock,
        salable=salable,
        asin=asin,
        has_asin=has_asin,
        id_kind=id_kind,
        id_text=id_text,
        id_wrong=id_wrong,
        condition=condition,
        created=created,
        updated=updated,
        special=special,
        view_names=view_names,
        source_default=source_default,
        source_east=source_east,
        east_qty=east_qty,
        default_status=default_status,
        east_status=east_status,
    )


def _join_attributes(parts: list[np.ndarray]) -> np.ndarray:
    """``code=value`` pieces ("" = absent) joined with ``,``, Magento's additional_attributes."""
    joined = parts[0]
    for part in parts[1:]:
        sep = np.where((joined != "") & (part != ""), ",", "")
        joined = joined + sep + part
    return joined


def _attribute_piece(code: str, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, (code + "=") + values, "").astype(object)


def _product_rows(cat: Catalog, lo: int, hi: int) -> list[tuple[str, ...]]:
    """products.csv rows for catalog rows [lo, hi), each followed by its store-view rows."""
    s = slice(lo, hi)
    kind = cat.kind[s]
    blank = np.full(hi - lo, "", object)
    id_kind = cat.id_kind[s]
    pieces = [_attribute_piece("amazon_asin", cat.asin[s], cat.has_asin[s])]
    for id_code in (UPC, EAN, ISBN, GTIN):
        pieces.append(_attribute_piece(ID_ATTRIBUTES[id_code], cat.id_text[s], id_kind == id_code))
    pieces.append(_attribute_piece("amazon_condition", cat.condition[s], cat.condition[s] != ""))
    pieces.append(np.where(kind == BUNDLE, "required_options=1", "").astype(object))
    is_child = kind == CHILD
    pieces.append(_attribute_piece("size", cat.size[s], is_child))
    pieces.append(_attribute_piece("color", cat.color[s], is_child))
    variations = blank.copy()
    for row in np.flatnonzero(kind == PARENT):
        variations[row] = cat.variations[lo + int(row)]
    price = np.where(cat.price_cents[s] >= 0, money_text(np.maximum(cat.price_cents[s], 0)), "")
    base_rows = zip(
        cat.sku[s],
        blank,
        cat.attribute_set[s],
        PRODUCT_TYPES[kind],
        _WEBSITE_TEXT[cat.websites[s]],
        cat.name[s],
        np.where(cat.enabled[s], "1", "2"),
        cat.visibility[s],
        price,
        int_text(cat.qty[s]),
        np.where(cat.in_stock[s], "1", "0"),
        _join_attributes(pieces),
        variations,
        utc_text(cat.created[s]),
        utc_text(cat.updated[s]),
        strict=True,
    )
    overrides: dict[int, list[tuple[str, ...]]] = {}
    for view, names in cat.view_names.items():
        for row, view_name in names.items():
            if lo <= row < hi:
                empty = ("",) * (len(PRODUCTS_HEADER) - 6)
                overrides.setdefault(row, []).append(
                    (cat.sku[row], view, "", "", "", view_name, *empty)
                )
    if not overrides:
        return list(base_rows)
    out: list[tuple[str, ...]] = []
    for offset, row in enumerate(base_rows):
        out.append(row)
        extra = overrides.get(lo + offset)
        if extra:
            out.extend(extra)
    return out


def write_products_csv(cat: Catalog, path: Path) -> int:
    """Write Magento's catalog export (UTF-8, csv-module quoting); returns the data row count."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PRODUCTS_HEADER)
        for lo in range(0, cat.size_count, _CHUNK):
            rows = _product_rows(cat, lo, min(lo + _CHUNK, cat.size_count))
            writer.writerows(rows)
            written += len(rows)
    return written


def write_source_items_csv(cat: Catalog, path: Path) -> int:
    """Write MSI source items (``default`` and some ``warehouse_east``); returns the row count."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SOURCE_ITEMS_HEADER)
        for lo in range(0, cat.size_count, _CHUNK):
            s = slice(lo, min(lo + _CHUNK, cat.size_count))
            rows = np.flatnonzero(cat.source_default[s] | cat.source_east[s])
            default = cat.source_default[s][rows]
            east = cat.source_east[s][rows]
            sku = cat.sku[s][rows]
            first = zip(
                sku,
                np.where(default, "default", "warehouse_east"),
                int_text(np.where(default, cat.qty[s][rows], cat.east_qty[s][rows])),
                int_text(np.where(default, cat.default_status[s][rows], cat.east_status[s][rows])),
                strict=True,
            )
            both = default & east
            second = dict(
                zip(
                    np.flatnonzero(both).tolist(),
                    zip(
                        sku[both],
                        np.full(int(both.sum()), "warehouse_east", object),
                        int_text(cat.east_qty[s][rows][both]),
                        int_text(cat.east_status[s][rows][both]),
                        strict=True,
                    ),
                    strict=True,
                )
            )
            for position, row in enumerate(first):
                writer.writerow(row)
                extra = second.get(position)
                if extra:
                    writer.writerow(extra)
            written += len(rows) + len(second)
    return written
