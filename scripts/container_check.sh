#!/usr/bin/env bash
# Build the serving image, run it and check what the Docker issue promises; then the same
# through compose. Uses a Docker engine where one answers, else podman/buildah prepared by
# ../shared/tools/container-setup (these machines have no Docker engine).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=imdb-sentiment:check
NAME=sentiment-check
PORT=${CHECK_PORT:-18000}
SAMPLE='{"text": "This movie was absolutely fantastic! The acting was brilliant and the plot was thrilling."}'

if docker info >/dev/null 2>&1; then
    ENGINE=docker
    COMPOSE=(docker compose)
else
    ../shared/tools/container-setup
    export BUILDAH_ISOLATION=chroot BUILDAH_FORMAT=docker
    ENGINE=podman
    if ! command -v podman-compose >/dev/null 2>&1; then
        python3 -m venv /tmp/podman-compose-venv
        /tmp/podman-compose-venv/bin/pip install --quiet podman-compose
        export PATH=/tmp/podman-compose-venv/bin:$PATH
    fi
    COMPOSE=(podman-compose)
fi
echo "engine: $ENGINE"

cleanup() { $ENGINE rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; $ENGINE logs "$NAME" 2>&1 | tail -20 >&2 || true; exit 1; }

now() { python3 -c 'import time; print(time.time())'; }
since() { python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$1"; }

wait_ready() {  # url, seconds -> prints seconds taken
    local started
    started=$(now)
    for _ in $(seq 1 $(( $2 * 10 ))); do
        if curl -fs "$1/health/ready" >/dev/null 2>&1; then
            since "$started"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

check_predict() {  # url
    local answer
    answer=$(curl -fs "$1/predict" -H 'content-type: application/json' -d "$SAMPLE") \
        || fail "POST /predict failed"
    python3 - "$answer" <<'PY' || fail "unexpected answer: $answer"
import json, sys
body = json.loads(sys.argv[1])
(p,) = body["predictions"]
assert p["label"] == "positive" and 0.5 <= p["score"] <= 1 and p["tokens"] == 16, p
assert body["model"]["name"] == "imdb-sentiment", body
PY
}

echo "--- build"
SECONDS=0
$ENGINE build -t "$IMAGE" . >/tmp/container-build.log 2>&1 || { tail -30 /tmp/container-build.log; fail "build"; }
echo "built in ${SECONDS}s"
image_size=$($ENGINE image inspect --format '{{.Size}}' "$IMAGE")
base_size=$($ENGINE image inspect --format '{{.Size}}' python:3.11-slim)
echo "image $(( image_size / 1000000 )) MB; base $(( base_size / 1000000 )) MB; added $(( (image_size - base_size) / 1000000 )) MB"
# Issue 19 asks the image to add at most 230 MB to python:3.11-slim (224.9 MB on 2026-12-07, with
# the 18.7 MB bundle 2.2.0, once the lock left out what only tokenizers' Hub download needs).
added_mb=$(( (image_size - base_size) / 1000000 ))
[ "$added_mb" -le 230 ] && echo "within issue 19's 230 MB" || echo "over issue 19's 230 MB"

echo "--- run (read-only root, tmpfs /tmp)"
cleanup
$ENGINE run -d --name "$NAME" --read-only --tmpfs /tmp -e SENTIMENT_PORT="$PORT" -p "$PORT:$PORT" "$IMAGE" >/dev/null
ready_seconds=$(wait_ready "http://127.0.0.1:$PORT" 60) || fail "not ready within 60 s"
echo "container start to ready: ${ready_seconds}s"
check_predict "http://127.0.0.1:$PORT"
echo "POST /predict: positive"
uid=$($ENGINE exec "$NAME" id -u)
[ "$uid" != 0 ] || fail "runs as root"
echo "user id $uid (not root)"
if $ENGINE exec "$NAME" python -c "import tensorflow" >/dev/null 2>&1; then fail "tensorflow importable"; fi
echo "import tensorflow: fails, as it should"
if $ENGINE exec "$NAME" python -m pip --version >/dev/null 2>&1; then fail "pip present"; fi
echo "pip: absent"
if $ENGINE exec "$NAME" sh -c 'touch /srv/probe' >/dev/null 2>&1; then fail "root filesystem writable"; fi
$ENGINE exec "$NAME" sh -c 'touch /tmp/probe' || fail "/tmp not writable"
echo "root filesystem read-only; /tmp writable"
if [ "$ENGINE" = podman ]; then
    podman healthcheck run "$NAME" >/dev/null || fail "HEALTHCHECK unhealthy"
    echo "HEALTHCHECK: healthy"
fi
scored=$(printf 'text\n"A wonderful, moving film."\n"Dull, slow and far too long."\n' \
    | $ENGINE exec -i "$NAME" python -m app.score - - --input-format csv --output-format jsonl \
        --workers 1 --no-progress 2>/dev/null) || fail "python -m app.score in the image"
python3 - "$scored" <<'PY' || fail "unexpected app.score output: $scored"
import json, sys
rows = [json.loads(line) for line in sys.argv[1].splitlines()]
assert [r["label"] for r in rows] == ["positive", "negative"], rows
PY
echo "python -m app.score: CSV on stdin -> JSONL on stdout"
started=$(now)
$ENGINE stop -t 10 "$NAME" >/dev/null
stop_seconds=$(since "$started")
python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 10)" "$stop_seconds" || fail "stop took ${stop_seconds}s"
logs=$($ENGINE logs "$NAME" 2>&1)
# The image logs JSON (SENTIMENT_LOG_FORMAT=json): every line of the service is one object.
python3 - "$logs" <<'PY' || fail "the image's logs are not one JSON object per line, or no graceful stop"
import json, sys
lines = [line for line in sys.argv[1].splitlines() if not line.startswith("time=")]  # podman's own
records = [json.loads(line) for line in lines]
assert any(r["logger"] == "app" and r["message"] == "stopped" for r in records), records[-3:]
print(f"logs: {len(records)} lines, each one JSON object")
PY
echo "stop: graceful, ${stop_seconds}s"

echo "--- run with --cpus 1: the default worker count follows the CPU quota"
cleanup
$ENGINE run -d --name "$NAME" --cpus 1 --read-only --tmpfs /tmp -e SENTIMENT_PORT="$PORT" \
    -p "$PORT:$PORT" "$IMAGE" >/dev/null
wait_ready "http://127.0.0.1:$PORT" 60 >/dev/null || fail "not ready with --cpus 1"
grep -q "with 1 worker process " <<<"$($ENGINE logs "$NAME" 2>&1)" \
    || fail "--cpus 1 did not give one worker: $($ENGINE logs "$NAME" 2>&1 | grep -m1 'worker process')"
echo "--cpus 1: one worker ($(nproc) cores on the host)"
$ENGINE stop -t 10 "$NAME" >/dev/null

echo "--- train target: train a bundle from a mounted dataset, then serve it from a volume"
work=$(mktemp -d)
mkdir -p "$work/data" "$work/models"
python3 - "$work/data/reviews.csv" <<'PY'
import csv, random, sys
rng = random.Random(0)
good, bad = ["great", "wonderful", "moving", "superb"], ["awful", "boring", "dull", "terrible"]
with open(sys.argv[1], "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["text", "label"])
    for i in range(300):
        words = good if i % 2 else bad
        writer.writerow([f"A {rng.choice(words)} film, truly {rng.choice(words)}.", i % 2])
PY
SECONDS=0
$ENGINE build --target train -t "$IMAGE-train" . >/tmp/container-build-train.log 2>&1 \
    || { tail -30 /tmp/container-build-train.log; fail "build of the train target"; }
echo "train image built in ${SECONDS}s"
$ENGINE run --rm -v "$work/data:/data:ro" -v "$work/models:/models" "$IMAGE-train" \
    train --data /data/reviews.csv --preset recipe --epochs 1 --vocab-size 200 --max-length 32 \
    --name mounted --models-dir /models --runs-dir /models/.runs --trials /models/trials.jsonl \
    >/tmp/container-train.log 2>&1 || { tail -30 /tmp/container-train.log; fail "training in the container"; }
[ -f "$work/models/mounted/manifest.json" ] || fail "no bundle written to the mounted models/"
cleanup
$ENGINE run -d --name "$NAME" --read-only --tmpfs /tmp -e SENTIMENT_PORT="$PORT" -p "$PORT:$PORT" \
    -v "$work/models/mounted:/bundles/mounted:ro" -e SENTIMENT_BUNDLE_PATH=/bundles/mounted \
    "$IMAGE" >/dev/null
wait_ready "http://127.0.0.1:$PORT" 60 >/dev/null || fail "the mounted bundle is not served"
curl -fs "http://127.0.0.1:$PORT/model" | grep -q '"name":"mounted"' || fail "wrong bundle served"
$ENGINE stop -t 10 "$NAME" >/dev/null
cleanup
rm -rf "$work"
echo "train target: bundle trained into the mounted models/ and served from a volume"

echo "--- compose"
"${COMPOSE[@]}" up -d --build >/tmp/compose-up.log 2>&1 || { tail -30 /tmp/compose-up.log; fail "compose up"; }
compose_ready=$(wait_ready "http://127.0.0.1:8000" 60) || { "${COMPOSE[@]}" logs | tail -20; "${COMPOSE[@]}" down; fail "compose service not ready"; }
check_predict "http://127.0.0.1:8000" || { "${COMPOSE[@]}" down; exit 1; }
echo "compose: ready in ${compose_ready}s, POST /predict ok"
"${COMPOSE[@]}" down >/dev/null 2>&1
echo "container check passed"
