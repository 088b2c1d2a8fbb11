"""Portraits: photos become responsive WebP + JPEG at build time; no photo, a generated initial."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from frontline.cli import main
from frontline.images import PALETTE, initial_colour
from tests.conftest import make_site, run

PROFILE = """\
---
name: 施剑
organization: daxing
role: 副主席
photo: {photo}
---
施剑主动请缨。
"""


def photo_bytes(size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    """A test picture with structure (a gradient and a block), made here: no real photo is used."""
    image = Image.new(mode, size, (200, 60, 40) + ((128,) if mode == "RGBA" else ()))
    for x in range(0, size[0], 8):
        for y in range(0, size[1], 8):
            image.putpixel((x, y), (x % 256, y % 256, 90) + ((255,) if mode == "RGBA" else ()))
    exif = Image.Exif()
    exif[0x010F] = "TestCamera"  # Make: must not reach the published files
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"exif": exif} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def site_with_photo(tmp_path: Path, photo: str, files: dict[str, bytes] | None = None) -> Path:
    return make_site(tmp_path / "site", {"content/profiles/shi-jian.md": PROFILE.format(photo=photo), **(files or {})})


def picture(html: str) -> str:
    match = re.search(r'<picture class="portrait portrait-large">.*?</picture>', html, re.S)
    assert match, "no <picture> on the profile page"
    return match.group(0)


def test_photo_becomes_webp_and_jpeg_in_several_widths(tmp_path: Path, capsys):
    root = site_with_photo(tmp_path, "photos/shi-jian.jpg", {"content/photos/shi-jian.jpg": photo_bytes((1200, 900))})
    assert run(root, capsys=capsys).code == 0
    out = root / "output"
    page = out / "profiles/shi-jian/index.html"
    pic = picture(page.read_text(encoding="utf-8"))
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)"', pic).group(1)
    jpeg = re.search(r'<img src="([^"]+)" srcset="([^"]+)"', pic)
    width, height = map(int, re.search(r'width="(\d+)" height="(\d+)"', pic).groups())
    for srcset, fmt in ((webp, "WEBP"), (jpeg.group(2), "JPEG")):
        widths = []
        for candidate in srcset.split(", "):
            url, descriptor = candidate.split(" ")
            with Image.open(page.parent / url) as image:
                assert image.format == fmt
                assert f"{image.width}w" == descriptor
                assert image.height * 4 == image.width * 5  # every portrait is cropped to 4:5
                assert "exif" not in image.info and not image.getexif()
            widths.append(image.width)
        assert widths == [160, 320, 640]  # 1200 × 900 is cropped to 720 × 900: never enlarged
    with Image.open(page.parent / jpeg.group(1)) as fallback:
        assert (fallback.width, fallback.height) == (width, height) == (320, 400)
    assert 'alt="施剑的照片"' in pic and 'sizes="' in pic
    # The small card picture on other pages uses the same files.
    assert "portrait-small" in (out / "index.html").read_text(encoding="utf-8")


def test_small_transparent_png_is_used_as_is_on_white(tmp_path: Path, capsys):
    root = site_with_photo(tmp_path, "photos/p.png", {"content/photos/p.png": photo_bytes((120, 150), "PNG", "RGBA")})
    assert run(root, capsys=capsys).code == 0
    page = root / "output/profiles/shi-jian/index.html"
    pic = picture(page.read_text(encoding="utf-8"))
    assert 'width="120" height="150"' in pic
    url = re.search(r'<img src="([^"]+)"', pic).group(1)
    with Image.open(page.parent / url) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (120, 150))


def test_photos_build_byte_identically(tmp_path: Path, capsys):
    root = site_with_photo(tmp_path, "photos/shi-jian.jpg", {"content/photos/shi-jian.jpg": photo_bytes((700, 900))})
    assert run(root, capsys=capsys).code == 0
    assert main(["--root", str(root), "build", "--out", str(tmp_path / "again")]) == 0
    first = {p.relative_to(root / "output"): p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert first == second
    assert any(p.suffix == ".webp" for p in first)


BAD_PHOTOS = {
    "missing": ("photos/none.jpg", {}, "找不到图片 content/photos/none.jpg"),
    "outside content": ("../secret.jpg", {}, "图片路径 ../secret.jpg 无效：应写相对于 content/ 的路径"),
    "not an image": ("photos/x.jpg", {"content/photos/x.jpg": b"not a picture"}, "无法读取图片 content/photos/x.jpg"),
    "wrong format": ("photos/x.gif", {"content/photos/x.gif": b"GIF89a"}, "不支持的图片格式 .gif"),
}


@pytest.mark.parametrize("case", list(BAD_PHOTOS), ids=list(BAD_PHOTOS))
def test_bad_photo_is_located_and_keeps_previous_output(tmp_path: Path, capsys, case: str):
    root = make_site(tmp_path / "site")
    assert run(root, capsys=capsys).code == 0
    before = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    photo, files, message = BAD_PHOTOS[case]
    from tests.conftest import write_files

    write_files(root, {"content/profiles/shi-jian.md": PROFILE.format(photo=photo), **files})
    result = run(root, capsys=capsys)
    assert result.code == 1
    assert f"content/profiles/shi-jian.md:5:1: error: [photo] {message}" in result.err
    assert "Traceback" not in result.err
    assert run(root, "check", capsys=capsys).code == 1  # `check` finds it too, without building
    assert {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()} == before


def test_profile_without_photo_gets_a_deterministic_initial(real_site: Path):
    html = (real_site / "output/profiles/han-feng-guang/index.html").read_text(encoding="utf-8")
    svg = re.search(r'<svg class="portrait portrait-large portrait-initial".*?</svg>', html, re.S).group(0)
    assert ">韩</text>" in svg
    assert f'fill="{initial_colour("韩锋光")}"' in svg and initial_colour("韩锋光") in PALETTE
    assert 'aria-hidden="true"' in svg  # decorative: the name is printed beside it
    assert "<img" not in html  # never a broken or invented photo
    # Colours are spread over the palette, not all the same.
    names = ["施剑", "于勇", "韩锋光", "高云峰", "韩志森", "史淑梅", "居丽虹", "董怡", "王娟", "王妍"]
    assert len({initial_colour(n) for n in names}) >= 4
