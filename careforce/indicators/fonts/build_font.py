"""Build the report font (run by hand once; not used at run time).

    .venv/bin/python careforce/indicators/fonts/build_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Takes Noto Sans CJK SC Regular (SIL Open Font License 1.1; Debian's fonts-noto-cjk), keeps the characters a
report can contain — ASCII and Latin-1, general and CJK punctuation, full-width forms, the whole basic block of
CJK ideographs (U+4E00-U+9FFF, every GBK hanzi included), GB 2312's symbols, every character of the Chinese catalogue and of the district names —
converts the outlines from CFF to TrueType (quadratic curves, cu2qu) so that any PDF library can embed and
subset it, and renames the family (a Modified Version under the OFL carries no Reserved Font Name).
Characters outside the subset are drawn as a white square (reports.pdf warns in its log).
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[2]
OUT = HERE / "CareForceReportSansSC-Regular.ttf"
FAMILY = "CareForce Report Sans SC"


def wanted_characters() -> set[int]:
    chars: set[int] = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2100, 0x2200)) | set(range(0x2460, 0x2500))
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0)) | {0x25A1, 0x2014, 0x2026, 0x00B7}
    chars |= set(range(0x4E00, 0xA000))  # the whole basic block of CJK ideographs (names of institutions)
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(ord(bytes([high, low]).decode("gb2312")))
    for po in PROJECT.glob("careforce/locale/zh_Hans/LC_MESSAGES/*.po"):
        chars |= {ord(c) for c in po.read_text(encoding="utf-8")}
    reference = PROJECT / "careforce" / "core" / "reference.py"
    if reference.exists():
        chars |= {ord(c) for c in reference.read_text(encoding="utf-8")}
    return {c for c in chars if c >= 0x20}


def to_truetype(font) -> None:
    """CFF outlines to glyf (the fontTools otf2ttf recipe)."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["head"].glyphDataFormat = 0
    font["maxp"].tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(font["maxp"], attr, 0)
    font["maxp"].maxZones = 1
    font["post"].formatType = 3.0
    font.sfntVersion = "\0\1\0\0"


def main(source: str) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted_characters())
    subsetter.subset(font)
    to_truetype(font)
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (1, 3, 4, 6, 16, 17):
            name.removeNames(nameID=record.nameID)
    name.setName(FAMILY, 1, 3, 1, 0x409)
    name.setName("Regular", 2, 3, 1, 0x409)
    name.setName(f"{FAMILY} Regular (subset of Noto Sans CJK SC)", 3, 3, 1, 0x409)
    name.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    name.setName(re.sub(r"\W", "", FAMILY) + "-Regular", 6, 3, 1, 0x409)
    font.save(OUT)
    print(f"{OUT}: {OUT.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs")


if __name__ == "__main__":
    main(sys.argv[1])
