"""Vectorized text helpers for the world generator: digits, check digits, ASINs, dates.

Every function turns whole numpy arrays into object arrays of ``str`` at C speed (fixed-width byte
matrices viewed as ``S<n>`` strings), so a million-product world never loops per value in Python.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from asc_pipelines.sandbox.open_dates import DMY, OPEN_DATE_STYLES, YMD_SLASH

_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_BASE36 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_SPACE, _SLASH = ord(" "), ord("/")


def rng_for(seed: int, *keys: str | int) -> np.random.Generator:
    """An independent random stream per (seed, part), so one part never shifts another's draws."""
    words = [seed] + [zlib.crc32(k.encode()) if isinstance(k, str) else int(k) for k in keys]
    return np.random.default_rng(words)


def _matrix_to_str(matrix: np.ndarray) -> np.ndarray:
    """Rows of an ASCII ``uint8`` matrix as an object array of ``str``."""
    width = matrix.shape[1]
    if len(matrix) == 0:
        return np.empty(0, dtype=object)
    raw = np.ascontiguousarray(matrix).view(f"S{width}").ravel()
    return raw.astype(f"U{width}").astype(object)


def _digit_matrix(values: np.ndarray, width: int, alphabet: np.ndarray = _DIGITS) -> np.ndarray:
    base = len(alphabet)
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = np.asarray(values, dtype=np.int64).copy()
    for pos in range(width - 1, -1, -1):
        out[:, pos] = alphabet[rest % base]
        rest //= base
    return out


def zero_padded(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded decimal strings of exactly ``width`` digits."""
    return _matrix_to_str(_digit_matrix(values, width))


def int_text(values: np.ndarray) -> np.ndarray:
    """Integers as plain decimal strings (object array)."""
    return np.asarray(values, dtype=np.int64).astype(str).astype(object)


def money_text(cents: np.ndarray) -> np.ndarray:
    """Amounts in cents as ``12.34`` strings (``.`` decimal, always two places)."""
    cents = np.asarray(cents, dtype=np.int64)
    return int_text(cents // 100) + "." + zero_padded(cents % 100, 2)


def gs1_check_digit(body: np.ndarray, length: int) -> np.ndarray:
    """GS1 (UPC/EAN/ISBN-13/GTIN-14) check digits of integer bodies of ``length`` digits."""
    rest = np.asarray(body, dtype=np.int64).copy()
    total = np.zeros(len(rest), dtype=np.int64)
    weight = 3  # the body digit next to the check digit weighs 3, then 1, 3, ...
    for _ in range(length):
        total += (rest % 10) * weight
        rest //= 10
        weight = 4 - weight
    return (10 - total % 10) % 10


def gs1_text(body: np.ndarray, length: int, wrong: np.ndarray | None = None) -> np.ndarray:
    """Bodies plus their check digit as strings of ``length + 1`` digits.

    Where ``wrong`` is true the check digit is deliberately off by 1..9.
    """
    body = np.asarray(body, dtype=np.int64)
    check = gs1_check_digit(body, length)
    if wrong is not None:
        shift = 1 + (body % 9)
        check = np.where(wrong, (check + shift) % 10, check)
    return zero_padded(body * 10 + check, length + 1)


def bijection(index: np.ndarray, modulus: int, multiplier: int, offset: int) -> np.ndarray:
    """A scrambled, collision-free map of ``[0, modulus)`` onto itself (``multiplier`` coprime)."""
    index = np.asarray(index, dtype=np.int64)
    # (a * i + b) mod m without int64 overflow: split the multiplier into 2**20 limbs.
    low, high = multiplier & 0xFFFFF, multiplier >> 20
    part = (index * high) % modulus
    part = (part * (1 << 20)) % modulus
    return (part + index * low + offset) % modulus


def asin_text(index: np.ndarray) -> np.ndarray:
    """Distinct ASINs ``B0`` + 8 base-36 characters, one per distinct index (< 36**8)."""
    scrambled = bijection(index, 36**8, 1_743_559_403_893, 1_234_567_891)
    matrix = np.empty((len(scrambled), 10), dtype=np.uint8)
    matrix[:, 0], matrix[:, 1] = ord("B"), ord("0")
    matrix[:, 2:] = _digit_matrix(scrambled, 8, _BASE36)
    return _matrix_to_str(matrix)


def amazon_sku_text(index: np.ndarray) -> np.ndarray:
    """Seller SKUs shaped like the ones Amazon generates (``4K-QZ8B-1JXR``), distinct per index."""
    index = np.asarray(index, dtype=np.int64)
    head = _digit_matrix((index * 7 + 11) % 36**2, 2, _BASE36)
    tail = _digit_matrix(bijection(index, 36**8, 1_118_034_005_423, 97_531_864), 8, _BASE36)
    matrix = np.empty((len(index), 12), dtype=np.uint8)
    matrix[:, 0:2], matrix[:, 3:7], matrix[:, 8:12] = head, tail[:, 0:4], tail[:, 4:8]
    matrix[:, 2] = matrix[:, 7] = ord("-")
    return _matrix_to_str(matrix)


def _wall_clock_matrix(seconds: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SS`` as a uint8 matrix of 19 columns."""
    text = np.datetime_as_string(np.asarray(seconds, dtype="datetime64[s]"), unit="s")
    return text.astype("S19").view(np.uint8).reshape(-1, 19).copy()


def utc_text(seconds: np.ndarray, iso_z: bool = False) -> np.ndarray:
    """Epoch seconds as ``YYYY-MM-DD HH:MM:SS`` (Magento) or ``YYYY-MM-DDTHH:MM:SSZ`` (SP-API)."""
    matrix = _wall_clock_matrix(seconds)
    if iso_z:
        return _matrix_to_str(np.hstack([matrix, np.full((len(matrix), 1), ord("Z"), np.uint8)]))
    matrix[:, 10] = _SPACE
    return _matrix_to_str(matrix)


def open_date_text(seconds: np.ndarray, marketplace: str) -> np.ndarray:
    """The listing report's ``open-date``: the marketplace's wall clock plus a zone abbreviation,
    in the marketplace's style (``open_dates.OPEN_DATE_STYLES``).

    US ``2022-03-15 02:26:37 PDT``, UK ``29/09/2025 16:19:39 BST``, DE ``2025-09-29 16:19:39 MESZ``,
    JP ``2009/09/18 15:18:58 JST`` (summer/winter abbreviations follow the zone's real DST rules).
    """
    style = OPEN_DATE_STYLES[marketplace]
    seconds = np.asarray(seconds, dtype=np.int64)
    local = pd.DatetimeIndex(seconds.astype("datetime64[s]"), tz="UTC").tz_convert(style.zone)
    wall = local.tz_localize(None).to_numpy().astype("datetime64[s]").astype(np.int64)
    offsets = (wall - seconds) // 3600
    matrix = _wall_clock_matrix(wall)
    if style.layout == DMY:
        order = [8, 9, 7, 5, 6, 4, 0, 1, 2, 3, *range(10, 19)]
        matrix = matrix[:, order]
        matrix[:, 2] = matrix[:, 5] = _SLASH
    elif style.layout == YMD_SLASH:
        matrix[:, 4] = matrix[:, 7] = _SLASH
    matrix[:, 10] = _SPACE
    keys = np.array(sorted(style.abbreviations), dtype=np.int64)
    suffix = np.array([" " + style.abbreviations[int(h)] for h in keys], dtype=object)
    return _matrix_to_str(matrix) + suffix[np.searchsorted(keys, offsets)]


def listing_id_text(open_seconds: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Listing ids like ``1129Z123456``: open date's MMDD, a capital letter, six digits."""
    scrambled = bijection(index, 26 * 10**6, 16_069_380_443, 4_815_162)
    matrix = np.empty((len(scrambled), 11), dtype=np.uint8)
    clock = _wall_clock_matrix(open_seconds)
    matrix[:, 0:2], matrix[:, 2:4] = clock[:, 5:7], clock[:, 8:10]
    matrix[:, 4] = ord("A") + scrambled // 10**6
    matrix[:, 5:] = _digit_matrix(scrambled % 10**6, 6)
    return _matrix_to_str(matrix)
