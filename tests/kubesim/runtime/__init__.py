"""The simulator's node runtime: containers as real Linux processes in namespaces."""

from __future__ import annotations

from .cleanup import make_state_dir
from .node import Container, Images, Node, Sandbox, StartError

__all__ = ["Container", "Images", "Node", "Sandbox", "StartError", "make_state_dir"]
