"""PDF rendering with typst and an embedded CJK font, shared by every report.

typst without a CJK font renders boxes and only warns (TECH-NOTES "PDF with Chinese
text"), so a missing font is a hard error here: `render_typst` refuses to run without a
CJK family and turns any "unknown font family" warning into a DomainError.

Data reach the document only through `inputs` (typst `sys.inputs`), never by pasting
values into the source: a party name containing `#` or `]` cannot change the markup. A
template reads them with `json(bytes(sys.inputs.data))`.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import DomainError

# Where Debian (fonts-noto-cjk, fonts-wqy-zenhei) and common layouts put CJK fonts;
# XINYONG_FONT_DIRS (os.pathsep-separated) comes first so that an installation can ship
# its own font directory.
_DEFAULT_FONT_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/opentype/noto-cjk",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/truetype/wqy",
    "/usr/share/fonts/noto-cjk",
    "/usr/local/share/fonts",
)

# Families in order of preference for body text.
CJK_FAMILIES = (
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "Source Han Serif SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
)

_NO_FONT = (
    "未找到中文字体，无法生成 PDF。请安装 fonts-noto-cjk（Debian：apt install fonts-noto-cjk），"
    "或将含中文字体的目录设置到环境变量 XINYONG_FONT_DIRS。"
)

_lock = threading.Lock()


def _candidate_dirs() -> list[str]:
    extra = [d for d in os.environ.get("XINYONG_FONT_DIRS", "").split(os.pathsep) if d.strip()]
    return [d for d in (*extra, *_DEFAULT_FONT_DIRS) if Path(d).is_dir()]


@lru_cache(maxsize=8)
def _font_set(dirs: tuple[str, ...]) -> Any:
    """typst's index of the fonts in `dirs` plus typst's embedded fonts (as a compiler
    without a font set would have). Indexing Noto CJK takes ~0.1 s, so each set is built
    once per process and the same object serves discovery and the compiler."""
    import typst  # imported on first use: the extension is large and most requests never need it

    return typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=True, font_paths=list(dirs)
    )


@lru_cache(maxsize=4)
def _discover(dirs: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(font dirs that hold a CJK family, the CJK families found, preferred first)."""
    useful: list[str] = []
    found: set[str] = set()
    for directory in dirs:
        families = set(_font_set((directory,)).families())
        cjk = {f for f in families if f in CJK_FAMILIES}
        if cjk:
            useful.append(directory)
            found |= cjk
    ordered = tuple(f for f in CJK_FAMILIES if f in found)
    return tuple(useful), ordered


def cjk_fonts() -> tuple[list[str], list[str]]:
    """The font directories to pass to typst and the CJK families available (preferred
    first). Raises DomainError with a Chinese message when there is none."""
    dirs, families = _discover(tuple(_candidate_dirs()))
    if not families:
        raise DomainError(_NO_FONT, code="no_cjk_font")
    return list(dirs), list(families)


@lru_cache(maxsize=4)
def _compiler(dirs: tuple[str, ...]) -> Any:
    # One reused compiler keeps the loaded fonts warm (~9 ms per small document instead of
    # ~50-100). With one font directory (the usual case) it gets the very font set that
    # discovery built, so the directory is indexed once per process, not twice.
    import typst

    return typst.Compiler(font_paths=_font_set(dirs), ignore_system_fonts=True)


def render_typst(source: str, *, inputs: Mapping[str, Any] | None = None) -> bytes:
    """Compile typst `source` to PDF bytes with the CJK fonts found on this machine.

    `inputs` become `sys.inputs` (non-string values are JSON-encoded). The source may use
    the family list `sys.inputs.cjk_fonts` (JSON array) for `#set text(font: …)`.
    Raises DomainError when no CJK font exists, a font family is unknown, or the source
    does not compile."""
    dirs, families = cjk_fonts()
    sys_inputs = {"cjk_fonts": json.dumps(families, ensure_ascii=False)}
    for key, value in (inputs or {}).items():
        sys_inputs[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    import typst

    with _lock:
        try:
            pdf, warnings = _compiler(tuple(dirs)).compile_with_warnings(
                input=source.encode("utf-8"), format="pdf", sys_inputs=sys_inputs
            )
        except typst.TypstError as exc:
            raise DomainError(f"PDF 生成失败：{exc.message}", code="pdf_failed") from exc
    for warning in warnings:
        message = str(getattr(warning, "message", warning))
        if "unknown font family" in message:
            raise DomainError(
                f"PDF 使用了未安装的字体（{message}）。{_NO_FONT}", code="no_cjk_font"
            )
    if not isinstance(pdf, bytes):
        raise DomainError("PDF 生成失败：未得到 PDF 内容。", code="pdf_failed")
    return pdf
