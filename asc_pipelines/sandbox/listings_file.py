"""The GET_MERCHANT_LISTINGS_ALL_DATA flat file as Amazon delivers it (protocols.md 2.7).

The sandbox's own reader and writer, independent of ``asc_pipelines.sources`` on purpose: tab
separated, one header line, no quoting (a ``"`` is literal), columns found by header name because
the header varies by marketplace and over time. The untouched file is served byte for byte; once the
world has evolved the file is written again in the same header variant, charset and line format,
with characters the charset cannot hold replaced by ``?`` exactly like Amazon's Cp1252 reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Java charset names Amazon puts in Content-Type -> Python codec names.
CHARSET_CODECS: dict[str, str] = {"Cp1252": "cp1252", "UTF-8": "utf-8", "Windows-31J": "cp932"}
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class ListingsFile:
    """A decoded listings report: header, rows (as text cells) and how to write it back."""

    header: list[str]
    rows: list[list[str]]
    charset: str  # Java name as in Content-Type: Cp1252, UTF-8 or Windows-31J
    raw: bytes  # the file exactly as it was on disk
    line_end: str = "\n"
    trailing_newline: bool = True
    bom: bool = False
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {}
        for position, name in enumerate(self.header):
            self.index.setdefault(name, position)

    def has(self, column: str) -> bool:
        """Whether this header variant carries ``column`` (older files lack ``status``)."""
        return column in self.index

    def get(self, row: list[str], column: str) -> str:
        """The cell of ``column`` in ``row``; empty when the variant has no such column."""
        position = self.index.get(column)
        return row[position] if position is not None else ""

    def set(self, row: list[str], column: str, value: str) -> None:
        """Change a cell; a column the variant does not have is silently not written."""
        position = self.index.get(column)
        if position is not None:
            row[position] = value

    def serialize(self) -> bytes:
        """The file re-written in its own header variant, charset and line format."""
        lines = ["\t".join(self.header), *("\t".join(row) for row in self.rows)]
        text = self.line_end.join(lines) + (self.line_end if self.trailing_newline else "")
        data = text.encode(CHARSET_CODECS[self.charset], errors="replace")
        return (_UTF8_BOM if self.bom else b"") + data


def detect_charset(data: bytes, default: str = "Cp1252") -> str:
    """UTF-8 when the bytes are valid UTF-8 and not plain ASCII, else the marketplace default."""
    if data.startswith(_UTF8_BOM):
        return "UTF-8"
    try:
        data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return default
    return "UTF-8" if not data.isascii() else default


def parse_listings_file(data: bytes, charset: str) -> ListingsFile:
    """Decode and split a listings report; short rows are padded to the header width."""
    if charset not in CHARSET_CODECS:
        raise ValueError(f"unknown report charset {charset!r}; known: {sorted(CHARSET_CODECS)}")
    bom = charset == "UTF-8" and data.startswith(_UTF8_BOM)
    body = data[len(_UTF8_BOM) :] if bom else data
    # Cp1252 leaves five bytes undefined; Amazon's Java decoder would show U+FFFD for them too.
    text = body.decode(CHARSET_CODECS[charset], errors="replace")
    line_end = "\r\n" if "\r\n" in text else "\n"
    trailing_newline = text.endswith(line_end)
    lines = text.split(line_end)
    if trailing_newline:
        lines.pop()
    if not lines or not lines[0]:
        raise ValueError("listings file has no header line")
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        if not line:
            continue
        cells = line.split("\t")
        cells += [""] * (len(header) - len(cells))
        rows.append(cells)
    return ListingsFile(header, rows, charset, data, line_end, trailing_newline, bom)
