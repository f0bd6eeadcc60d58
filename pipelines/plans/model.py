"""The plan file's schema (pydantic v2, Norwegian keys) and the Norwegian error messages that name the line.

See docs/plan.md for the format and plans/eksempel-oppdal.yaml for an example.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pipelines import guides
from pipelines.errors import IngestError
from pipelines.plans import yamltext
from pipelines.sources.base import MONTHS as FILE_MONTHS

MONTHS = {
    "januar": 1, "februar": 2, "mars": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7, "august": 8,
    "september": 9, "oktober": 10, "november": 11, "desember": 12,
}
MONTH_NAMES = {n: name for name, n in MONTHS.items()}
TILTAK_STATUS = {"ikke_startet": "Ikke startet", "pagar": "Pågår", "fullfort": "Fullført"}
KRAV_TYPES = {
    "koordinator": "Skolen har en utpekt koordinator for programmet",
    "andel_ansatte_kurset": "Andel av de ansatte som er kurset i programmet (prosent)",
    "okter_per_aar": "Økter/undervisningsøkter per skoleår",
    "gruppemoter_per_aar": "Pedagogiske samtalegruppemøter per skoleår, og største gruppe",
    "skolemiljoutvalg_moter_per_aar": "Møter i skolemiljøutvalget om programmet per skoleår",
    "revisjon": "Ekstern revisjon minst hvert N. år (dato for siste revisjon)",
    "fase_per_semester": "Én fase per semester fra oppstart (f.eks. Læringsmiljøprosjektet: 4 faser)",
}
MAX_ERRORS = 12


def _text(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _norwegian_date(text: str) -> object:
    """`30.06.2025` (as the other templates and Norwegian letters write a date) → the date; anything else as it is."""
    if match := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return text
    return text


def _school_year_or_date(value: object, *, end: bool) -> object:
    """`2018-08-01` or `01.08.2018` as a date; a school year `2018-19` as 1 August 2018 (fra) or 31 July 2019 (til)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if isinstance(dato := _norwegian_date(text), dt.date):
        return dato
    match = re.fullmatch(r"(\d{4})\s*[-/–]\s*(\d{2}|\d{4})", text)
    if match:
        start = int(match.group(1))
        return dt.date(start + 1, 7, 31) if end else dt.date(start, 8, 1)
    if re.fullmatch(r"\d{4}", text):
        raise ValueError("skriv en dato (f.eks. 2018-08-01) eller et skoleår (f.eks. 2018-19), ikke bare et årstall")
    return text


def _named_month(word: str) -> int | None:
    """`mars`, `Mars`, `mar.`, `sept` → 3 or 9: a month's name, or the start of it from three letters on, as the
    templates read it (`MONTHS` of the sources, which also knows `may`, `oct`, `dec`); `marsj` → None."""
    word = word.lower().rstrip(".")
    month = FILE_MONTHS.get(word[:3])
    if month is None or not (word in FILE_MONTHS or MONTH_NAMES[month].startswith(word)):
        return None
    return month


def _deadline(value: object) -> object:
    """`2025-06-30` or `30.06.2025`; `2025-06` or `juni 2025` → last day of the month; `2018` or `2018-2021` → 31
    December of the last year."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if isinstance(dato := _norwegian_date(text), dt.date):
        return dato
    if match := re.fullmatch(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?", text):
        return dt.date(int(match.group(2) or match.group(1)), 12, 31)
    year = month = None
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(match.group(1)), int(match.group(2))
    # «mars 2025» is how a plan document writes a deadline; it was refused while the month as 2025-03 loaded.
    elif match := re.fullmatch(r"([A-Za-zÆØÅæøå]{3,}\.?)\s*(\d{4})", text):
        year, month = int(match.group(2)), _named_month(match.group(1))
    if year is not None and month is not None and 1 <= month <= 12:
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return text


def _share(value: object) -> object:
    if isinstance(value, str):
        return value.replace("%", "").replace(",", ".").strip()
    return value


def _trinn_range(value: object) -> object:
    """`1-4`, `1.–4.`, `5`, or {fra: 1, til: 4} → {fra, til}."""
    if isinstance(value, str):
        text = value.strip().lower().replace("trinn", "").strip()
        if match := re.fullmatch(r"(\d{1,2})\.?\s*[-–]\s*(\d{1,2})\.?", text):
            return {"fra": match.group(1), "til": match.group(2)}
        if match := re.fullmatch(r"(\d{1,2})\.?", text):
            return {"fra": match.group(1), "til": match.group(1)}
        raise ValueError("skriv trinn som 1-4 (fra–til) eller ett trinn, f.eks. 5")
    return value


def _months(value: object) -> object:
    """`april–mai`, `[april, mai]`, `4` → [4, 5]."""
    items = value if isinstance(value, list) else re.split(r"\s*(?:[-–/,]|\bog\b)\s*", str(value).strip())
    out = []
    for item in items:
        text = str(item).strip().lower().rstrip(".")
        if text.isdigit() and 1 <= int(text) <= 12:
            out.append(int(text))
        elif text in MONTHS:
            out.append(MONTHS[text])
        elif text:
            raise ValueError(f"«{item}» er ikke en måned; skriv f.eks. april eller april–mai")
    if not out:
        raise ValueError("oppgi minst én måned")
    if len(out) == 2 and out[1] - out[0] > 1:  # april–juni means april, mai, juni
        out = list(range(out[0], out[1] + 1))
    return sorted(set(out))


Text = Annotated[str, BeforeValidator(_text), Field(min_length=1)]
Share = Annotated[float, BeforeValidator(_share), Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0, le=1000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Periode(Strict):
    fra: Annotated[dt.date, BeforeValidator(lambda v: _school_year_or_date(v, end=False))]
    til: Annotated[dt.date, BeforeValidator(lambda v: _school_year_or_date(v, end=True))]

    @model_validator(mode="after")
    def _ordered(self) -> Periode:
        if self.til < self.fra:
            raise ValueError("«til» kan ikke være før «fra»")
        return self


class Gjennomgang(Strict):
    maneder: Annotated[list[int], BeforeValidator(_months)]
    ansvarlig: Text | None = None


class Trinn(Strict):
    fra: int = Field(ge=1, le=13)
    til: int = Field(ge=1, le=13)

    @model_validator(mode="after")
    def _ordered(self) -> Trinn:
        if self.til < self.fra:
            raise ValueError("siste trinn kan ikke være lavere enn første trinn")
        return self


Gjelder = Literal["alle", "innforing", "drift"]


class KravBase(Strict):
    gjelder: Gjelder = "alle"  # which phase of the programme the requirement applies in
    beskrivelse: Text | None = None


class Koordinator(KravBase):
    type: Literal["koordinator"]


class AndelKurset(KravBase):
    type: Literal["andel_ansatte_kurset"]
    minst: Share


class PerAar(KravBase):
    """A count per school year: the same for the whole programme (`minst`) or by phase (`innforing`, `drift`)."""

    minst: Count | None = None
    innforing: Count | None = None
    drift: Count | None = None

    @model_validator(mode="after")
    def _some_threshold(self) -> PerAar:
        if self.minst is None and self.innforing is None and self.drift is None:
            raise ValueError("oppgi «minst», eller «innforing» og/eller «drift» (antall per skoleår)")
        if self.minst is not None and (self.innforing is not None or self.drift is not None):
            raise ValueError("bruk enten «minst» eller «innforing»/«drift», ikke begge")
        return self


class Okter(PerAar):
    type: Literal["okter_per_aar"]


class Gruppemoter(PerAar):
    type: Literal["gruppemoter_per_aar"]
    storste_gruppe: Count | None = None  # at most this many people per group (Olweus: 15)


class SkolemiljoUtvalg(PerAar):
    type: Literal["skolemiljoutvalg_moter_per_aar"]


class Revisjon(KravBase):
    type: Literal["revisjon"]
    hvert_aar: int = Field(ge=1, le=20)


class FasePerSemester(KravBase):
    type: Literal["fase_per_semester"]
    faser: int = Field(ge=1, le=20)


Krav = Annotated[
    Koordinator | AndelKurset | Okter | Gruppemoter | SkolemiljoUtvalg | Revisjon | FasePerSemester,
    Field(discriminator="type"),
]


class Program(Strict):
    kode: Annotated[str, Field(pattern=r"^[a-z0-9_]{2,40}$")]
    navn: Text
    trinn: Annotated[Trinn, BeforeValidator(_trinn_range)]
    skoler: Literal["alle"] | list[Annotated[str, Field(pattern=r"^\d{9}$")]] = "alle"
    oppstart: Annotated[dt.date, BeforeValidator(lambda v: _school_year_or_date(v, end=False))] | None = None
    krav: list[Krav] = Field(default_factory=list)

    @field_validator("kode", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        return yamltext.normalise_key(value) if isinstance(value, str) else value

    @field_validator("skoler", mode="before")
    @classmethod
    def _schools(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() == "alle":
            return "alle"
        if isinstance(value, list):
            return [str(v).replace(" ", "") for v in value]
        if value is None:
            return "alle"
        raise ValueError("skriv «alle» eller en liste med organisasjonsnumre (9 siffer)")


class Tiltak(Strict):
    tiltak: Text
    ansvarlig: Text
    frist: Annotated[dt.date, BeforeValidator(_deadline)]
    status: Literal["ikke_startet", "pagar", "fullfort"] = "ikke_startet"
    gruppe: Text | None = None
    kommentar: Text | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        key = yamltext.normalise_key(value)
        return {"ikkje_startet": "ikke_startet", "ikkje_starta": "ikke_startet", "pagaar": "pagar",
                "ferdig": "fullfort", "fullfoert": "fullfort"}.get(key, key)


class Plan(Strict):
    kommunenr: Annotated[str, Field(pattern=r"^\d{4}$")]
    plan_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,80}$")]
    tittel: Text
    periode: Periode
    arlig_gjennomgang: Gjennomgang | None = None
    revisjon_hvert_aar: int | None = Field(default=None, ge=1, le=20)  # the whole plan is revised every N years
    programmer: list[Program] = Field(default_factory=list)
    tiltak: list[Tiltak] = Field(default_factory=list)

    @field_validator("kommunenr", mode="before")
    @classmethod
    def _kommunenr(cls, value: object) -> object:
        text = str(value).strip() if value is not None else value
        return text.zfill(4) if isinstance(text, str) and text.isdigit() and len(text) < 4 else text

    @model_validator(mode="after")
    def _unique_codes(self) -> Plan:
        seen = set()
        for program in self.programmer:
            if program.kode in seen:
                raise ValueError(f"programkoden «{program.kode}» står to ganger; bruk én oppføring per program")
            seen.add(program.kode)
        return self


DATE_FORMS = {
    "frist": "må være en dato (2025-06-30 eller 30.06.2025), en måned (2025-06 eller juni 2025, for siste dag i "
             "måneden) eller et år (2025, eller 2024-2026 for 31.12. siste år)",
    "": "må være en dato (2018-08-01 eller 01.08.2018) eller et skoleår (2018-19)",
}
"""What a date field says it takes, each what its own reader takes (`_deadline`, `_school_year_or_date`)."""


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "feltet mangler"
    if kind == "extra_forbidden":
        return f"ukjent felt (sjekk stavemåten; feltene står i {guides.where('plan')})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "må være et helt tall"
    if kind in ("float_parsing", "float_type"):
        return "må være et tall"
    if kind.startswith("date") or kind.startswith("datetime"):
        return DATE_FORMS.get(next((p for p in reversed(error["loc"]) if isinstance(p, str)), ""), DATE_FORMS[""])
    if kind in ("greater_than_equal", "greater_than"):
        return f"må være minst {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"kan være høyst {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return "må være en av: " + str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
    if kind == "union_tag_invalid":
        return f"ukjent kravtype «{ctx.get('tag')}»; kjente typer: {', '.join(KRAV_TYPES)}"
    if kind == "union_tag_not_found":
        return f"kravet mangler «type»; kjente typer: {', '.join(KRAV_TYPES)}"
    if kind == "string_pattern_mismatch":
        return "har feil form"
    if kind == "string_too_short":
        return "kan ikke være tomt"
    if kind in ("string_type",):
        return "må være tekst"
    if kind in ("list_type",):
        return "må være en liste (linjer som starter med «- »)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "må være et avsnitt med felt (nøkkel: verdi)"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return str(error.get("msg", kind))


_HINTS = {
    "kommunenr": "4 siffer, f.eks. \"5021\"",
    "plan_id": "små bokstaver, tall, - og _, f.eks. oppdal-2018",
    "kode": "små bokstaver, tall og _, f.eks. zippys_venner",
}


def parse(text: str) -> Plan:
    """YAML text → a validated Plan; every error names its line and field, in Norwegian."""
    located = yamltext.load(text)
    if not isinstance(located.value, dict):
        raise IngestError("Planen er ikke gyldig: linje 1: filen må være et avsnitt med felt (kommunenr, plan_id, …).")
    try:
        return Plan.model_validate(located.value)
    except ValidationError as exc:
        lines = []
        for error in exc.errors()[:MAX_ERRORS]:
            path = tuple(p for p in error["loc"] if not (isinstance(p, str) and p in KRAV_TYPES))
            # A tagged union puts the tag in the path; a Literal|list union adds the branch name.
            path = tuple(p for p in path if p not in ("literal['alle']", "list[constrained-str]"))
            message = _message(error)
            last = next((p for p in reversed(path) if isinstance(p, str)), None)
            if error["type"] == "string_pattern_mismatch" and last in _HINTS:
                message += f" ({_HINTS[last]})"
            lines.append(f"linje {located.line_of(path)}, felt «{located.label(path)}»: {message}")
        more = f" (og {exc.error_count() - MAX_ERRORS} feil til)" if exc.error_count() > MAX_ERRORS else ""
        raise IngestError("Planen er ikke gyldig: " + "; ".join(dict.fromkeys(lines)) + more + ".") from exc


def months_text(months: list[int]) -> str:
    """[4, 5] → «april–mai»; [3, 9] → «mars, september»."""
    if len(months) > 1 and months == list(range(months[0], months[-1] + 1)):
        return f"{MONTH_NAMES[months[0]]}–{MONTH_NAMES[months[-1]]}"
    return ", ".join(MONTH_NAMES[m] for m in months)
