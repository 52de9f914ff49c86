"""python -m benchmarks.profile: py-spy's raw stacks into self and total shares."""

from __future__ import annotations

from benchmarks.profile import costs, package_of

SERVE = "<module> (app/__main__.py:1);serve (/x/site-packages/uvicorn/server.py:60)"
RUN = "Session.run (onnxruntime/capi/onnxruntime_inference_collection.py:250)"
RAW = (
    f"{SERVE};predict (/w/wt/app/api/routes/predict.py:40) 3\n"
    f"{SERVE} 1\n"
    f"_worker (concurrent/futures/thread.py:69);{RUN} 6\n"
)


def test_self_is_the_innermost_frame_and_total_any_frame() -> None:
    found = costs(RAW)
    assert found["samples"] == 10
    assert found["self"]["predict (app/api/routes/predict.py)"] == 3
    assert found["self"]["serve (uvicorn/server.py)"] == 1
    assert found["total"]["serve (uvicorn/server.py)"] == 4
    run = "Session.run (onnxruntime/capi/onnxruntime_inference_collection.py)"
    assert found["self"][run] == found["total"][run] == 6
    assert found["packages"] == {"app.api": 3, "uvicorn": 1, "onnxruntime": 6}


def test_packages_are_app_layers_or_top_level_names() -> None:
    assert package_of("/w/wt-i22mem/app/core/middleware.py") == "app.core"
    assert package_of("/v/lib/python3.11/site-packages/fastapi/routing.py") == "fastapi"
    assert package_of("asyncio/runners.py") == "asyncio"
