"""The visit board as a time-by-terminal grid: rows are the times at which a visit starts
(on the facility's clock), columns the incarcerated-side terminals, each cell the visits
starting there and then. A cell a longer visit still occupies says so, and on today's
board a row marks "now" between the past and the future.

Rows by time and columns by terminal: an officer's day reads downwards, like the daily
list, the terminal names stay in one header row kept visible while scrolling, and "now"
is a row to jump to. Only times at which a visit starts make a row, so a day of 200 visits
is about 40 rows, not one row per visit.

Pure: data in, grid out, no queries.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Cell:
    visits: list = field(default_factory=list)
    # A live visit that started in an earlier row and still occupies the terminal.
    continues: object = None


@dataclass
class Row:
    at: datetime
    cells: list[Cell]
    is_now: bool = False
    is_past: bool = False


@dataclass
class Grid:
    terminals: list
    rows: list[Row]
    visits: list
    has_now: bool = False

    @property
    def count(self) -> int:
        return len(self.visits)


def board_grid(*, terminals: list, visits: list, now: datetime, show_now: bool) -> Grid:
    """The grid for `terminals` (in column order) and `visits` (each with starts_at,
    ends_at, inmate_terminal_id and is_live). With `show_now`, a row at `now` is added
    unless a row already starts at that minute, which is then marked."""
    column = {terminal.pk: index for index, terminal in enumerate(terminals)}
    shown = [visit for visit in visits if visit.inmate_terminal_id in column]
    shown.sort(key=lambda visit: (visit.starts_at, column[visit.inmate_terminal_id], visit.pk))
    times = sorted({visit.starts_at for visit in shown})
    now_minute = now.replace(second=0, microsecond=0)
    if show_now and now_minute not in times:
        times.append(now_minute)
        times.sort()
    rows = {at: Row(at=at, cells=[Cell() for _ in terminals]) for at in times}
    for visit in shown:
        rows[visit.starts_at].cells[column[visit.inmate_terminal_id]].visits.append(visit)
        if visit.is_live:
            for at in times:
                if visit.starts_at < at < visit.ends_at:
                    cell = rows[at].cells[column[visit.inmate_terminal_id]]
                    cell.continues = visit
    ordered = [rows[at] for at in times]
    for row in ordered:
        row.is_past = row.at < now_minute
        row.is_now = show_now and row.at == now_minute
    return Grid(terminals=terminals, rows=ordered, visits=shown, has_now=show_now)
