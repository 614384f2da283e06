"""Pod semantics of the simulated apiserver, the surface the rest of the server imports: defaulting on
create, and validation of a create, of a plain update and of the pods/ephemeralcontainers subresource,
with the apiserver's own field errors.

Sources mirrored (Kubernetes 1.32): pkg/apis/core/v1/defaults.go (scheme defaults),
pkg/apis/core/validation/validation.go, pkg/registry/core/pod/strategy.go, the ServiceAccount,
DefaultTolerationSeconds and Priority admission plugins, and apimachinery's field.Error /
errors.NewInvalid formatting. Objects are plain JSON dicts in the v1 wire shape.

Where each part lives: poddefaults (scheme defaults and default_pod), podadmission (the mutating
admission plugins), podqos (the QoS class), podvalidation, containervalidation and securityvalidation
(create validation), podupdate (plain updates), ephemeral (the subresource), fielderrors (field errors
and how they print).
"""

from __future__ import annotations

from .ephemeral import update_ephemeral_containers
from .fielderrors import go_quote
from .podadmission import TOKEN_MOUNT_PATH
from .poddefaults import default_pod
from .podupdate import validate_pod_update
from .podvalidation import validate_pod_create

__all__ = ["TOKEN_MOUNT_PATH", "default_pod", "go_quote", "update_ephemeral_containers", "validate_pod_create",
           "validate_pod_update"]
