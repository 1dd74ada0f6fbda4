"""The console's table: a Rich table that never cuts a cell (imported when a command prints one, not for --help)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text


class FoldTable(Table):
    """A table that never cuts a cell. Where its columns fit the console at their narrowest (the longest word of
    each cell), Rich wraps the cells at spaces; where they do not, the table is stacked instead: one block per row,
    its first cell as the heading and each other cell as 'column: value' under it. So a verdict or a number is read
    whole at 80 columns, never as 'pr…' or '298…'."""

    def __rich_console__(self, console: Any, options: Any) -> Any:
        if not self.columns or self._fits(console, options):
            yield from super().__rich_console__(console, options)
            return
        yield from self._stacked(console, options)

    def _fits(self, console: Any, options: Any) -> bool:
        """Whether Rich's layout gives every column at least its longest word (else it would cut with '…')."""
        widths = self._calculate_column_widths(console, options.update_width(options.max_width - self._extra_width))
        for column, width in zip(self.columns, widths, strict=True):
            if self._measure_column(console, options, column).minimum > width:
                return False
        return True

    def _stacked(self, console: Any, options: Any) -> Any:
        from rich.padding import Padding

        if self.title:
            yield Text.assemble((str(self.title), "italic"))
        heads = [Text.from_markup(c.header) if isinstance(c.header, str) else c.header for c in self.columns]
        for r in range(self.row_count):
            cells = [c._cells[r] if r < len(c._cells) else "" for c in self.columns]
            yield Text.assemble((str(cells[0]), "bold")) if not isinstance(cells[0], Text) else cells[0]
            for head, cell in zip(heads[1:], cells[1:], strict=True):
                if str(cell) == "":
                    continue
                yield Padding(
                    Text.assemble((f"{head}: ", "dim"), cell if isinstance(cell, Text) else str(cell)), (0, 0, 0, 2)
                )
        if self.caption:
            yield Text(str(self.caption), style="dim")
