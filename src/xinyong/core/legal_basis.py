"""What counts as a legal basis (法律依据) for a catalogue item or a reward/punishment
measure.

Recording behaviour as credit information, or punishing it, needs a law, regulation,
rule or policy document (国办发〔2020〕49号; 《河南省社会信用条例》第十一条、第三十一条).
Non-empty text is not enough: “无”, “见附件” or a template left as “《……》第……条” name
no document at all, yet used to pass and the 于法有据 report called them 合规. A basis
therefore has to name at least one document, either

- a title in 《》 that is more than placeholders (……, XX, ××, 某) and generic words
  (中华人民共和国、关于、通知、条例、办法 …) — “《某某管理办法》” is still a template; or
- a document number 机关代字〔年份〕序号号, also written with [ ] or ( ), e.g.
  发改办财金〔2018〕424号.

The check is shared by the catalogue service and the sanctions measures list so that the
two never disagree about what a basis is.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["basis_problem"]

MISSING = "缺少法律依据"

_HOW = "请用书名号写明文件名称，如《中华人民共和国行政处罚法》第四十八条，或写明文号，如发改办财金〔2018〕424号"

# Matching runs on NFKC text: full-width brackets, digits and letters become half-width
# and “…” becomes “...”, so one pattern covers both spellings.
_TITLE_RE = re.compile(r"《([^《》]*)》")
_DOC_NUMBER_RE = re.compile(
    r"([\u4e00-\u9fff]*)\s*[〔\[(]\s*((?:19|20)\d{2})\s*[〕\])]\s*第?\s*\d+\s*号"
)
_PLACEHOLDER_CHARS = re.compile(r"[\s.。·・‥⋯_\-—―~*?○〇◯□■△Xx×某、,;:()\[\]〈〉<>「」\"'“”‘’]")
# Words every title has around its subject; a title made of nothing else names no document.
_GENERIC_WORDS = re.compile(
    r"中华人民共和国|人民政府|国务院|办公厅|指导意见|实施细则|实施办法|管理办法|"
    r"关于|印发|通知|意见|决定|规定|若干|办法|管理|实施|细则|暂行|试行|条例|规则|方案|"
    r"[法省市县区的]"
)
_AGENCY_TAIL = 8  # the longest 机关代字 in use (e.g. 发改办财金, 国市监信发) is shorter


def _real_title(title: str) -> bool:
    rest = _PLACEHOLDER_CHARS.sub("", title)
    return bool(_GENERIC_WORDS.sub("", rest))


def _real_number(agency: str) -> bool:
    agency = agency[-_AGENCY_TAIL:]
    return len(agency) >= 2 and "某" not in agency


def basis_problem(text: str) -> str | None:
    """None when `text` names at least one document; otherwise the Chinese reason, to be
    put after the quoted basis (“法律依据“无”” + reason). Empty text gives "缺少法律依据"."""
    plain = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not plain:
        return MISSING
    titles = _TITLE_RE.findall(plain)
    if any(_real_title(t) for t in titles):
        return None
    if any(_real_number(m.group(1)) for m in _DOC_NUMBER_RE.finditer(plain)):
        return None
    if titles:
        return f"书名号内只有占位符，未写明文件名称（{_HOW}）"
    return f"未写明任何法律、法规、规章或政策文件（{_HOW}）"
