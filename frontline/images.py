"""Portraits: responsive images made at build time with Pillow, or a generated initial.

A profile may name a photo (`photo: photos/shi-jian.jpg`, relative to content/). It is cropped
to a 4:5 portrait, resized to a few widths and written as WebP and JPEG, so that a <picture>
lets the browser pick; width and height are always set, so nothing jumps while loading.
A profile without a photo gets an inline SVG: the name's first character in a circle whose
colour is chosen from the name deterministically (every colour passes contrast with white).
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from markupsafe import Markup, escape
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import Problem, display_path
from .models import Profile

WIDTHS = (160, 320, 640)
ASPECT = (4, 5)  # width : height of every portrait
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_PIXELS = 40_000_000  # larger than any camera photo an editor would use; refuses decompression bombs
JPEG_OPTIONS = {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True}
WEBP_OPTIONS = {"format": "WEBP", "quality": 80, "method": 6}
# Deep, newspaper-like colours; each has at least 4.5:1 contrast with white (tests check it).
PALETTE = ("#8b1216", "#1f4e79", "#2e6b30", "#6a3d7a", "#8a4b08", "#0f5e63", "#5b4636", "#3d4f7a")
SIZES = {
    "large": "(min-width: 40rem) 12rem, 40vw",
    "small": "4rem",
}


@dataclass(frozen=True)
class Variant:
    path: str  # output path, e.g. profiles/shi-jian/shi-jian-320.1a2b3c4d5e.webp
    width: int
    height: int


@dataclass(frozen=True)
class Portrait:
    webp: tuple[Variant, ...]  # narrowest first
    jpeg: tuple[Variant, ...]


@dataclass(frozen=True)
class Portraits:
    by_slug: dict[str, Portrait]
    files: dict[str, bytes]  # output path -> bytes


def photo_path(root: Path, photo: str) -> Path | None:
    """The file a photo field names, or None if the field tries to leave content/."""
    rel = PurePosixPath(photo.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        return None
    return root / "content" / rel


def photo_problems(root: Path, profiles: Iterable[Profile]) -> list[Problem]:
    """Every photo field that names no readable image, located at the field."""
    problems = []
    for profile in profiles:
        photo = profile.meta.photo
        if photo is None:
            continue
        message = _photo_error(root, photo)
        if message:
            line, col = profile.source.at("photo")
            problems.append(Problem(profile.source.path, line, col, message, "photo"))
    return problems


def _photo_error(root: Path, photo: str) -> str | None:
    path = photo_path(root, photo)
    if path is None:
        return f"图片路径 {photo} 无效：应写相对于 content/ 的路径，如 photos/shi-jian.jpg"
    if path.suffix.lower() not in PHOTO_SUFFIXES:
        return f"不支持的图片格式 {path.suffix or '（无扩展名）'}：请用 {'、'.join(PHOTO_SUFFIXES)}"
    if not path.is_file():
        return f"找不到图片 {display_path(path, root)}：请检查文件名，或把图片放到 content/ 下"
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                return f"图片太大（{image.width}×{image.height} 像素）：请缩小到 {MAX_PIXELS // 1_000_000} 百万像素以内"
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return f"无法读取图片 {display_path(path, root)}：文件已损坏或不是 JPEG/PNG/WebP 图片"
    return None


def make_portraits(root: Path, profiles: Iterable[Profile]) -> Portraits:
    """Resize every profile photo; assumes photo_problems() found nothing."""
    by_slug: dict[str, Portrait] = {}
    files: dict[str, bytes] = {}
    for profile in profiles:
        if profile.meta.photo is None:
            continue
        path = photo_path(root, profile.meta.photo)
        assert path is not None  # checked by photo_problems
        with Image.open(path) as original:
            image = _prepared(original)
        webp, jpeg = [], []
        for width in _widths(image.width):
            height = width * ASPECT[1] // ASPECT[0]
            resized = image.resize((width, height), Image.Resampling.LANCZOS)
            for options, ext, out in ((WEBP_OPTIONS, "webp", webp), (JPEG_OPTIONS, "jpg", jpeg)):
                data = _encode(resized, options)
                digest = hashlib.sha256(data).hexdigest()[:10]
                target = f"profiles/{profile.slug}/{profile.slug}-{width}.{digest}.{ext}"
                files[target] = data
                out.append(Variant(target, width, height))
        by_slug[profile.slug] = Portrait(tuple(webp), tuple(jpeg))
    return Portraits(by_slug, files)


def _prepared(original: Image.Image) -> Image.Image:
    """Upright, RGB on white, cropped to the portrait aspect (faces sit high: bias the crop up)."""
    image = ImageOps.exif_transpose(original)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(background, image)
    image = image.convert("RGB")
    width = min(image.width, image.height * ASPECT[0] // ASPECT[1])
    height = width * ASPECT[1] // ASPECT[0]
    return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS, centering=(0.5, 0.35))


def _widths(available: int) -> list[int]:
    fitting = [w for w in WIDTHS if w <= available]
    return fitting or [available]  # a small photo is used as it is, never enlarged


def _encode(image: Image.Image, options: Mapping) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **options)  # no EXIF is passed on: camera metadata stays private
    return buffer.getvalue()


def portrait_html(name: str, portrait: Portrait | None, size: str, root: str) -> Markup:
    """A <picture> for a photo, or the generated initial; root makes URLs relative to the page."""
    if portrait is None:
        return initial_svg(name, size)
    sizes = SIZES[size]
    fallback = portrait.jpeg[min(1, len(portrait.jpeg) - 1)] if size == "large" else portrait.jpeg[0]

    def srcset(variants: tuple[Variant, ...]) -> str:
        return ", ".join(f"{root}{v.path} {v.width}w" for v in variants)

    return Markup(
        f'<picture class="portrait portrait-{size}">'
        f'<source type="image/webp" srcset="{escape(srcset(portrait.webp))}" sizes="{sizes}">'
        f'<img src="{escape(root + fallback.path)}" srcset="{escape(srcset(portrait.jpeg))}" sizes="{sizes}"'
        f' width="{fallback.width}" height="{fallback.height}" alt="{escape(name)}的照片"'
        f' loading="lazy" decoding="async"></picture>'
    )


def initial_colour(name: str) -> str:
    return PALETTE[hashlib.sha256(name.encode("utf-8")).digest()[0] % len(PALETTE)]


@functools.lru_cache(maxsize=4096)  # a card per colleague on every profile page: the same few thousand names
def initial_svg(name: str, size: str) -> Markup:
    # Decorative: the name is always printed next to it, so screen readers skip it.
    pixels = 112 if size == "large" else 48
    first = name.strip()[:1] or "?"
    return Markup(
        f'<svg class="portrait portrait-{size} portrait-initial" width="{pixels}" height="{pixels}"'
        f' viewBox="0 0 100 100" aria-hidden="true" focusable="false">'
        f'<circle cx="50" cy="50" r="50" fill="{initial_colour(name)}"/>'
        f'<text x="50" y="50" dy="0.36em" text-anchor="middle" font-size="50" fill="#fff">{escape(first)}</text>'
        "</svg>"
    )
