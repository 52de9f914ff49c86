"""onnxruntime sessions of a bundle's graph, and one copy of its weights for every process.

``create_session`` makes the session every classifier runs (one intra-op thread by default,
no inter-op threads, every graph optimisation). ``shared_graph`` is how the worker processes
of ``python -m app`` share a model's weights (issue 22): a session made from a bundle's
``model.onnx`` holds its own copy of the weights (18 MB for the shipped bundle) in each
process. So the first process to load a bundle saves its graph, as optimised, into a folder of
the supervisor's, with the weights in a file of their own beside it; onnxruntime maps such a
file into memory instead of reading it, and every process that maps it shares the same pages.
The copy is keyed by the sha256 of the bundle's ``model.onnx``, checked against the manifest
before it is used, so a reload of changed files saves and maps a copy of its own, and the
bundle's files can be replaced in place while they serve (the copy is not theirs).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from app.inference.bundle import MODEL_FILE, BundleError, Manifest

if TYPE_CHECKING:
    import onnxruntime as ort

log = logging.getLogger("app")

WEIGHTS_FILE = "weights.bin"  # beside a saved graph: its initializers of 1 KiB or more
_ORT_TYPES = {"int32": "tensor(int32)", "int64": "tensor(int64)", "float32": "tensor(float)"}


def create_session(
    model_path: Path, intra_op_threads: int = 1, save_to: Path | None = None
) -> ort.InferenceSession:
    """A session of the graph at ``model_path``; with ``save_to``, the graph as optimised is
    also saved there, as ``model.onnx`` and its weights in ``weights.bin``."""
    # Imported only here, where a session is made: importing onnxruntime starts a thread of its
    # own (telemetry, with an open database), and the fork server that starts the service's
    # worker processes (app.server.fork_server) imports this module but must not run threads.
    import onnxruntime as ort

    ort.disable_telemetry_events()  # it would try to persist a device id (read-only in images)
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL  # no inter-op threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if save_to is not None:
        # The saved graph is only ever loaded on this machine by this onnxruntime: the warning
        # that it holds optimisations for this hardware is no news (and not a JSON log line).
        options.log_severity_level = 3
        options.optimized_model_filepath = str(save_to / MODEL_FILE)
        prefix = "session.optimized_model_external_initializers"
        options.add_session_config_entry(f"{prefix}_file_name", WEIGHTS_FILE)
        options.add_session_config_entry(f"{prefix}_min_size_in_bytes", "1024")
    try:
        return ort.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own exception types per failure
        raise BundleError(f"{model_path}: onnxruntime cannot load the graph ({error})") from error


def verify_signature(session: ort.InferenceSession, manifest: Manifest, model_path: Path) -> None:
    """The graph's inputs and outputs are exactly those the manifest declares."""
    for kind, actual, declared in (
        ("input", session.get_inputs(), manifest.inputs),
        ("output", session.get_outputs(), manifest.outputs),
    ):
        actual_desc = [(a.name, a.type, len(a.shape)) for a in actual]
        declared_desc = [(d.name, _ORT_TYPES[d.dtype], len(d.shape)) for d in declared]
        if actual_desc != declared_desc:
            raise BundleError(
                f"{model_path}: graph {kind}s {actual_desc} do not match the manifest's"
                f" {declared_desc}"
            )


def shared_graph(folder: Path, model_path: Path, manifest: Manifest) -> Path:
    """The graph to load for ``model_path`` (verified against ``manifest``): its copy in
    ``folder``, saved first if no process has saved it yet; ``model_path`` itself when no copy
    can be saved there (a full disk, or a graph onnxruntime refuses, which loading
    ``model_path`` then reports)."""
    target = folder / manifest.files[MODEL_FILE]
    if not (target / MODEL_FILE).is_file():
        try:
            scratch = Path(tempfile.mkdtemp(prefix=".saving-", dir=folder))
        except OSError:
            return model_path
        try:
            create_session(model_path, save_to=scratch)
            scratch.rename(target)  # unless another process saved it first: then theirs
        except (OSError, BundleError):
            shutil.rmtree(scratch, ignore_errors=True)
    return target / MODEL_FILE if (target / MODEL_FILE).is_file() else model_path


def shared_session(
    folder: Path, model_path: Path, manifest: Manifest, intra_op_threads: int = 1
) -> tuple[ort.InferenceSession, Path]:
    """A session of the graph at ``model_path`` made from its copy in ``folder``
    (``shared_graph``), and the file it was made from. Raises BundleError as
    ``create_session`` does."""
    graph = shared_graph(folder, model_path, manifest)
    session = create_session(graph, intra_op_threads)
    if graph == model_path:
        log.warning("%s: no copy in %s, its weights are not shared", model_path, folder)
    return session, graph
