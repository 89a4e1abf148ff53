"""SQLAlchemy Core definitions of the JHCIS tables we read or write.

Only the columns this product uses are declared; a real ``jhcisdb`` has many more,
and every query here names its columns, so extra columns never matter. Keys are
JHCIS's composite keys: a person is ``(pcucodeperson, pid)``, a visit is
``(pcucode, visitno)``. Columns that exist only in recent JHCIS versions (NHSO
claim fields, close-right results) carry ``info={"optional": True}``: their presence
is detected at connect time (:mod:`integrations.jhcis.profile`) and they are written
only where present.

Types follow the reconstruction in the reference notes (MDC DDL, AIR test dump);
where the real type is unknown a generous VARCHAR is used.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)

from integrations.jhcis.types import JhcisBirthDate, JhcisDate, JhcisDateTime

metadata = MetaData()

OPTIONAL = {"optional": True}


def _unit(name: str) -> Column[str]:
    return Column(name, CHAR(5), nullable=False)


office = Table(
    "office",
    metadata,
    Column("offid", CHAR(5), primary_key=True),
    # Display only (the reminders' sender line): a JHCIS without it is still usable.
    Column("tel", String(35), info=OPTIONAL),
)

chospital = Table(
    "chospital",
    metadata,
    Column("hoscode", CHAR(5), primary_key=True),
    Column("hosname", String(255)),
    Column("provcode", CHAR(2)),
    Column("distcode", CHAR(2)),
    Column("subdistcode", CHAR(2)),
    Column("mu", CHAR(2)),
    Column("address", String(255)),
    Column("road", String(255)),
)

ctitle = Table(
    "ctitle",
    metadata,
    Column("titlecode", String(3), primary_key=True),
    Column("titlename", String(50)),
    Column("titlenamelong", String(100)),
)

cright = Table(
    "cright",
    metadata,
    Column("rightcode", String(4), primary_key=True),
    Column("rightname", String(255)),
    Column("rightgroup", String(2)),
    Column("mapright", String(4)),
)

cdisease = Table(
    "cdisease",
    metadata,
    Column("diseasecode", String(8), primary_key=True),
    Column("diseasename", String(255)),
    Column("diseasenamethai", String(255)),
    Column("mapdisease", String(8)),
    Column("codechronic", String(2)),
)

cdrug = Table(
    "cdrug",
    metadata,
    Column("drugcode", String(20), primary_key=True),
    Column("drugname", String(255)),
    Column("drugtype", CHAR(2)),
    Column("drugflag", CHAR(1)),
    Column("unitsell", String(10)),
    Column("drugcode24", String(24)),
    Column("tmtcode", String(10)),
    Column("files18epi", String(10)),
    Column("cost", Numeric(11, 2)),
    Column("sell", Numeric(11, 2)),
)

village = Table(
    "village",
    metadata,
    _unit("pcucode"),
    Column("villcode", String(8), nullable=False),
    Column("villno", String(2)),
    Column("villname", String(100)),
    PrimaryKeyConstraint("pcucode", "villcode"),
)

house = Table(
    "house",
    metadata,
    _unit("pcucode"),
    Column("hcode", Integer, nullable=False, autoincrement=False),
    Column("villcode", String(8)),
    Column("hid", String(11)),
    Column("hno", String(120)),
    Column("road", String(255)),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucode", "hcode"),
)

person = Table(
    "person",
    metadata,
    _unit("pcucodeperson"),
    Column("pid", Integer, nullable=False, autoincrement=False),
    # NOT NULL without a default, and the widths, as on a live jhcisdb (issue 25):
    # a name longer than the column is fitted by writes.fit_text, never cut silently.
    Column("hcode", Integer, nullable=False),
    Column("prename", String(20)),
    Column("fname", String(25), nullable=False),
    Column("lname", String(35)),
    Column("birth", JhcisBirthDate),
    Column("sex", String(1), nullable=False),
    Column("idcard", String(13)),
    Column("typelive", String(1)),
    Column("dischargetype", String(1)),
    Column("nation", String(3)),
    # 43-file PERSON sources (reference §1.1, HISC); their widths are unconfirmed.
    Column("marystatus", String(1), info=OPTIONAL),
    Column("occupa", String(4), info=OPTIONAL),
    Column("rightcode", String(4)),
    Column("rightno", String(18)),
    Column("hosmain", String(9)),
    Column("hossub", String(9)),
    Column("hnomoi", String(75)),
    Column("roadmoi", String(50)),
    Column("mumoi", CHAR(2)),
    Column("subdistcodemoi", CHAR(2)),
    Column("distcodemoi", CHAR(2)),
    Column("provcodemoi", CHAR(2)),
    Column("telephoneperson", String(35)),
    Column("mobile", String(15), info=OPTIONAL),
    # English name from the card (JHCIS fills them from its own card reader, seed §7.2).
    Column("prenameeng", String(25), info=OPTIONAL),
    Column("fnameeng", String(35), info=OPTIONAL),
    Column("lnameeng", String(45), info=OPTIONAL),
    Column("datein", JhcisDate),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucodeperson", "pid"),
    UniqueConstraint("pcucodeperson", "idcard", name="idcard"),
)

visit = Table(
    "visit",
    metadata,
    _unit("pcucode"),
    Column("visitno", Integer, nullable=False, autoincrement=False),
    Column("visitdate", JhcisDate, nullable=False),
    _unit("pcucodeperson"),
    Column("pid", Integer, nullable=False),
    Column("timestart", Time),
    Column("timeend", Time),
    Column("timeservice", String(1)),
    Column("servicetype", String(1)),
    Column("flagservice", String(2)),
    Column("typein", String(1)),
    Column("rightcode", String(2)),
    Column("rightno", String(20)),
    Column("hosmain", String(5)),
    Column("hossub", String(5)),
    Column("symptoms", Text),
    Column("weight", Numeric(5, 1)),
    Column("height", Numeric(5, 1)),
    Column("pressure", String(7)),
    Column("temperature", Numeric(4, 1)),
    Column("money1", Numeric(11, 2)),
    Column("money2", Numeric(11, 2)),
    Column("money3", Numeric(11, 2)),
    Column("moneynoclaim", Numeric(11, 2)),
    Column("username", String(35)),
    Column("dateupdate", JhcisDateTime),
    # NHSO authentication (recent JHCIS): claim *type* goes to hiciauthen_nhso.
    Column("hiciauthen_nhso", String(20), info=OPTIONAL),
    Column("claimcode_nhso", String(50), info=OPTIONAL),
    Column("datetime_claim", JhcisDateTime, info=OPTIONAL),
    Column("correlationid_nhso", String(100), info=OPTIONAL),
    Column("main_inscl", String(10), info=OPTIONAL),
    Column("sub_inscl", String(10), info=OPTIONAL),
    # Referral (reference §1.3, from TEHN and HISC, which read them on real JHCIS):
    # the unit a patient was referred out to, and the one they came referred from.
    Column("refertohos", String(5), info=OPTIONAL),
    Column("receivefromhos", String(5), info=OPTIONAL),
    # NHSO close right (ปิดสิทธิ) results.
    Column("nhso_seq_closed", String(50), info=OPTIONAL),
    Column("nhso_authencode_closed", String(50), info=OPTIONAL),
    Column("money_closed_all", Numeric(11, 2), info=OPTIONAL),
    Column("id_nhso_claim", String(50), info=OPTIONAL),
    PrimaryKeyConstraint("pcucode", "visitno"),
    Index("visit_person", "pcucodeperson", "pid"),
    Index("visit_date", "visitdate"),
)

# Area codes: province, district (per province), subdistrict (per district), two digits
# each; names without their "จังหวัด/อำเภอ/ตำบล" prefixes (reference §1.9; research for
# issue 25). Read only, to turn the card's address into codes.
cprovince = Table(
    "cprovince",
    metadata,
    Column("provcode", CHAR(2), primary_key=True),
    Column("provname", String(100)),
    info=OPTIONAL,
)

cdistrict = Table(
    "cdistrict",
    metadata,
    Column("provcode", CHAR(2), nullable=False),
    Column("distcode", CHAR(2), nullable=False),
    Column("distname", String(100)),
    PrimaryKeyConstraint("provcode", "distcode"),
    info=OPTIONAL,
)

csubdistrict = Table(
    "csubdistrict",
    metadata,
    Column("provcode", CHAR(2), nullable=False),
    Column("distcode", CHAR(2), nullable=False),
    Column("subdistcode", CHAR(2), nullable=False),
    Column("subdistname", String(100)),
    PrimaryKeyConstraint("provcode", "distcode", "subdistcode"),
    info=OPTIONAL,
)

# Where an out-of-area person really lives (typelive 4): one row a person, foreign key
# `person6_` to person with cascades (seen in a live error message).
personaddresscontact = Table(
    "personaddresscontact",
    metadata,
    _unit("pcucodeperson"),
    Column("pid", Integer, nullable=False, autoincrement=False),
    Column("hno", String(75)),
    Column("mu", CHAR(2)),
    Column("road", String(50)),
    Column("subdistcode", CHAR(2)),
    Column("distcode", CHAR(2)),
    Column("provcode", CHAR(2)),
    PrimaryKeyConstraint("pcucodeperson", "pid"),
    info=OPTIONAL,
)

# The card's photo (JHCIS saves it when its own reader registers a person, seed §7.2):
# raw JPEG bytes, one row a person. BLOB holds 64 KiB; a card photo is about 5 KiB.
personimages = Table(
    "personimages",
    metadata,
    _unit("pcucodeperson"),
    Column("pid", Integer, nullable=False, autoincrement=False),
    Column("photo", LargeBinary),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucodeperson", "pid"),
    info=OPTIONAL,
)

# A person's death (reference §1.1; one row a person, keyed like person). Optional: the
# kiosk reads it where it exists, to send the card of a deceased person to staff.
persondeath = Table(
    "persondeath",
    metadata,
    _unit("pcucodeperson"),
    Column("pid", Integer, nullable=False, autoincrement=False),
    Column("deaddate", JhcisDate),
    Column("deadcause", String(8)),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucodeperson", "pid"),
    info=OPTIONAL,
)

visitdiag = Table(
    "visitdiag",
    metadata,
    _unit("pcucode"),
    Column("visitno", Integer, nullable=False, autoincrement=False),
    Column("diagcode", String(8), nullable=False),
    Column("conti", String(1)),
    Column("dxtype", String(2)),
    Column("appointdate", JhcisDate),
    Column("doctordiag", String(35)),
    Column("clinic", String(5)),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucode", "visitno", "diagcode"),
)

visitdiagappoint = Table(
    "visitdiagappoint",
    metadata,
    _unit("pcucode"),
    Column("visitno", Integer, nullable=False, autoincrement=False),
    Column("diagcode", String(8), nullable=False),
    Column("appodate", JhcisDate, nullable=False),
    Column("appotime", Time),
    Column("appotype", String(2)),
    Column("comment", String(255)),
    PrimaryKeyConstraint("pcucode", "visitno", "diagcode", "appodate"),
)

visitdrug = Table(
    "visitdrug",
    metadata,
    _unit("pcucode"),
    Column("visitno", Integer, nullable=False, autoincrement=False),
    Column("drugcode", String(20), nullable=False),
    Column("unit", Numeric(9, 2)),
    Column("dose", String(255)),
    Column("realprice", Numeric(11, 2)),
    Column("costprice", Numeric(11, 2)),
    Column("doctor1", String(35)),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucode", "visitno", "drugcode"),
)

visitepi = Table(
    "visitepi",
    metadata,
    _unit("pcucode"),
    Column("visitno", Integer, nullable=False, autoincrement=False),
    _unit("pcucodeperson"),
    Column("pid", Integer, nullable=False),
    Column("vaccinecode", String(20), nullable=False),
    Column("dateepi", JhcisDate),
    Column("hosservice", String(5)),
    Column("lotno", String(30)),
    Column("datevacineexpire", JhcisDate, info=OPTIONAL),  # sic: JHCIS's spelling
    Column("manufacturer", String(100), info=OPTIONAL),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucode", "visitno", "vaccinecode"),
)

visitepiappoint = Table(
    "visitepiappoint",
    metadata,
    _unit("pcucode"),
    Column("visitno", Integer, nullable=False, autoincrement=False),
    _unit("pcucodeperson"),
    Column("pid", Integer, nullable=False),
    Column("vaccinecode", String(20), nullable=False),
    Column("dateappoint", JhcisDate),
    Column("hoscodeappoint", String(5)),
    Column("userappoint", String(35)),
    PrimaryKeyConstraint("pcucode", "visitno", "vaccinecode"),
)

visitlabchcyhembmsse = Table(
    "visitlabchcyhembmsse",
    metadata,
    _unit("pcucode"),
    Column("visitno", Integer, nullable=False, autoincrement=False),
    _unit("pcucodeperson"),
    Column("pid", Integer, nullable=False),
    Column("datecheck", JhcisDate),
    Column("labcode", String(20), nullable=False),
    Column("labresultdigit", Numeric(10, 2)),
    Column("labresulttext", String(255)),
    Column("seqonday", Integer, nullable=False, autoincrement=False),
    Column("hosservice", String(5)),
    Column("sell", Numeric(11, 2)),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucode", "visitno", "labcode", "seqonday"),
)

user = Table(
    "user",
    metadata,
    # Keyed by unit and name: visit (pcucode, username) refers to it (issue 25).
    Column("username", String(35), nullable=False),
    # Probably stored in clear by JHCIS: read only to verify a sign-in, never log it.
    Column("password", String(255)),
    _unit("pcucode"),
    Column("markdelete", String(1)),
    Column("officertype", String(1)),
    Column("idcard", String(13)),
    Column("prename", String(20)),
    Column("fname", String(50)),
    Column("lname", String(50)),
    Column("fullname", String(100)),
    Column("licenseno", String(20)),
    # The licence number as some JHCIS versions keep it (his-connect and PGANS read it
    # where licenseno is empty); width unconfirmed.
    Column("noofoccupation", String(20), info=OPTIONAL),
    Column("officerposition", String(100)),
    Column("dateupdate", JhcisDateTime),
    PrimaryKeyConstraint("pcucode", "username"),
)

JHCIS_TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)
KIOSK_TABLE_NAMES: frozenset[str] = frozenset(
    {"office", "person", "visit", "house", "village", "ctitle", "cright"}
)


def is_optional(item: Column[object] | Table) -> bool:
    """A column (or table) that some JHCIS versions lack: read and written where present."""
    return bool(item.info.get("optional"))
