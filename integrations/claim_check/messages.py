"""Every problem's wording, in Thai and English, keyed by its stable code.

One term for one thing, in both languages: แฟ้ม = file, บรรทัด = line, ช่อง = field,
รหัส = code, รายการรหัส = code list, ครั้งบริการ = visit (SEQ / InvNo),
ยอดเงิน = amount, ค่าตรวจสอบ = checksum, เลขงวดส่ง = session number (SESSNO).

Templates never take a personal value (citizen ID, HN, name, phone, address): the
checker passes only codes, amounts, dates, counts, field and file names. `{value}` is
filled only for fields the specification marks as not personal.
"""

from __future__ import annotations

#: A phrase given in both languages, for template parameters such as a format's name.
Bi = tuple[str, str]

CATALOG: dict[str, tuple[str, str]] = {
    # -- the batch as a whole --------------------------------------------------------
    "unreadable": (
        "เปิดชุดแฟ้มไม่ได้ (ไม่ใช่โฟลเดอร์หรือแฟ้ม zip ที่อ่านได้)",
        "The batch cannot be opened (not a readable folder or zip file).",
    ),
    "no_claim_files": (
        "ไม่พบแฟ้มเบิกชดเชยที่รู้จัก: ชุด e-Claim มีแฟ้มเช่น INS.txt, OPD.txt "
        "ชุด SSOP มีแฟ้มเช่น BILLTRAN<วันที่>.txt ชุด 13 แฟ้ม (NDP) มีแฟ้มเช่น 01_PATIENT.txt",
        "No known claim file found: an e-Claim batch has files such as INS.txt and "
        "OPD.txt, an SSOP batch files such as BILLTRAN<date>.txt, a 13-file (NDP) batch "
        "files such as 01_PATIENT.txt.",
    ),
    "mixed_kinds": (
        "ชุดนี้มีทั้งแฟ้ม e-Claim และแฟ้ม SSOP ให้แยกเป็นสองชุด ตรวจเฉพาะแฟ้ม {kind}",
        "This batch holds both e-Claim and SSOP files; send them as two batches. "
        "Only the {kind} files were checked.",
    ),
    "unknown_file": (
        "แฟ้ม {file} ไม่ใช่แฟ้มของชุด {kind} จึงไม่ได้ตรวจ",
        "{file} is not a file of a {kind} batch and was not checked.",
    ),
    "duplicate_file": (
        "มีแฟ้ม {file} มากกว่าหนึ่งแฟ้มในชุดเดียวกัน ตรวจเฉพาะแฟ้มแรก",
        "The batch holds {file} more than once; only the first was checked.",
    ),
    "missing_file": (
        "ไม่มีแฟ้ม {file} ในชุดนี้",
        "The batch has no {file} file.",
    ),
    # -- bytes, encoding and lines ---------------------------------------------------
    "encoding": (
        "บรรทัดนี้อ่านเป็นข้อความ {expected} ไม่ได้ (มีไบต์ที่ไม่ใช่อักขระของการเข้ารหัสนี้)",
        "This line is not valid {expected} text.",
    ),
    "encoding_utf8": (
        "แฟ้มนี้เข้ารหัสอักขระแบบ UTF-8: ระบบ FDH รับได้ แต่โปรแกรม e-Claim "
        "ของ สปสช. ต้องการ windows-874 (TIS-620)",
        "This file is encoded in UTF-8: the MOPH FDH upload takes it, the NHSO e-Claim "
        "program wants windows-874 (TIS-620).",
    ),
    "encoding_ssop": (
        "แฟ้ม SSOP ต้องเข้ารหัสอักขระแบบ windows-874 แต่แฟ้มนี้เป็น {found}",
        "An SSOP file must be encoded in windows-874; this one is {found}.",
    ),
    "encoding_mixed": (
        "แฟ้มในชุดนี้ใช้การเข้ารหัสอักขระต่างกัน ({found}) ให้ใช้แบบเดียวกันทั้งชุด",
        "The files of this batch use different encodings ({found}); use one for all.",
    ),
    "line_end": (
        "มี {count} บรรทัดที่ไม่ได้ขึ้นบรรทัดด้วย CRLF (บรรทัดแรกที่พบคือบรรทัด {first})",
        "{count} lines do not end in CRLF (the first is line {first}).",
    ),
    # -- layout ----------------------------------------------------------------------
    "header": (
        "บรรทัดหัวแฟ้มไม่ตรงกับโครงสร้างแฟ้ม {file} ซึ่งต้องเป็น: {expected}",
        "The header line does not match the {file} layout, which is: {expected}",
    ),
    "header_old": (
        "บรรทัดหัวแฟ้มเป็นโครงสร้างรุ่นเก่าของแฟ้ม {file} ({found} ช่อง) ฉบับปัจจุบันมี {expected} ช่อง",
        "The header line is an older {file} layout ({found} fields); the current one "
        "has {expected}.",
    ),
    "field_count": (
        "บรรทัดนี้มี {found} ช่อง แต่ {section} ต้องมี {expected} ช่อง",
        "This line has {found} fields; {section} needs {expected}.",
    ),
    "structure": (
        "โครงสร้างแฟ้มผิด: {detail}",
        "The file's structure is wrong: {detail}",
    ),
    # -- one field -------------------------------------------------------------------
    "required": (
        "ช่อง {field} ว่าง ต้องมีค่า",
        "{field} is empty; it must be filled.",
    ),
    "missing_value": (
        "ช่อง {field} ว่าง ควรมีค่า (ข้อมูลอาจไม่ครบ)",
        "{field} is empty; it should be filled (likely a data gap).",
    ),
    "width": (
        "ช่อง {field} ยาว {found} ตัวอักษร เกิน {limit} ตัวอักษร",
        "{field} is {found} characters long, more than {limit}.",
    ),
    "format": (
        "ช่อง {field} ไม่อยู่ในรูปแบบ {expected}",
        "{field} is not in the form {expected}.",
    ),
    "money_format": (
        "ยอดเงินในช่อง {field} ควรมีทศนิยม 2 ตำแหน่ง (เช่น 50.00)",
        "The amount in {field} should have 2 decimals (such as 50.00).",
    ),
    "icd_dot": (
        "รหัส {value} ในช่อง {field} มีจุด ให้ส่งรหัส ICD โดยไม่มีจุด",
        "Code {value} in {field} has a dot; send ICD codes without the dot.",
    ),
    "code_list": (
        "รหัส {value} ในช่อง {field} ไม่อยู่ใน{list}",
        "Code {value} in {field} is not in {list}.",
    ),
    "code_unconfirmed": (
        "รหัส {value} ในช่อง {field} ไม่อยู่ใน{list} (พบใช้กันเฉพาะบางระบบ)",
        "Code {value} in {field} is not in {list} (seen only in some producers' files).",
    ),
    "cid_check": (
        "เลขประจำตัวประชาชนในช่อง {field} มีหลักตรวจสอบ (หลักที่ 13) ไม่ถูกต้อง",
        "The citizen ID in {field} fails its check digit (the 13th digit).",
    ),
    "provider_unknown": (
        "ช่อง {field} เป็น '-' คือไม่ระบุเลขใบประกอบวิชาชีพของผู้ให้บริการ",
        "{field} is '-', no provider licence number is given.",
    ),
    "authcode_nhso": (
        "AuthCode {value} มีรูปแบบเหมือนรหัสเข้ารับบริการของ สปสช. (PP/EP) แต่ช่องนี้ใช้เลขอนุมัติของประกันสังคม",
        "AuthCode {value} looks like an NHSO claim code (PP/EP); this field takes a "
        "Social Security approval code.",
    ),
    "adp_icd9": (
        "รหัส {value} ในแฟ้ม ADP เป็นรหัสหัตถการ ICD-9-CM ให้ส่งหัตถการในแฟ้ม OOP "
        "(ช่อง OPER) ส่วน ADP ใช้รหัสรายการของ สปสช.",
        "Code {value} in ADP is an ICD-9-CM procedure code; procedures go to OOP "
        "(field OPER), ADP takes NHSO item codes.",
    ),
    "clinic_format": (
        "รหัสคลินิก {value} ไม่ตรงกับรูปแบบที่ประกาศ (2 หลักตามรายการรหัสคลินิก e-Claim หรือ 5 หลักแบบ 43 แฟ้ม)",
        "Clinic code {value} matches no published form (2 digits from the e-Claim "
        "clinic list, or 5 digits as in the 43 files).",
    ),
    "clinic_mixed": (
        "ชุดนี้ใช้รหัสคลินิกสองรูปแบบปนกัน (2 หลัก {two} บรรทัด, 5 หลัก {five} บรรทัด) ให้ใช้รูปแบบเดียวทั้งชุด",
        "This batch mixes two clinic code forms (2 digits on {two} lines, 5 digits on "
        "{five}); use one form for the whole batch.",
    ),
    "file_name_date": (
        "วันที่ {value} ในชื่อแฟ้มเป็นปี พ.ศ. ผู้ผลิตแฟ้มส่วนใหญ่และแฟ้มจริงใช้ปี ค.ศ.",
        "The date {value} in the file name is in the Buddhist era; most producers and "
        "real files use the Christian era.",
    ),
    # -- between lines and files -----------------------------------------------------
    "duplicate_key": (
        "{field} ซ้ำกับบรรทัด {first}",
        "{field} repeats line {first}.",
    ),
    "missing_link": (
        "ครั้งบริการ {key} ไม่มีรายการในแฟ้ม {target}",
        "Visit {key} has no row in {target}.",
    ),
    "link_by_hn_only": (
        "ครั้งบริการ {key} พบในแฟ้ม {target} โดย HN เท่านั้น (ช่อง SEQ ของ {target} ว่าง)",
        "Visit {key} is found in {target} by HN only ({target}'s SEQ is empty).",
    ),
    "orphan": (
        "{field} {value} ไม่มีในแฟ้ม {target}",
        "{field} {value} is not in {target}.",
    ),
    "hn_mismatch": (
        "HN ของบรรทัดนี้ไม่ตรงกับ HN ของครั้งบริการเดียวกันในแฟ้ม {target}",
        "This line's HN differs from the HN of the same visit in {target}.",
    ),
    "no_diagnosis": (
        "ครั้งบริการ {key} ไม่มีการวินิจฉัยในแฟ้ม ODX",
        "Visit {key} has no diagnosis in ODX.",
    ),
    "no_principal_dx": (
        "ครั้งบริการ {key} ไม่มีการวินิจฉัยหลัก (DXTYPE 1) ในแฟ้ม ODX",
        "Visit {key} has no principal diagnosis (DXTYPE 1) in ODX.",
    ),
    "sum_mismatch": (
        "{field} = {found} ไม่เท่ากับผลรวม {what} = {expected}",
        "{field} = {found} is not the sum of {what} = {expected}.",
    ),
    "count_mismatch": (
        "{field} = {found} ไม่เท่ากับจำนวน{what} = {expected}",
        "{field} = {found} is not the number of {what} = {expected}.",
    ),
    "product_mismatch": (
        "{field} = {found} ไม่เท่ากับ {what} = {expected}",
        "{field} = {found} is not {what} = {expected}.",
    ),
    # -- SSOP wrapper ----------------------------------------------------------------
    "header_mismatch": (
        "{field} ของแฟ้มนี้ ({found}) ไม่ตรงกับ {other} ({expected})",
        "{field} of this file ({found}) differs from {other} ({expected}).",
    ),
    "session_mismatch": (
        "เลขงวดส่งในชื่อแฟ้ม zip ({found}) ไม่ตรงกับ SESSNO ใน Header ({expected})",
        "The session number in the zip file name ({found}) differs from the header's "
        "SESSNO ({expected}).",
    ),
    "zip_name": (
        "ชื่อแฟ้ม zip ไม่อยู่ในรูป <HCODE>_SSOPBIL_<SESSNO 4 หลัก>_01_<ปปปปดดวว-ชชนนวว>.zip",
        "The zip file name is not of the form "
        "<HCODE>_SSOPBIL_<4-digit SESSNO>_01_<YYYYMMDD-HHMMSS>.zip.",
    ),
    "checksum_missing": (
        'ไม่มีบรรทัด <?EndNote Checksum="..."?> ท้ายแฟ้ม',
        'The file does not end with a <?EndNote Checksum="..."?> line.',
    ),
    "checksum": (
        "ค่าตรวจสอบ (Checksum) ไม่ตรงกับเนื้อหาแฟ้ม ค่าที่ถูกคือ {expected}",
        "The checksum does not match the file's content; the right value is {expected}.",
    ),
    "checksum_case": (
        "ค่าตรวจสอบ (Checksum) เขียนด้วยตัวพิมพ์เล็ก แฟ้มจริงและผู้ผลิตแฟ้มส่วนใหญ่ใช้ตัวพิมพ์ใหญ่",
        "The checksum is in lowercase hex; real files and most producers write it in uppercase.",
    ),
    # -- NHSO Digital Platform (13 files) ---------------------------------------------
    "ndp_not_public": (
        "แฟ้ม {file} (แฟ้มที่ {number} {title}) ยังไม่มีโครงสร้างที่เผยแพร่สาธารณะ จึงไม่ได้ตรวจ",
        "{file} (file {number}, {title}) has no public layout and was not checked.",
    ),
    "header_variant": (
        "บรรทัดหัวแฟ้มเป็นอีกแบบหนึ่งของแฟ้ม {file} ({found} ช่อง) ที่แหล่งข้อมูลสาธารณะให้ไว้ไม่ตรงกัน "
        "ต้องยืนยันกับเอกสารของ สปสช.",
        "The header line is another layout of {file} ({found} fields) that the public "
        "sources disagree on; confirm it with NHSO's document.",
    ),
    "ndp_hcode_mismatch": (
        "HCODE ของแฟ้ม Practitioner ไม่ตรงกับแฟ้ม Provider ของครั้งบริการ {value}",
        "The Practitioner's HCODE differs from the Provider's for visit {value}.",
    ),
    "bp_pair": (
        "ต้องมีความดันโลหิตทั้งค่าตัวบน (SBP) และค่าตัวล่าง (DBP) หรือไม่มีทั้งสองค่า: ช่อง {field} ว่าง",
        "Blood pressure needs both SBP and DBP, or neither: {field} is empty.",
    ),
    "ndp_not_positive": (
        "ช่อง {field} ต้องมากกว่า 0 (พบ {value})",
        "{field} must be more than 0 (found {value}).",
    ),
    "ndp_principal_dx": (
        "ครั้งบริการ {key} ต้องมีการวินิจฉัยหลัก (DIAGTYPE 1) หนึ่งรายการพอดีในแฟ้ม Diagnosis (พบ {found})",
        "Visit {key} needs exactly one principal diagnosis (DIAGTYPE 1) in Diagnosis "
        "(found {found}).",
    ),
    "checksum_scope": (
        "ค่าตรวจสอบ (Checksum) คำนวณโดยไม่รวมการขึ้นบรรทัดหลัง </ClaimRec> ผู้ผลิตแฟ้มส่วนใหญ่รวมไว้ด้วย",
        "The checksum leaves out the line end after </ClaimRec>; most producers include it.",
    ),
}

#: Shown once per rule that hit its cap, in place of the problems left out.
MORE_OF_SAME: tuple[str, str] = (
    "และพบปัญหาเดียวกันอีก {count} บรรทัด",
    "and {count} more lines with the same problem",
)
