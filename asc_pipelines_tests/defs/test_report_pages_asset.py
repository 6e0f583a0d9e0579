"""The ``report_pages`` asset in a real Dagster run over a real DuckDB file: its metadata points at
the pages it wrote as path values the Dagster UI shows as paths (with a copy button), not text."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.reporting.pages import report_pages
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines_tests.dashboard.test_pages import build_warehouse

CONFIG = """
stores:
  - {id: us, name: US Main Store, marketplace: US, seller_id: A1}
  - {id: uk, name: UK Shop & Co, marketplace: UK, seller_id: A2, website: uk_site}
  - {id: de, name: German Store, marketplace: DE, seller_id: A3, website: de_site}
magento: {base_url: "http://127.0.0.1:9"}
"""


def test_report_pages_metadata_names_the_index_and_every_store_page_as_paths(
    tmp_path: Path,
) -> None:
    config = tmp_path / "asc.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    database = tmp_path / "warehouse.duckdb"
    build_warehouse(database).close()
    result = dg.materialize(
        [report_pages],
        resources={
            "duckdb": DuckDBResource(database=str(database)),
            "settings": AscSettings(config_path=str(config), data_dir=str(tmp_path)),
        },
    )
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    reports = (tmp_path / "reports").resolve()

    assert isinstance(metadata["index"], dg.PathMetadataValue)
    assert metadata["index"].value == str(reports / "index.html")
    pages = {key: value for key, value in metadata.items() if key.startswith("store_page/")}
    assert all(isinstance(value, dg.PathMetadataValue) for value in pages.values()), pages
    assert {key: value.value for key, value in pages.items()} == {
        f"store_page/{store_id}": str(reports / f"{store_id}.html")
        for store_id in ("de", "uk", "us")
    }
    assert all(Path(value.value).is_file() for value in [metadata["index"], *pages.values()])
    assert isinstance(metadata["charts"], dg.IntMetadataValue) and metadata["charts"].value == 12
    assert isinstance(metadata["render_seconds"], dg.FloatMetadataValue)
