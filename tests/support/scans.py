"""Scanned copies of PDFs for the OCR tests and benchmark: pages rasterised with pypdfium2, then damaged
the way a scanner and an office damage paper (a slight rotation, speckle, a red stamp pressed over a corner
of a table, JPEG compression), and wrapped as an image-only PDF (no text layer) or saved as an image.

    scan = Scan(dpi=200, angle=0.6, speckle=0.0005, stamp=True, jpeg_quality=75)
    pdf_bytes = scanned_pdf(text_pdf_bytes, scan, seed=3)

Deterministic for a given seed. Pure test tooling: nothing here is used by the extractor.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scan:
    dpi: int = 200
    angle: float = 0.0  # degrees, counter-clockwise
    speckle: float = 0.0  # share of pixels turned to dark specks (dust) or white (dropouts)
    stamp: bool = False  # a red circular stamp over the top-right corner of the first ruled table on a page
    jpeg_quality: int | None = None  # None: lossless (PNG inside the PDF)
    grey: bool = False  # scanned in greyscale (the red stamp becomes a grey ring)

    @property
    def label(self) -> str:
        parts = [f"{self.dpi}dpi"]
        if self.angle:
            parts.append(f"rot{self.angle:+g}")
        if self.speckle:
            parts.append("speckle")
        if self.stamp:
            parts.append("stamp")
        if self.jpeg_quality:
            parts.append(f"jpeg{self.jpeg_quality}")
        if self.grey:
            parts.append("grey")
        return "-".join(parts)


def rasterise(pdf: bytes, dpi: int) -> list[np.ndarray]:
    """Every page of a PDF as an RGB array."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True)
            pages.append(bitmap.to_numpy()[:, :, :3].copy())
            bitmap.close()
        return pages
    finally:
        document.close()


def damage(page: np.ndarray, scan: Scan, rng: random.Random) -> np.ndarray:
    """One page as the scanner delivers it."""
    import cv2

    out = page.copy()
    if scan.stamp:
        _stamp(out, rng, scan.dpi)
    if scan.angle:
        height, width = out.shape[:2]
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), scan.angle, 1.0)
        out = cv2.warpAffine(out, matrix, (width, height), flags=cv2.INTER_LINEAR,
                             borderValue=(255, 255, 255))
    if scan.speckle:
        noise = np.random.default_rng(rng.randrange(2**32))
        flips = noise.random(out.shape[:2])
        out[flips < scan.speckle / 2] = 40
        out[(flips >= scan.speckle / 2) & (flips < scan.speckle)] = 255
    if scan.grey:
        out = np.repeat(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    return out


def _stamp(page: np.ndarray, rng: random.Random, dpi: int) -> None:
    """A red ring with a star-like mark, over the top-right corner of the first table (or the page's top
    right when the page has no table): office stamps are pressed over the table and the signature."""
    import cv2

    grey = page.min(axis=2)
    dark_rows = np.flatnonzero((grey < 128).sum(axis=1) > 0.5 * page.shape[1])  # long horizontal rules
    height, width = page.shape[:2]
    if len(dark_rows):
        top = int(dark_rows[0])
        cols = np.flatnonzero(grey[top] < 128)
        centre = (int(cols[-1]) - int(0.2 * dpi), top + int(0.2 * dpi))
    else:
        centre = (width - int(1.5 * dpi), int(1.5 * dpi))
    radius = int(rng.uniform(0.75, 0.9) * dpi)
    red = (rng.randint(200, 235), rng.randint(20, 60), rng.randint(20, 60))
    overlay = page.copy()
    cv2.circle(overlay, centre, radius, red, thickness=max(2, dpi // 40))
    cv2.circle(overlay, centre, int(radius * 0.8), red, thickness=max(1, dpi // 100))
    points = [(centre[0] + int(0.3 * radius * np.cos(a)), centre[1] + int(0.3 * radius * np.sin(a)))
              for a in np.linspace(-np.pi / 2, 3.5 * np.pi, 6)]
    cv2.fillPoly(overlay, [np.array(points, np.int32)], red)
    cv2.putText(overlay, "SEAL", (centre[0] - radius // 2, centre[1] + radius // 2), cv2.FONT_HERSHEY_SIMPLEX,
                dpi / 150, red, max(1, dpi // 60))
    # stamp ink is translucent and multiplies with the print under it: black print stays black
    mask = np.any(overlay != page, axis=2)
    opacity = rng.uniform(0.8, 0.95)
    tint = 1.0 - opacity + opacity * overlay[mask].astype(np.float32) / 255.0
    page[mask] = (page[mask].astype(np.float32) * tint).astype(np.uint8)


def scanned_pages(pdf: bytes, scan: Scan, seed: int = 0) -> list[np.ndarray]:
    rng = random.Random(seed)
    return [damage(page, scan, rng) for page in rasterise(pdf, scan.dpi)]


def encode(page: np.ndarray, scan: Scan, fmt: str):
    """A PIL image of the page, encoded and decoded once as JPEG when the scan says so."""
    from PIL import Image

    image = Image.fromarray(page)
    if scan.jpeg_quality:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=scan.jpeg_quality)
        image = Image.open(io.BytesIO(buffer.getvalue()))
        image.load()
    return image


def scanned_pdf(pdf: bytes, scan: Scan, seed: int = 0) -> bytes:
    """An image-only PDF of the scanned pages (as a scanner writes one: no text layer)."""
    images = [encode(page, scan, "pdf") for page in scanned_pages(pdf, scan, seed)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=float(scan.dpi))
    return buffer.getvalue()


def scanned_image(pdf: bytes, scan: Scan, seed: int = 0, fmt: str = "PNG") -> bytes:
    """The scanned pages as one image file: a PNG or JPEG of the first page, or a multi-page TIFF."""
    images = [encode(page, scan, fmt) for page in scanned_pages(pdf, scan, seed)]
    buffer = io.BytesIO()
    if fmt == "TIFF":
        images[0].save(buffer, format="TIFF", save_all=True, append_images=images[1:],
                       dpi=(scan.dpi, scan.dpi), compression="tiff_deflate")
    elif fmt == "JPEG":
        images[0].save(buffer, format="JPEG", quality=scan.jpeg_quality or 90, dpi=(scan.dpi, scan.dpi))
    else:
        images[0].save(buffer, format="PNG", dpi=(scan.dpi, scan.dpi))
    return buffer.getvalue()
