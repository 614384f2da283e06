#!/usr/bin/env bash
# Deploy tests/kubesim/demo.yaml to the current kubectl context of a real cluster (kind in CI), with
# the distroless images replaced by ones that carry the demo app (see Dockerfile here), then wait
# until the pods the e2e tests use are ready. Usage: deploy-demo.sh KIND_CLUSTER_NAME
set -euo pipefail
cluster="$1"
cd "$(dirname "$0")/../.."

gcc -static -Os -Wall -Wextra -o .github/e2e/app tests/kubesim/runtime/csrc/app.c
docker build -q --build-arg BASE=gcr.io/distroless/static-debian12:nonroot -t dshell-e2e.local/app:nonroot .github/e2e
docker build -q --build-arg BASE=gcr.io/distroless/static-debian12:latest -t dshell-e2e.local/app:root .github/e2e
docker pull -q busybox:1.36.1
kind load docker-image --name "$cluster" dshell-e2e.local/app:nonroot dshell-e2e.local/app:root busybox:1.36.1

# Tags other than :latest keep imagePullPolicy IfNotPresent, so the kubelet uses the loaded images.
sed -e 's#gcr.io/distroless/static-debian12:nonroot#dshell-e2e.local/app:nonroot#' \
    -e 's#gcr.io/distroless/static-debian12:latest#dshell-e2e.local/app:root#' \
    tests/kubesim/demo.yaml | kubectl apply -f -
kubectl wait --for=condition=Ready --timeout=180s pod/web pod/root-app pod/two pod/mesh
kubectl wait --for=condition=Ready --timeout=180s -n secure pod/api
kubectl rollout status --timeout=180s deployment/web
