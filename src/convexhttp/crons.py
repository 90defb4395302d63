"""``crons.py``: recurring functions, as Convex's ``cronJobs()``.

::

    crons = cron_jobs()
    crons.interval("clear old messages", {"minutes": 5}, internal.messages.clear_old)
    crons.cron("daily report", "0 9 * * *", internal.reports.send)
    crons.daily("backup", {"hourUTC": 3, "minuteUTC": 0}, internal.backup.run)

Times are UTC. An interval job first runs when it is first deployed; a cron
schedule runs at its next matching minute. Each tick runs once however many
processes serve the app (the tick is claimed in a transaction), and a tick
that comes while the previous run of an action is still going is skipped.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .values import check_value

__all__ = ["CronJob", "CronSchedule", "Crons", "IntervalSchedule", "cronJobs", "cron_jobs"]

_DAYS: Final = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
}
_MONTH_NAMES: Final = {n.lower(): i for i, n in enumerate(calendar.month_abbr) if n}
_DAY_NAMES: Final = {n[:3]: i for n, i in _DAYS.items()}
_IDENT: Final = re.compile(r"^[\w \-.:/]{1,100}$")


class _Field:
    """One field of a cron expression: the set of values it allows."""

    def __init__(self, text: str, low: int, high: int, names: Mapping[str, int], what: str):
        self.any = text == "*"
        values: set[int] = set()
        for part in text.split(","):
            step = 1
            if "/" in part:
                part, _, step_text = part.partition("/")
                if not step_text.isdigit() or int(step_text) == 0:
                    raise ValueError(f"cron {what}: bad step in {text!r}")
                step = int(step_text)
            if part == "*":
                start, end = low, high
            elif "-" in part:
                a, _, b = part.partition("-")
                start, end = (
                    self._value(a, low, high, names, what),
                    self._value(b, low, high, names, what),
                )
            else:
                start = self._value(part, low, high, names, what)
                end = high if step > 1 else start
            if start > end:
                raise ValueError(f"cron {what}: range {part!r} runs backwards")
            values.update(range(start, end + 1, step))
        self.values = frozenset(values)

    @staticmethod
    def _value(text: str, low: int, high: int, names: Mapping[str, int], what: str) -> int:
        lowered = text.lower()
        if lowered in names:
            return names[lowered]
        if not text.isdigit():
            raise ValueError(f"cron {what}: {text!r} is not a number")
        value = int(text)
        if not low <= value <= high:
            raise ValueError(f"cron {what}: {value} is outside {low}-{high}")
        return value


class CronSchedule:
    """A five-field cron expression (minute hour day-of-month month day-of-week), UTC."""

    def __init__(self, expression: str) -> None:
        fields = expression.split()
        if len(fields) != 5:
            raise ValueError(
                f"cron expression {expression!r}: expected five fields "
                "(minute hour day-of-month month day-of-week)"
            )
        self.expression = expression
        self.minute = _Field(fields[0], 0, 59, {}, "minute")
        self.hour = _Field(fields[1], 0, 23, {}, "hour")
        self.day = _Field(fields[2], 1, 31, {}, "day of month")
        self.month = _Field(fields[3], 1, 12, _MONTH_NAMES, "month")
        weekday = _Field(fields[4], 0, 7, _DAY_NAMES, "day of week")
        self.weekdays = frozenset(d % 7 for d in weekday.values)  # 7 is Sunday too
        self.weekday_any = weekday.any

    def _day_matches(self, day: dt.date) -> bool:
        weekday = (day.weekday() + 1) % 7  # cron counts from Sunday
        in_month = day.day in self.day.values
        in_week = weekday in self.weekdays
        if self.day.any or self.weekday_any:  # as cron: both restricted means either
            return in_month and in_week
        return in_month or in_week

    def next_after(self, ms: float) -> float:
        """The first matching minute strictly after ``ms`` (ms since the epoch)."""
        start = dt.datetime.fromtimestamp(ms / 1000, dt.UTC).replace(second=0, microsecond=0)
        moment = start + dt.timedelta(minutes=1)
        hours = sorted(self.hour.values)
        minutes = sorted(self.minute.values)
        for _ in range(366 * 5):  # every schedule matches within a few years (Feb 29)
            day = moment.date()
            if moment.month in self.month.values and self._day_matches(day):
                for hour in hours:
                    if hour < moment.hour:
                        continue
                    for minute in minutes:
                        if hour == moment.hour and minute < moment.minute:
                            continue
                        found = moment.replace(hour=hour, minute=minute)
                        return found.timestamp() * 1000
            moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)
        raise ValueError(f"cron expression {self.expression!r} never matches")

    def describe(self) -> dict[str, Any]:
        return {"type": "cron", "cron": self.expression}


@dataclass(frozen=True)
class IntervalSchedule:
    """Every ``ms`` milliseconds, the first run when the job is first deployed."""

    ms: float

    def next_after(self, ms: float) -> float:
        return ms + self.ms

    def describe(self) -> dict[str, Any]:
        return {"type": "interval", "ms": self.ms}


Schedule = CronSchedule | IntervalSchedule


@dataclass(frozen=True)
class CronJob:
    name: str
    schedule: Schedule
    function: Any  # a function reference, resolved when the app starts
    args: dict[str, Any]

    def fingerprint(self, function_name: str) -> str:
        text = json.dumps(
            [self.schedule.describe(), function_name, repr(self.args)], sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _pick(options: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    for name in names:
        if name in options:
            return options[name]
    return default


def _hour_minute(schedule: Mapping[str, Any]) -> tuple[int, int]:
    """``hourUTC`` and ``minuteUTC`` of a daily, weekly or monthly schedule."""
    hour = _int_option(schedule, ("hourUTC", "hour_utc"), 0, 23)
    return hour, _int_option(schedule, ("minuteUTC", "minute_utc"), 0, 59)


def _int_option(options: Mapping[str, Any], names: tuple[str, ...], low: int, high: int) -> int:
    value = _pick(options, *names, default=0)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"cron option {names[0]} must be an int in {low}-{high}, got {value!r}")
    return value


class Crons:
    """The recurring jobs of an app: ``crons = cron_jobs()`` in ``crons.py``."""

    def __init__(self) -> None:
        self.jobs: dict[str, CronJob] = {}

    def _add(self, name: str, schedule: Schedule, function: Any, args: Any) -> None:
        if not isinstance(name, str) or not _IDENT.match(name):
            raise ValueError(f"cron job name {name!r}: 1-100 letters, digits, spaces, - . : /")
        if name in self.jobs:
            raise ValueError(f"cron job {name!r} is defined twice")
        args = {} if args is None else args
        if not isinstance(args, dict):
            raise TypeError(f"cron job {name!r}: args must be a dict")
        check_value(args)
        self.jobs[name] = CronJob(name, schedule, function, args)

    def interval(
        self, name: str, schedule: Mapping[str, Any], function: Any, args: Any = None
    ) -> None:
        """Every ``{"seconds": n}``, ``{"minutes": n}`` or ``{"hours": n}``."""
        units = {"seconds": 1000, "minutes": 60_000, "hours": 3_600_000}
        given = [u for u in units if u in schedule]
        if len(given) != 1 or set(schedule) - set(units):
            raise ValueError(
                f"cron job {name!r}: interval takes one of seconds, minutes or hours, got "
                f"{dict(schedule)!r}"
            )
        amount = schedule[given[0]]
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
            raise ValueError(f"cron job {name!r}: the interval must be positive, got {amount!r}")
        ms = amount * units[given[0]]
        if ms < 1000:
            raise ValueError(f"cron job {name!r}: the shortest interval is one second")
        self._add(name, IntervalSchedule(float(ms)), function, args)

    def cron(self, name: str, expression: str, function: Any, args: Any = None) -> None:
        """A five-field cron expression, in UTC."""
        self._add(name, CronSchedule(expression), function, args)

    def hourly(
        self, name: str, schedule: Mapping[str, Any], function: Any, args: Any = None
    ) -> None:
        minute = _int_option(schedule, ("minuteUTC", "minute_utc"), 0, 59)
        self._add(name, CronSchedule(f"{minute} * * * *"), function, args)

    def daily(
        self, name: str, schedule: Mapping[str, Any], function: Any, args: Any = None
    ) -> None:
        hour, minute = _hour_minute(schedule)
        self._add(name, CronSchedule(f"{minute} {hour} * * *"), function, args)

    def weekly(
        self, name: str, schedule: Mapping[str, Any], function: Any, args: Any = None
    ) -> None:
        day = _pick(schedule, "dayOfWeek", "day_of_week")
        if not isinstance(day, str) or day.lower() not in _DAYS:
            raise ValueError(f"cron job {name!r}: dayOfWeek must be a day name, got {day!r}")
        hour, minute = _hour_minute(schedule)
        self._add(name, CronSchedule(f"{minute} {hour} * * {_DAYS[day.lower()]}"), function, args)

    def monthly(
        self, name: str, schedule: Mapping[str, Any], function: Any, args: Any = None
    ) -> None:
        day = _int_option(schedule, ("day",), 1, 31)
        hour, minute = _hour_minute(schedule)
        self._add(name, CronSchedule(f"{minute} {hour} {day} * *"), function, args)


def cron_jobs() -> Crons:
    """A new, empty set of cron jobs (Convex: ``cronJobs()``)."""
    return Crons()


cronJobs = cron_jobs
