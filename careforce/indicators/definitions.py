"""The indicators: each a computation over the summed figures (sources.py) with its written definition.

Definitions are code (what counts is a rule, reviewed like code); targets, shares and thresholds are data
(models.Target). An indicator whose data module is absent (training, skills, conduct not written yet) is
not offered: `available()` is False and every page and API leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from careforce.indicators import sources
from careforce.indicators.sources import Figures

COUNT, RATE = "count", "rate"
NOW, YEAR = "now", "year"


@dataclass(frozen=True)
class Result:
    value: Decimal | None  # None: no data (e.g. no denominator)
    numerator: Decimal
    denominator: Decimal | None = None


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Any
    definition: Any  # what counts and what does not; shown as help text
    unit: Any
    kind: str  # COUNT adds up over districts (shares of a city target apply); RATE does not
    compute: Callable[[Figures], Result]
    requires: tuple[tuple[str, str], ...] = ()
    period: str = NOW  # NOW: a stock today; YEAR: year to date (a yearly target)
    decimals: int = 0
    higher_is_better: bool = True
    # Filters of the records list behind the number (the registry's /workers/ query parameters).
    records: dict[str, str] | None = None
    # The same figure at a past month end, read back from dated records (history_figures), if possible.
    history: Callable[[Figures, str], Result | None] | None = None
    city_only: bool = False
    institution_level: bool = True
    order: int = 100
    extra: dict = field(default_factory=dict)

    def available(self) -> bool:
        """Every (app, function) of the contract present, or ("model", "app.Model") readable by name."""
        return all(
            sources.model(name) is not None if app == "model" else sources.has(app, name)
            for app, name in self.requires
        )

    def round(self, value: Decimal | None) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)


REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    REGISTRY[indicator.code] = indicator
    return indicator


def available() -> list[Indicator]:
    return sorted((i for i in REGISTRY.values() if i.available()), key=lambda i: (i.order, i.code))


def get(code: str) -> Indicator | None:
    indicator = REGISTRY.get(code)
    return indicator if indicator is not None and indicator.available() else None


def ratio(numerator: float, denominator: float | None, per: int) -> Result:
    num = Decimal(numerator or 0)
    if not denominator:
        return Result(None, num, Decimal(denominator or 0) if denominator is not None else None)
    den = Decimal(denominator)
    return Result(num * per / den, num, den)


def count(name: str) -> Callable[[Figures], Result]:
    def compute(f: Figures) -> Result:
        return Result(Decimal(f.get(name, 0)), Decimal(f.get(name, 0)))

    return compute


def _older(f: Figures) -> float | None:
    return f.get("older_population") or None


def _sw(f: Figures) -> int:
    return f.get(f"occupation:{sources.SOCIAL_WORKER_OCCUPATION}", 0)


def _posts_history(f: Figures, month: str) -> Result | None:
    key = f"posts:{month}"
    return Result(Decimal(f[key]), Decimal(f[key])) if key in f else None


def _held(series: str = ""):
    """Full-time posts held at a month end, all or in one series (care team, social workers, care
    workers), read back from the employment dates (facts.contribution): the history of a stock figure."""
    prefix = f"posts.{series}" if series else "posts"

    def held(f: Figures, month: str) -> int | None:
        return f.get(f"{prefix}:{month}")  # absent (None) before the records begin

    return held


def _history_ratio(series: str, denominator: Callable[[Figures], float | None], per: int):
    """A ratio's past values: the series at the month end over today's denominator (older population and
    beds are entered as figures of now, not as monthly history)."""
    held = _held(series)

    def history(f: Figures, month: str) -> Result | None:
        n = held(f, month)
        return None if n is None else ratio(n, denominator(f), per)

    return history


def _history_key(prefix: str):
    """A count's past values: the figure "<prefix>:<month>" kept for each past month end."""

    def history(f: Figures, month: str) -> Result | None:
        n = f.get(f"{prefix}:{month}")
        return None if n is None else Result(Decimal(n), Decimal(n))

    return history


def _exit_history(f: Figures, month: str) -> Result | None:
    """Exits in the 12 months to the month end per 100 posts held then; only where all 12 are known."""
    months = sorted(k.split(":", 1)[1] for k in f if k.startswith("posts:"))
    if month not in months or months.index(month) < 11:
        return None
    last12 = months[months.index(month) - 11 : months.index(month) + 1]
    return ratio(sum(f.get(f"leaves:{m}", 0) for m in last12), f[f"posts:{month}"], 100)


def _leaves_12(f: Figures) -> int:
    keys = sorted(k for k in f if k.startswith("leaves:"))
    months = sorted({k.split(":", 1)[1] for k in f if k.startswith(("posts:", "joins:", "leaves:"))})
    last12 = set(months[-12:])
    return sum(f[k] for k in keys if k.split(":", 1)[1] in last12)


register(
    Indicator(
        code="registry_workers",
        label=_("Workers in the registry"),
        definition=_(
            "People with a current post (no end date) at an institution, full- or part-time, each counted "
            "once, in the district of the institution the registry files them under (the current full-time "
            "post first). Not counted: people whose posts have all ended, and records filed under a "
            "district without a post. History: full-time posts held at each month end, read from "
            "employment dates."
        ),
        unit=_("people"),
        kind=COUNT,
        compute=count("workers"),
        records={"active": "yes"},
        history=_posts_history,
        order=10,
    )
)
register(
    Indicator(
        code="care_workers_team",
        label=_("Care team"),
        definition=_(
            "Workers in the registry (as above) whose team is care (养老护理人才): care workers, elder-care "
            "advisers, community helpers, bathing assistants and dementia carers."
        ),
        unit=_("people"),
        kind=COUNT,
        compute=count("team:care"),
        records={"active": "yes", "team": "care"},
        history=_history_key("posts.care"),
        order=15,
    )
)
register(
    Indicator(
        code="density_per_1000_older",
        label=_("Workers per 1,000 older people"),
        definition=_(
            "Workers in the registry per 1,000 people aged 60+. The older population is the newest figure "
            "entered for the place (with its source); where none is entered the indicator shows no data."
        ),
        unit=_("per 1,000"),
        kind=RATE,
        compute=lambda f: ratio(f.get("workers", 0), _older(f), 1000),
        records={"active": "yes"},
        history=_history_ratio("", _older, 1000),
        decimals=2,
        institution_level=False,
        order=20,
    )
)
register(
    Indicator(
        code="social_workers_per_1000_older",
        label=_("Social workers per 1,000 older people"),
        definition=_(
            "Workers in the registry whose occupation is social worker (社会工作者), per 1,000 people aged "
            "60+. No data where no older population is entered."
        ),
        unit=_("per 1,000"),
        kind=RATE,
        compute=lambda f: ratio(_sw(f), _older(f), 1000),
        records={"active": "yes", "occupation": sources.SOCIAL_WORKER_OCCUPATION},
        history=_history_ratio("sw", _older, 1000),
        decimals=3,
        institution_level=False,
        order=30,
    )
)
register(
    Indicator(
        code="social_workers_per_100_beds",
        label=_("Social workers per 100 beds"),
        definition=_(
            "Workers in the registry whose occupation is social worker, per 100 beds of the institutions "
            "registered in the place (all kinds; beds as recorded on the institution)."
        ),
        unit=_("per 100 beds"),
        kind=RATE,
        compute=lambda f: ratio(_sw(f), f.get("beds", 0), 100),
        records={"active": "yes", "occupation": sources.SOCIAL_WORKER_OCCUPATION},
        history=_history_ratio("sw", lambda f: f.get("beds", 0) or None, 100),
        decimals=2,
        order=35,
    )
)
register(
    Indicator(
        code="certification_rate",
        label=_("Care-worker certification rate"),
        definition=_(
            "Share of care workers (active workers whose occupation is care worker, 养老护理员) holding a "
            "valid skill-level certificate of junior (初级工) or above in that occupation. Apprentice level, "
            "expired or revoked certificates and other occupations' certificates do not count."
        ),
        unit="%",
        kind=RATE,
        compute=lambda f: ratio(f.get("certified_care_workers", 0), f.get("care_workers", 0), 100),
        requires=(("skills", "certification_counts"),),
        records={"active": "yes", "occupation": sources.CARE_WORKER_OCCUPATION},
        decimals=1,
        order=40,
    )
)
register(
    Indicator(
        code="training_person_times",
        label=_("Training person-times this year"),
        definition=_(
            "Training completions since 1 January, by the district of the worker's institution at "
            "completion (or of the organiser). Enrolments without completion do not count; one person "
            "completing two courses counts twice."
        ),
        unit=_("person-times"),
        kind=COUNT,
        compute=count("training_person_times"),
        requires=(("training", "training_person_times"),),
        period=YEAR,
        institution_level=False,
        order=50,
    )
)
register(
    Indicator(
        code="heads_training_coverage",
        label=_("Heads trained this year"),
        definition=_(
            "Share of institutions whose head (负责人, named on the institution's record) completed, this "
            "calendar year (Asia/Shanghai), a district-tier heads' course (领雁) organised by the district of "
            "that institution: the policy asks each district to train every head of its area once a year. "
            "An institution with no head recorded, a head not yet registered or no longer in post counts as "
            "not trained. The city's own heads' course is the next figure."
        ),
        unit="%",
        kind=RATE,
        compute=lambda f: ratio(f.get("heads_trained", 0), f.get("institutions", 0), 100),
        requires=(("training", "heads_trained"),),
        period=YEAR,
        decimals=1,
        order=60,
    )
)
register(
    Indicator(
        code="overdue_complaints",
        label=_("Overdue complaints"),
        definition=_(
            "Open complaints past their handling deadline, by district (as the conduct records define it). "
            "Closed complaints and complaints still within their deadline do not count."
        ),
        unit=_("complaints"),
        kind=COUNT,
        compute=count("overdue_complaints"),
        history=_history_key("overdue"),
        requires=(("conduct", "overdue_complaints"),),
        higher_is_better=False,
        institution_level=False,
        order=70,
    )
)
register(
    Indicator(
        code="verified_share",
        label=_("Verified share of worker records"),
        definition=_(
            "Share of the workers in the registry (people with a current post, in the district the registry "
            "files them under) whose record is confirmed by the institution (机构已确认) or checked against the "
            "authority (已向发证机关核验). Self-reported records (本人填报) do not count; a change to a confirmed "
            "record sends it back to self-reported."
        ),
        unit="%",
        kind=RATE,
        compute=lambda f: ratio(f.get("verified_workers", 0), f.get("current_workers", 0), 100),
        decimals=1,
        institution_level=False,
        order=85,
    )
)
register(
    Indicator(
        code="exit_rate",
        label=_("Exit rate (12 months)"),
        definition=_(
            "People who left the workforce in the last 12 months (a post ended with no other post the next "
            "day) per 100 workers in the registry now. Transfers between institutions are not exits."
        ),
        unit="%",
        kind=RATE,
        compute=lambda f: ratio(_leaves_12(f), f.get("workers", 0), 100),
        history=_exit_history,
        decimals=1,
        higher_is_better=False,
        institution_level=False,
        order=80,
    )
)
register(
    Indicator(
        code="training_bases",
        label=_("Training bases"),
        definition=_(
            "Active training bases (培训基地) accredited by today, by the district where they are. "
            "Practical-training bases (实习实训基地) and inactive bases do not count."
        ),
        unit=_("bases"),
        kind=COUNT,
        compute=count("training_bases"),
        history=_history_key("bases"),
        requires=(("model", "training.TrainingBase"),),
        institution_level=False,
        order=55,
    )
)
register(
    Indicator(
        code="heads_courses",
        label=_("City heads' courses this year"),
        definition=_(
            "Sessions of city-tier heads' courses (领雁) starting this year, not cancelled. District and "
            "institution courses do not count. City-wide only."
        ),
        unit=_("sessions"),
        kind=COUNT,
        compute=count("heads_courses"),
        requires=(("model", "training.Session"),),
        period=YEAR,
        city_only=True,
        institution_level=False,
        order=65,
    )
)


# ---------------------------------------------------------------- the time bank (时间储蓄)

for _order, (_code, _label, _definition, _unit) in enumerate(
    (
        (
            "volunteers",
            _("Time-bank volunteers"),
            _("Volunteers registered with the time bank in the district (registry workers or not)."),
            _("people"),
        ),
        (
            "deposited",
            _("Volunteer hours deposited"),
            _(
                "Hours of verified volunteer service credited to the district's volunteers (hours above a "
                "person's cap, given to the public pool, included). Records waiting for verification do not count."
            ),
            _("hours"),
        ),
        (
            "withdrawn",
            _("Volunteer hours redeemed"),
            _(
                "Hours paid out as service orders that were delivered and confirmed; open orders do not count."
            ),
            _("hours"),
        ),
        (
            "donated",
            _("Volunteer hours donated"),
            _("Hours the district's volunteers gave to the public pool themselves."),
            _("hours"),
        ),
    )
):
    register(
        Indicator(
            code=f"timebank_{_code}",
            label=_label,
            definition=_definition,
            unit=_unit,
            kind=COUNT,
            compute=count(f"timebank_{_code}"),
            requires=(("timebank", "timebank_figures"),),
            decimals=0 if _code == "volunteers" else 1,
            institution_level=False,
            order=200 + _order,
        )
    )


# ---------------------------------------------------------------- contracts, subsidies and recognition
# Kept by those apps' services (careforce/incentives/metrics.py, careforce/recognition/metrics.py).

register(
    Indicator(
        code="subsidies_paid",
        label=_("Subsidies paid"),
        definition=_(
            "Payments of every subsidy scheme, in the district of the payment (the worker's district when "
            "assessed), net of reversals: a correction or clawback subtracts its amount. Approved entries not "
            "yet in a payment batch do not count. The incentives page shows the same sum per scheme."
        ),
        unit=_("yuan"),
        kind=COUNT,
        compute=count("incentives_paid"),
        requires=(("incentives", "incentives_figures"),),
        decimals=2,
        institution_level=False,
        order=300,
    )
)
register(
    Indicator(
        code="subsidies_people",
        label=_("People paid subsidies"),
        definition=_(
            "Workers with at least one payment that is neither reversed nor a reversal, in the district of "
            "the payment; a worker paid by several schemes counts once."
        ),
        unit=_("people"),
        kind=COUNT,
        compute=count("incentives_people"),
        requires=(("incentives", "incentives_figures"),),
        institution_level=False,
        order=305,
    )
)
register(
    Indicator(
        code="contract_coverage",
        label=_("Care workers with a labour contract"),
        definition=_(
            "Share of care workers (active workers placed at an institution whose occupation is care worker, "
            "养老护理员 — the population of the certification rate, in the district of their institution) with "
            "a labour contract in force today: started, and not past its end (open-ended contracts and "
            "事业编制 posts have no end). An expired contract not yet renewed does not count."
        ),
        unit="%",
        kind=RATE,
        compute=lambda f: ratio(f.get("incentives_contract", 0), f.get("care_workers", 0), 100),
        requires=(("incentives", "incentives_figures"), ("skills", "certification_counts")),
        decimals=1,
        institution_level=False,
        order=310,
    )
)
register(
    Indicator(
        code="injury_insurance_coverage",
        label=_("Care workers with work-injury insurance"),
        definition=_(
            "Share of care workers (as for the contract share) with work-injury insurance (工伤保险) in force "
            "today. Accident, supplementary medical insurance and annuities do not count."
        ),
        unit="%",
        kind=RATE,
        compute=lambda f: ratio(f.get("incentives_injury", 0), f.get("care_workers", 0), 100),
        requires=(("incentives", "incentives_figures"), ("skills", "certification_counts")),
        decimals=1,
        institution_level=False,
        order=315,
    )
)
register(
    Indicator(
        code="awards",
        label=_("Awards this year"),
        definition=_(
            "Awards made for this year (最美护理员 and the other kinds, every level), in the district of the "
            "worker when the award was made."
        ),
        unit=_("awards"),
        kind=COUNT,
        compute=count("recognition_awards"),
        requires=(("recognition", "recognition_figures"),),
        period=YEAR,
        institution_level=False,
        order=320,
    )
)
register(
    Indicator(
        code="competition_prizes",
        label=_("Competition prizes this year"),
        definition=_(
            "Entrants who won a prize in skill competitions held this year whose results are published, in "
            "the entrant's district at entry. Entrants without a prize and unpublished results do not count."
        ),
        unit=_("prizes"),
        kind=COUNT,
        compute=count("recognition_prizes"),
        requires=(("recognition", "recognition_figures"),),
        period=YEAR,
        institution_level=False,
        order=325,
    )
)
