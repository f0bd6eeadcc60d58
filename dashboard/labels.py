"""Norwegian words for the warehouse's codes, so no page ever shows a raw code."""

from __future__ import annotations

KJONN = {"alle": "Alle kjønn", "jenter": "Jenter", "gutter": "Gutter"}
ENHET_NIVA = {"skole": "Skole", "kommune": "Kommune", "fylke": "Fylke", "nasjonalt": "Nasjonalt"}
MAAL = {"snitt": "Snitt (1–5, høyere er bedre)", "andel": "Andel i prosent (lavere er bedre for mobbing)"}
RESULTAT = {"lastet": "Lastet", "avvist": "Avvist", "allerede_lastet": "Allerede lastet"}
ALVORLIGHET = {"kritisk": "Kritisk (stopper filen)", "advarsel": "Advarsel"}
KILDE = {
    "skoleregister": "Skoleregister",
    "udir_indikator": "Elevundersøkelsen – indikatorer",
    "udir_mobbing": "Elevundersøkelsen – mobbing",
    "udir_deltakelse": "Elevundersøkelsen – deltakelse",
    "skoleporten": "Skoleporten (historisk)",
    "elevundersokelsen": "Elevundersøkelsen",
    "ungdata_tabell": "Ungdata – kommunens resultattabell",
    "ungdata_fhi": "Ungdata – FHI Kommunehelsa",
    "saker": "Saker etter kap. 12 (kommunens mal)",
    "teammoter": "Møtelogg for arbeidslag og elevtjeneste",
    "teamrytme": "Forventet møterytme",
    "plan": "Kommunens plan",
    "programstatus": "Programstatus fra skolene",
}

ROW_NUMBERS = ("Radnumrene i meldingene teller radene med data: rad 1 er første rad under overskriftene "
               "(rad 2 i Excel når overskriftene står øverst).")
"""Said wherever a message names rows: a user fixing the file in Excel sees Excel's numbers, one more."""

def trinn_label(trinn: int | None) -> str:
    return "Alle trinn" if trinn is None else f"{trinn}. trinn"


def format_value(value: float | None, maal: str) -> str:
    if value is None:
        return "–"
    if maal == "andel":
        return f"{value:.1f} %".replace(".", ",")
    return f"{value:.1f}".replace(".", ",")
