"""Page images for OCR: PDF pages rendered with pypdfium2, PNG/JPEG/TIFF decoded with Pillow, turned grey
with coloured ink dropped, straightened, and the transform that maps them back to the page.

Grey is the usual luminance, except in coloured parts of the page, where only print clearly darker than
the colour is kept: a red stamp, a blue cell shading and coloured highlighting turn white (a stamp pressed
over a table corner would otherwise be read as strokes of the digits under it).

Coordinates: a `Raster` is the straightened image ("frame") at `dpi`; frame pixels / dpi * 72 are frame
points, the unit the layout code works in (as pdfplumber's, top-left origin). `to_page` maps frame points
back to the unrotated page for provenance (the bounding box of the rotated box).
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np

from ..model import ExtractionError

MAX_PAGE_PIXELS = 40_000_000  # a rendered page above this is rendered at a lower resolution (A4 at 300 dpi: 8.7M)
MAX_IMAGE_PIXELS = 100_000_000  # a decoded image above this is refused (Pillow warns at 89M: a decompression bomb)
MAX_SKEW_DEGREES = 5.0
SKEW_STEP_DEGREES = 0.1  # the precision of the straightening
A4_WIDTH_INCHES = 8.27
COLOURED = 40  # max - min channel, blurred: a pixel of a stamp or of coloured shading
COLOUR_INK_DARKNESS = 90  # grey level: in coloured parts of a page, what is darker is black print
RED_INK = 150  # red channel: in coloured parts of a page read by their red channel, what is darker is print
SHADING = 200  # grey level: coloured print lighter than this is a cell's shading, darker a stamp


@dataclass
class PageImage:
    """A page as it comes from its source: grey, and where coloured print was taken out of it."""

    grey: np.ndarray  # uint8
    dpi: float
    stamped: np.ndarray | None = None  # uint8 mask (255) of the coloured print dropped; None: there was none
    lifted: np.ndarray | None = None  # grey with the coloured parts read by their red channel (rules under a stamp)


@dataclass
class Raster:
    """A straightened grey page image."""

    grey: np.ndarray  # uint8, frame pixels
    dpi: float
    angle: float  # degrees the source was turned (counter-clockwise) to straighten it
    source_size: tuple[int, int]  # (width, height) of the source image in pixels
    stamped: np.ndarray | None = None  # PageImage.stamped, straightened
    lifted: np.ndarray | None = None  # PageImage.lifted, straightened

    @property
    def scale(self) -> float:
        """Pixels per point."""
        return self.dpi / 72.0

    def to_page(self, bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """Frame points → points on the unrotated page (the axis-aligned box around the rotated box)."""
        if not self.angle:
            return bbox
        inverse = _rotation(self.source_size, -self.angle)
        s = self.scale
        corners = np.array([[bbox[0] * s, bbox[1] * s], [bbox[2] * s, bbox[1] * s],
                            [bbox[0] * s, bbox[3] * s], [bbox[2] * s, bbox[3] * s]])
        mapped = corners @ inverse[:, :2].T + inverse[:, 2]
        x0, y0 = mapped.min(axis=0) / s
        x1, y1 = mapped.max(axis=0) / s
        return (float(x0), float(y0), float(x1), float(y1))


def _rotation(size: tuple[int, int], angle: float) -> np.ndarray:
    import cv2

    width, height = size
    return cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle, 1.0)


def page_image(rgb: np.ndarray, dpi: float, red_channel: bool = False) -> PageImage:
    """The page in grey with coloured ink dropped: where the page is coloured (a stamp, a shaded cell;
    judged on a blurred copy, because JPEG smears the colour of thin strokes over their neighbours), a
    pixel is print only if it is darker than COLOUR_INK_DARKNESS. Black print under a red stamp stays
    (measured: strokes of a digit under a stamp's letters 20-80, the stamp's own ink 95-125 after JPEG).
    What was dropped and darker than a shading (a stamp) is kept aside: it may hide print.

    `red_channel` reads the coloured parts by their red channel instead (the classic way to lift a red
    seal: it is as light as paper there, black print stays dark; measured: the stamp's ink 157-230 after
    JPEG, a digit's strokes under it 75-134): the second opinion on stamped cells."""
    import cv2

    if rgb.ndim == 2:
        return PageImage(rgb.copy(), dpi)
    rgb = np.ascontiguousarray(rgb[:, :, :3])
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    r, g, b = rgb[:, :, 0], rgb[:, :, 1], rgb[:, :, 2]
    spread = cv2.subtract(np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b))
    coloured = cv2.blur(spread, (5, 5)) > COLOURED
    stamped = coloured & (grey >= COLOUR_INK_DARKNESS) & (grey < SHADING)
    lifted = grey.copy()
    lifted[coloured] = np.where(r[coloured] < RED_INK, r[coloured], 255)
    if red_channel:
        return PageImage(lifted, dpi, stamped.astype(np.uint8) * 255 if stamped.any() else None)
    grey[coloured & (grey >= COLOUR_INK_DARKNESS)] = 255
    if not stamped.any():
        return PageImage(grey, dpi)
    return PageImage(grey, dpi, stamped.astype(np.uint8) * 255, lifted)


# ------------------------------------------------------------------------------------------- sources


def render_pdf_page(page, dpi: float, red_channel: bool = False) -> PageImage:
    """A pypdfium2 page rendered at `dpi` (a very large page at a lower dpi)."""
    width, height = page.get_size()
    dpi = min(dpi, 72.0 * math.sqrt(MAX_PAGE_PIXELS / max(width * height, 1.0)))
    bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True, may_draw_forms=True)
    try:
        return page_image(bitmap.to_numpy(), dpi, red_channel)
    finally:
        bitmap.close()


def _open_image(data: bytes):
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:  # its message names a BytesIO object, not the file
        raise ExtractionError("corrupt", "the image cannot be decoded: damaged, or not a PNG, JPEG or TIFF "
                                         "image after all") from exc
    except (OSError, ValueError) as exc:
        raise ExtractionError("corrupt", f"the image cannot be decoded: {exc}") from exc


def image_frames(data: bytes, max_frames: int) -> tuple[list[float], int]:
    """The dpi of each frame of a PNG/JPEG/TIFF (a TIFF may hold many pages), up to `max_frames`, and the
    number of frames, read from the headers (nothing is decoded). The dpi is the image's own when it
    states a plausible one, else the one that makes the page as wide as A4 (scanned reports are A4).
    An image too large to decode safely is refused."""
    image = _open_image(data)
    count = getattr(image, "n_frames", 1)
    dpis = []
    try:
        for index in range(min(count, max_frames)):
            image.seek(index)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ExtractionError("too_complex", f"the image is {width}x{height} pixels (limit "
                                                     f"{MAX_IMAGE_PIXELS}): refused as a decompression bomb")
            dpis.append(_image_dpi(image, image.size))
    except ExtractionError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # Pillow's errors on damaged data
        raise ExtractionError("corrupt", f"the image is damaged or truncated: {exc}") from exc
    return dpis, count


def decode_frame(data: bytes, index: int, dpi: float, red_channel: bool = False) -> PageImage:
    """Frame `index` (0-based) of an image file, decoded (camera rotation applied) and made grey."""
    from PIL import ImageOps

    image = _open_image(data)
    try:
        image.seek(index)
        frame = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ExtractionError("corrupt", f"the image is damaged or truncated: {exc}") from exc
    return page_image(np.asarray(frame), dpi, red_channel)


def _image_dpi(image, size: tuple[int, int]) -> float:
    stated = image.info.get("dpi")
    try:
        dpi = float(stated[0]) if stated else 0.0
    except (TypeError, ValueError, IndexError):
        dpi = 0.0
    if 100 <= dpi <= 1200:
        return dpi
    return min(size) / A4_WIDTH_INCHES


# ------------------------------------------------------------------------------------------- straighten


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Ink pixels (255) of a grey image: Otsu's threshold, bounded so that a blank page stays blank."""
    import cv2

    threshold, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = min(max(threshold, 100), 200)
    return np.where(grey < threshold, 255, 0).astype(np.uint8)


def skew_angle(mask: np.ndarray) -> float:
    """The angle (degrees) that makes text lines and rules horizontal: the one whose row profile of the
    ink mask is sharpest (a projection-profile search: coarse on a small copy, then fine on a larger one).
    Below SKEW_STEP_DEGREES the page is left as it is (turning it only blurs it)."""
    coarse = _sharpest(mask, 800, np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 1e-9, 0.5))
    best = _sharpest(mask, 1600, np.arange(coarse - 0.5, coarse + 0.5 + 1e-9, SKEW_STEP_DEGREES / 2))
    return 0.0 if abs(best) < SKEW_STEP_DEGREES else float(round(best, 2))


def _sharpest(mask: np.ndarray, side: int, angles: np.ndarray) -> float:
    import cv2

    factor = max(1, round(max(mask.shape) / side))
    small = cv2.resize(mask, (mask.shape[1] // factor, mask.shape[0] // factor), interpolation=cv2.INTER_AREA)
    if not small.any():
        return 0.0
    centre = (small.shape[1] / 2.0, small.shape[0] / 2.0)

    def sharpness(angle: float) -> float:
        turned = cv2.warpAffine(small, cv2.getRotationMatrix2D(centre, float(angle), 1.0), small.shape[::-1],
                                flags=cv2.INTER_LINEAR, borderValue=0)
        profile = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(profile)).sum())

    return float(max(angles, key=sharpness))


def straighten(image: PageImage) -> Raster:
    """The page turned so that its lines are horizontal (white fills the corners)."""
    import cv2

    grey, stamped, lifted = image.grey, image.stamped, image.lifted
    height, width = grey.shape
    angle = skew_angle(ink_mask(grey))
    if angle:
        matrix = _rotation((width, height), angle)
        grey = cv2.warpAffine(grey, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)
        if stamped is not None:
            stamped = cv2.warpAffine(stamped, matrix, (width, height), flags=cv2.INTER_NEAREST, borderValue=0)
        if lifted is not None:
            lifted = cv2.warpAffine(lifted, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)
    return Raster(grey, image.dpi, angle, (width, height), stamped, lifted)


def region(grey_source: np.ndarray, raster: Raster, frame_box: tuple[float, float, float, float],
           dpi: float) -> np.ndarray:
    """A box of the straightened frame (points) cut from a source image at another resolution `dpi`
    (the same page rendered again): the rotation is applied to that box only."""
    import cv2

    height, width = grey_source.shape
    matrix = _rotation((width, height), raster.angle)
    s = dpi / 72.0
    x0, y0 = frame_box[0] * s, frame_box[1] * s
    out_w = max(1, int(round((frame_box[2] - frame_box[0]) * s)))
    out_h = max(1, int(round((frame_box[3] - frame_box[1]) * s)))
    matrix = matrix.copy()
    matrix[0, 2] -= x0
    matrix[1, 2] -= y0
    return cv2.warpAffine(grey_source, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=255)
