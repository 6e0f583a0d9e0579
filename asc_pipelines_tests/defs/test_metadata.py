"""Markdown tables in the Dagster UI's metadata keep their shape whatever the cells hold."""

from asc_pipelines.defs.metadata import markdown_table


def test_a_pipe_in_a_cell_does_not_split_the_row_and_none_is_empty() -> None:
    table = markdown_table(["kind", "detail"], [["price_mismatch", "a | b"], ["x", None]])
    assert table.value.splitlines() == [
        "| kind | detail |",
        "|---|---|",
        "| price_mismatch | a \\| b |",
        "| x |  |",
    ]
