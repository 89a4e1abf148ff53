"""The foreign keys of a live ``jhcisdb`` that our writes must satisfy.

No official dump of the JHCIS schema is public. These keys come from Yii2 models that
Gii generated from live ``jhcisdb`` catalogues (thaituk007/J2xPlugsGit
``frontend/models/{Person,User,Chospital,Cright}.php``: an ``exist`` rule with a
relation is generated only from a real foreign key) and from live MySQL error messages
committed in a public kiosk's logs (suphotsudsee/KIOSK_JHCIS, constraint ``visit_hm``);
``integrations/jhcis/README.md`` names the source of each and how sure it is. The
schema reconstruction creates them, so that our own tests meet them, and ``backoffice
doctor`` checks the ones our writes depend on: a clinic database that lacks one is
still usable, one that has it refuses a row that breaks it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LiveForeignKey:
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    #: Our kiosk writes rows of `table` that carry these columns.
    written_by_checkin: bool = False

    @property
    def label(self) -> str:
        return (
            f"{self.table}({', '.join(self.columns)}) -> "
            f"{self.ref_table}({', '.join(self.ref_columns)})"
        )


def _fk(
    table: str, columns: str, ref_table: str, ref_columns: str, *, checkin: bool = False
) -> LiveForeignKey:
    return LiveForeignKey(
        table, tuple(columns.split()), ref_table, tuple(ref_columns.split()), checkin
    )


LIVE_FOREIGN_KEYS: tuple[LiveForeignKey, ...] = (
    # The visit's provider is a staff account of the same unit.
    _fk("visit", "pcucode username", "user", "pcucode username", checkin=True),
    _fk("visit", "pcucodeperson pid", "person", "pcucodeperson pid", checkin=True),
    _fk("visit", "hosmain", "chospital", "hoscode", checkin=True),  # `visit_hm`, seen live
    _fk("visit", "hossub", "chospital", "hoscode", checkin=True),
    _fk("visit", "rightcode", "cright", "rightcode", checkin=True),
    # A person lives in a house of the unit that registers them.
    _fk("person", "pcucodeperson hcode", "house", "pcucode hcode", checkin=True),
    _fk("person", "hosmain", "chospital", "hoscode", checkin=True),
    _fk("person", "hossub", "chospital", "hoscode", checkin=True),
    _fk("person", "rightcode", "cright", "rightcode", checkin=True),
    _fk("persondeath", "pcucodeperson pid", "person", "pcucodeperson pid"),
    # `person6_`, seen live (ON DELETE/UPDATE CASCADE there).
    _fk("personaddresscontact", "pcucodeperson pid", "person", "pcucodeperson pid", checkin=True),
    _fk("user", "pcucode", "office", "offid"),
    _fk("house", "pcucode villcode", "village", "pcucode villcode"),
    _fk("visitdiag", "pcucode doctordiag", "user", "pcucode username"),
    _fk("visitdrug", "pcucode doctor1", "user", "pcucode username"),
    _fk("visitepi", "hosservice", "chospital", "hoscode"),
    _fk("visitlabchcyhembmsse", "hosservice", "chospital", "hoscode"),
)
# Also live, left out of the reconstruction because those columns are optional there (some
# JHCIS versions lack them) and we never write them: visit.refertohos and
# visit.receivefromhos -> chospital. Not keys, though they look like ones:
# person.prename -> ctitle (neither generated model has the relation),
# visit.pcucode -> chospital.
