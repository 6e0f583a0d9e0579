"""README's SQL examples, as the tests that run them read them."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_queries(section: str) -> list[str]:
    """The ```sql blocks of README's ``## <section>``, in order."""
    text = README.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", body, flags=re.S)
