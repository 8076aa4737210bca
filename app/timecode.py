"""Times as people read them, in one place for the CLI, the exports and the views (no Qt)."""

from __future__ import annotations


def format_seconds(seconds: float, decimals: int = 3, hours: bool | None = None) -> str:
    """``mm:ss.fff`` (with ``decimals`` digits after the point), or ``h:mm:ss.fff`` from one hour on.

    ``hours`` forces (True) or suppresses (False) the hour field; minutes then run past 59.
    """
    scale = 10**decimals
    sign = "-" if seconds < 0 else ""
    units = round(abs(seconds) * scale)
    whole, fraction = divmod(units, scale)
    minutes, secs = divmod(whole, 60)
    text = f"{secs:02d}" + (f".{fraction:0{decimals}d}" if decimals else "")
    show_hours = whole >= 3600 if hours is None else hours
    if show_hours:
        return f"{sign}{minutes // 60}:{minutes % 60:02d}:{text}"
    return f"{sign}{minutes:02d}:{text}"


def format_ms(ms: int, decimals: int = 3, hours: bool | None = None) -> str:
    """A time in milliseconds as ``mm:ss.fff`` or ``h:mm:ss.fff`` (see :func:`format_seconds`)."""
    return format_seconds(ms / 1000, decimals, hours)


def format_clock(ms: int) -> str:
    """``hh:mm:ss.mmm``, hours always shown on two digits: the player's time display."""
    return f"{format_ms(max(0, int(ms)), hours=True):0>12}"


def ms_to_s(ms: int | None) -> float | None:
    """Milliseconds as seconds rounded to the millisecond, for JSON and CSV (None stays None)."""
    return None if ms is None else round(ms / 1000, 3)


def format_mmss(ms: int) -> str:
    """``mm:ss.mmm`` with the minutes running past 59: a reading that sorts and compares at a glance."""
    return format_ms(ms, hours=False)


def format_fps(fps: float) -> str:
    """A frame rate as its real value to the thousandth, without trailing zeros: 29.97 (30000/1001), 23.976, 25."""
    return f"{fps:.3f}".rstrip("0").rstrip(".")
