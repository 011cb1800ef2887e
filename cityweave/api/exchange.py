"""Endpoints of events and practice transfers."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["exchange"])
