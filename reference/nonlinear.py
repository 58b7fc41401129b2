"""Non-linear ops whose outputs mix their inputs: max pooling, softmax, losses, batch norm."""
from __future__ import annotations
