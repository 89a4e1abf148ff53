"""The one configuration file (TOML), environment overrides and the secrets file.

Precedence, highest first: environment variables (``KIOSK_<SECTION>__<KEY>``), the
TOML file, the embedded defaults. The defaults run everything on the demo's embedded
pieces (SQLite clinic database, virtual card, NHSO sandbox, printer preview), so
nothing ever talks to a real clinic or to NHSO unless the configuration says so.

Secrets live in a separate TOML file that must not be readable by group or others;
see :mod:`common.secrets`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from common.quiet_hours import QuietHours

ENV_PREFIX = "KIOSK_"
CONFIG_ENV = "KIOSK_CONFIG"
DEFAULT_CONFIG_PATH = Path("/etc/jhcis-kiosk/config.toml")


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "jhcis-kiosk"


class Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ClinicSettings(Section):
    hcode: str = Field("", description="5-digit unit code; empty = read from JHCIS office")
    name: str = Field("รพ.สต. สาธิต (Demo)", description="Name printed on tickets")
    cup_hcode: str = Field(
        "",
        description=(
            "5-digit code of the unit's parent hospital (แม่ข่าย, CUP): UC visits of people "
            "whose main unit is this hospital (or this unit) are not e-Claim OP-anywhere "
            "claims; empty = this unit only (`backoffice doctor` suggests a value)"
        ),
    )
    update_person_right: bool = Field(
        False,
        description=(
            "Update a known person's right and main/sub unit from NHSO's rights check, as "
            "JHCIS's 'ปรับปรุงสิทธิ์' button does (old values kept in kiosk_person_right)"
        ),
    )

    @field_validator("hcode", "cup_hcode")
    @classmethod
    def _hcode_digits(cls, value: str) -> str:
        if value and not (value.isdigit() and len(value) == 5):
            raise ValueError("a unit code must be 5 digits or empty")
        return value


class DatabaseSettings(Section):
    url: str = Field(
        "",
        description="SQLAlchemy URL of the clinic's JHCIS database; empty = embedded demo SQLite",
    )
    connect_timeout_s: float = Field(5.0, gt=0, le=60)
    lock_timeout_s: float = Field(10.0, gt=0, le=120)
    ssl_ca: str = Field(
        "",
        description=(
            "CA certificate (PEM) of the JHCIS MySQL server: the connection then uses TLS "
            "and checks the server's certificate; empty = no TLS"
        ),
    )


class CardSettings(Section):
    reader: str = Field("", description="Substring of the PC/SC reader name; empty = first")
    settle_s: float = Field(0.5, ge=0, le=5, description="Wait after insertion before reading")
    simulate: bool = Field(True, description="Run the virtual card (demo only)")
    simulator_profile: str = ""
    save_photo: bool = Field(
        False,
        description=(
            "Read the card's photo and save it to JHCIS (personimages) for new people and "
            "people without one, as JHCIS's own card registration does; only with the "
            "clinic's consent policy in place"
        ),
    )


class NhsoMode(StrEnum):
    sandbox = "sandbox"  # our own NHSO sandbox server (demo, tests)
    agent = "agent"  # NHSO Secure SmartCard Agent on the kiosk (localhost:8189)
    endpoint = "endpoint"  # NHSO web APIs with a Bearer token, no agent


class NhsoSettings(Section):
    mode: NhsoMode = NhsoMode.sandbox
    agent_url: str = "http://127.0.0.1:8189"
    api_base_url: str = Field("", description="NHSO web API base URL (endpoint mode)")
    sandbox_port: int = Field(8189, ge=1, le=65535)
    timeout_s: float = Field(10.0, gt=0, le=120)
    rate_per_second: float = Field(5.0, gt=0, le=50)
    ca_bundle: str = Field("", description="Extra CA bundle; verification is never turned off")
    province: str = Field(
        "",
        description=(
            "NHSO province id (4 digits, e.g. 1000) sent with AuthenCode in endpoint mode; "
            "empty = the web check-in reads JHCIS chospital.provcode, the kiosk/CLI refuse"
        ),
    )
    recorder_pid: str = Field(
        "",
        description=(
            "citizen ID recorded on the kiosk's AuthenCode requests; empty = the patient's "
            "own (self-service); the web check-in prefers the signed-in staff member's"
        ),
    )

    @field_validator("province")
    @classmethod
    def _province_id(cls, value: str) -> str:
        value = value.strip()
        if value and not (len(value) == 4 and value.isascii() and value.isdigit()):
            raise ValueError("must be empty or NHSO's 4-digit province id, e.g. 1000")
        return value

    @field_validator("recorder_pid")
    @classmethod
    def _recorder_cid(cls, value: str) -> str:
        from common.cid import is_valid_cid

        value = value.strip()
        if value and not is_valid_cid(value):
            # The value itself is never quoted: it is a citizen ID.
            raise ValueError("must be empty or a valid 13-digit citizen ID")
        return value


class PrinterSettings(Section):
    uri: str = Field(
        "preview",
        description=(
            "preview | tcp://HOST:PORT | usb://VID:PID | serial:///dev/ttyX?baud=N | "
            "file:///dev/usb/lp0 | cups://QUEUE"
        ),
    )
    width_dots: int = Field(576, ge=200, le=832)
    footer: str = "ขอบคุณที่ใช้บริการ"
    next_step: str = Field(
        "",
        max_length=60,
        description=(
            "Where the patient goes next, printed large on the ticket while the visit "
            "waits (e.g. รอหน้าห้องตรวจ); empty = 'ไปที่จุด' and the first service point "
            "of [calling] (the line a check-in enters); '-' = no such line"
        ),
    )
    simulate: bool = Field(True, description="Run the loopback printer (demo only)")
    preview_dir: str = Field("", description="Where preview PNGs go; empty = <data_dir>/tickets")

    @field_validator("uri")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        from common.printer_uri import check_printer_uri

        return check_printer_uri(value)  # a ValueError says what is allowed


class KioskClaimType(Section):
    """A claim type the kiosk offers: NHSO's code and the words a patient reads."""

    code: str = Field(pattern=r"^PG\d{7}$", description="NHSO claim type, e.g. PG0060001")
    th: str = Field(min_length=1, max_length=40, description="Plain Thai, on the button")
    en: str = Field(min_length=1, max_length=40, description="Plain English, on the button")


# General OPD first and alone on the first screen; the rest behind "other services",
# named for what they are (PG0120001 is NHSO's "UCEP PLUS (ผู้ป่วยกลุ่มอาการสีเหลืองและ
# สีแดง)": COVID-19 patients with yellow or red symptoms; PG0110001, COVID isolation at
# home). Not offered: PG0180001, the age-group check-up NHSO pays in Bangkok only, where
# there are no รพ.สต. Labels fit one line of a 1024x600 screen's buttons at 40 px.
DEFAULT_KIOSK_CLAIM_TYPES = (
    ("PG0060001", "ตรวจรักษาทั่วไป", "General treatment"),
    ("PG0150001", "เจ็บป่วยเล็กน้อย", "Minor illness"),
    ("PG0140001", "ผู้ป่วยในที่บ้าน", "Home ward"),
    ("PG0130001", "ฟอกไต", "Kidney dialysis"),
    ("PG0120001", "โควิดอาการหนัก", "Severe COVID"),
    ("PG0110001", "แยกกักตัวที่บ้าน", "Home isolation"),
)


class VoiceSettings(Section):
    """The kiosk's voice prompts and tones (kiosk/README.md, "Voice"): ``[kiosk.voice]``."""

    volume: int = Field(80, ge=0, le=100, description="percent of the clips' level; 0 = silent")
    quiet_hours: str = Field(
        "", description="HH:MM-HH:MM without spoken prompts (tones still sound); empty = none"
    )
    repeat_s: float = Field(
        4.0, ge=1, le=60, description="seconds of silence between reminders to take the card"
    )
    device: str = Field("", description="ALSA device for aplay -D; empty = the default")

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        QuietHours.parse(value)  # a ValueError names the expected form
        return value.strip()

    @property
    def quiet(self) -> QuietHours | None:
        return QuietHours.parse(self.quiet_hours)


class KioskSettings(Section):
    language: Literal["th", "en"] = "th"
    orientation: Literal["landscape", "portrait"] = "landscape"
    width: int = Field(1280, ge=480, le=3840)
    height: int = Field(800, ge=480, le=3840)
    fullscreen: bool = False
    idle_timeout_s: float = Field(45.0, ge=5, le=600)
    font_path: str = "/usr/share/fonts/truetype/tlwg/Garuda.ttf"
    health_file: str = Field("", description="Where the kiosk writes its health; empty = data_dir")
    provider: str = Field(
        "",
        description=(
            "JHCIS account (user.username of this unit) recorded as the provider of the "
            "visits this kiosk opens; empty = none (staff fill it in JHCIS)"
        ),
    )
    voice: VoiceSettings = VoiceSettings()
    claim_types: list[KioskClaimType] = Field(
        default_factory=lambda: [
            KioskClaimType(code=code, th=th, en=en) for code, th, en in DEFAULT_KIOSK_CLAIM_TYPES
        ],
        min_length=1,
        description=(
            "Claim types the kiosk offers, in order, with the patient's words in Thai and "
            "English. The first is the main one: one large button, or skipped when the "
            "patient has a mobile on file (the confirm screen names it); the rest are under "
            "'other services'. Only those NHSO returns for the patient are shown; a type "
            "NHSO returns that is not listed is never offered"
        ),
    )

    @field_validator("claim_types")
    @classmethod
    def _claim_types_once(cls, value: list[KioskClaimType]) -> list[KioskClaimType]:
        codes = [claim.code for claim in value]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"claim types listed twice: {', '.join(twice)}")
        return value


class ServicePoint(Section):
    """One service point of the clinic and its counters or rooms (``[[calling.points]]``)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$", description="short stable name")
    th: str = Field(min_length=1, max_length=40)
    en: str = Field(min_length=1, max_length=40)
    counter_th: str = Field("ช่อง", max_length=30, description="what a counter is called")
    counter_en: str = Field("Counter", max_length=30)
    counters: int = Field(1, ge=1, le=20)


DEFAULT_SERVICE_POINTS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("screening", "ซักประวัติ", "Screening", "โต๊ะ", "Desk", 1),
    ("exam", "ตรวจรักษา", "Examination", "ห้องตรวจ", "Room", 2),
    ("pharmacy", "จ่ายยา", "Pharmacy", "ช่อง", "Counter", 1),
    ("dental", "ทันตกรรม", "Dental", "ห้อง", "Room", 1),
    ("vaccine", "วัคซีน", "Vaccination", "ห้อง", "Room", 1),
)

PriorityKind = Literal["elderly", "disabled", "pregnant", "monk"]
PRIORITY_KINDS: tuple[PriorityKind, ...] = ("elderly", "disabled", "pregnant", "monk")


class CallingSettings(Section):
    """Calling the queue at service points (backoffice/calling/README.md): ``[calling]``."""

    points: list[ServicePoint] = Field(
        default_factory=lambda: [
            ServicePoint(code=c, th=th, en=en, counter_th=cth, counter_en=cen, counters=n)
            for c, th, en, cth, cen, n in DEFAULT_SERVICE_POINTS
        ],
        min_length=1,
        description="service points in visit order; a check-in enters the first one's line",
    )
    priority_kinds: list[PriorityKind] = Field(
        default_factory=lambda: list(PRIORITY_KINDS),
        description="who the clinic calls in the priority lane",
    )
    elderly_age: int = Field(60, ge=50, le=90, description="age from the card's birth date")
    regular_per_priority: int = Field(
        2, ge=0, le=20, description="regular calls between two priority calls; 0 = priority first"
    )
    recalls_before_absent: int = Field(
        3, ge=1, le=10, description="calls after which 'skip' marks a patient absent"
    )
    names_on_display: bool = Field(False, description="masked names on the waiting-room board")

    @field_validator("points")
    @classmethod
    def _points_once(cls, value: list[ServicePoint]) -> list[ServicePoint]:
        codes = [point.code for point in value]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"service points listed twice: {', '.join(twice)}")
        return value

    def point(self, code: str) -> ServicePoint | None:
        return next((p for p in self.points if p.code == code), None)


class BackofficeSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    lockout_attempts: int = Field(5, ge=1, le=50)
    lockout_minutes: int = Field(15, ge=1, le=1440)
    throttle_free_attempts: int = Field(
        5, ge=1, le=100, description="failed sign-ins a computer may make before waits double"
    )
    throttle_overall_free_attempts: int = Field(
        30, ge=1, le=1000, description="the same, over all computers without sign-in history"
    )
    throttle_max_delay_s: int = Field(300, ge=1, le=3600, description="longest wait")
    tls_cert: str = Field("", description="certificate (PEM) to serve HTTPS; with tls_key")
    tls_key: str = Field("", description="private key (PEM) of tls_cert")
    http_redirect_port: int = Field(
        0, ge=0, le=65535, description="with TLS: a port whose HTTP only redirects; 0 = none"
    )
    audit_retention_days: int = Field(
        1095, ge=30, le=3650, description="audit entries older than this are purged"
    )
    export_retention_days: int = Field(
        90, ge=1, le=3650, description="claim batches and ticket images older than this are purged"
    )


# UC (บัตรทอง) as NHSO main rights: WEL is UC's fee-exempt sub-right (children, the
# elderly: JHCIS right 74 maps to it), so "UC only" is both.
MOPH_UC_RIGHTS = ("UCS", "WEL")


class MophSettings(Section):
    base_url: str = ""
    ic_base_url: str = ""
    # MOPH-PHR host (empty = https://phr1.moph.go.th); the PHR sender (backoffice/phr).
    phr_base_url: str = ""
    phr_finished_flags: list[str] = Field(
        default_factory=lambda: ["03"],
        min_length=1,
        description=(
            "visit.flagservice values that mean JHCIS has finished the visit (จบบริการ); "
            "only such visits are sent to MOPH-PHR"
        ),
    )
    rights: list[str] = Field(
        default_factory=lambda: list(MOPH_UC_RIGHTS),
        min_length=1,
        description=(
            "NHSO main rights (UCS, WEL, OFC, SSS, LGO, ...) whose visits are sent to MOPH "
            "Claim; others are listed as not sent. Default UC only, as production senders "
            "do. A visit's right: the card's kept on the visit, else its JHCIS right mapped"
        ),
    )

    @field_validator("rights")
    @classmethod
    def _right_codes(cls, value: list[str]) -> list[str]:
        codes = [code.strip().upper() for code in value]
        bad = [code for code in codes if not (len(code) == 3 and code.isascii() and code.isalpha())]
        if bad:
            raise ValueError(f"not NHSO main right codes (3 letters, like UCS): {', '.join(bad)}")
        return codes


class NdpSettings(Section):
    """NHSO Digital Platform (NDP, the 13-file claims): ``[ndp]`` (backoffice/ndp/README.md).

    The keys NDP's sign-on needs besides these are secrets (``ndp_client_secret``,
    ``ndp_source_id_key``, optional ``ndp_fdh_key``). The submit endpoint is not public:
    ``submit_path`` stays empty until NHSO gives it to the clinic or its vendor.
    """

    base_url: str = Field(
        "",
        description=(
            "NDP API root; empty = our sandbox in nhso.mode sandbox, else production "
            "(https://api-nhsodp.nhso.go.th; UAT: https://uat-api-dplatform.uat.krungthai.com)"
        ),
    )
    source_id: str = Field(
        "", max_length=50, description="the vendor source id NHSO registered (x-source-id)"
    )
    public_key_file: str = Field(
        "", description="NHSO's RSA public key (PEM) for x-sourceid-key; empty in sandbox mode"
    )
    oaep_hash: Literal["sha256", "sha1"] = Field(
        "sha256", description="hash of RSA-OAEP (and its MGF1) for x-sourceid-key"
    )
    submit_path: str = Field(
        "",
        description=(
            "NOT PUBLIC: the path of NHSO's 13-file submit call under base_url; empty = "
            "refuse to send (our sandbox's own path in sandbox mode)"
        ),
    )
    chunk_visits: int = Field(50, ge=1, le=1000, description="visits per submit request")
    timeout_s: float = Field(60.0, gt=0, le=300)


class RemindersSettings(Section):
    """Reminder lists: ``[reminders]`` (backoffice/reminders/README.md)."""

    mask_contact_details: bool = Field(
        True,
        description=(
            "the village health volunteer's (อสม.) copy of the reminder PDF masks house "
            "number, phone and guardian's name; the staff copy always shows them"
        ),
    )


class UpdatesSettings(Section):
    """The district's update server (hawkBit DDI API, e.g. gooseBit): ``[updates]``.

    The kiosk's update agent (``kiosk/updates``) polls it; the device token is the
    secret ``update_token``. See image-build/README.md, "District IT".
    """

    server_url: str = Field(
        "", description="update server root, e.g. https://updates.example:60053; empty = off"
    )
    tenant: str = Field("DEFAULT", min_length=1, description="hawkBit tenant")
    controller_id: str = Field(
        "", max_length=64, description="this kiosk's name on the server; empty = <hcode>-kiosk"
    )
    ca_bundle: str = Field("", description="CA of the server's certificate; empty = system CAs")
    allow_http: bool = Field(
        False, description="accept a plain http:// server_url (a test server on loopback only)"
    )
    allow_downgrade: bool = Field(
        False, description="install a version older than the running one when offered"
    )
    idle_before_reboot_s: float = Field(
        120.0, ge=10, le=3600, description="the kiosk must be idle this long before a reboot"
    )
    state_dir: str = Field(
        "", description="downloads and the pending update's record; empty = data_dir/updates"
    )


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    journal: Literal["auto", "on", "off"] = "auto"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_assignment=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    secrets_file: Path = Path("/etc/jhcis-kiosk/secrets.toml")
    clinic: ClinicSettings = ClinicSettings()
    database: DatabaseSettings = DatabaseSettings()
    card: CardSettings = CardSettings()
    nhso: NhsoSettings = NhsoSettings()
    printer: PrinterSettings = PrinterSettings()
    kiosk: KioskSettings = KioskSettings()
    backoffice: BackofficeSettings = BackofficeSettings()
    calling: CallingSettings = CallingSettings()
    moph: MophSettings = MophSettings()
    ndp: NdpSettings = NdpSettings()
    reminders: RemindersSettings = RemindersSettings()
    updates: UpdatesSettings = UpdatesSettings()
    logging: LoggingSettings = LoggingSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init kwargs; the environment overrides it.
        return (env_settings, init_settings)

    @property
    def demo_db_path(self) -> Path:
        return self.data_dir / "demo-jhcis.sqlite"

    @property
    def effective_db_url(self) -> str:
        """The configured URL, or the embedded demo database."""
        return self.database.url or f"sqlite:///{self.demo_db_path}"

    @property
    def is_demo_db(self) -> bool:
        return not self.database.url

    @property
    def ticket_next_step(self) -> str:
        """The ticket's "where to go" line: the clinic's words, else the first service
        point's line that the check-in enters, so the ticket and the caller agree."""
        words = self.printer.next_step.strip()
        if words == "-":
            return ""
        return words or f"ไปที่จุด{self.calling.points[0].th}"


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the key and the file."""


def config_path_from(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """--config wins, then $KIOSK_CONFIG, then the system path if it exists."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


def load_settings(
    config: str | os.PathLike[str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read the TOML file (if any), apply the environment, validate everything."""
    path = config_path_from(config)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"configuration file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, path)) from None


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def describe_validation_error(exc: ValidationError, path: Path | None) -> str:
    where = str(path) if path else "configuration"
    lines = [f"{where}: invalid configuration"]
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(root)"
        if err["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key")
        else:
            lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)
