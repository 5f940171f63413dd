"""Posts (岗位), staffing rules and projection scenarios, all kept as data.

The care-staff ratios by ability level are `indicators.StaffingRatio` and the older population is
`indicators.OlderPopulation` (one table each, read by the dashboard too); this app adds what they lack."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from careforce.incentives.models import InsuranceKind


class PostGroup(models.TextChoices):
    MANAGEMENT = "management", _("Management")
    PROFESSIONAL = "professional", _("Professional and technical")
    SKILLED = "skilled", _("Skilled")
    SUPPORT = "support", _("Support")


class Post(models.Model):
    """A post of the catalogue; its synonyms are `core.Synonym` rows of the list "post"."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    group = models.CharField(_("group"), max_length=20, choices=PostGroup.choices)
    is_new_post = models.BooleanField(_("new post of the policy"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return self.name


class PostRequirement(models.Model):
    """An institution matching every condition must have at least `count` people in `post`."""

    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="requirements"
    )
    count = models.PositiveSmallIntegerField(_("required people"), default=1)
    min_star_grade = models.PositiveSmallIntegerField(
        _("from star grade"), default=0, validators=[MaxValueValidator(5)]
    )
    min_beds = models.PositiveIntegerField(_("from beds"), default=0)
    public_service_unit_only = models.BooleanField(_("public-service units (事业单位) only"), default=False)
    source = models.CharField(_("source"), max_length=200)
    is_verified = models.BooleanField(_("source verified"), default=False)

    class Meta:
        ordering = ["post__sort_order", "min_star_grade", "min_beds", "id"]
        verbose_name = _("post requirement")
        verbose_name_plural = _("post requirements")

    def __str__(self) -> str:
        return f"{self.post} ×{self.count} (≥{self.min_star_grade}★, ≥{self.min_beds})"


class StaffingSettings(models.Model):
    """The one row of staffing settings (pk=1) other rules read."""

    completeness_threshold = models.DecimalField(
        _("record completeness threshold (%)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("90"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    part_time_weight = models.DecimalField(
        _("a part-time person counts as"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # Who counts: social insurance paid by the institution as a further condition (off until the source is
    # verified; the kind is data too). See docs/staffing.md "Who counts".
    insurance_required = models.BooleanField(_("count only staff insured by the institution"), default=False)
    insurance_kind = models.CharField(
        _("insurance that counts"),
        max_length=30,
        choices=InsuranceKind.choices,
        default=InsuranceKind.WORK_INJURY,
    )
    # 事业单位: professional-technical staff must be more than this share of the counted staff (主体).
    public_unit_professional_share = models.DecimalField(
        _("事业单位: professional-technical staff more than (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("50"),
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("99.9"))],
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("staffing settings")
        verbose_name_plural = _("staffing settings")

    def __str__(self) -> str:
        return f"{self.completeness_threshold} % / {self.part_time_weight}"


def _rate(label, default: str):
    return models.DecimalField(label, max_digits=6, decimal_places=2, default=Decimal(default))


class Scenario(models.Model):
    """The editable assumptions of the supply–demand projection; the one marked current is used."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    is_current = models.BooleanField(_("current"), default=False)
    # Compound yearly growth applied from the year of each district's figure to 2027 and 2029.
    older_growth_per_year = models.DecimalField(
        _("yearly growth of the older population (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    community_workers_per_1000 = models.DecimalField(
        _("community care workers per 1,000 older people"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
    )
    home_workers_per_1000 = models.DecimalField(
        _("home care workers per 1,000 older people"), max_digits=6, decimal_places=2, default=Decimal("0")
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_verified = models.BooleanField(_("source verified"), default=False)
    # Community and home care workers per 1,000 older people at each ability level, for the districts whose
    # older population is known at every level (the others use the two rates above). The defaults give
    # about the 5 per 1,000 above at a mix of 80 / 12 / 4 / 2 / 2 % (unverified; no source at hand).
    able_workers_per_1000 = _rate(_("fully able: community and home care workers per 1,000"), "0.5")
    mild_workers_per_1000 = _rate(_("mildly disabled: community and home care workers per 1,000"), "5")
    moderate_workers_per_1000 = _rate(
        _("moderately disabled: community and home care workers per 1,000"), "20"
    )
    severe_workers_per_1000 = _rate(_("severely disabled: community and home care workers per 1,000"), "50")
    totally_disabled_workers_per_1000 = _rate(
        _("totally disabled: community and home care workers per 1,000"), "100"
    )
    level_rates_source = models.CharField(
        _("source of the rates by ability level"), max_length=200, blank=True
    )
    level_rates_verified = models.BooleanField(_("rates by ability level verified"), default=False)

    class Meta:
        ordering = ["-is_current", "name"]
        verbose_name = _("projection scenario")
        verbose_name_plural = _("projection scenarios")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_scenario"
            )
        ]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- counting facts (careforce/staffing/tally.py)


class CountedFact(models.Model):
    """An employment that counts before the insurance condition, once per insurance cover the person holds
    at that institution (or once with no cover). Derived rows, rewritten per worker by tally.refresh in the
    transaction of every change; plain ids because they are never written through relations."""

    worker_id = models.BigIntegerField(db_index=True)
    employment_id = models.BigIntegerField()
    institution_id = models.BigIntegerField()
    district_id = models.BigIntegerField(null=True)
    post_id = models.BigIntegerField(null=True)
    is_part_time = models.BooleanField()
    is_care = models.BooleanField()
    # The employment's first row (its first cover, or its only row): counting these counts each employment
    # once without COUNT(DISTINCT) when no insurance is required.
    is_first = models.BooleanField(default=True)
    cover_kind = models.CharField(max_length=30, blank=True, default="")
    cover_start_date = models.DateField(null=True)
    cover_end_date = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(
                # Every column a read touches, so a district's figures are one index-only range; an
                # employment's rows (one per cover) adjacent, so that counting each once with the insurance
                # condition on is a pass over the index in order (no hashing or sorting).
                fields=[
                    "district_id",
                    "institution_id",
                    "post_id",
                    "is_care",
                    "is_part_time",
                    "employment_id",
                    "is_first",
                    "cover_kind",
                    "cover_start_date",
                    "cover_end_date",
                ],
                name="counted_fact_district",
            ),
            models.Index(fields=["institution_id"], name="counted_fact_institution"),
        ]

    def __str__(self) -> str:
        return f"employment {self.employment_id} @ {self.institution_id}"


class RecordFact(models.Model):
    """A current staff record and what record completeness needs of it apart from the date: whether every
    criterion but the confirmation's age holds (`complete_undated`) and the local date it was confirmed."""

    worker_id = models.BigIntegerField(primary_key=True)
    institution_id = models.BigIntegerField()
    district_id = models.BigIntegerField(null=True)
    complete_undated = models.BooleanField()
    confirmed_on = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["district_id", "institution_id", "complete_undated", "confirmed_on", "worker_id"],
                name="record_fact_district",
            ),
            models.Index(fields=["institution_id"], name="record_fact_institution"),
        ]

    def __str__(self) -> str:
        return f"worker {self.worker_id} @ {self.institution_id}"


class FlowFact(models.Model):
    """A full-time employment of a care-team worker, current or ended (`rules.care_flow_base`): the
    projection's net flow counts those that started and those that ended in the last months, per district,
    by a range over the dates (read time decides the window, so nothing goes stale)."""

    employment_id = models.BigIntegerField(primary_key=True)
    worker_id = models.BigIntegerField(db_index=True)
    district_id = models.BigIntegerField(null=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True)

    class Meta:
        indexes = [
            # Joins and leaves in a window are each one index-only range, grouped by district.
            models.Index(fields=["start_date", "district_id"], name="flow_fact_start"),
            models.Index(fields=["end_date", "district_id"], name="flow_fact_end"),
        ]

    def __str__(self) -> str:
        return f"employment {self.employment_id} from {self.start_date}"


class TallyState(models.Model):
    """One row (pk=1) once the facts were built on this database (staffing_rebuild --if-needed)."""

    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.built_at)


# The five ability levels of GB/T 42195-2022 for the older population, as (field, label, the sheet's header),
# in the same order as the residents' levels (institutions.RESIDENT_LEVEL_FIELDS).
POPULATION_LEVEL_FIELDS = (
    ("able", _("Fully able"), "能力完好"),
    ("mild", _("Mildly disabled"), "轻度失能"),
    ("moderate", _("Moderately disabled"), "中度失能"),
    ("severe", _("Severely disabled"), "重度失能"),
    ("totally_disabled", _("Totally disabled"), "完全失能"),
)


# population level (POPULATION_LEVEL_FIELDS) → the scenario's rate for it (care workers per 1,000 at that level).
LEVEL_RATE_FIELDS = {name: f"{name}_workers_per_1000" for name, _label, _header in POPULATION_LEVEL_FIELDS}


def _level_count(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


class OlderPopulationLevels(models.Model):
    """The older population (aged 60+) of one `indicators.OlderPopulation` row by ability level, where known.
    An empty level has no data — it is never read as zero — and a row without levels has none at all."""

    population = models.OneToOneField(
        "indicators.OlderPopulation",
        verbose_name=_("older population"),
        on_delete=models.CASCADE,
        related_name="levels",
    )
    able = _level_count(_("fully able"))
    mild = _level_count(_("mildly disabled"))
    moderate = _level_count(_("moderately disabled"))
    severe = _level_count(_("severely disabled"))
    totally_disabled = _level_count(_("totally disabled"))
    source = models.CharField(_("source of the levels"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("older population by ability level")
        verbose_name_plural = _("older population by ability level")

    def __str__(self) -> str:
        return f"{self.population}: {self.counts()}"

    def counts(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name, _label, _header in POPULATION_LEVEL_FIELDS}

    @property
    def known(self) -> bool:
        return any(value is not None for value in self.counts().values())


class ResidentsCount(models.Model):
    """When an institution's residents by ability level (`Institution.residents_*`, the numbers behind its
    care-staff requirement) were counted, as the residents sheet records it. An older count never replaces a
    newer one."""

    institution = models.OneToOneField(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="residents_count",
    )
    counted_on = models.DateField(_("counted on"))

    class Meta:
        verbose_name = _("residents count date")
        verbose_name_plural = _("residents count dates")

    def __str__(self) -> str:
        return f"{self.institution_id} {self.counted_on}"
