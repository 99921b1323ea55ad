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
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from council.text import one_decimal, to_persian_digits

WIDTH_PX, HEIGHT_PX, DPI = 1000, 600, 100
FONT = "DejaVu Sans"
BAR_COLOR = "#2f6f9f"
# Beyond this many bars they are drawn lying down, one name under the other, so that names never overlap.
_UPRIGHT_LABELS = 12
# Lying bars: the height of a row and of the title and axis around them, in pixels.
_HORIZONTAL_ROW_PX, _HORIZONTAL_MARGIN_PX = 22, 130
# How much wider than measured a name is drawn, and the gap kept from the image's right edge (pixels).
_NAME_WIDTH_SLACK, _NAME_MARGIN_PX = 1.3, 14
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


def chart_height(bars: int) -> int:
    """The chart's height in pixels: :data:`HEIGHT_PX`, or taller for a long list of horizontal bars."""
    if bars <= _UPRIGHT_LABELS:
        return HEIGHT_PX
    return max(HEIGHT_PX, _HORIZONTAL_MARGIN_PX + _HORIZONTAL_ROW_PX * bars)


def county_bar_chart(rows: Sequence[tuple[str, float]], title: str, ylabel: str) -> bytes:
    """A PNG bar chart, :data:`WIDTH_PX` wide and :func:`chart_height` high, one bar per ``(label, value)``.

    Laid out for a right-to-left reader. Up to :data:`_UPRIGHT_LABELS` bars stand upright: the first row is
    the rightmost bar and the value axis is on the right. More lie down, one under the other (the first row
    on top), each with its label on the right and growing to the left, so that thirty names never run into
    each other on a phone. Axis ticks and the value at each bar are in Persian digits; ``title`` and
    ``ylabel`` come from the caller (the message catalogue).
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
    upright = len(rows) <= _UPRIGHT_LABELS
    integer = all(float(v).is_integer() for v in values)
    value_axis: Axis
    with matplotlib.rc_context({"font.family": FONT, "font.size": 12 if upright else 10}):
        figure = Figure(figsize=(WIDTH_PX / DPI, chart_height(len(rows)) / DPI), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        if upright:
            bars = axes.bar(positions, values, color=BAR_COLOR, width=0.6)
            axes.set_xticks(positions, labels)
            axes.set_xlim(-0.6, max(len(rows), 1) - 0.4)
            value_axis = axes.yaxis
            value_axis.tick_right()
            value_axis.set_label_position("right")
            axes.set_ylabel(ylabel)
            axes.spines[["top", "left"]].set_visible(False)
            axes.margins(y=0.12)
        else:
            bars = axes.barh(positions, values, color=BAR_COLOR, height=0.6)
            axes.set_yticks(positions, labels)
            axes.set_ylim(-0.6, len(rows) - 0.4)
            axes.yaxis.tick_right()
            axes.invert_xaxis()
            value_axis = axes.xaxis
            axes.set_xlabel(ylabel)
            axes.spines[["top", "left"]].set_visible(False)
            axes.margins(x=0.1)
        value_axis.set_major_locator(MaxNLocator(integer=integer))
        value_axis.set_major_formatter(FuncFormatter(lambda value, _: persian_number(value)))
        axes.set_title(title, fontsize=15)
        axes.bar_label(bars, labels=[persian_number(value) for value in values], padding=3)
        figure.tight_layout()
        if not upright:
            _room_for_names(figure, axes)
    return figure


def _room_for_names(figure: Figure, axes: Axes) -> None:
    """Leave room on the right for the names of lying bars.

    Matplotlib measures a shaped Persian name narrower than libraqm then draws it (by up to a fifth), so
    ``tight_layout`` alone lets a long name such as «کهگیلویه و بویراحمد» run off the image's edge.
    """
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    widest = max((label.get_window_extent(renderer).width for label in axes.get_yticklabels()), default=0.0)
    right = 1 - (widest * _NAME_WIDTH_SLACK + _NAME_MARGIN_PX) / WIDTH_PX
    figure.subplots_adjust(right=min(axes.get_position().x1, right))
