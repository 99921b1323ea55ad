"""Bar charts of per-county figures as PNG images, with Persian labels and digits.

Persian needs its letters joined (shaping) and words laid right to left (bidi). Matplotlib 3.11 and later
lay text out with libraqm, which does both, so labels are drawn as given; reshaping them beforehand (as
with ``arabic-reshaper`` and ``python-bidi`` on older matplotlib) would reverse them a second time.
The font is DejaVu Sans, bundled with matplotlib, which has the Arabic-script letters Persian uses
(پ چ ژ گ ک ی) and the Persian digits.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence

import matplotlib
from matplotlib import ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from council.text import one_decimal, to_persian_digits

WIDTH_PX, HEIGHT_PX, DPI = 1000, 600, 100
FONT = "DejaVu Sans"
BAR_COLOR = "#2f6f9f"
# Beyond this many bars the labels are slanted so that they do not run into each other.
_UPRIGHT_LABELS = 12
_PERSIAN_DECIMAL = "\u066b"
# Charts may be drawn in worker threads; matplotlib's rc_context changes process-wide settings.
_DRAWING = threading.Lock()


def has_text_shaping() -> bool:
    """Whether matplotlib lays text out with libraqm (so Persian comes out joined and right to left)."""
    return hasattr(ft2font, "__libraqm_version__")


def persian_number(value: float) -> str:
    """``value`` in Persian digits: a whole number as is, otherwise to one decimal with «٫»."""
    if math.isclose(value, round(value)):
        return to_persian_digits(str(round(value)))
    return to_persian_digits(one_decimal(value)).replace(".", _PERSIAN_DECIMAL)


def county_bar_chart(rows: Sequence[tuple[str, float]], title: str, ylabel: str) -> bytes:
    """A PNG bar chart, :data:`WIDTH_PX` × :data:`HEIGHT_PX` pixels, one bar per ``(label, value)``.

    Laid out for a right-to-left reader: the first row is the rightmost bar and the value axis is on the
    right. Axis ticks and the value over each bar are in Persian digits; ``title`` and ``ylabel`` come
    from the caller (the message catalogue).
    """
    with _DRAWING, matplotlib.rc_context({"font.family": FONT, "font.size": 12}):
        figure = county_bar_figure(rows, title, ylabel)
        output = io.BytesIO()
        figure.savefig(output, format="png", dpi=DPI, metadata={"Software": None})
    return output.getvalue()


def county_bar_figure(rows: Sequence[tuple[str, float]], title: str, ylabel: str) -> Figure:
    """The figure :func:`county_bar_chart` draws, laid out and ready to save or inspect."""
    if not has_text_shaping():
        raise RuntimeError(f"matplotlib {matplotlib.__version__} cannot shape Persian text (no libraqm)")
    labels = [label for label, _ in rows]
    values = [value for _, value in rows]
    positions = list(range(len(rows) - 1, -1, -1))
    with matplotlib.rc_context({"font.family": FONT, "font.size": 12}):
        figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        bars = axes.bar(positions, values, color=BAR_COLOR, width=0.6)
        slanted = len(rows) > _UPRIGHT_LABELS
        axes.set_xticks(positions, labels, rotation=30 if slanted else 0, ha="right" if slanted else "center")
        axes.set_xlim(-0.6, max(len(rows), 1) - 0.4)
        axes.yaxis.set_major_locator(MaxNLocator(integer=all(float(v).is_integer() for v in values)))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: persian_number(value)))
        axes.yaxis.tick_right()
        axes.yaxis.set_label_position("right")
        axes.set_ylabel(ylabel)
        axes.set_title(title, fontsize=15)
        axes.bar_label(bars, labels=[persian_number(value) for value in values], padding=3)
        axes.spines[["top", "left"]].set_visible(False)
        axes.margins(y=0.12)
        figure.tight_layout()
    return figure
