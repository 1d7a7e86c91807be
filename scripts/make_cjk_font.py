"""Make the small Chinese font the package ships (gan_lessons/fonts/), from Noto Sans CJK SC.

Matplotlib's own font has no Chinese characters, and Colab has no Chinese font, so the package ships
one: a subset of Noto Sans CJK SC (SIL Open Font License 1.1, see gan_lessons/fonts/OFL.txt) that holds
the 3,755 most common characters (GB 2312 level 1), GB 2312's punctuation and symbols, ASCII, and every
character of the Chinese lessons and of the Chinese messages (gan_lessons/locale/zh-CN/). Renamed
"GAN Lessons Sans SC" so it is never mistaken for the full font. Run it after adding Chinese text that
uses a rarer character (tests/test_translations.py says when):

    apt-get install -y fonts-noto-cjk      # Debian/Ubuntu: the full font, about 100 MB, only for this
    python scripts/make_cjk_font.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # the collection's fonts: JP, KR, SC, TC, HK, then the Mono ones
OUT = ROOT / "gan_lessons" / "fonts" / "GANLessonsSansSC-Regular.otf"
FAMILY = "GAN Lessons Sans SC"


def gb2312_characters(first_row: int, last_row: int) -> set[str]:
    """The characters of GB 2312 rows FIRST_ROW..LAST_ROW (1-9: symbols; 16-55: level 1 hanzi)."""
    found = set()
    for row in range(first_row, last_row + 1):
        for cell in range(1, 95):
            try:
                found.add(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # an empty place in the table
    return found


def lesson_characters() -> set[str]:
    """Every non-ASCII character of the Chinese lessons and of the Chinese message catalogue."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "gan_lessons/locale/zh-CN").glob("*.json"))]
    for path in sorted((ROOT / "notebooks/zh-CN").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts += ["".join(cell["source"]) for cell in cells]
    return {ch for text in texts for ch in text if ord(ch) > 0x7F}


def main() -> int:
    if not SOURCE.exists():
        print(f"{SOURCE} is missing: install it with `apt-get install -y fonts-noto-cjk`.", file=sys.stderr)
        return 1
    font = TTCollection(str(SOURCE)).fonts[SC_INDEX]
    ascii_ = {chr(code) for code in range(0x20, 0x7F)}  # Pillow's GIF captions use this font alone
    wanted = ascii_ | gb2312_characters(1, 9) | gb2312_characters(16, 55) | lesson_characters()
    have = font.getBestCmap()
    codes = sorted(ord(ch) for ch in wanted if ord(ch) in have)
    options = subset.Options()
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright, licence and version
    options.hinting = False
    options.layout_features = []  # matplotlib lays out one character after another
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE", "GSUB", "GPOS"]  # no vertical text, no layout
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "") + "-Regular"
        elif record.nameID == 3:
            record.string = f"{FAMILY}; subset of Noto Sans CJK SC"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    font.save(str(tmp))
    tmp.replace(OUT)
    missing = sorted(ch for ch in wanted if ord(ch) not in have)
    print(
        f"{OUT.relative_to(ROOT)}: {len(codes):,} characters, {OUT.stat().st_size / 1e6:.2f} MB"
        + (f"; not in Noto Sans CJK SC: {''.join(missing)}" if missing else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
