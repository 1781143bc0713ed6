"""The text recogniser: one crop holding one line of text → (text, confidence).

PP-OCRv4's recognition model as shipped inside the `rapidocr-onnxruntime` wheel, run with onnxruntime
directly (rapidocr's own pipeline is not used: its whole-page detector skips lone "0" cells, so the layout
is found here from the ruling lines and the ink, and the recogniser only ever sees one cell or one line).
Nothing is downloaded: a missing wheel is an ImportError, which the registry turns into a reason.

The confidence of a reading is that of its least certain character (CTC: the highest class probability
at the frames where a character was emitted), not the mean: one doubtful digit makes a doubtful number.
"""
from __future__ import annotations

import functools
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_PACKAGE = "rapidocr_onnxruntime"
MODEL_FILE = "models/ch_PP-OCRv4_rec_infer.onnx"
INPUT_HEIGHT = 48
MIN_INPUT_WIDTH = 48  # crops are batched by width; a narrow crop is not padded to the reference 320
BATCH_SIZE = 4  # larger batches are slower on CPU (measured)
PAD = 0  # callers cut crops with their own white margin


@dataclass(frozen=True)
class Reading:
    text: str
    confidences: tuple[float, ...] = ()  # of each character of `text`

    @property
    def confidence(self) -> float:
        """That of the least certain character (spaces aside); 1.0 when nothing was read."""
        return min((c for ch, c in zip(self.text, self.confidences) if not ch.isspace()), default=1.0)


def model_path() -> Path:
    """The recognition model inside the installed wheel (found without importing the package, whose
    __init__ loads its whole pipeline)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{MODEL_PACKAGE} is not installed (pip install {MODEL_PACKAGE.replace('_', '-')})")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ImportError(f"the recognition model {MODEL_FILE} is missing from {MODEL_PACKAGE}")
    return path


class Recogniser:
    def __init__(self) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 4
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # one thread, not spinning: parallelism comes from EXTRACT_OCR_WORKERS (processes), and a shared
        # machine (Airflow runs several tasks) loses more to threads spinning for a core than it gains
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(model_path()), sess_options=options,
                                                    providers=["CPUExecutionProvider"])
        characters = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.characters = ["<blank>"] + characters + [" "]  # CTC blank first, space last (PaddleOCR)
        self.input_name = self.session.get_inputs()[0].name

    def read(self, crops: Sequence[np.ndarray]) -> list[Reading]:
        """Read grey or colour crops (uint8), one line of text each; batches crops of similar width."""
        results: list[Reading | None] = [None] * len(crops)
        prepared = []
        for index, crop in enumerate(crops):
            if crop.size == 0:
                results[index] = Reading("")
                continue
            prepared.append((index, _padded(crop)))
        prepared.sort(key=lambda item: item[1].shape[1] / item[1].shape[0])
        for start in range(0, len(prepared), BATCH_SIZE):
            batch = prepared[start:start + BATCH_SIZE]
            widths = [_input_width(img) for _, img in batch]
            width = max(max(widths), MIN_INPUT_WIDTH)
            tensor = np.zeros((len(batch), 3, INPUT_HEIGHT, width), dtype=np.float32)
            for k, ((_, img), w) in enumerate(zip(batch, widths)):
                tensor[k, :, :, :w] = _normalised(img, w)
            predictions = self.session.run(None, {self.input_name: tensor})[0]
            for (index, _), prediction in zip(batch, predictions):
                results[index] = self._decode(prediction)
        return [r if r is not None else Reading("") for r in results]

    def _decode(self, prediction: np.ndarray) -> Reading:
        """CTC greedy decoding: the best class of each frame, repeats and blanks dropped."""
        best = prediction.argmax(axis=1)
        keep = np.ones(len(best), dtype=bool)
        keep[1:] = best[1:] != best[:-1]
        keep &= best != 0
        frames = np.flatnonzero(keep)
        text = "".join(self.characters[best[f]] for f in frames)
        # the probability of the character as it will be read: look-alikes the reading is normalised
        # over (o/O/〇 for 0 ...) count for it, so that a lone 0 is not doubted for looking like a letter
        confidences = tuple(min(1.0, round(float(prediction[f, self._alike(best[f])].sum()), 4)) for f in frames)
        return Reading(text, confidences)

    def _alike(self, index: int) -> list[int]:
        group = self._groups.get(index)
        return group if group is not None else [index]

    @functools.cached_property
    def _groups(self) -> dict[int, list[int]]:
        from .noise import LOOKALIKE_GROUPS

        position = {ch: i for i, ch in enumerate(self.characters)}
        groups: dict[int, list[int]] = {}
        for members in LOOKALIKE_GROUPS:
            indices = [position[ch] for ch in members if ch in position]
            for i in indices:
                groups[i] = indices
        return groups


def _padded(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 2:
        crop = np.repeat(crop[:, :, None], 3, axis=2)
    return np.pad(crop, ((PAD, PAD), (PAD, PAD), (0, 0)), constant_values=255)


def _input_width(img: np.ndarray) -> int:
    h, w = img.shape[:2]
    return max(1, int(np.ceil(INPUT_HEIGHT * w / h)))


def _normalised(img: np.ndarray, width: int) -> np.ndarray:
    import cv2

    resized = cv2.resize(img, (width, INPUT_HEIGHT), interpolation=cv2.INTER_AREA
                         if img.shape[0] > INPUT_HEIGHT else cv2.INTER_CUBIC)
    return (resized.astype(np.float32).transpose(2, 0, 1) / 255.0 - 0.5) / 0.5


_local = threading.local()


def recogniser() -> Recogniser:
    """One recogniser per process and thread (loading the model takes about a second)."""
    instance = getattr(_local, "recogniser", None)
    if instance is None:
        instance = _local.recogniser = Recogniser()
    return instance
