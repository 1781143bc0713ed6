"""OCR of scanned reports: PDF pages without a text layer and PNG/JPEG/TIFF images.

OCR proposes, the table's own identities verify, and anything unsure is flagged:

  raster.py     render (pypdfium2) or decode (Pillow) a page, drop coloured ink, straighten it
  layout.py     ruling lines → tables; ink → one-line pieces (cells' lines, phrases outside the tables)
  recognise.py  PP-OCRv4's recogniser (from the rapidocr-onnxruntime wheel, run by onnxruntime) on one piece
  noise.py      look-alike characters of a number put right (〇/O/o → 0, full-width digits, ...)
  page.py       one page → the PDF parser's page layout, so that stitching and the grid interpreter are shared
  document.py   pages read (in a process pool when EXTRACT_OCR_WORKERS > 1) and the cells verified

Only the parsers of scanned documents import this package, and its heavy dependencies (numpy, OpenCV,
onnxruntime) are imported inside it: extracting a text document never loads them.
"""
